"""DurableAgent in one process, over the local OpenAI server: run, stream, the recorded
response of a finished run, cancel and resume, and the agent's plain runs left alone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agenticraft import Agent, tool
from agenticraft.core.context import RunContext
from agenticraft.core.errors import BadRequestError
from agenticraft.durable import (
    DurableAgent,
    DurableDefinitionChangedError,
    DurableSerializationError,
    configure,
    shutdown,
)
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


@pytest.fixture(autouse=True, scope="module")
def durable_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """DBOS on a fresh SQLite file for this module's tests, each with its own run ids (one
    DBOS per process: stopped after them)."""
    db = tmp_path_factory.mktemp("durable") / "runs.db"
    configure(db)
    yield db
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
                # from elsewhere, while the stream waits for its next event
                asyncio.get_running_loop().call_later(0.05, stream.cancel)
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


async def test_running_the_run_id_again_right_after_stream_cancel_resumes_it(server: OpenAIServer) -> None:
    started, released = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def lookup(city: str) -> str:
        """Weather of a city."""
        calls.append(city)
        started.set()
        await released.wait()
        return f"{city}: sunny"

    _script(server)
    durable = DurableAgent(_agent(server, [lookup]), name="weather-cancel-now")
    async with durable.stream("Weather in Paris?", run_id="c-now") as stream:
        async for event in stream:
            if event.type == "tool_call":
                await started.wait()
                stream.cancel()  # no durable.cancel() awaited: leaving the block is enough
    released.set()
    response = await durable.arun("Weather in Paris?", run_id="c-now")
    assert response.content == "Sunny in Paris."
    assert calls == ["Paris", "Paris"]


def test_dbos_logs_a_cancelled_run_in_one_line() -> None:
    from dbos._error import DBOSAwaitedWorkflowCancelledError

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("dbos")
    logger.addHandler(handler)
    try:
        try:
            raise DBOSAwaitedWorkflowCancelledError("c-9")
        except DBOSAwaitedWorkflowCancelledError as exc:
            logger.error("Exception encountered in asynchronous workflow:", exc_info=exc)
        try:
            raise KeyError("a bug")
        except KeyError as exc:
            logger.error("Exception encountered in asynchronous workflow:", exc_info=exc)
    finally:
        logger.removeHandler(handler)
    cancelled, bug = records
    assert cancelled.exc_info is None and "DBOSAwaitedWorkflowCancelledError" in cancelled.getMessage()
    assert bug.exc_info is not None  # a bug keeps its traceback


async def test_a_changed_definition_on_resume_is_a_typed_error(server: OpenAIServer) -> None:
    started, released = asyncio.Event(), asyncio.Event()

    async def lookup(city: str) -> str:
        """Weather of a city."""
        started.set()
        await released.wait()
        return f"{city}: sunny"

    _script(server)
    instructions = {"text": "Be brief."}

    def current(ctx: RunContext[Any]) -> str:
        return instructions["text"]

    durable = DurableAgent(_agent(server, [lookup], current), name="weather-changed")
    async with durable.stream("Weather in Paris?", run_id="d-1") as stream:
        async for event in stream:
            if event.type == "tool_call":
                await started.wait()  # turn 1 is recorded
                await durable.cancel("d-1")
                released.set()
                break
    instructions["text"] = "Be verbose."  # the agent is not the one the run was recorded with
    with pytest.raises(DurableDefinitionChangedError, match=r"'d-1'.*model turn 1"):
        await durable.arun("Weather in Paris?", run_id="d-1")
    assert len(server.requests) == 1  # stopped at the first recorded turn, nothing asked again


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


async def test_a_run_failing_with_a_typed_error_is_logged_in_one_line_not_a_traceback(
    server: OpenAIServer,
) -> None:
    class Socket:
        pass

    def connect(host: str) -> Socket:
        """Connect."""
        return Socket()

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("dbos").addHandler(handler)
    server.add_stream(tool_calls=[ScriptedToolCall("connect", {"host": "h"}, id="call_1")])
    durable = DurableAgent(_agent(server, [connect]), name="sockets")
    try:
        with pytest.raises(DurableSerializationError):
            await durable.arun("Connect", run_id="sock-1")
    finally:
        logging.getLogger("dbos").removeHandler(handler)
    [failed] = [r for r in records if "DurableSerializationError" in r.getMessage()]
    assert failed.exc_info is None and "'connect' returned a Socket" in failed.getMessage()


async def test_a_provider_error_fails_the_run_and_is_recorded_with_it(server: OpenAIServer) -> None:
    server.add_error(400, "bad request body", type="invalid_request_error")
    provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", retry=NO_RETRY)
    durable = DurableAgent(Agent(model=provider), name="failing")
    for _ in range(2):  # the second time the recorded error, with its status, and no request
        with pytest.raises(BadRequestError, match="bad request body") as caught:
            await durable.arun("Hi", run_id="e-1")
        assert caught.value.status_code == 400
    assert len(server.requests) == 1


async def test_parallel_non_idempotent_calls_replay_in_place_whatever_ended_first(
    server: OpenAIServer,
) -> None:
    paid: list[str] = []

    @tool(idempotent=False)
    async def pay(order: str) -> str:
        """Pay an order."""
        await asyncio.sleep(0.05 if order == "A" else 0)  # B ends first
        paid.append(order)
        return f"paid {order}"

    calls = [ScriptedToolCall("pay", {"order": o}, id=f"call_{o}") for o in "AB"]
    server.add_stream(tool_calls=calls)
    server.add_stream("Both paid.", delay=0.3)  # cancelled while it streams
    server.add_stream("Both paid.")
    durable = DurableAgent(_agent(server, [pay]), name="payments")
    results = 0
    async with durable.stream("Pay A and B", run_id="p-1") as stream:
        async for event in stream:
            results += event.type == "tool_result"
            if results == 2:  # both calls are recorded
                await durable.cancel("p-1")
                break
    response = await durable.arun("Pay A and B", run_id="p-1")
    assert response.content == "Both paid."
    assert sorted(paid) == ["A", "B"]  # each once: replayed from their records
