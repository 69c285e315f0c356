"""Fixtures of the CLI tests; the helpers are in ``cli_helpers``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agenticraft.testing.servers.openai import OpenAIServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A local OpenAI-protocol server, scripted by the test."""
    with OpenAIServer() as server:
        yield server
