"""MCP over Streamable HTTP (the test server in a subprocess), and agents on the local OpenAI
server calling MCP tools over both transports."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from mcp_helpers import CallingModel, http_server, stdio_server

from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError, MCPServerError
from agenticraft.mcp import MCPServerHTTP
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with http_server() as address:
        yield address


async def test_an_agent_calls_tools_over_http_with_the_given_headers(url: str) -> None:
    server = MCPServerHTTP(url, headers={"Authorization": "Bearer t0ken"})
    model = CallingModel([("add", {"a": 20, "b": 22}), ("header", {"name": "Authorization"})])
    response = await Agent(model=model.model, toolsets=[server]).arun("20 + 22?")
    assert json.loads(model.results[0].content) == {"result": 42}
    assert json.loads(model.results[1].content) == {"result": "Bearer t0ken"}
    assert response.content.startswith("answer: ")
    assert server._connection is None  # left after the run


async def test_http_results_and_errors_are_the_same_as_over_stdio(url: str) -> None:
    model = CallingModel([("chart", {}), ("fail", {})])
    await Agent(model=model.model, toolsets=[MCPServerHTTP(url)]).arun("go")
    chart, failed = model.results
    assert chart.content == "The chart:" and chart.parts[0].media_type == "image/png"
    assert failed.is_error and "failed on purpose" in failed.content


async def test_two_servers_offering_one_tool_name_are_an_error_naming_both(url: str) -> None:
    model = CallingModel([])
    local = stdio_server()
    async with local:  # one process for both agents
        agent = Agent(model=model.model, toolsets=[MCPServerHTTP(url), local])
        with pytest.raises(ConfigurationError) as caught:
            await agent.arun("hi")
        message = str(caught.value)
        assert "two tools are named 'add'" in message
        assert url in message and "agenticraft.testing.mcp_server" in message
        assert model.offered == []  # before the first request
        prefixed = CallingModel([("web_add", {"a": 1, "b": 1}), ("add", {"a": 2, "b": 2})])
        await Agent(model=prefixed.model, toolsets=[MCPServerHTTP(url, prefix="web"), local]).arun("x")
    assert [json.loads(r.content) for r in prefixed.results] == [{"result": 2}, {"result": 4}]


async def test_an_unreachable_server_is_an_mcp_server_error() -> None:
    with pytest.raises(MCPServerError, match="could not be started"):
        async with MCPServerHTTP("http://127.0.0.1:9/mcp", connect_timeout=10):
            pass


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_an_agent_on_the_local_openai_server_answers_with_an_mcp_result(
    url: str, transport: str
) -> None:
    with OpenAIServer() as openai:
        openai.add_stream("", tool_calls=[ScriptedToolCall("weather", {"city": "Lyon"}, "call_1")])
        openai.add_stream("It is 21.5 degrees in Lyon.")
        provider = OpenAIProvider("gpt-4o-mini", base_url=openai.base_url, api_key="sk-test")
        server = MCPServerHTTP(url) if transport == "http" else stdio_server()
        response = await Agent(model=provider, toolsets=[server]).arun("Weather in Lyon?")
        assert response.content == "It is 21.5 degrees in Lyon."
        first, second = (r.json() for r in openai.requests)
    offered = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert offered["weather"]["parameters"]["required"] == ["city"]
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert json.loads(tool_message["content"]) == {"city": "Lyon", "temperature": 21.5}


async def test_an_mcp_image_reaches_each_provider_in_its_own_format(url: str) -> None:
    import base64

    from agenticraft.providers.anthropic import AnthropicProvider
    from agenticraft.testing.mcp_server import PNG_DOT
    from agenticraft.testing.servers.anthropic import AnthropicServer, Text, ToolUse

    png = base64.b64encode(PNG_DOT).decode()
    with AnthropicServer() as anthropic:
        anthropic.add_stream([ToolUse("chart", ["{}"], id="toolu_1")], stop_reason="tool_use")
        anthropic.add_stream([Text("A single dot.")])
        provider = AnthropicProvider("claude-sonnet-4-6", base_url=anthropic.url, api_key="sk-ant-test")
        response = await Agent(model=provider, toolsets=[MCPServerHTTP(url)]).arun("Describe the chart.")
        assert response.content == "A single dot."
        sent = anthropic.requests[1].json()["messages"][-1]["content"][0]
    assert sent["type"] == "tool_result" and sent["tool_use_id"] == "toolu_1"
    assert {"type": "text", "text": "The chart:"} in sent["content"]
    image = next(block for block in sent["content"] if block["type"] == "image")
    assert image["source"] == {"type": "base64", "media_type": "image/png", "data": png}

    with OpenAIServer() as openai:
        openai.add_stream("", tool_calls=[ScriptedToolCall("chart", {}, "call_1")])
        openai.add_stream("A single dot.")
        provider = OpenAIProvider("gpt-4o-mini", base_url=openai.base_url, api_key="sk-test")
        await Agent(model=provider, toolsets=[MCPServerHTTP(url)]).arun("Describe the chart.")
        messages = openai.requests[1].json()["messages"]
    assert messages[-2]["role"] == "tool" and "The chart:" in messages[-2]["content"]
    image_urls = [p["image_url"]["url"] for p in messages[-1]["content"] if p["type"] == "image_url"]
    assert messages[-1]["role"] == "user" and image_urls == [f"data:image/png;base64,{png}"]
