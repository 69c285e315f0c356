"""Handoffs: an agent hands the conversation to another agent, which answers in its place.

``Agent(handoffs=[billing, support])`` offers the model one transfer tool per target
(``transfer_to_billing``). When the model calls one, the run ends through the run's end
condition (:class:`HandoffEnd`, a :class:`~agenticraft.core.run_end.RunEnd` around the usual
one): the call is answered ``Transferred to billing.`` and a :class:`HandoffChunk` is streamed.
Then the target runs on the same conversation (the same memory and conversation id), with its
own instructions, tools, model and handoffs, in the same stream, without a new user message
(the conversation ends in the transfer's result). ``response.agent`` names the agent that
answered; the response covers every agent's part (text, usage, trace, messages).

:func:`handoff` sets a transfer's tool name, description and ``input_filter``: what history
the target sees (:func:`recent` keeps the last messages); memory still keeps everything.
``max_handoffs`` (on the agent the run starts on) stops a loop of transfers with
:class:`~agenticraft.core.errors.MaxHandoffsExceededError`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from agenticraft.core.context import RunContext
from agenticraft.core.errors import ConfigurationError, MaxHandoffsExceededError
from agenticraft.core.events import DoneChunk, ExtensionChunk, RunEvent
from agenticraft.core.loop import run_events
from agenticraft.core.memory import DEFAULT_CONVERSATION, ConversationMemory
from agenticraft.core.messages import Message, ToolResult, Usage
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.core.response import AgentResponse, RunTrace
from agenticraft.core.run_end import RunEnd, TurnVerdict
from agenticraft.core.toolsets import Toolset

if TYPE_CHECKING:
    from agenticraft.core.accumulator import ModelTurn
    from agenticraft.core.agent import Agent
    from agenticraft.core.loop import RunConfig, RunState
    from agenticraft.core.toolsets import ResolvedTool

__all__ = [
    "Handoff",
    "HandoffChunk",
    "HandoffEnd",
    "HandoffRun",
    "HandoffToolset",
    "InputFilter",
    "handoff",
    "recent",
]

InputFilter = Callable[[list[Message]], list[Message]]
"""What history a handoff's target sees: the conversation so far in, the messages to send out.
Keep the last message (the transfer's result): the target answers after it."""


@dataclass(slots=True)
class Handoff:
    """A transfer to ``agent``: the tool the model calls and what the target sees."""

    agent: Agent[Any]
    tool_name: str = ""
    description: str = ""
    input_filter: InputFilter | None = None

    def __post_init__(self) -> None:
        if not self.tool_name:
            self.tool_name = "transfer_to_" + re.sub(r"[^A-Za-z0-9_-]", "_", self.agent.name)[:52]
        if not self.description:
            self.description = (
                f"Hand the conversation to the {self.agent.name} agent, who then answers the user."
            )


def handoff(
    agent: Agent[Any],
    *,
    tool_name: str | None = None,
    description: str | None = None,
    input_filter: InputFilter | None = None,
) -> Handoff:
    """A transfer to ``agent`` with its own tool name, description or input filter::

    triage = Agent("triage", model=..., handoffs=[handoff(billing, input_filter=recent(4)), support])
    """
    return Handoff(agent, tool_name or "", description or "", input_filter)


def recent(n: int) -> InputFilter:
    """An input filter keeping the last ``n`` messages, cut where a user message starts (so a
    tool result is never separated from its call), and at least the transfer's turn."""
    if n < 1:
        raise ConfigurationError(f"recent() keeps at least 1 message, got {n}")

    def keep(messages: list[Message]) -> list[Message]:
        start = max(0, len(messages) - n)
        while start > 0 and messages[start].role == "tool":
            start -= 1  # the call that a kept result answers
        return messages[start:]

    return keep


def as_handoffs(targets: Sequence[Agent[Any] | Handoff]) -> list[Handoff]:
    """``targets`` as :class:`Handoff` objects; two with one tool name are an error."""
    out: list[Handoff] = []
    for target in targets:
        if not isinstance(target, Handoff):
            if not (hasattr(target, "_config") and isinstance(getattr(target, "name", None), str)):
                raise ConfigurationError(f"handoffs= takes agents or handoff(...), got {target!r}")
            target = Handoff(target)
        if any(h.tool_name == target.tool_name for h in out):
            raise ConfigurationError(f"two handoffs use the tool name {target.tool_name!r}")
        out.append(target)
    return out


@dataclass(slots=True)
class HandoffChunk(ExtensionChunk):
    """The run was handed from one agent to another (``payload``: ``from``, ``to``)."""

    extension: ClassVar[str] = "handoff"

    @classmethod
    def of(cls, source: str, target: str) -> HandoffChunk:
        return cls("handoff", {"from": source, "to": target})


class HandoffToolset(Toolset):
    """The transfer tools. The calls never run: :class:`HandoffEnd` answers them."""

    def __init__(self, handoffs: Sequence[Handoff]) -> None:
        self.handoffs = list(handoffs)
        self.label = "the agent's handoffs"

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        return [ToolDefinition(h.tool_name, h.description, sequential=True) for h in self.handoffs]

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        raise RuntimeError(f"{name} is answered by the run's end condition, never run")


class HandoffEnd(RunEnd):
    """The run's end condition with transfers: a turn that calls a transfer tool ends the run
    (every call of the turn answered), and :attr:`target` says to whom; otherwise ``inner``
    decides (plain text, typed output)."""

    def __init__(self, inner: RunEnd, handoffs: Sequence[Handoff], agent_name: str) -> None:
        self.inner = inner
        self.by_tool = {h.tool_name: h for h in handoffs}
        self.agent_name = agent_name
        self.watch = inner.watch
        self.typed = inner.typed
        self.target: Handoff | None = None

    def __getattr__(self, name: str) -> Any:  # the inner end's extras (instructions, debounce)
        return getattr(self.inner, name)

    def prepare(self, request: ModelRequest, tools: Mapping[str, ResolvedTool]) -> ModelRequest:
        return self.inner.prepare(request, tools)

    async def judge(self, ctx: RunContext[Any], turn: ModelTurn) -> TurnVerdict:
        transfer = next((c for c in turn.tool_calls if c.name in self.by_tool), None)
        if transfer is None:
            return await self.inner.judge(ctx, turn)
        target = self.target = self.by_tool[transfer.name]
        to = target.agent.name
        answered = {
            c.id: ToolResult(c.id, c.name, f"Transferred to {to}.")
            if c is transfer
            else ToolResult(c.id, c.name, f"Not run: the conversation was handed off to {to}.", True)
            for c in turn.tool_calls
        }
        return TurnVerdict(done=True, answered=answered, events=[HandoffChunk.of(self.agent_name, to)])


class _FilteredMemory:
    """A memory whose ``load`` goes through a handoff's input filter; writes go through."""

    def __init__(self, memory: ConversationMemory, keep: InputFilter) -> None:
        self.memory = memory
        self.keep = keep

    def load(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[Message]:
        return list(self.keep(self.memory.load(conversation_id)))

    def append(self, messages: Sequence[Message], conversation_id: str = DEFAULT_CONVERSATION) -> None:
        self.memory.append(messages, conversation_id)

    def clear(self, conversation_id: str = DEFAULT_CONVERSATION) -> None:
        self.memory.clear(conversation_id)


NextRun = Callable[["Agent[Any]", "RunConfig"], "RunState"]
"""Builds the target's run from the target and the config of the run that handed off."""


def merge_responses(parts: Sequence[AgentResponse]) -> AgentResponse:
    """One response for a chain of runs: the last one's answer and output, everything's text,
    calls, usage, trace and messages."""
    last = parts[-1]
    if len(parts) == 1:
        return last
    usage = Usage()
    for part in parts:
        usage = usage + part.usage
    return replace(
        last,
        content="".join(p.content for p in parts),
        tool_calls=[c for p in parts for c in p.tool_calls],
        tool_results=[r for p in parts for r in p.tool_results],
        usage=usage,
        trace=RunTrace([s for p in parts for s in p.trace.steps]),
        messages=[m for p in parts for m in p.messages],
    )


class HandoffRun:
    """A run that may pass from agent to agent: what :class:`~agenticraft.core.agent.AgentStream`
    drives when the agent has handoffs (it stands in for the one run's state)."""

    def __init__(self, first: RunState, next_run: NextRun, max_handoffs: int) -> None:
        self.current = first
        self.next_run = next_run
        self.max_handoffs = max_handoffs
        self.before: list[AgentResponse] = []  # the finished runs that handed off
        self.chain = [first.config.agent_name]
        self._complete = False

    @property
    def config(self) -> RunConfig:
        return self.current.config

    @property
    def finished(self) -> bool:
        return self._complete

    @property
    def interrupted(self) -> bool:
        return self.current.interrupted

    @interrupted.setter
    def interrupted(self, value: bool) -> None:
        self.current.interrupted = value

    @property
    def text(self) -> str:
        return "".join(r.content for r in self.before) + self.current.text

    def commit(self) -> None:
        self.current.commit()

    def snapshot(self) -> AgentResponse:
        return merge_responses([*self.before, self.current.snapshot()])

    async def events(self) -> AsyncGenerator[RunEvent, None]:
        while True:
            state = self.current
            end = state.config.end
            async for event in run_events(state):
                if type(event) is DoneChunk:
                    if isinstance(end, HandoffEnd) and end.target is not None:
                        continue  # the run goes on with the target: not done yet
                    self._complete = True
                    event = DoneChunk(self.snapshot(), run_id=event.run_id, turn=event.turn)
                yield event
            target = end.target if isinstance(end, HandoffEnd) else None
            if target is None:
                return
            self.before.append(state.snapshot())
            if len(self.chain) - 1 >= self.max_handoffs:
                error = MaxHandoffsExceededError(self.max_handoffs, [*self.chain, target.agent.name])
                error.partial_response = merge_responses(self.before)
                raise error
            memory: ConversationMemory = state.config.memory
            if isinstance(memory, _FilteredMemory):  # the last target's filter is not this one's
                memory = memory.memory
            if target.input_filter is not None:
                memory = _FilteredMemory(memory, target.input_filter)
            self.current = self.next_run(target.agent, replace(state.config, memory=memory))
            self.chain.append(target.agent.name)
