"""What every reasoning pattern shares: the context that makes model calls, the budget, the
reasoning steps, and the response.

A pattern never talks to a provider directly. Each of its model calls is a one-turn (or, for
ReAct, multi-turn) run of the core run loop on a throwaway copy of the agent
(:meth:`ReasoningContext.call`), so every call produces the same :class:`TurnStep` (and
:class:`ToolStep`) entries as an ordinary run, and they land in the pattern's trace in the
order they finish. Steps of the pattern itself are :class:`ReasoningStep` entries, emitted
as :class:`ReasoningStepChunk` events the moment they happen.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from agenticraft.core.agent import Agent
from agenticraft.core.errors import AgentiCraftError, ProviderError
from agenticraft.core.events import (
    ApprovalRequiredChunk,
    DoneChunk,
    ExtensionChunk,
    OutputChunk,
    RunEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.fold import RunFold
from agenticraft.core.instructions import InstructionSource
from agenticraft.core.memory import InMemoryConversation
from agenticraft.core.messages import ContentPart, ToolCall, ToolResult, Usage
from agenticraft.core.provider import ModelSettings
from agenticraft.core.response import AgentResponse, TraceStep, TurnStep
from agenticraft.reasoning.steps import ReasoningStep, ReasoningStepChunk

__all__ = [
    "BudgetExhaustedError",
    "ModelCall",
    "PatternResult",
    "ReasoningContext",
    "Selection",
]


class BudgetExhaustedError(AgentiCraftError):
    """A pattern asked for a model call beyond its ``max_model_calls`` budget."""


@dataclass(slots=True)
class ModelCall:
    """One model call a pattern made: what for, what it asked, what came back."""

    number: int
    purpose: str
    prompt: str
    reply: str = ""
    turns: int = 0
    error: str | None = None


@dataclass(slots=True)
class PatternResult:
    """What a pattern concluded. Subclasses add what is specific to the pattern (the tree, the
    votes); ``solved`` is false when the pattern stopped without an answer it stands behind
    (budget, step limit, no surviving branch)."""

    answer: str
    solved: bool = True
    stop_reason: str = "end_turn"


@dataclass(slots=True)
class Selection:
    """Which pattern ``auto`` chose, how (``"model"`` or ``"heuristic"``) and why."""

    pattern: str
    method: str
    reason: str
    model_reply: str | None = None
    error: str | None = None


class ReasoningContext:
    """The model calls, budget, trace and events of one reasoning run.

    ``max_model_calls`` bounds the model requests (model turns) of the run: a call reserves
    its ``max_turns`` when it starts and gives back what it did not use when it ends. Patterns
    ask :meth:`affordable` before a concurrent batch so a batch never overruns the budget.
    """

    def __init__(
        self,
        agent: Agent,
        pattern: str,
        *,
        max_model_calls: int | None = None,
        sink: Callable[[RunEvent], None] | None = None,
        attachments: Sequence[ContentPart] = (),
    ) -> None:
        self.agent = agent
        #: the task's content parts (images, documents): sent with every model call's prompt
        self.attachments = list(attachments)
        self.pattern = pattern
        self.max_model_calls = max_model_calls
        self.steps: list[TraceStep] = []
        self.calls: list[ModelCall] = []
        self.usage = Usage()
        self.turns = 0
        self.tool_calls: list[ToolCall] = []
        self.tool_results: list[ToolResult] = []
        self.selection: Selection | None = None
        self._spent = 0  # model turns used by finished calls plus those reserved by running ones
        self._sink = sink
        self._step_number = 0
        self.run_id = uuid.uuid4().hex

    # -- budget ---------------------------------------------------------------------------
    @property
    def calls_made(self) -> int:
        return len(self.calls)

    @property
    def spent(self) -> int:
        """Model turns used so far (plus those reserved by calls still running)."""
        return self._spent

    @property
    def remaining(self) -> int | None:
        """Model calls left in the budget (``None``: unlimited)."""
        if self.max_model_calls is None:
            return None
        return max(0, self.max_model_calls - self._spent)

    def affordable(self, wanted: int) -> int:
        """How many of ``wanted`` calls the budget still allows."""
        remaining = self.remaining
        return wanted if remaining is None else min(wanted, remaining)

    # -- events -----------------------------------------------------------------------------
    def emit(self, chunk: RunEvent) -> None:
        """Stream ``chunk`` as an event of this reasoning run: its run id, and the number of the
        model turn it belongs to (or the last one, for the pattern's own events)."""
        chunk.run_id = self.run_id
        if isinstance(chunk, UsageChunk):  # streamed just before its turn's end is counted
            chunk.turn = self.turns + 1
        elif not isinstance(chunk, TurnEndChunk):  # turn ends are numbered as they are counted
            chunk.turn = self.turns
        if self._sink is not None:
            self._sink(chunk)

    def step(
        self, description: str, content: str = "", confidence: float | None = None, **data: Any
    ) -> ReasoningStep:
        """Record a reasoning step and stream it at once."""
        self._step_number += 1
        step = ReasoningStep(self._step_number, description, content, confidence, self.pattern, data)
        self.steps.append(step)
        self.emit(ReasoningStepChunk.of(step))
        return step

    # -- model calls ------------------------------------------------------------------------
    def _instructions(self, system: str | None) -> list[InstructionSource]:
        return [*self.agent.instruction_sources, *([system] if system else [])]

    async def call(
        self,
        prompt: str,
        *,
        purpose: str,
        system: str | None = None,
        use_tools: bool = False,
        max_turns: int = 1,
        settings: ModelSettings | None = None,
        on_step: Callable[[TraceStep], None] | None = None,
        on_text: Callable[[str], None] | None = None,
        output_type: Any = None,
    ) -> AgentResponse:
        """Run ``prompt`` through the core run loop on a throwaway copy of the agent.

        The copy shares the provider, sees the agent's conversation so far (a copy: nothing is
        written back) and has the agent's tools only with ``use_tools``. Its turn and tool
        steps are added to this trace as they complete (``on_step`` sees each one) and its
        tool and turn events are streamed; ``on_text`` sees the model's text as it arrives.
        ``max_turns`` is cut to what the budget allows; :class:`BudgetExhaustedError` when
        nothing is left. Provider errors propagate after the call is recorded. With
        ``output_type`` the call answers with that type (the agent's output mode, retries and
        validators apply) and its output events are streamed.
        """
        reserved = self.affordable(max_turns)
        if reserved < 1:
            raise BudgetExhaustedError(f"the budget of {self.max_model_calls} model calls is spent")
        self._spent += reserved
        record = ModelCall(len(self.calls) + 1, purpose, prompt)
        self.calls.append(record)
        agent = self.agent
        sub = Agent(
            name=f"{agent.name}:{purpose}",
            instructions=self._instructions(system),
            model=agent.provider,
            toolsets=agent.toolsets if use_tools else (),
            hooks=agent.hooks,
            memory=InMemoryConversation(agent.memory.load(), max_messages=None),
            max_turns=reserved,
            settings=settings or agent.settings,
            tool_timeout=agent.tool_timeout,
            output_type=output_type,
            output_mode=agent.output_mode,
            output_retries=agent.output_retries,
            instrument=agent.instrument,
        )
        for validator in agent.output_validators:
            sub.output_validator(validator)
        fold = RunFold()
        moved = 0
        results_from = len(self.tool_results)
        try:
            # the task's parts go with every call: each one must see the image to reason on it
            async with sub.stream([prompt, *self.attachments] if self.attachments else prompt) as handle:
                async for chunk in handle:
                    if isinstance(chunk, TurnEndChunk):
                        # number turns across the whole reasoning run, one per model turn
                        self.turns += 1
                        record.turns += 1
                        self.usage = self.usage + chunk.usage
                        chunk = dataclasses.replace(chunk, turn=self.turns)
                    fold.add(chunk)
                    match chunk:
                        case TextChunk():
                            if on_text is not None:
                                on_text(chunk.content)
                        case ToolCallChunk():
                            self.tool_calls.append(chunk.call)
                            self.emit(chunk)
                        case ToolResultChunk():
                            self.tool_results[results_from:] = fold.tool_results  # in call order
                            self.emit(chunk)
                        case (
                            UsageChunk()
                            | TurnEndChunk()
                            | ApprovalRequiredChunk()
                            | OutputChunk()
                            | ExtensionChunk()
                        ):
                            self.emit(chunk)
                        case ThinkingChunk() | ToolCallStartChunk() | ToolCallDeltaChunk() | DoneChunk():
                            pass  # the call's own text and parts are side work, not the answer
                        case _:
                            assert_never(chunk)
                    for trace_step in fold.trace.steps[moved:]:
                        self.steps.append(trace_step)
                        if on_step is not None:
                            on_step(trace_step)
                    moved = len(fold.trace.steps)
        except BaseException as exc:
            record.error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, ProviderError):  # a call that produced no turn is still in the trace
                self.step(
                    f"model call {record.number} ({purpose}) failed: {exc}",
                    fold.text,
                    kind="call_failed",
                    call=record.number,
                    purpose=purpose,
                )
            raise
        finally:
            record.reply = fold.text
            self._spent -= reserved - record.turns
        return handle.response

    async def ask(self, prompt: str, *, purpose: str, system: str | None = None, **kw: Any) -> str:
        """One model call without tools; its answer text."""
        response = await self.call(prompt, purpose=purpose, system=system, **kw)
        return response.content

    def turn_steps(self) -> list[TurnStep]:
        return [s for s in self.steps if isinstance(s, TurnStep)]


def config_error(pattern: str, message: str) -> AgentiCraftError:
    """A :class:`ConfigurationError` naming the pattern."""
    from agenticraft.core.errors import ConfigurationError

    return ConfigurationError(f"{pattern}: {message}")
