"""check_media: what a provider takes, refused with the model and the part named."""

from __future__ import annotations

import pytest

from agenticraft import Audio, ConfigurationError, Document, Image
from agenticraft.core.media.parts import part_from_dict
from agenticraft.core.media.support import MediaSupport, check_media
from agenticraft.core.messages import Message, ToolResult
from agenticraft.providers._media import anthropic_support, ollama_support, openai_support

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
TIFF = b"II*\x00" + bytes(16)
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(16)


def test_supported_parts_pass_unchanged() -> None:
    messages = [Message.user(["a", Image.from_bytes(PNG), Document.from_text("t")])]
    assert check_media(messages, anthropic_support("claude-sonnet-4-6"), "m") == messages
    assert check_media(messages, openai_support("gpt-4o"), "m")[0] is messages[0]


def test_media_types_outside_the_list_are_refused() -> None:
    tiff = Image.from_bytes(TIFF, "image/tiff")
    with pytest.raises(
        ConfigurationError, match=r"^m cannot take image .*image/tiff.*takes images of image/gif"
    ):
        check_media([Message.user(["x", tiff])], openai_support("gpt-4o"), "m")


def test_tool_results_are_checked_too() -> None:
    result = Message.tool_results([ToolResult("c", "record", "", parts=[Audio.from_bytes(WAV)])])
    with pytest.raises(ConfigurationError, match="cannot take audio"):
        check_media([result], anthropic_support("claude-sonnet-4-6"), "m")
    only_images = MediaSupport(media_types={"audio": frozenset({"audio/wav"})}, in_tool_results=frozenset())
    with pytest.raises(ConfigurationError, match="in a tool result"):
        check_media([result], only_images, "m")


def test_a_part_stored_without_its_bytes_cannot_be_sent() -> None:
    stub = part_from_dict(Image.from_bytes(PNG).to_dict(inline=False))
    with pytest.raises(ConfigurationError, match="stored without its bytes"):
        check_media([Message.user(["x", stub])], ollama_support("llava"), "ollama:llava")


def test_ollama_urls_need_fetching_allowed() -> None:
    url = Image.from_url("https://example.com/a.png")
    with pytest.raises(ConfigurationError, match="fetch_media_urls=True"):
        check_media([Message.user(["x", url])], ollama_support("llava"), "ollama:llava")
    check_media([Message.user(["x", url])], ollama_support("llava"), "ollama:llava", fetch_urls=True)


def test_model_families() -> None:
    assert "image" not in openai_support("gpt-3.5-turbo").media_types
    assert "image" not in openai_support("gpt-4").media_types
    assert "audio" in openai_support("gpt-4o-audio-preview").media_types
    assert "image" in openai_support("some-local-vision-model").media_types  # unknown: let through
    assert "image" not in anthropic_support("claude-instant-1.2").media_types
