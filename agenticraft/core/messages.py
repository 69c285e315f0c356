"""The canonical conversation model: messages, their parts, tool calls and usage.

These types are ours and provider-neutral. Provider adapters translate between them and their
wire formats; nothing else in the package knows a wire format. Every type round-trips through
plain JSON with :func:`message_to_dict` / :func:`message_from_dict`.

A user message holds text parts and content parts (:class:`~agenticraft.core.media.Image`,
:class:`~agenticraft.core.media.Document`, :class:`~agenticraft.core.media.Audio`); a tool
result holds its text and, in ``ToolResult.parts``, the content parts the tool returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from agenticraft.core.media.parts import Audio, ContentPart, Document, Image, MediaPart, part_from_dict

__all__ = [
    "Audio",
    "ContentPart",
    "Document",
    "Image",
    "MediaPart",
    "Message",
    "OpaquePart",
    "Part",
    "Role",
    "TextPart",
    "ThinkingPart",
    "ToolCall",
    "ToolCallPart",
    "ToolResult",
    "ToolResultPart",
    "Usage",
    "message_from_dict",
    "sendable",
    "sendable_text",
    "message_to_dict",
    "messages_from_json",
    "messages_to_json",
    "tool_call_from_dict",
    "tool_call_to_dict",
    "usage_from_dict",
]

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(slots=True)
class Usage:
    """Token counts of one model turn or of a whole run.

    ``input_tokens`` is the whole prompt and ``output_tokens`` the whole answer, on every
    provider; the detail counts are parts of them, not additions, so cost can be computed:
    ``cache_read_tokens`` and ``cache_write_tokens`` are the prompt tokens read from and written
    to the provider's prompt cache (OpenAI reports only reads), ``reasoning_tokens`` the answer
    tokens spent on hidden reasoning. A provider that does not report a detail leaves it 0, and
    ``to_dict`` leaves a zero detail out.

    >>> Usage(120, 30, cache_read_tokens=100).to_dict()
    {'input_tokens': 120, 'output_tokens': 30, 'total_tokens': 150, 'cache_read_tokens': 100}
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )

    def to_dict(self) -> dict[str, int]:
        out = {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }
        for name in ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens"):
            value: int = getattr(self, name)
            if value:
                out[name] = value
        return out


@dataclass(slots=True)
class ToolCall:
    """A complete tool call requested by the model.

    ``arguments`` is the parsed JSON object. When the model sent arguments that are not a JSON
    object, ``arguments`` is empty, ``raw_arguments`` keeps what was sent and
    ``arguments_error`` says what was wrong, so the run can report it to the model.
    """

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    raw_arguments: str | None = None
    arguments_error: str | None = None


@dataclass(slots=True)
class ToolResult:
    """The outcome of one tool call, as sent back to the model: the same shape from the run loop
    to memory. ``content`` is the text the model reads (for a failure: what went wrong);
    ``parts`` the images and documents the tool returned, in order (each adapter sends them
    the way its provider takes content in a tool result)."""

    tool_call_id: str
    name: str
    content: str
    is_error: bool = False
    parts: list[MediaPart] = field(default_factory=list)


@dataclass(slots=True)
class TextPart:
    text: str
    kind: Literal["text"] = "text"


@dataclass(slots=True)
class ThinkingPart:
    """The model's own reasoning.

    ``signature`` (Anthropic) must go back byte-exact with the next turn; ``provider`` says who
    produced it, so adapters of other providers can leave it out. ``redacted`` marks an
    encrypted block whose data is in ``signature``.
    """

    text: str
    signature: str | None = None
    provider: str | None = None
    redacted: bool = False
    kind: Literal["thinking"] = "thinking"


@dataclass(slots=True)
class ToolCallPart:
    call: ToolCall
    kind: Literal["tool_call"] = "tool_call"


@dataclass(slots=True)
class ToolResultPart:
    result: ToolResult
    kind: Literal["tool_result"] = "tool_result"


@dataclass(slots=True)
class OpaquePart:
    """State a provider needs back on the next turn and nobody else may read (an encrypted
    reasoning item, say). Adapters of ``provider`` send ``data`` back as is; others drop it."""

    provider: str
    data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["opaque"] = "opaque"


Part = TextPart | ThinkingPart | ToolCallPart | ToolResultPart | OpaquePart | Image | Document | Audio


@dataclass(slots=True)
class Message:
    """One message of a conversation.

    ``system`` messages hold text parts, ``user`` messages text and content parts (images,
    documents, audio), ``assistant`` messages hold text,
    thinking and tool-call parts, and ``tool`` messages hold the results of the previous
    assistant message's tool calls. ``interrupted`` marks an assistant message that was cut
    off (it holds only what was really received).
    """

    role: Role
    parts: list[Part] = field(default_factory=list)
    interrupted: bool = False

    @classmethod
    def system(cls, text: str) -> Message:
        return cls("system", [TextPart(text)])

    @classmethod
    def user(cls, content: str | Sequence[str | Part]) -> Message:
        """A user message of text, or of a list of text and content parts::

        Message.user(["What is wrong on this chart?", Image.from_path("chart.png")])
        """
        if isinstance(content, str):
            return cls("user", [TextPart(content)])
        parts: list[Part] = []
        for item in content:
            if isinstance(item, str):
                parts.append(TextPart(item))
            elif isinstance(item, (TextPart, MediaPart)):
                parts.append(item)
            else:
                raise TypeError(
                    f"a user message takes text, Image, Document or Audio parts, got {type(item).__name__}"
                )
        return cls("user", parts)

    @classmethod
    def assistant(cls, text: str = "", tool_calls: list[ToolCall] | None = None) -> Message:
        parts: list[Part] = [TextPart(text)] if text else []
        parts.extend(ToolCallPart(c) for c in tool_calls or ())
        return cls("assistant", parts)

    @classmethod
    def tool_results(cls, results: list[ToolResult]) -> Message:
        return cls("tool", [ToolResultPart(r) for r in results])

    @property
    def text(self) -> str:
        """All text parts joined."""
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def thinking(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, ThinkingPart))

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [p.call for p in self.parts if isinstance(p, ToolCallPart)]

    @property
    def results(self) -> list[ToolResult]:
        return [p.result for p in self.parts if isinstance(p, ToolResultPart)]

    @property
    def media(self) -> list[MediaPart]:
        """The content parts: the message's own, then those of its tool results."""
        own = [p for p in self.parts if isinstance(p, MediaPart)]
        return own + [m for r in self.results for m in r.parts]


