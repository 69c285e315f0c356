"""Run events: what ``Agent.stream`` yields, and what providers yield one level down.

A run is a stream of :class:`StreamChunk` events. Each kind is a small slotted dataclass with a
literal ``type`` tag, so consumers can ``match`` on the class or compare ``chunk.type``.
``chunk.content`` is the text of a ``text`` chunk and ``""`` for every other kind, so
``print(chunk.content, end="")`` prints exactly the answer.

Every event carries ``run_id`` and ``turn`` (the model turn it belongs to, 0 before the first).
Text, thinking and tool-call events carry ``part``: the position of their part in the turn's
assistant message, so a UI encoder knows where a message part starts (a new ``(turn, part)``)
and ends (the next part, or ``turn_end``) without guessing. Capabilities add their own events
through :class:`ExtensionChunk` (a name and a JSON payload), so core names no capability.

Every event round-trips through :meth:`StreamChunk.to_dict` and :func:`chunk_from_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

from agenticraft.core.media.parts import MediaPart, part_from_dict
from agenticraft.core.messages import ToolCall, ToolResult, Usage, tool_call_from_dict, usage_from_dict
from agenticraft.core.response import AgentResponse, ExtensionStep, TraceStep, to_jsonable

__all__ = [
    "ApprovalRequiredChunk",
    "ChunkType",
    "DoneChunk",
    "ExtensionChunk",
    "NestedChunk",
    "OutputChunk",
    "ProviderEvent",
    "RunEvent",
    "StreamChunk",
    "TextChunk",
    "ThinkingChunk",
    "ToolCallChunk",
    "ToolCallDeltaChunk",
    "ToolCallStartChunk",
    "ToolResultChunk",
    "TurnEndChunk",
    "UsageChunk",
    "chunk_from_dict",
]

ChunkType = Literal[
    "text",
    "thinking",
    "tool_call_start",
    "tool_call_delta",
    "tool_call",
    "tool_result",
    "usage",
    "turn_end",
    "approval_required",
    "output",
    "extension",
    "done",
]


@dataclass(slots=True)
class StreamChunk:
    """Base of every stream event."""

    type: ClassVar[ChunkType]
    run_id: str = field(default="", kw_only=True, compare=False)
    turn: int = field(default=0, kw_only=True)

    @property
    def content(self) -> str:
        return ""

    def to_dict(self, *, inline_media: bool = False) -> dict[str, Any]:
        """Plain JSON data, with the ``type`` tag first. Content parts (images, documents) are
        given by media type, size and SHA-256; their base64 only with ``inline_media=True``."""
        data: dict[str, Any] = to_jsonable(self, inline_media=inline_media)
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> StreamChunk:
        """The event that :meth:`to_dict` produced (:func:`chunk_from_dict`)."""
        return chunk_from_dict(data)


@dataclass(slots=True)
class TextChunk(StreamChunk):
    """A piece of the answer text."""

    type: ClassVar[Literal["text"]] = "text"
    content: str  # a field here, the "" property on every other kind
    part: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class ThinkingChunk(StreamChunk):
    """A piece of the model's own reasoning; ``signature`` pieces arrive in their own chunk."""

    type: ClassVar[Literal["thinking"]] = "thinking"
    thinking: str
    signature: str | None = None
    redacted: bool = False
    part: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class ToolCallStartChunk(StreamChunk):
    """The model began a tool call."""

    type: ClassVar[Literal["tool_call_start"]] = "tool_call_start"
    id: str
    name: str
    index: int
    part: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class ToolCallDeltaChunk(StreamChunk):
    """A fragment of a tool call's JSON arguments.

    Providers fill what their wire gives (often ``id`` and ``name`` only on the first fragment);
    the accumulator fills ``id``, ``name`` and ``part`` before the chunk reaches the user.

    ``final`` is the adapter saying the call's arguments are complete with this fragment (it
    may be empty): Anthropic's ``content_block_stop``, OpenAI's next call or finish reason,
    Ollama's whole calls. The accumulator then emits the call's ``tool_call`` event at once,
    while the turn still streams, and eager tools may start.
    """

    type: ClassVar[Literal["tool_call_delta"]] = "tool_call_delta"
    arguments_delta: str
    index: int | None = None
    id: str | None = None
    name: str | None = None
    final: bool = field(default=False, kw_only=True)
    part: int = field(default=0, kw_only=True)


