"""The turn ends where the protocol says (``[DONE]``, ``message_stop``, the ``done`` line), not
where the body ends, over real HTTP.

A server or proxy that keeps the body open after the end (a chunked body never terminated,
HTTP/1.0 keep-alive) used to turn a complete answer into a between-chunks timeout. A server
that ends its body at once must still get its connection back into the pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.providers._http import RetryPolicy, Timeouts, close_shared_clients
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedServer
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.ollama import OllamaServer
from agenticraft.testing.servers.openai import OpenAIServer

# a between-chunks limit far above the drain's half second, so a timeout cannot pass for it
TIMEOUTS = Timeouts(between_chunks=30.0)
NO_RETRY = RetryPolicy(max_retries=0)

Setup = Callable[[Any], Any]


def _openai(server: OpenAIServer, **stream: Any) -> OpenAIProvider:
    server.add_stream("Hello world", usage=(5, 2), **stream)
    return OpenAIProvider(
        "gpt-4o-mini", base_url=server.base_url, api_key="k", timeouts=TIMEOUTS, retry=NO_RETRY
    )


def _anthropic(server: AnthropicServer, **stream: Any) -> AnthropicProvider:
    server.add_stream(["Hello", " world"], **stream)
    return AnthropicProvider(
        "claude-sonnet-4-6", base_url=server.url, api_key="k", timeouts=TIMEOUTS, retry=NO_RETRY
    )


def _ollama(server: OllamaServer, **stream: Any) -> OllamaProvider:
    server.add_stream(["Hello", " world"], **stream)
    return OllamaProvider("llama3.2", base_url=server.url, timeouts=TIMEOUTS, retry=NO_RETRY)


CASES: list[tuple[type[ScriptedServer], Setup]] = [
    (OpenAIServer, _openai),
    (AnthropicServer, _anthropic),
    (OllamaServer, _ollama),
]


@pytest.fixture(params=CASES, ids=["openai", "anthropic", "ollama"])
def case(request: pytest.FixtureRequest) -> Iterator[tuple[ScriptedServer, Setup]]:
    server_class, setup = request.param
    with server_class() as server:
        yield server, setup


async def test_body_left_open_after_the_end_still_completes_the_turn(
    case: tuple[ScriptedServer, Setup],
) -> None:
    server, setup = case
    agent = Agent(model=setup(server, hang=True))
    response = await agent.arun("hi")
    assert response.content == "Hello world"
    assert not response.interrupted
    # the connection that would never end was closed by us, not left open
    assert await server.await_until(lambda: server.exchanges[0].client_disconnected)
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_body_ended_at_once_goes_back_to_the_pool(case: tuple[ScriptedServer, Setup]) -> None:
    server, setup = case
    first = await Agent(model=setup(server)).arun("hi")
    second = await Agent(model=setup(server)).arun("hi")
    assert first.content == second.content == "Hello world"
    # the server marks an exchange complete just after its last bytes left: wait for it
    assert await server.await_until(lambda: all(e.completed for e in server.exchanges))
    # one kept-alive connection served both turns
    assert [e.connection for e in server.exchanges] == [1, 1]
    await close_shared_clients()
    assert await server.await_until(lambda: server.open_connections == 0)
