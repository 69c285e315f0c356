"""Conversation content in the GenAI semantic conventions' JSON format, within a size limit.

Recorded only with ``instrument(capture_content=True)``. The shapes are the conventions' own
(``gen_ai.input.messages``, ``gen_ai.output.messages``, ``gen_ai.system_instructions``,
``gen_ai.tool.definitions``)::

    [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
    [{"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "weather",
      "arguments": {"city": "Paris"}}], "finish_reason": "tool_call"}]

Images, documents and audio are recorded by reference, never with their bytes: a URL part as
``{"type": "uri", "modality": "image", "mime_type": ..., "uri": ...}``, a part holding bytes
as ``{"type": "blob", "modality": ..., "mime_type": ..., "size": ..., "sha256": ...}``.

A value larger than the limit keeps valid JSON: long strings are cut first (marked
``...[truncated]``), then the oldest messages are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agenticraft.core.media.parts import MediaPart
from agenticraft.core.messages import (
    Message,
    OpaquePart,
    Part,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)
from agenticraft.core.provider import ToolDefinition

__all__ = [
    "DEFAULT_CONTENT_LIMIT",
    "bounded_json",
    "input_messages",
    "output_messages",
    "system_instructions",
    "tool_definitions",
]

DEFAULT_CONTENT_LIMIT = 16_000
"""Characters of one content attribute (its JSON text) by default."""

_CUT = "...[truncated]"
_FINISH = {"end_turn": "stop", "tool_use": "tool_call", "max_tokens": "length"}


def _part(part: Part) -> dict[str, Any] | None:
    match part:
        case TextPart():
            return {"type": "text", "content": part.text}
        case ThinkingPart():
            return None if part.redacted else {"type": "reasoning", "content": part.text}
        case ToolCallPart():
            call = part.call
            arguments: Any = call.arguments if call.arguments_error is None else call.raw_arguments
            return {"type": "tool_call", "id": call.id, "name": call.name, "arguments": arguments}
        case ToolResultPart():
            return {
                "type": "tool_call_response",
                "id": part.result.tool_call_id,
                "response": part.result.content,
            }
        case OpaquePart():
            return None
        case MediaPart():
            return _media(part)
    return None  # pragma: no cover - every part kind is matched above


def _media(part: MediaPart) -> dict[str, Any]:
    if part.is_url:
        return {"type": "uri", "modality": part.kind, "mime_type": part.media_type, "uri": part.url}
    return {
        "type": "blob",
        "modality": part.kind,
        "mime_type": part.media_type,
        "size": part.size,
        "sha256": part.digest,
    }


def _message(message: Message) -> dict[str, Any]:
    parts = [p for p in map(_part, message.parts) if p is not None]
    return {"role": message.role, "parts": parts}


def input_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """A turn's conversation without its system message (that is the system instructions)."""
    return [_message(m) for m in messages if m.role != "system"]


def system_instructions(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [{"type": "text", "content": m.text} for m in messages if m.role == "system" and m.text]


def output_messages(message: Message, stop_reason: str) -> list[dict[str, Any]]:
    out = _message(message)
    out["finish_reason"] = _FINISH.get(stop_reason, stop_reason)
    return [out]


def tool_definitions(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    return [
        {"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters}
        for t in tools
    ]


def _cut_strings(value: Any, size: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= size else value[:size] + _CUT
    if isinstance(value, dict):
        return {k: _cut_strings(v, size) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_strings(v, size) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def bounded_json(value: Any, limit: int = DEFAULT_CONTENT_LIMIT) -> str:
    """``value`` as JSON text of at most ``limit`` characters, always valid JSON: long strings
    are cut, then the oldest items of a list left out; the last resort is the start of the text
    as one JSON string.

    >>> bounded_json([{"type": "text", "content": "x" * 50}], limit=60)
    '[{"type":"text","content":"xxxxxxxxxxxxxxx...[truncated]"}]'
    """
    text = _dumps(value)
    size = limit
    floor = max(32, limit // 20)  # strings stay this long while older messages can go instead
    while len(text) > limit and size > floor:
        size //= 2
        text = _dumps(_cut_strings(value, size))
    items = value if isinstance(value, list) else None
    while len(text) > limit and items is not None and len(items) > 1:
        items = items[1:]  # the oldest messages go first: the latest say most about this turn
        text = _dumps(_cut_strings(items, size))
    kept = items if items is not None else value
    while len(text) > limit and size > 8:
        size //= 2
        text = _dumps(_cut_strings(kept, size))
    if len(text) <= limit:
        return text
    # the last resort (a huge object of many small values): the start of its text, as a JSON string
    size = max(0, limit - len(_CUT) - 2)
    while size and len(cut := _dumps(text[:size] + _CUT)) > limit:
        size = size * 3 // 4
    return cut if size else _dumps("")[:limit]
