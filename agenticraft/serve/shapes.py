"""Checks of request shapes: each returns the value or raises a 400 naming where it is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agenticraft.serve.encoder import RequestError

__all__ = ["conversation_header", "field", "object_", "optional", "text_content"]

_MAX_ID = 200


def object_(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RequestError(400, f"{where} must be a JSON object, not {_kind(value)}")
    return value


def field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``data[name]``, required and of ``kind``."""
    if name not in data:
        raise RequestError(400, f"{where}.{name} is required")
    return optional(data, name, kind, where)


def optional(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``data[name]`` if present and not null (then of ``kind``), else ``None``."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
        names = " or ".join(_name(k) for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise RequestError(400, f"{where}.{name} must be {names}, not {_kind(value)}")
    return value


def text_content(value: Any, where: str) -> str:
    """Message content given as text or as a list of ``{"type": "text", "text": ...}`` parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for i, part in enumerate(value):
            part = object_(part, f"{where}[{i}]")
            if part.get("type") == "text":
                texts.append(str(field(part, "text", str, f"{where}[{i}]")))
            # images, files and the rest: not understood by every model; left out
        return "".join(texts)
    raise RequestError(400, f"{where} must be a string or a list of parts, not {_kind(value)}")


def conversation_header(headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    """The conversation id of the ``X-Conversation-Id`` header or the ``conversation_id`` field."""
    value = headers.get("x-conversation-id") or body.get("conversation_id")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID:
        raise RequestError(400, f"the conversation id must be a string of 1 to {_MAX_ID} characters")
    return value.strip()


def _name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", list: "a list", dict: "an object"}.get(
        kind, kind.__name__
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list"}.get(
        type(value), "an object" if isinstance(value, dict) else type(value).__name__
    )
