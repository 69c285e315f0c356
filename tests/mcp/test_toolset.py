"""MCP tools through an agent: one stdio test server shared by the module (starting one is slow)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from mcp_helpers import CallingModel, stdio_server

from agenticraft import Agent, Image, tool
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.hooks import RunHooks
from agenticraft.mcp import Elicitation, MCPServerStdio
from agenticraft.testing.mcp_server import PNG_DOT

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server() -> AsyncIterator[MCPServerStdio]:
    s = stdio_server(tool_timeouts={"slow": 1.0})
    async with s:
        yield s


async def run_calls(server: MCPServerStdio, *calls: tuple[str, dict]) -> CallingModel:
    model = CallingModel(calls)
    await Agent(model=model.model, toolsets=[server], max_turns=len(calls) + 1).arun("go")
    return model


async def test_an_agent_calls_a_tool_and_answers_with_its_result(server: MCPServerStdio) -> None:
    model = CallingModel([("add", {"a": 2, "b": 3})])
    response = await Agent(model=model.model, toolsets=[server]).arun("2 + 3?")
    assert json.loads(model.results[0].content) == {"result": 5}
    assert response.content == 'answer: {"result": 5}'
    assert {"add", "weather", "slow", "greet"} <= set(model.offered[0])


async def test_tool_definitions_keep_the_servers_schema(server: MCPServerStdio) -> None:
    from agenticraft.core.context import RunContext

    tools = {t.name: t for t in await server.list_tools(RunContext(None))}
    add = tools["add"]
    assert add.description == "Add two numbers."
    assert add.parameters["required"] == ["a", "b"]
    assert add.parameters["properties"]["a"]["type"] == "integer"
    assert tools["slow"].timeout == 1.0 and add.timeout == 600.0
    assert tools["chart"].parameters["properties"] == {}


async def test_structured_content_is_the_result_and_is_checked_against_the_output_schema(
    server: MCPServerStdio,
) -> None:
    model = await run_calls(server, ("weather", {"city": "Paris"}), ("bad_weather", {"city": "Oslo"}))
    good, bad = model.results
    assert not good.is_error and json.loads(good.content) == {"city": "Paris", "temperature": 21.5}
    assert bad.is_error
    assert "Invalid structured content returned by tool bad_weather" in bad.content
    assert "'warm' is not of type 'number'" in bad.content


async def test_an_image_result_is_an_image_part(server: MCPServerStdio) -> None:
    (result,) = (await run_calls(server, ("chart", {}))).results
    assert result.content == "The chart:"
    (image,) = result.parts
    assert isinstance(image, Image) and image.media_type == "image/png" and image.data == PNG_DOT


async def test_an_embedded_text_resource_is_text(server: MCPServerStdio) -> None:
    (result,) = (await run_calls(server, ("readme", {}))).results
    assert result.content == "[resource note://readme]\nRead me."


async def test_an_is_error_result_is_a_tool_error_the_model_reads(server: MCPServerStdio) -> None:
    model = await run_calls(server, ("fail", {"reason": "disk full"}), ("add", {"a": 1, "b": 1}))
    failed, after = model.results
    assert failed.is_error and "failed on purpose: disk full" in failed.content
    assert not after.is_error  # the run went on


async def test_arguments_are_checked_against_the_input_schema_before_the_call(server: MCPServerStdio) -> None:
    (result,) = (await run_calls(server, ("add", {"a": "two"}))).results
    assert result.is_error
    assert "Invalid arguments for tool 'add'" in result.content
    assert (
        "'two' is not of type 'integer'" in result.content and "'b' is a required property" in result.content
    )


async def test_a_timeout_cancels_the_call_on_the_server(server: MCPServerStdio) -> None:
    before = (await server.call("cancellations")).structured_content["result"]
    (result,) = (await run_calls(server, ("slow", {"seconds": 30}))).results
    assert result.is_error and result.content == "Tool 'slow' timed out after 1 s."
    after = await server.call("cancellations", {"at_least": before + 1})
    assert after.structured_content == {"result": before + 1}  # the server was told


async def test_a_direct_call_has_a_timeout_of_its_own(server: MCPServerStdio) -> None:
    before = (await server.call("cancellations")).structured_content["result"]
    with pytest.raises(TimeoutError):
        await server.call("slow", {"seconds": 30}, timeout=0.5)
    after = await server.call("cancellations", {"at_least": before + 1})
    assert after.structured_content == {"result": before + 1}


async def test_a_cancelled_run_cancels_the_call_in_flight_on_the_server(server: MCPServerStdio) -> None:
    before = (await server.call("cancellations")).structured_content["result"]
    started = asyncio.Event()

    class Started(RunHooks):
        async def on_tool_start(self, ctx, call) -> None:  # type: ignore[no-untyped-def]
            started.set()

    model = CallingModel([("slow", {"seconds": 0.9})])  # under the 1 s timeout: only the cancel stops it
    agent = Agent(model=model.model, toolsets=[server], hooks=[Started()])
    task = asyncio.create_task(agent.arun("wait"))
    await started.wait()
    await asyncio.sleep(0.2)  # the request is on the server
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    after = await server.call("cancellations", {"at_least": before + 1})
    assert after.structured_content == {"result": before + 1}


async def test_elicitation_goes_to_the_handler_and_is_declined_without_one(server: MCPServerStdio) -> None:
    asked: list[Elicitation] = []

    async def answer(request: Elicitation) -> dict:
        asked.append(request)
        return {"name": "Ada"}

    server.elicitation_handler = answer
    try:
        accepted = await server.call("greet")
    finally:
        server.elicitation_handler = None
    declined = await server.call("greet")
    assert accepted.content[0].text == "Hello, Ada!"
    assert asked[0].message == "What is your name?" and "name" in asked[0].schema["properties"]
    assert declined.content[0].text == "No name given (decline)."


async def test_a_collision_with_a_local_tool_names_both_before_any_request(server: MCPServerStdio) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Local add."""
        return a + b

    model = CallingModel([])
    with pytest.raises(ConfigurationError) as caught:
        await Agent(model=model.model, tools=[add], toolsets=[server]).arun("hi")
    message = str(caught.value)
    assert "two tools are named 'add'" in message
    assert "the agent's tools" in message and "agenticraft.testing.mcp_server" in message
    assert model.offered == []  # no request was sent


