"""Interruption on the wire: every way of stopping a stream closes the HTTP response at once.

The server keeps each response open after a few chunks (``hang``), so the only way an
exchange ends is the client closing the connection; the server records that it saw it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.events import TextChunk
from agenticraft.providers._http import shared_client
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, openai_stream_events

STOPS = ("break", "aclose", "cancel", "cancel_from_another_task", "task_cancel")


def _hanging_stream() -> ScriptedResponse:
    events = openai_stream_events("Hello there", done=False)[:3]  # role, "Hell", "o th"; no finish
    return ScriptedResponse(200, {"content-type": "text/event-stream"}, events, hang=True)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer(default=_hanging_stream()) as s:
        yield s


def _agent(server: OpenAIServer) -> Agent:
    return Agent(model=OpenAIProvider("m", base_url=server.base_url, api_key="sk-test"))


async def _stop_after_first_text(agent: Agent, how: str) -> None:
    if how == "break":
        async for chunk in agent.stream("hi"):
            if isinstance(chunk, TextChunk):
                break
    elif how == "aclose":
        stream = agent.stream("hi")
        async for chunk in stream:
            if isinstance(chunk, TextChunk):
                await stream.aclose()
        assert stream.interrupted
    elif how == "cancel":
        stream = agent.stream("hi")
        seen: list[Any] = []
        async for chunk in stream:
            seen.append(chunk)
            if isinstance(chunk, TextChunk):
                stream.cancel()  # the loop then ends quietly
        assert stream.interrupted
        assert stream.text == "Hell"
    else:
        first_text = asyncio.Event()

        async def consume() -> None:
            async for chunk in agent.stream("hi"):
                if isinstance(chunk, TextChunk):
                    first_text.set()

        task = asyncio.create_task(consume())
        await first_text.wait()  # the consumer is now blocked reading the socket
        if how == "cancel_from_another_task":
            agent.cancel()
            await task  # the stream ends quietly
        else:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task


@pytest.mark.parametrize("how", STOPS)
async def test_each_way_of_stopping_closes_the_response(server: OpenAIServer, how: str) -> None:
    agent = _agent(server)
    pool = (await shared_client(server.url))._transport._pool  # type: ignore[attr-defined]
    await _stop_after_first_text(agent, how)
    if how != "break":  # closed by the time the stop returns, not later by garbage collection
        assert pool.connections == []
    assert await server.await_until(lambda: server.exchanges[0].client_disconnected)
    assert await server.await_until(lambda: server.open_connections == 0)
    # memory holds what was received, marked interrupted
    history = agent.history
    assert history[-1].role == "assistant" and history[-1].interrupted
    assert history[-1].text.startswith("Hell")


async def test_a_thousand_interruptions_leave_no_connection_and_no_task(server: OpenAIServer) -> None:
    agents = [_agent(server) for _ in range(4)]  # several agents, one shared pool
    for cycle in range(1000):
        await _stop_after_first_text(agents[cycle % 4], STOPS[cycle % len(STOPS)])
    current = asyncio.current_task()
    assert await server.await_until(lambda: server.open_connections == 0)
    assert await server.await_until(lambda: not (asyncio.all_tasks() - {current}))
    assert len(server.exchanges) == 1000
    assert all(e.client_disconnected and not e.completed for e in server.exchanges)
    pool = (await shared_client(server.url))._transport._pool  # type: ignore[attr-defined]
    assert pool.connections == []  # nothing half-read went back to the pool


async def test_a_finished_stream_returns_its_connection_to_the_pool(server: OpenAIServer) -> None:
    agent = _agent(server)
    for _ in range(3):
        server.add_stream("complete")
        assert (await agent.arun("hi")).content == "complete"
    assert server.open_connections == 1
    await _stop_after_first_text(agent, "aclose")  # reuses it, then must close it
    assert await server.await_until(lambda: server.open_connections == 0)
