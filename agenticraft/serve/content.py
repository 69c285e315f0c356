"""Content parts of served messages: images, audio and files become core content parts.

Each protocol has its own shape for them, all read here into :mod:`agenticraft.core.media`
parts, so the served agent sees what the client sent instead of losing it:

- OpenAI Chat Completions: ``image_url`` (``{"url": ..., "detail": ...}``), ``input_audio``
  (``{"data": base64, "format": "wav"}``) and ``file`` (``{"file_data": data URL, "filename"}``);
- Vercel AI SDK UI messages: ``{"type": "file", "mediaType": ..., "url": ..., "filename"}``;
- AG-UI: ``{"type": "binary", "mimeType": ..., "data": base64 | "url": ..., "filename"}``, and
  the typed ``image``/``audio``/``document`` parts with a ``source`` (``url`` or ``data``).

A ``data:`` URL (or base64 data) is decoded whole, so bad base64 or bytes that are not the
media type they claim are a 400 naming where they are, not a provider error later. An
``http(s)`` URL is kept as a URL part: the model's provider fetches it, the server never does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from agenticraft.core.errors import MediaError
from agenticraft.core.media import Audio, ContentPart, Document, Image
from agenticraft.core.messages import TextPart
from agenticraft.serve.encoder import RequestError
from agenticraft.serve.shapes import field, object_, optional

__all__ = ["agui_content", "media_part", "openai_content", "vercel_file"]

UserContent = str | list[str | TextPart | ContentPart]


def _class_for(
    media_type: str | None, default: type[Image | Document | Audio]
) -> type[Image | Document | Audio]:
    major = (media_type or "").partition("/")[0].lower()
    if major == "image":
        return Image
    if major == "audio":
        return Audio
    return Document if media_type else default


def media_part(
    where: str,
    *,
    url: str | None = None,
    data: str | None = None,
    media_type: str | None = None,
    name: str | None = None,
    kind: type[Image | Document | Audio] | None = None,
    **options: Any,
) -> ContentPart:
    """A content part from a URL (``data:`` or ``http(s)``) or base64 ``data``; a 400 naming
    ``where`` if it is not one. ``kind``: the part's class when the protocol says it (OpenAI's
    ``image_url``), else told from the media type."""
    if (url is None) == (data is None):
        raise RequestError(400, f"{where} needs a url or data")
    if url is not None and url.startswith("data:"):
        header, comma, data = url.partition(",")
        if not comma or not header.endswith(";base64"):
            raise RequestError(400, f"{where}: a data URL must be base64 (data:<type>;base64,...)")
        media_type = media_type or header[5:].removesuffix(";base64") or None
    cls = kind or _class_for(media_type, Image)
    try:
        if data is not None:
            try:
                base64.b64decode(data, validate=True)  # all of it: a cut or bad tail is the client's error
            except (binascii.Error, ValueError):
                raise RequestError(400, f"{where}: the data is not valid base64") from None
            return cls.from_base64(data, media_type, name=name, **options)
        assert url is not None
        if not url.startswith(("http://", "https://")):
            raise RequestError(400, f"{where}: the url must be http(s) or a data URL")
        return cls.from_url(url, media_type, **options)
    except MediaError as exc:
        raise RequestError(400, f"{where}: {exc}") from None


PartReader = Callable[[str | None, dict[str, Any], str], ContentPart]


def _content(value: Any, where: str, read: PartReader) -> UserContent:
    """Text, or a list of ``text`` parts and the parts ``read(type, part, where)`` reads; text
    alone stays one string (what a text-only message always was)."""
    if value is None or isinstance(value, str):
        return value or ""
    if not isinstance(value, list):
        raise RequestError(400, f"{where} must be a string or a list of parts")
    parts: list[str | TextPart | ContentPart] = []
    for i, raw in enumerate(value):
        pw = f"{where}[{i}]"
        part = object_(raw, pw)
        kind = part.get("type")
        parts.append(field(part, "text", str, pw) if kind == "text" else read(kind, part, pw))
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str))
    return parts


def openai_content(value: Any, where: str) -> UserContent:
    """A user message's ``content`` in Chat Completions: text, or a list of parts."""
    return _content(value, where, _openai_part)