async def test_resources_and_prompts(server: MCPServerStdio) -> None:
    resources = {r.uri: r for r in await server.list_resources()}
    assert set(resources) == {"note://readme", "img://dot"}
    (text,) = await server.read_resource("note://readme")
    assert text.text == "Read me." and text.part().text == "Read me."  # type: ignore[union-attr]
    (blob,) = await server.read_resource("img://dot")
    assert blob.data == PNG_DOT and isinstance(blob.part(), Image)
    (prompt,) = await server.list_prompts()
    assert prompt.name == "review" and prompt.arguments[0].name == "code"
    messages = await server.get_prompt("review", {"code": "x = 1"})
    assert [(m.role, m.text) for m in messages] == [
        ("user", "Review this code:\nx = 1"),
        ("assistant", "Let me look."),
    ]


async def test_agent_cancel_mid_call_cancels_it_on_the_server(server: MCPServerStdio) -> None:
    before = (await server.call("cancellations")).structured_content["result"]
    started = asyncio.Event()

    class Started(RunHooks):
        async def on_tool_start(self, ctx, call) -> None:  # type: ignore[no-untyped-def]
            started.set()

    agent = Agent(
        model=CallingModel([("slow", {"seconds": 0.9})]).model, toolsets=[server], hooks=[Started()]
    )
    stream = agent.stream("wait")

    async def drain() -> None:
        async for _ in stream:
            pass

    consumer = asyncio.create_task(drain())
    await started.wait()
    await asyncio.sleep(0.2)
    agent.cancel()
    await consumer
    assert stream.interrupted
    after = await server.call("cancellations", {"at_least": before + 1})
    assert after.structured_content == {"result": before + 1}


# last: it changes the server's tool list
async def test_the_tool_list_is_fetched_again_when_the_server_says_it_changed(server: MCPServerStdio) -> None:
    class Heard(RunHooks):
        async def on_tool_end(self, ctx, call, result) -> None:  # type: ignore[no-untyped-def]
            # the change notification and the call's answer travel apart: wait for the first
            async with asyncio.timeout(5):
                while call.name == "grow" and not server._stale:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)

    model = CallingModel([("grow", {}), ("extra", {})])
    await Agent(model=model.model, toolsets=[server], hooks=[Heard()]).arun("grow")
    assert "extra" not in model.offered[0] and "extra" in model.offered[1]
    assert model.results[1].content == '{"result": "extra"}' and not model.results[1].is_error
