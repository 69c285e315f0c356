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

from agenticraft.core.media.parts import MediaKind
from agenticraft.core.media.support import IMAGE_TYPES, MediaSupport

__all__ = ["anthropic_support", "ollama_support", "openai_support"]

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