@dataclass(slots=True)
class ToolCallChunk(StreamChunk):
    """A complete tool call with parsed arguments (``arguments_error`` when they were not JSON)."""

    type: ClassVar[Literal["tool_call"]] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any]
    arguments_error: str | None = None
    raw_arguments: str | None = None
    part: int = field(default=0, kw_only=True)

    @property
    def call(self) -> ToolCall:
        return ToolCall(self.name, self.arguments, self.id, self.raw_arguments, self.arguments_error)


@dataclass(slots=True)
class ToolResultChunk(StreamChunk):
    """A tool finished: ``result`` on success, ``error`` (the text the model sees) on failure;
    ``parts``, the images and documents it returned."""

    type: ClassVar[Literal["tool_result"]] = "tool_result"
    id: str
    name: str
    result: str | None
    error: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    duration: float = field(default=0.0, compare=False)
    parts: list[MediaPart] = field(default_factory=list, kw_only=True)

    @property
    def is_error(self) -> bool:
        return self.error is not None

    def to_result(self) -> ToolResult:
        """The result as the model gets it and memory keeps it."""
        failed = self.error is not None
        return ToolResult(
            self.id, self.name, (self.error if failed else self.result) or "", failed, list(self.parts)
        )


@dataclass(slots=True)
class UsageChunk(StreamChunk):
    """Token usage. From a provider: the turn's usage so far (latest wins). From a run: once
    per model turn, the turn's final usage."""

    type: ClassVar[Literal["usage"]] = "usage"
    usage: Usage


@dataclass(slots=True)
class TurnEndChunk(StreamChunk):
    """One model turn finished. ``stop_reason`` is one of ``end_turn``, ``tool_use``,
    ``max_tokens``, ``stop_sequence``, ``content_filter``, ``refusal``, ``interrupted``;
    ``raw_stop_reason`` is the provider's own word; ``response_id`` the provider's id of the
    response (``chatcmpl-...``, ``msg_...``), when it sends one.

    ``provider_state`` (from a provider only) is what the provider needs back on the next turn
    and nobody else reads (an OpenAI Responses response id for chaining, say): the accumulator
    keeps it in the turn's message as an :class:`~agenticraft.core.messages.OpaquePart` of that
    provider. The run's own ``turn_end`` events never carry it."""

    type: ClassVar[Literal["turn_end"]] = "turn_end"
    stop_reason: str
    raw_stop_reason: str | None = None
    model: str = ""
    usage: Usage = field(default_factory=Usage)
    duration: float = field(default=0.0, compare=False)
    response_id: str | None = field(default=None, kw_only=True, compare=False)
    provider_state: dict[str, Any] | None = field(default=None, kw_only=True, compare=False)


@dataclass(slots=True)
class ApprovalRequiredChunk(StreamChunk):
    """The run stopped before running tool calls that need a human's approval.

    Resume with ``agent.arun(approvals={call.id: True | False | "reason"}, ...)``.
    """

    type: ClassVar[Literal["approval_required"]] = "approval_required"
    calls: list[ToolCall] = field(default_factory=list)


@dataclass(slots=True)
class OutputChunk(StreamChunk):
    """The run's typed output: a validated snapshot while it streams (``partial``), then the
    final value once (``partial=False``, just before ``done``).

    A partial snapshot is an instance of the output type holding the fields that have arrived
    (validated; the others missing or defaulted), or a list of the items complete so far. In
    ``to_dict`` the value is plain JSON, and :func:`chunk_from_dict` gives that JSON back.
    """

    type: ClassVar[Literal["output"]] = "output"
    output: Any
    partial: bool = True


_EXTENSIONS: dict[str, type[ExtensionChunk]] = {}


@dataclass(slots=True)
class ExtensionChunk(StreamChunk):
    """An event of a capability (a reasoning step, a workflow step, a partial output, ...).

    ``payload`` is plain JSON data. A capability may subclass this with ``extension = "name"``
    to give typed access to its payload; :func:`chunk_from_dict` returns the subclass when its
    module is loaded, the base class otherwise.
    """

    type: ClassVar[Literal["extension"]] = "extension"
    extension: ClassVar[str] = ""
    name: str
    payload: dict[str, Any] = field(default_factory=dict)

    def __init_subclass__(cls) -> None:
        # no super() call: @dataclass(slots=True) remakes this class, and the zero-argument
        # form would name the discarded one
        if cls.extension:
            _EXTENSIONS[cls.extension] = cls  # the slotted class made by @dataclass comes last

    def trace_step(self) -> TraceStep | None:
        """The entry this event adds to the run's trace (``None``: none)."""
        return ExtensionStep(self.name, self.payload)

    @property
    def restarts_turn(self) -> bool:
        """Whether this event voids what the model turn streamed so far (the payload says
        ``"restart_turn": true``): the accumulator and the fold start the turn over. A provider
        that restarts a turn after a failure (a fallback to another model) yields one."""
        return self.payload.get("restart_turn") is True

    def added_usage(self) -> Usage | None:
        """Tokens this event adds to the run's usage (``None``: none; a nested run's turns do)."""
        return None


