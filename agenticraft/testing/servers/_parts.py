"""The content parts (images, documents, audio) a request body carries, read back per protocol.

Each dialect server reports them through ``server.received_parts`` and can answer about them
(``server.answer_about_parts()``), so a test or a docs example can ask a "model" what it saw.
Sizes and SHA-256 digests are of the decoded bytes, so a test compares them with the part it
sent without holding base64 text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ReceivedPart", "anthropic_parts", "describe_parts", "ollama_parts", "openai_parts"]

_INTRO = re.compile(r"^Returned by tool call (\S+) ")


@dataclass(frozen=True, slots=True)
class ReceivedPart:
    """One content part a request carried: its kind, media type and source (``base64``,
    ``url`` or ``text``); ``size`` and ``sha256`` of the decoded bytes (``None`` for a URL);
    ``tool_call_id`` when it came as (or for) a tool result."""

    kind: str
    media_type: str | None
    source: str
    size: int | None = None
    sha256: str | None = None
    url: str | None = None
    tool_call_id: str | None = None
    detail: str | None = None
    name: str | None = None


def _decoded(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return b""


def _data(
    kind: str, media_type: str | None, raw: bytes, source: str = "base64", **extra: Any
) -> ReceivedPart:
    return ReceivedPart(kind, media_type, source, len(raw), hashlib.sha256(raw).hexdigest(), **extra)


def _data_url(url: str) -> tuple[str | None, bytes] | None:
    if not url.startswith("data:"):
        return None
    header, _, data = url.partition(",")
    return header[5:].removesuffix(";base64") or None, _decoded(data)


def openai_parts(body: Any) -> list[ReceivedPart]:
    """The parts of a Chat Completions body (``image_url``, ``file``, ``input_audio`` parts;
    those of a user message introduced by "Returned by tool call <id>" belong to that call)."""
    out: list[ReceivedPart] = []
    for message in body.get("messages", ()) if isinstance(body, dict) else ():
        content = message.get("content")
        if not isinstance(content, list):
            continue
        call: str | None = None
        for part in content:
            kind = part.get("type")
            if kind == "text":
                match = _INTRO.match(part.get("text", ""))
                call = match.group(1) if match else call
            elif kind == "image_url":
                image = part["image_url"]
                decoded = _data_url(image["url"])
                extra = {"tool_call_id": call, "detail": image.get("detail")}
                if decoded is None:
                    out.append(ReceivedPart("image", None, "url", url=image["url"], **extra))
                else:
                    out.append(_data("image", decoded[0], decoded[1], **extra))
            elif kind == "file":
                file = part["file"]
                decoded = _data_url(file.get("file_data", "")) or (None, b"")
                out.append(
                    _data("document", decoded[0], decoded[1], tool_call_id=call, name=file.get("filename"))
                )
            elif kind == "input_audio":
                audio = part["input_audio"]
                out.append(
                    _data("audio", f"audio/{audio['format']}", _decoded(audio["data"]), tool_call_id=call)
                )
    return out


def _anthropic_block(block: dict[str, Any], call: str | None) -> ReceivedPart | None:
    kind = block.get("type")
    if kind not in ("image", "document"):
        return None
    source = block["source"]
    name = block.get("title")
    if source["type"] == "url":
        return ReceivedPart(kind, None, "url", url=source["url"], tool_call_id=call, name=name)
    if source["type"] == "text":
        raw = source["data"].encode("utf-8")
        return _data(kind, source.get("media_type"), raw, "text", tool_call_id=call, name=name)
    return _data(kind, source.get("media_type"), _decoded(source["data"]), tool_call_id=call, name=name)


def anthropic_parts(body: Any) -> list[ReceivedPart]:
    """The ``image`` and ``document`` blocks of a Messages body, also inside ``tool_result``s."""
    out: list[ReceivedPart] = []
    for message in body.get("messages", ()) if isinstance(body, dict) else ():
        content = message.get("content")
        for block in content if isinstance(content, list) else ():
            if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                for inner in block["content"]:
                    found = _anthropic_block(inner, block["tool_use_id"])
                    if found is not None:
                        out.append(found)
                continue
            found = _anthropic_block(block, None)
            if found is not None:
                out.append(found)
    return out


def ollama_parts(body: Any) -> list[ReceivedPart]:
    """The ``images`` of an ``/api/chat`` body's messages (media type told from the bytes)."""
    from agenticraft.core.media.sniff import sniff_media_type

    out: list[ReceivedPart] = []
    for message in body.get("messages", ()) if isinstance(body, dict) else ():
        match = _INTRO.match(message.get("content") or "")
        for image in message.get("images") or ():
            raw = _decoded(image)
            out.append(
                _data(
                    "image", sniff_media_type(raw[:32]), raw, tool_call_id=match.group(1) if match else None
                )
            )
    return out


def describe_parts(parts: list[ReceivedPart]) -> str:
    """What a scripted model answers about the parts it received::

    I received 2 parts: image image/png (68 bytes); document application/pdf (1,024 bytes).
    """
    if not parts:
        return "I received no images or documents."
    items = []
    for p in parts:
        where = f"{p.size:,} bytes" if p.size is not None else p.url
        via = f", from tool call {p.tool_call_id}" if p.tool_call_id else ""
        items.append(f"{p.kind} {p.media_type or 'of unknown type'} ({where}{via})")
    return f"I received {len(parts)} part{'s' * (len(parts) > 1)}: " + "; ".join(items) + "."
