"""The result of a run: :class:`AgentResponse`, its trace and its stream metrics.

Everything here round-trips through plain JSON: :func:`to_jsonable` and the ``from_dict``
constructors. Capabilities put their own entries in the trace as :class:`TraceExtension`
subclasses (a reasoning pattern's steps, say); :class:`ExtensionStep` is the generic one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from agenticraft.core.media.parts import MediaPart, part_from_dict
from agenticraft.core.messages import (
    Message,
    ToolCall,
    ToolResult,
    Usage,
    message_from_dict,
    message_to_dict,
    tool_call_from_dict,
    usage_from_dict,
)

__all__ = [
    "AgentResponse",
    "ExtensionStep",
    "ReasoningTrace",
    "RunTrace",
    "StreamMetrics",
    "ToolStep",
    "TraceExtension",
    "TraceStep",
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


_STEP_KINDS: dict[str, type[TraceExtension]] = {}


class TraceExtension:
    """Base of the trace entries a capability adds (one ``kind`` per subclass).

    A subclass that is a dataclass with a ``kind`` literal default is found again by
    :meth:`RunTrace.from_dict` once its module is loaded.
    """

    __slots__ = ()
    kind: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = getattr(cls, "kind", None)
        if isinstance(kind, str):
            _STEP_KINDS[kind] = cls  # the slotted class made by @dataclass comes last

    def render(self) -> str:
        """One line for :meth:`RunTrace.render`."""
        return f"  {self.kind}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TraceExtension:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class ExtensionStep(TraceExtension):
    """A trace entry of an :class:`~agenticraft.core.events.ExtensionChunk`: its name and payload."""

    name: str
    payload: dict[str, Any] = field(default_factory=dict)
    kind: Literal["extension"] = "extension"

    def render(self) -> str:
        return f"  {self.name}: {self.payload}"


TraceStep = TurnStep | ToolStep | TraceExtension


@dataclass(slots=True)
class RunTrace:
    """Everything that happened in a run, in order."""

    steps: list[TraceStep] = field(default_factory=list)

    @property
    def turns(self) -> list[TurnStep]:
        return [s for s in self.steps if isinstance(s, TurnStep)]

    @property
    def tool_steps(self) -> list[ToolStep]:
        return [s for s in self.steps if isinstance(s, ToolStep)]

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
                lines.append(s.render())
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunTrace:
        steps: list[TraceStep] = []
        for step in data.get("steps", ()):
            kind = step.get("kind")
            if kind == "model_turn":
                steps.append(
                    TurnStep(
                        step["turn"],
                        step["model"],
                        step["stop_reason"],
                        usage_from_dict(step["usage"]),
                        step.get("text", ""),
                        step.get("thinking", ""),
                        [tool_call_from_dict(c) for c in step.get("tool_calls", ())],
                        step.get("duration", 0.0),
                    )
                )
            elif kind == "tool":
                steps.append(
                    ToolStep(
                        step["id"],
                        step["name"],
                        step.get("arguments", {}),
                        step.get("result"),
                        step.get("error"),
                        step.get("duration", 0.0),
                    )
                )
            else:
                steps.append(_STEP_KINDS.get(str(kind), ExtensionStep).from_dict(step))
        return cls(steps)


ReasoningTrace = RunTrace
"""The former name of :class:`RunTrace`."""


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
    printing every ``text`` chunk prints ``content``. ``output`` is the run's result: the
    validated value of the run's ``output_type``, or the last turn's text without one (after an
    interruption, the last partial snapshot, if any). ``messages`` are the messages this run
    added to the conversation. ``agent`` names the agent that answered (after a handoff, the
    target); ``usage`` includes the runs nested in tool calls (agents called as tools).
    """

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop_reason: str = "end_turn"
    trace: RunTrace = field(default_factory=RunTrace)
    messages: list[Message] = field(default_factory=list)
    model: str = ""
    interrupted: bool = False
    metrics: StreamMetrics = field(default_factory=StreamMetrics, compare=False)
    run_id: str = field(default="", compare=False)
    conversation_id: str | None = None
    pending_approvals: list[ToolCall] = field(default_factory=list)
    output: Any = None
    agent: str = ""

    @property
    def thinking(self) -> str:
        return self.trace.thinking

    @property
    def reasoning(self) -> RunTrace:
        """The former name of :attr:`trace`."""
        return self.trace

    def __str__(self) -> str:
        return self.content

    def to_dict(self, *, inline_media: bool = False) -> dict[str, Any]:
        """Plain JSON; content parts without their base64 unless ``inline_media=True``."""
        data: dict[str, Any] = to_jsonable(self, inline_media=inline_media)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentResponse:
        """The response that :meth:`to_dict` produced."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["tool_calls"] = [tool_call_from_dict(c) for c in data.get("tool_calls", ())]
        values["tool_results"] = [
            ToolResult(**{**r, "parts": [part_from_dict(p) for p in r.get("parts", ())]})
            for r in data.get("tool_results", ())
        ]
        values["usage"] = usage_from_dict(data.get("usage", {}))
        values["trace"] = RunTrace.from_dict(data.get("trace", {}))
        values["messages"] = [message_from_dict(m) for m in data.get("messages", ())]
        values["metrics"] = StreamMetrics(**data.get("metrics", {}))
        values["pending_approvals"] = [tool_call_from_dict(c) for c in data.get("pending_approvals", ())]
        return cls(**values)


def to_jsonable(obj: Any, *, inline_media: bool = True) -> Any:
    """Plain JSON data for any of our dataclasses (used for ``--json`` output and logs).
    ``inline_media=False`` gives content parts without their base64 (media type, size, SHA-256)."""
    if isinstance(obj, Message):
        return message_to_dict(obj, inline_media=inline_media)
    if isinstance(obj, MediaPart):
        return obj.to_dict(inline=inline_media)
    if isinstance(obj, Usage):
        return obj.to_dict()
    if is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_jsonable(getattr(obj, f.name), inline_media=inline_media) for f in fields(obj)}
        type_tag = getattr(obj, "type", None)
        if isinstance(type_tag, str):
            out = {"type": type_tag, **out}
        return out
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, inline_media=inline_media) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, inline_media=inline_media) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "__pydantic_fields__") or hasattr(obj, "__pydantic_core_schema__"):
        from pydantic_core import to_jsonable_python  # loaded only for a pydantic value

        return to_jsonable_python(obj)
    return str(obj)
