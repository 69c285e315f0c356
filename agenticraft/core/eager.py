"""Eager tools: calls that start while the model is still streaming its turn.

A model that asks for three lookups and then writes a paragraph has finished the first call's
arguments long before its turn ends. A tool marked ``@tool(eager=True)`` (or every tool of an
``Agent(eager_tools=True)`` not marked ``eager=False``) starts at the call's "complete" point,
the ``tool_call`` event the accumulator emits when the adapter says the arguments are final,
never on a guess from a partial JSON.

What makes it safe, so that the run is the same as a non-eager one:

- a call starts early only when it will surely run: its tool is known, its arguments parse,
  it needs no approval (neither ``requires_approval`` nor its toolset's ``needs_approval``),
  it is not ``sequential``, and the run's ``max_tool_calls`` allows it. Typed-output tools are
  never among the run's tools, so they never start early;
- its result is only *held*: it is yielded, folded and put in memory in the turn's tool round,
  as a non-eager result would be, and only when the turn's final call has the same id, name
  and arguments as the one started (a server that kept streaming arguments gets a fresh run);
- when the turn fails, is interrupted, restarts on another model, stops for approval or ends
  the run, every eager call still running is cancelled and nothing of it is committed.

:class:`EagerStartChunk` marks a start in the event stream: it comes before the turn's
``turn_end``, which is how the stream tells a call started before the turn ended. It adds no
trace step, so the trace is the one a non-eager run has.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from agenticraft.core.context import RunContext
from agenticraft.core.errors import UsageLimitExceededError
from agenticraft.core.events import ExtensionChunk, RunEvent, ToolCallChunk, ToolResultChunk
from agenticraft.core.hooks import HookChain
from agenticraft.core.limits import UsageLimits
from agenticraft.core.messages import ToolCall
from agenticraft.core.response import TraceStep
from agenticraft.core.tool_calls import MAX_TOOL_RESULT_CHARS, start_tool_call
from agenticraft.core.toolsets import ResolvedTool

__all__ = ["EagerCalls", "EagerStartChunk"]

Started = asyncio.Task[tuple[int, ToolResultChunk]]


@dataclass(slots=True)
class EagerStartChunk(ExtensionChunk):
    """A tool call started while its model turn was still streaming.

    ``payload``: the call's ``id`` and ``name``. It comes before the turn's ``turn_end`` event.
    """

    extension: ClassVar[str] = "eager_tool_start"

    @property
    def call_id(self) -> str:
        return str(self.payload.get("id", ""))

    def trace_step(self) -> TraceStep | None:
        return None  # the trace of an eager run is the trace of a non-eager one


def _eager(definition: Any, default: bool) -> bool:
    wanted = definition.eager if definition.eager is not None else default
    return bool(wanted) and not definition.requires_approval and not definition.sequential


class EagerCalls:
    """The eager calls of one model turn: started as the calls complete, handed to the tool
    round, or cancelled."""

    def __init__(
        self,
        tools: Mapping[str, ResolvedTool],
        ctx: RunContext[Any],
        *,
        hooks: HookChain,
        timeout: float | None,
        retries: Mapping[str, int],
        max_result_chars: int | None = MAX_TOOL_RESULT_CHARS,
        usage_limits: UsageLimits | None = None,
        default: bool = False,
    ) -> None:
        self.tools = tools
        self.ctx = ctx
        self.hooks = hooks
        self.timeout = timeout
        self.retries = retries
        self.max_result_chars = max_result_chars
        self.usage_limits = usage_limits
        self.default = default
        self._started: dict[str, tuple[ToolCall, Started]] = {}

    @classmethod
    def for_turn(
        cls, tools: Mapping[str, ResolvedTool], ctx: RunContext[Any], *, default: bool, **options: Any
    ) -> EagerCalls | None:
        """The turn's eager calls, or ``None`` when no tool of the turn may start early (then
        the turn costs nothing more per event)."""
        if not any(_eager(t.definition, default) for t in tools.values()):
            return None
        return cls(tools, ctx, default=default, **options)

    @property
    def started(self) -> list[str]:
        """The ids of the calls started early (and not handed over or cancelled yet)."""
        return list(self._started)

    async def see(self, event: RunEvent) -> EagerStartChunk | None:
        """Look at one event of the streaming turn: a complete call may start; a restart of the
        turn cancels what started."""
        if type(event) is ToolCallChunk:
            return await self._offer(event.call)
        if isinstance(event, ExtensionChunk) and event.restarts_turn:
            await self.cancel()
        return None

    async def _offer(self, call: ToolCall) -> EagerStartChunk | None:
        resolved = self.tools.get(call.name)
        if resolved is None or call.arguments_error is not None or call.id in self._started:
            return None
        if not _eager(resolved.definition, self.default):
            return None
        if await resolved.toolset.needs_approval(call.name, call.arguments, self.ctx):
            return None  # it waits for the turn's end, and for the human's decision
        if self.usage_limits is not None:
            try:
                self.usage_limits.check_tool_calls(self.ctx.tool_calls, len(self._started) + 1)
            except UsageLimitExceededError:
                return None  # the tool round raises it, as it would without eager calls
        task = start_tool_call(
            call,
            self.tools,
            self.ctx,
            hooks=self.hooks,
            timeout=self.timeout,
            retries=self.retries,
            max_result_chars=self.max_result_chars,
        )
        self._started[call.id] = (call, task)
        return EagerStartChunk(
            "eager_tool_start", {"id": call.id, "name": call.name}, run_id=self.ctx.run_id, turn=self.ctx.turn
        )

    def take(self, calls: Sequence[ToolCall]) -> dict[str, Started]:
        """The running calls that are exactly among ``calls`` (the turn's final ones), by id;
        they are handed over, and the others stay to be cancelled."""
        taken: dict[str, Started] = {}
        for call in calls:
            entry = self._started.get(call.id)
            if entry is None:
                continue
            early, task = entry
            if early.name == call.name and early.arguments == call.arguments:
                taken[call.id] = task
                del self._started[call.id]
        return taken

    async def cancel(self) -> None:
        """Cancel every call not handed over; nothing of them is kept."""
        tasks = [task for _, task in self._started.values()]
        self._started.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
