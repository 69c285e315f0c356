"""What each provider's wire, and where known its model family, takes as content parts.

The figures are the providers' documented limits: OpenAI takes images of up to 20 MB (500 per
request) by URL or data URL, PDFs as ``file`` parts and WAV/MP3 as ``input_audio`` (audio
models only); Anthropic images of up to 5 MB (100 per request), PDFs and plain text as
``document`` blocks, no audio; Ollama base64 images only (no URL: it cannot fetch one) and
text documents (sent as text). A model family known to take no images (``gpt-3.5-turbo``,
``claude-2``) is refused by name; an unknown model (an OpenAI-compatible server's) is let
through and the server has the last word.
"""

from __future__ import annotations

import httpx2

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.media.parts import MediaKind, MediaPart
from agenticraft.core.media.support import IMAGE_TYPES, MediaSupport
from agenticraft.core.network_guard import check_request_allowed

__all__ = ["MAX_FETCH_BYTES", "anthropic_support", "fetch_part", "ollama_support", "openai_support"]

_MB = 1024 * 1024
_TEXT = frozenset({"text/*"})

_OPENAI_TEXT_ONLY = ("gpt-3.5", "gpt-4-0", "gpt-4-32k", "o1-mini", "o3-mini", "davinci", "babbage")


def openai_support(model: str) -> MediaSupport:
    """OpenAI Chat Completions (and compatible servers) for ``model``."""
    name = model.lower()
    if name == "gpt-4" or name.startswith(_OPENAI_TEXT_ONLY):
        reason = f"{model} is a text-only model"
        return MediaSupport(
            why={"image": reason, "document": reason, "audio": reason}, media_types={"document": _TEXT}
        )
    media_types: dict[MediaKind, frozenset[str]] = {
        "image": IMAGE_TYPES,
        "document": frozenset({"application/pdf", "text/*"}),
    }
    why: dict[MediaKind, str] = {}
    if "audio" in name:
        media_types["audio"] = frozenset({"audio/wav", "audio/mpeg"})
    else:
        why["audio"] = "audio input needs an audio model (gpt-4o-audio-preview, gpt-audio)"
    return MediaSupport(
        media_types=media_types,
        urls=frozenset({"image"}),
        max_bytes={"image": 20 * _MB, "document": 32 * _MB, "audio": 25 * _MB},
        max_images=500,
        why=why,
    )


def anthropic_support(model: str) -> MediaSupport:
    """Anthropic Messages for ``model``."""
    if model.lower().startswith(("claude-2", "claude-instant")):
        reason = f"{model} is a text-only model"
        return MediaSupport(why={"image": reason, "document": reason, "audio": reason})
    return MediaSupport(
        media_types={"image": IMAGE_TYPES, "document": frozenset({"application/pdf", "text/*"})},
        urls=frozenset({"image", "document"}),
        max_bytes={"image": 5 * _MB, "document": 32 * _MB},
        max_images=100,
        in_tool_results=frozenset({"image", "document"}),
        why={"audio": "Anthropic models take no audio input"},
    )


def ollama_support(model: str) -> MediaSupport:
    """Ollama ``/api/chat`` for ``model`` (whether the model sees images is the server's to say)."""
    return MediaSupport(
        media_types={"image": frozenset({"image/png", "image/jpeg", "image/webp"}), "document": _TEXT},
        urls=frozenset(),
        in_tool_results=frozenset({"image", "document"}),
        why={
            "audio": "Ollama takes no audio input",
        },
    )


MAX_FETCH_BYTES = 20 * 1024 * 1024
"""The most a URL part may hold when we fetch it (for a provider that cannot)."""


async def fetch_part(part: MediaPart, provider: str) -> None:
    """Fill a URL part with the bytes at its URL (kept on the part: fetched once)."""
    url = part.url
    assert url is not None
    check_request_allowed(url, provider)
    try:
        async with httpx2.AsyncClient(timeout=30.0, follow_redirects=False) as client:
            response = await client.get(url)
    except httpx2.HTTPError as exc:
        raise ConfigurationError(f"could not fetch {part.label} for {provider}: {exc}") from None
    if response.status_code != 200:
        raise ConfigurationError(
            f"could not fetch {part.label} for {provider}: HTTP {response.status_code} "
            "(redirects are not followed)"
        )
    if len(response.content) > MAX_FETCH_BYTES:
        raise ConfigurationError(f"{part.label} is over {MAX_FETCH_BYTES:,} bytes; not sent to {provider}")
    part.fill(response.content)
