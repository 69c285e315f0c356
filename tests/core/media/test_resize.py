"""Oversized images: refused, or with downscale_images=True made smaller once with Pillow."""

from __future__ import annotations

import io
import os
import sys
from typing import Any

import pytest

from agenticraft import Agent, ConfigurationError, Image
from agenticraft.core.media import parts as media_parts
from agenticraft.core.media.resize import downscaled
from agenticraft.core.provider import ModelSettings
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.testing.servers.anthropic import AnthropicServer

PIL = pytest.importorskip("PIL.Image")
LIMIT = 5 * 1024 * 1024


def noisy_png(side: int = 1400) -> bytes:
    """A PNG that does not compress: about side*side*3 bytes."""
    picture = PIL.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


async def test_downscaled_once_and_sent_under_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    big = Image.from_bytes(noisy_png(), name="scan.png")
    assert big.size is not None and big.size > LIMIT
    encoded: list[int] = []
    real = media_parts._encode
    monkeypatch.setattr(media_parts, "_encode", lambda data: encoded.append(len(data)) or real(data))
    with AnthropicServer() as server:
        server.answer_about_parts()
        provider = AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k")
        agent = Agent(model=provider, settings=ModelSettings(downscale_images=True))
        await agent.arun(["Read the scan", big])
        await agent.arun("Anything else?")
        sent = [parts[0] for parts in server.received_parts]
    assert all(p.media_type == "image/png" and p.size is not None and p.size <= LIMIT for p in sent)
    assert sent[0].sha256 == sent[1].sha256  # the same copy both turns
    assert len(encoded) == 1 and encoded[0] == sent[0].size  # the copy, once; never the original
    copy = downscaled(big, LIMIT)
    assert PIL.open(io.BytesIO(copy.data)).size[0] < 1400
    assert agent.history[0].media == [big]  # memory keeps the original


def test_without_pillow_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    part = Image.from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(ConfigurationError, match=r"pip install 'agenticraft\[images\]'"):
        downscaled(part, 10)


def test_an_unreadable_image_is_a_clear_error() -> None:
    part: Any = Image.from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(ConfigurationError, match="Pillow cannot read it"):
        downscaled(part, 10)