def _openai_part(kind: str | None, part: dict[str, Any], pw: str) -> ContentPart:
    if kind == "image_url":
        image = object_(field(part, "image_url", dict, pw), f"{pw}.image_url")
        url = field(image, "url", str, f"{pw}.image_url")
        detail = optional(image, "detail", str, f"{pw}.image_url")
        if detail not in (None, "auto", "low", "high"):
            raise RequestError(400, f"{pw}.image_url.detail must be auto, low or high")
        return media_part(f"{pw}.image_url", url=url, kind=Image, detail=detail)
    if kind == "input_audio":
        audio = object_(field(part, "input_audio", dict, pw), f"{pw}.input_audio")
        fmt = field(audio, "format", str, f"{pw}.input_audio")
        data = field(audio, "data", str, f"{pw}.input_audio")
        return media_part(f"{pw}.input_audio", data=data, media_type=f"audio/{fmt}", kind=Audio)
    if kind == "file":
        file = object_(field(part, "file", dict, pw), f"{pw}.file")
        if "file_data" not in file:
            raise RequestError(400, f"{pw}.file needs file_data (file ids name no file on this server)")
        url = field(file, "file_data", str, f"{pw}.file")
        name = optional(file, "filename", str, f"{pw}.file")
        return media_part(f"{pw}.file", url=url, name=name, kind=None)
    raise RequestError(400, f"{pw}.type {kind!r} is not supported (text, image_url, input_audio, file)")


def vercel_file(part: dict[str, Any], where: str) -> ContentPart:
    """A UI message's ``file`` part."""
    return media_part(
        where,
        url=field(part, "url", str, where),
        media_type=optional(part, "mediaType", str, where),
        name=optional(part, "filename", str, where),
    )


def agui_content(value: Any, where: str) -> UserContent:
    """An AG-UI user message's ``content``: text, or a list of ``text``, ``binary`` and typed
    (``image``, ``audio``, ``document``) parts."""
    return _content(value, where, _agui_part)


def _agui_part(kind: str | None, part: dict[str, Any], pw: str) -> ContentPart:
    if kind == "binary":
        if "id" in part and "url" not in part and "data" not in part:
            raise RequestError(400, f"{pw}: a binary part by id names no file on this server")
        return media_part(
            pw,
            url=optional(part, "url", str, pw),
            data=optional(part, "data", str, pw),
            media_type=field(part, "mimeType", str, pw),
            name=optional(part, "filename", str, pw),
        )
    if kind in _AGUI_KINDS:
        return _agui_source(part, pw, _AGUI_KINDS[kind])
    raise RequestError(400, f"{pw}.type {kind!r} is not supported (text, binary, image, audio, document)")


_AGUI_KINDS: dict[str, type[Image | Document | Audio]] = {
    "image": Image,
    "audio": Audio,
    "document": Document,
}


def _agui_source(part: dict[str, Any], where: str, cls: type[Image | Document | Audio]) -> ContentPart:
    """AG-UI's typed parts: ``{"type": "image", "source": {"type": "url" | "data", "value",
    "mimeType"}}``."""
    source = object_(field(part, "source", dict, where), f"{where}.source")
    sw = f"{where}.source"
    kind = field(source, "type", str, sw)
    value = field(source, "value", str, sw)
    media_type = optional(source, "mimeType", str, sw)
    if kind == "url":
        return media_part(sw, url=value, media_type=media_type, kind=cls)
    if kind == "data":
        return media_part(sw, data=value, media_type=media_type, kind=cls)
    raise RequestError(400, f"{sw}.type must be url or data, not {kind!r}")
