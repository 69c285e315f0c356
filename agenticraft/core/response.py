"""The result of a run: :class:`AgentResponse`, its reasoning trace and its stream metrics."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from agenticraft.core.messages import Message, ToolCall, ToolResult, Usage, message_to_dict

__all__ = [
    "AgentResponse",
    "ReasoningStep",
    "ReasoningTrace",
    "StreamMetrics",
    "ToolStep",
    "TurnStep",
    "to_jsonable",
]


@dataclass(slots=True)
class TurnStep:
    """One model turn: what the model said, thought and asked for, and why it stopped."""

    turn: int
    model: str
    stop_reason: str
    usage: Usage
    text: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    duration: float = field(default=0.0, compare=False)
    kind: Literal["model_turn"] = "model_turn"


@dataclass(slots=True)
class ToolStep:
    """One tool execution: arguments in, result or error out, and how long it took."""

    id: str
    name: str
    arguments: dict[str, Any]
    result: str | None
    error: str | None
    duration: float = field(default=0.0, compare=False)
    kind: Literal["tool"] = "tool"


@dataclass(slots=True)
class ReasoningStep:
    """One step of a reasoning pattern (Chain of Thought step, explored thought, ReAct step)."""

    number: int
    description: str
    content: str = ""
    confidence: float | None = None
    pattern: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["reasoning_step"] = "reasoning_step"


TraceStep = TurnStep | ToolStep | ReasoningStep


@dataclass(slots=True)
class ReasoningTrace:
    """Everything that happened in a run, in order."""

    steps: list[TraceStep] = field(default_factory=list)

    @property
    def turns(self) -> list[TurnStep]:
        return [s for s in self.steps if isinstance(s, TurnStep)]

    @property
    def tool_steps(self) -> list[ToolStep]:
        return [s for s in self.steps if isinstance(s, ToolStep)]

    @property
    def reasoning_steps(self) -> list[ReasoningStep]:
        return [s for s in self.steps if isinstance(s, ReasoningStep)]

    @property
    def thinking(self) -> str:
        return "".join(s.thinking for s in self.turns)

    def render(self) -> str:
        """A short human-readable account, one line a step."""
        lines = []
        for s in self.steps:
            if isinstance(s, TurnStep):
                calls = ", ".join(c.name for c in s.tool_calls)
                lines.append(
                    f"turn {s.turn} [{s.model}] stop={s.stop_reason} "
                    f"tokens={s.usage.input_tokens}->{s.usage.output_tokens}"
                    + (f" calls: {calls}" if calls else "")
                    + (f" text: {s.text[:60]!r}" if s.text else "")
                )
            elif isinstance(s, ToolStep):
                outcome = f"error: {s.error}" if s.error is not None else f"-> {s.result!r}"
                lines.append(f"  tool {s.name}({s.arguments}) {outcome} in {s.duration * 1000:.1f} ms")
            else:
                conf = f" ({s.confidence:.2f})" if s.confidence is not None else ""
                lines.append(f"  step {s.number}: {s.description}{conf}")
        return "\n".join(lines)


@dataclass(slots=True)
class StreamMetrics:
    """Timing of a run (``chunk_count`` counts the events before ``done``). Not part of equality:
    two identical runs differ only here."""

    chunk_count: int = 0
    time_to_first_token: float | None = None
    duration: float = 0.0
    tokens_per_second: float | None = None


@dataclass(slots=True)
class AgentResponse:
    """The outcome of ``run`` / ``arun`` / ``stream``.

    ``content`` is exactly the text the model streamed during the run (all turns joined), so
    printing every ``text`` chunk prints ``content``. ``messages`` are the messages this run
    added to the conversation.
    """

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop_reason: str = "end_turn"
    reasoning: ReasoningTrace = field(default_factory=ReasoningTrace)
    messages: list[Message] = field(default_factory=list)
    model: str = ""
    interrupted: bool = False
    metrics: StreamMetrics = field(default_factory=StreamMetrics, compare=False)

    @property
    def thinking(self) -> str:
        return self.reasoning.thinking

    @property
    def reasoning_steps(self) -> list[ReasoningStep]:
        return self.reasoning.reasoning_steps

    def __str__(self) -> str:
        return self.content


def to_jsonable(obj: Any) -> Any:
    """Plain JSON data for any of our dataclasses (used for ``--json`` output and logs)."""
    if isinstance(obj, Message):
        return message_to_dict(obj)
    if isinstance(obj, Usage):
        return obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_jsonable(getattr(obj, f.name)) for f in fields(obj)}
        type_tag = getattr(obj, "type", None)
        if isinstance(type_tag, str):
            out = {"type": type_tag, **out}
        return out
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)
