"""DurableAgent in one process, over the local OpenAI server: run, stream, the recorded
response of a finished run, cancel and resume, and the agent's plain runs left alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.context import RunContext
from agenticraft.durable import (
    DurableAgent,
    DurableDefinitionChangedError,
    DurableSerializationError,
    configure,
    shutdown,
)
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


@pytest.fixture(autouse=True)
def durable_db(tmp_path: Path) -> Iterator[Path]:
    """DBOS on a fresh SQLite file for each test (one DBOS per process: stopped after it)."""
    configure(tmp_path / "runs.db")
    yield tmp_path / "runs.db"
    shutdown()


def _agent(server: OpenAIServer, tools: list[Any], instructions: Any = "Be brief.") -> Agent[Any]:
    provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-test")
    return Agent(name="support", instructions=instructions, model=provider, tools=tools)


def _script(server: OpenAIServer) -> None:
    server.add_stream(tool_calls=[ScriptedToolCall("lookup", {"city": "Paris"}, id="call_1")])
    server.add_stream("Sunny in Paris.")


async def test_a_durable_run_streams_live_and_its_run_id_keeps_the_response(server: OpenAIServer) -> None:
    calls: list[str] = []

    def lookup(city: str) -> str:
        """Weather of a city."""
        calls.append(city)
        return f"{city}: sunny"

    _script(server)
    durable = DurableAgent(_agent(server, [lookup]), name="weather-live")
    kinds: list[str] = []
    async with durable.stream("Weather in Paris?", run_id="w-1") as stream:
        async for event in stream:
            kinds.append(event.type)
            assert event.run_id == "w-1"
    assert kinds[:1] == ["tool_call_start"] and kinds[-1] == "done"
    assert "tool_result" in kinds and "text" in kinds
    assert stream.response.content == "Sunny in Paris."
    assert calls == ["Paris"] and len(server.requests) == 2

    again = await durable.arun("Weather in Paris?", run_id="w-1")  # finished: recorded, not rerun
    assert again.content == "Sunny in Paris."
    assert calls == ["Paris"] and len(server.requests) == 2
    assert (await durable.result("w-1")).content == "Sunny in Paris."

    server.add_stream("Plain.")  # the agent's own runs are not durable and not changed
    assert (await durable.agent.arun("Hi")).content == "Plain."


def test_run_is_the_synchronous_arun(server: OpenAIServer) -> None:
    server.add_stream("Hello.")
    durable = DurableAgent(_agent(server, []), name="sync")
    assert durable.run("Hi", run_id="s-1").content == "Hello."
    assert durable.run("Hi", run_id="s-1").content == "Hello."
    assert len(server.requests) == 1


async def test_cancel_stops_the_run_and_running_it_again_resumes_it(server: OpenAIServer) -> None:
    started, released = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def lookup(city: str) -> str:
        """Weather of a city."""
        calls.append(city)
        started.set()
        await released.wait()
        return f"{city}: sunny"

    _script(server)
    durable = DurableAgent(_agent(server, [lookup]), name="weather-cancel")
    async with durable.stream("Weather in Paris?", run_id="c-1") as stream:
        async for event in stream:
            if event.type == "tool_call":
                await started.wait()  # the model turn is recorded, the call runs
                stream.cancel()
    assert not stream.finished
    await durable.cancel("c-1")  # what stream.cancel() scheduled, awaited here
    released.set()
    await asyncio.sleep(0.2)  # the call ends; the next model turn is never started
    assert len(server.requests) == 1

    response = await durable.arun("Weather in Paris?", run_id="c-1")
    assert response.content == "Sunny in Paris."
    assert len(server.requests) == 2  # the recorded turn was not asked again
    assert server.requests[1].json()["messages"][-1]["content"] == "Paris: sunny"
    # the call was cut by the cancellation before its result was recorded: it ran again
    assert calls == ["Paris", "Paris"]


async def test_a_changed_definition_on_resume_is_a_typed_error(server: OpenAIServer) -> None:
    def lookup(city: str) -> str:
        """Weather of a city."""
        return f"{city}: sunny"

    server.add_stream(tool_calls=[ScriptedToolCall("lookup", {"city": "Paris"}, id="call_1")])
    server.add_stream("Sunny in Paris.", delay=0.5)  # turn 2 is cancelled while it streams
    instructions = {"text": "Be brief."}

    def current(ctx: RunContext[Any]) -> str:
        return instructions["text"]

    durable = DurableAgent(_agent(server, [lookup], current), name="weather-changed")
    async with durable.stream("Weather in Paris?", run_id="d-1") as stream:
        async for event in stream:
            if event.type == "tool_result":  # turn 1 and the call are recorded
                await durable.cancel("d-1")
                break
    instructions["text"] = "Be verbose."  # the agent is not the one the run was recorded with
    asked = len(server.requests)
    with pytest.raises(DurableDefinitionChangedError, match=r"'d-1'.*model turn 1"):
        await durable.arun("Weather in Paris?", run_id="d-1")
    assert len(server.requests) == asked  # stopped at the first recorded turn


async def test_a_tool_result_that_is_not_json_is_a_typed_error(server: OpenAIServer) -> None:
    class Handle:
        pass

    def open_file(name: str) -> Handle:
        """Open a file."""
        return Handle()

    server.add_stream(tool_calls=[ScriptedToolCall("open_file", {"name": "a"}, id="call_1")])
    durable = DurableAgent(_agent(server, [open_file]), name="files")
    with pytest.raises(DurableSerializationError, match="'open_file' returned a Handle"):
        await durable.arun("Open a", run_id="f-1")
    with pytest.raises(DurableSerializationError):  # the failure is recorded with the run
        await durable.arun("Open a", run_id="f-1")
    assert len(server.requests) == 1