def sendable_text(text: str) -> str:
    """``text`` as it can be sent: surrogate pairs (a character split across two stream deltas,
    say) joined into their character, and lone surrogates (a file name that is not UTF-8, from
    ``os.listdir``) replaced by U+FFFD. Text that is already valid comes back as is, at once."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def sendable(value: Any) -> Any:
    """A JSON value with every string made :func:`sendable_text` (keys too)."""
    if isinstance(value, str):
        return sendable_text(value)
    if isinstance(value, dict):
        return {sendable_text(str(k)): sendable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sendable(v) for v in value]
    return value


def tool_call_to_dict(call: ToolCall) -> dict[str, Any]:
    return {
        "id": call.id,
        "name": call.name,
        "arguments": call.arguments,
        "raw_arguments": call.raw_arguments,
        "arguments_error": call.arguments_error,
    }


def tool_call_from_dict(data: dict[str, Any]) -> ToolCall:
    return ToolCall(
        name=data["name"],
        arguments=dict(data.get("arguments") or {}),
        id=data.get("id", ""),
        raw_arguments=data.get("raw_arguments"),
        arguments_error=data.get("arguments_error"),
    )


def usage_from_dict(data: dict[str, Any]) -> Usage:
    """The usage that :meth:`Usage.to_dict` produced (``total_tokens`` is derived)."""
    names = {f.name for f in fields(Usage)}
    return Usage(**{k: v for k, v in data.items() if k in names})


def _part_to_dict(part: Part, inline: bool = True) -> dict[str, Any]:
    if isinstance(part, MediaPart):
        return part.to_dict(inline=inline)
    if isinstance(part, TextPart):
        return {"kind": "text", "text": part.text}
    if isinstance(part, ThinkingPart):
        return {
            "kind": "thinking",
            "text": part.text,
            "signature": part.signature,
            "provider": part.provider,
            "redacted": part.redacted,
        }
    if isinstance(part, ToolCallPart):
        return {"kind": "tool_call", **tool_call_to_dict(part.call)}
    if isinstance(part, OpaquePart):
        return {"kind": "opaque", "provider": part.provider, "data": part.data}
    r = part.result
    out = {
        "kind": "tool_result",
        "tool_call_id": r.tool_call_id,
        "name": r.name,
        "content": r.content,
        "is_error": r.is_error,
    }
    if r.parts:
        out["parts"] = [m.to_dict(inline=inline) for m in r.parts]
    return out


def _part_from_dict(data: dict[str, Any]) -> Part:
    kind = data.get("kind")
    if kind == "text":
        return TextPart(data["text"])
    if kind == "thinking":
        return ThinkingPart(
            data["text"], data.get("signature"), data.get("provider"), bool(data.get("redacted"))
        )
    if kind == "tool_call":
        return ToolCallPart(tool_call_from_dict(data))
    if kind == "opaque":
        return OpaquePart(data["provider"], dict(data.get("data") or {}))
    if kind == "tool_result":
        return ToolResultPart(
            ToolResult(
                data["tool_call_id"],
                data["name"],
                data["content"],
                bool(data.get("is_error")),
                [part_from_dict(m) for m in data.get("parts") or ()],
            )
        )
    if kind in ("image", "document", "audio"):
        return part_from_dict(data)
    raise ValueError(f"unknown message part kind: {kind!r}")


def message_to_dict(message: Message, *, inline_media: bool = True) -> dict[str, Any]:
    """A JSON-ready dict of ``message``; content parts hold their base64 unless
    ``inline_media=False`` (then only their media type, size and SHA-256)."""
    out: dict[str, Any] = {
        "role": message.role,
        "parts": [_part_to_dict(p, inline_media) for p in message.parts],
    }
    if message.interrupted:
        out["interrupted"] = True
    return out


def message_from_dict(data: dict[str, Any]) -> Message:
    """The message that :func:`message_to_dict` produced."""
    role = data["role"]
    if role not in ("system", "user", "assistant", "tool"):
        raise ValueError(f"unknown message role: {role!r}")
    return Message(role, [_part_from_dict(p) for p in data["parts"]], bool(data.get("interrupted")))


def messages_to_json(messages: list[Message]) -> str:
    import json

    return json.dumps([message_to_dict(m) for m in messages])


def messages_from_json(text: str) -> list[Message]:
    import json

    return [message_from_dict(d) for d in json.loads(text)]