@dataclass(slots=True)
class NestedChunk(ExtensionChunk):
    """An event of another run inside this one, tagged with where it came from.

    ``source`` names the inner run: the agent called as a tool, the workflow step. ``event``
    is the inner event as that run yielded it (a nested run inside it is one more level of
    ``NestedChunk``), so a UI can show it indented and a consumer can fold it on its own.
    Its model turns' usage counts towards this run's usage; nothing else of it enters this
    run's text, tool calls or trace. Tools emit these through
    :meth:`~agenticraft.core.context.RunContext.emit`.
    """

    extension: ClassVar[str] = "nested"
    name: str = "nested"
    source: str = ""
    event: StreamChunk | None = None

    def __post_init__(self) -> None:
        if isinstance(self.event, dict):  # read back from to_dict()
            self.event = chunk_from_dict(self.event)

    @classmethod
    def of(cls, source: str, event: StreamChunk) -> NestedChunk:
        return cls(source=source, event=event, run_id=event.run_id, turn=event.turn)

    @property
    def path(self) -> list[str]:
        """The sources from the outermost run to the innermost one."""
        inner = self.event
        return [self.source, *(inner.path if isinstance(inner, NestedChunk) else [])]

    @property
    def innermost(self) -> StreamChunk | None:
        """The event at the bottom of the nesting."""
        inner = self.event
        return inner.innermost if isinstance(inner, NestedChunk) else inner

    def trace_step(self) -> TraceStep | None:
        return None

    def added_usage(self) -> Usage | None:
        inner = self.event
        if isinstance(inner, TurnEndChunk):
            return inner.usage
        if isinstance(inner, ExtensionChunk):
            return inner.added_usage()
        return None


@dataclass(slots=True)
class DoneChunk(StreamChunk):
    """The run finished; ``response`` is the final result."""

    type: ClassVar[Literal["done"]] = "done"
    response: AgentResponse


ProviderEvent = TextChunk | ThinkingChunk | ToolCallDeltaChunk | UsageChunk | TurnEndChunk | ExtensionChunk
"""What a provider yields for one model turn (an extension event passes through to the user:
a fallback provider's switch of models, say)."""

RunEvent = (
    TextChunk
    | ThinkingChunk
    | ToolCallStartChunk
    | ToolCallDeltaChunk
    | ToolCallChunk
    | ToolResultChunk
    | UsageChunk
    | TurnEndChunk
    | ApprovalRequiredChunk
    | OutputChunk
    | ExtensionChunk
    | DoneChunk
)
"""Every kind of event a run yields: what a fold or renderer must handle (``match`` it, and end
in ``assert_never``, so a new kind cannot be silently ignored)."""

_KINDS: dict[str, type[StreamChunk]] = {
    cls.type: cls
    for cls in (
        TextChunk,
        ThinkingChunk,
        ToolCallStartChunk,
        ToolCallDeltaChunk,
        ToolCallChunk,
        ToolResultChunk,
        UsageChunk,
        TurnEndChunk,
        ApprovalRequiredChunk,
        OutputChunk,
        ExtensionChunk,
        DoneChunk,
    )
}


def chunk_from_dict(data: dict[str, Any]) -> StreamChunk:
    """The event that :meth:`StreamChunk.to_dict` produced.

    >>> chunk_from_dict(TextChunk("Hi", turn=1).to_dict())
    TextChunk(run_id='', turn=1, content='Hi', part=0)
    """
    kind = data.get("type")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event type: {kind!r}")
    if cls is ExtensionChunk:
        cls = _EXTENSIONS.get(str(data.get("name")), ExtensionChunk)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "usage":
            value = usage_from_dict(value)
        elif f.name == "parts":
            value = [part_from_dict(p) for p in value]
        elif f.name == "calls":
            value = [tool_call_from_dict(c) for c in value]
        elif f.name == "response":
            value = AgentResponse.from_dict(value)
        values[f.name] = value
    return cls(**values)
