"""What a provider (and model family) takes, checked before a request is sent.

Each provider adapter describes what its wire and its model family accept in a
:class:`MediaSupport`: the kinds of content, their media types, whether a URL will do, the
largest part and the most images per request. :func:`check_media` walks a request's messages
(user parts and tool-result parts) and raises a :class:`~agenticraft.core.errors.ConfigurationError`
naming the model and the part for the first one that cannot go, before anything is sent. An
oversized image is refused, or, with ``downscale=True``, replaced by a smaller copy (needs
Pillow, see :mod:`agenticraft.core.media.resize`); the copy is made once and kept on the part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.media.parts import MediaKind, MediaPart
from agenticraft.core.messages import Message, Part, ToolResultPart

__all__ = ["IMAGE_TYPES", "MediaSupport", "check_media"]

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""The image types every vision API takes."""


@dataclass(frozen=True, slots=True)
class MediaSupport:
    """What one provider and model take. A kind missing from ``media_types`` is not taken at
    all (``why`` says so in the error: "gpt-3.5-turbo takes no images"); a media type of
    ``text/*`` stands for every text type."""

    media_types: Mapping[MediaKind, frozenset[str]] = field(default_factory=dict)
    urls: frozenset[MediaKind] = frozenset()
    max_bytes: Mapping[MediaKind, int] = field(default_factory=dict)
    max_images: int | None = None
    in_tool_results: frozenset[MediaKind] = frozenset({"image", "document", "audio"})
    why: Mapping[MediaKind, str] = field(default_factory=dict)

    def takes(self, part: MediaPart) -> bool:
        allowed = self.media_types.get(part.kind)
        if allowed is None:
            return False
        media_type = part.media_type
        if media_type is None:  # a URL that does not say: the provider will tell
            return True
        return media_type in allowed or (media_type.startswith("text/") and "text/*" in allowed)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def check_media(
    messages: Sequence[Message],
    support: MediaSupport,
    model: str,
    *,
    downscale: bool = False,
    fetch_urls: bool = False,
) -> list[Message]:
    """``messages`` checked against ``support`` for ``model`` (a label such as
    ``anthropic:claude-sonnet-4-6``): the same messages, with a downscaled copy in place of an
    oversized image when ``downscale``; raises :class:`ConfigurationError` for a part that
    cannot be sent. ``fetch_urls`` says a URL the provider cannot fetch will be fetched by us."""
    out: list[Message] = []
    images = 0
    for message in messages:
        changed = False
        parts: list[Part] = []
        for part in message.parts:
            if isinstance(part, MediaPart):
                checked = _checked(part, support, model, downscale, fetch_urls, in_tool_result=False)
                images += checked.kind == "image"
                changed = changed or checked is not part
                part = cast(Part, checked)  # one of Image, Document, Audio
            elif isinstance(part, ToolResultPart) and part.result.parts:
                kept = [
                    _checked(p, support, model, downscale, fetch_urls, in_tool_result=True)
                    for p in part.result.parts
                ]
                images += sum(p.kind == "image" for p in kept)
                if any(a is not b for a, b in zip(kept, part.result.parts, strict=True)):
                    part = ToolResultPart(replace(part.result, parts=kept))
                    changed = True
            parts.append(part)
        out.append(replace(message, parts=parts) if changed else message)
    if support.max_images is not None and images > support.max_images:
        raise ConfigurationError(
            f"{model} takes at most {support.max_images} images per request; this one has {images}"
        )
    return out


def _checked(
    part: MediaPart,
    support: MediaSupport,
    model: str,
    downscale: bool,
    fetch_urls: bool,
    *,
    in_tool_result: bool,
) -> MediaPart:
    if not part.has_content:
        raise ConfigurationError(
            f"{model} cannot be sent {part.label}: it was stored without its bytes "
            "(to_dict(inline_media=False)); keep conversations with inline_media=True"
        )
    if part.kind not in support.media_types:
        why = support.why.get(part.kind) or f"it takes no {part.kind} input"
        raise ConfigurationError(f"{model} cannot take {part.label}: {why}")
    if in_tool_result and part.kind not in support.in_tool_results:
        raise ConfigurationError(f"{model} cannot take {part.label} in a tool result")
    if not support.takes(part):
        allowed = ", ".join(sorted(support.media_types[part.kind]))
        raise ConfigurationError(f"{model} cannot take {part.label}: it takes {part.kind}s of {allowed}")
    if part.is_url and part.kind not in support.urls and not fetch_urls:
        raise ConfigurationError(
            f"{model} cannot fetch {part.label}: give the bytes ({type(part).__name__}.from_bytes or "
            "from_path), or let AgentiCraft fetch it with ModelSettings(fetch_media_urls=True)"
        )
    limit = support.max_bytes.get(part.kind)
    size = part.size
    if limit is not None and size is not None and size > limit:
        if downscale and part.kind == "image":
            from agenticraft.core.media.resize import downscaled

            return downscaled(part, limit)
        hint = " or pass ModelSettings(downscale_images=True) (needs Pillow)" if part.kind == "image" else ""
        raise ConfigurationError(
            f"{model} cannot take {part.label}: it is {_megabytes(size)} and the limit is "
            f"{_megabytes(limit)} per {part.kind}; send a smaller one{hint}"
        )
    return part
