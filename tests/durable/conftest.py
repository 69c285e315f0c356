"""The local OpenAI-protocol server the durable tests' runs talk to (a module may define its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agenticraft.testing.servers.openai import OpenAIServer


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s
