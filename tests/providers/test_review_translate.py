"""Conversations moved to Anthropic keep to the API's content rules, over real HTTP.

The Messages API rejects a text block that is empty or only whitespace, and a ``tool_result``
with ``is_error`` but no content. Other models often write ``"\\n\\n"`` before a tool call, and a
failing tool may say nothing; since the history is resent every turn, one such block used to
make every later turn of the conversation fail with a 400.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.messages import Message, TextPart, ToolCall, ToolCallPart, ToolResult
from agenticraft.core.provider import ModelRequest
from agenticraft.providers.anthropic import EMPTY_ERROR_CONTENT, AnthropicProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@pytest.fixture
def servers() -> Iterator[tuple[OpenAIServer, AnthropicServer]]:
    with OpenAIServer() as openai_server, AnthropicServer() as anthropic_server:
        yield openai_server, anthropic_server


def _blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for message in body["messages"] for block in message["content"]]


def _assert_acceptable(body: dict[str, Any]) -> None:
    """The content rules of the Messages API that a request must keep."""
    for block in _blocks(body):
        if block["type"] == "text":
            assert block["text"].strip(), block
        if block["type"] == "tool_result" and block.get("is_error"):
            assert block["content"].strip(), block
    roles = [m["role"] for m in body["messages"]]
    assert roles[0] == "user"
    assert all(a != b for a, b in itertools.pairwise(roles))


def lookup(city: str) -> str:
    """Look a city up."""
    raise ValueError("")  # fails and says nothing


async def test_tool_run_from_openai_continues_on_anthropic(
    servers: tuple[OpenAIServer, AnthropicServer],
) -> None:
    openai_server, anthropic_server = servers
    openai_server.add_stream("\n\n", tool_calls=[ScriptedToolCall("lookup", {"city": "Oslo"}, id="call_1")])
    openai_server.add_stream(" ")  # the model answers with a blank
    agent = Agent(
        model=OpenAIProvider("gpt-4o-mini", base_url=openai_server.base_url, api_key="sk-test"),
        tools=[lookup],
    )
    await agent.arun("Weather in Oslo?")

    anthropic_server.add_stream(["Sorry, the lookup failed."])
    agent.set_provider(AnthropicProvider("claude-sonnet-4-6", base_url=anthropic_server.url, api_key="k"))
    response = await agent.arun("And now?")
    assert response.content == "Sorry, the lookup failed."

    body = anthropic_server.requests[0].json()
    _assert_acceptable(body)
    kinds = [block["type"] for block in _blocks(body)]
    assert kinds == ["text", "tool_use", "tool_result", "text"]
    assert _blocks(body)[1]["input"] == {"city": "Oslo"}


async def test_empty_error_result_and_blank_texts_are_made_acceptable(
    servers: tuple[OpenAIServer, AnthropicServer],
) -> None:
    _, server = servers
    server.add_stream(["ok"])
    history = [
        Message.user("go"),
        Message("assistant", [TextPart(" \n"), ToolCallPart(ToolCall("f", {}, "call_a"))]),
        Message.tool_results([ToolResult("call_a", "f", "", is_error=True)]),
        Message("assistant", [TextPart("\t")], interrupted=True),
        Message.user("again"),
    ]
    provider = AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k")
    turn = await provider.complete(ModelRequest(history))
    assert turn.text == "ok"
    body = server.requests[0].json()
    _assert_acceptable(body)
    result = next(b for b in _blocks(body) if b["type"] == "tool_result")
    assert (result["content"], result["is_error"]) == (EMPTY_ERROR_CONTENT, True)


async def test_a_result_that_is_not_an_error_may_stay_empty(
    servers: tuple[OpenAIServer, AnthropicServer],
) -> None:
    _, server = servers
    server.add_stream(["ok"])
    history = [
        Message.user("go"),
        Message.assistant(tool_calls=[ToolCall("f", {}, "call_a")]),
        Message.tool_results([ToolResult("call_a", "f", "")]),
    ]
    await AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k").complete(
        ModelRequest(history)
    )
    result = next(b for b in _blocks(server.requests[0].json()) if b["type"] == "tool_result")
    assert result["content"] == "" and "is_error" not in result


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


async def test_long_tool_call_ids_from_another_server_fit_openai(
    servers: tuple[OpenAIServer, AnthropicServer],
) -> None:
    # vLLM's ids are "chatcmpl-tool-" and 32 hex digits: 46 characters, and OpenAI rejects any
    # id over 40 ("string too long"), so a conversation moved from vLLM to OpenAI used to fail
    vllm, _ = servers
    long_ids = ["chatcmpl-tool-" + "ab12" * 8, "chatcmpl-tool-" + "cd34" * 8]
    calls = [ScriptedToolCall("add", {"a": i, "b": 1}, id=call_id) for i, call_id in enumerate(long_ids)]
    vllm.add_stream("", tool_calls=calls)
    vllm.add_stream("1 and 2")
    agent = Agent(model=OpenAIProvider("qwen3", base_url=vllm.base_url, api_key="x"), tools=[add])
    assert (await agent.arun("add")).content == "1 and 2"

    sent = vllm.requests[1].json()["messages"]
    call_ids = [c["id"] for m in sent if m["role"] == "assistant" for c in m["tool_calls"]]
    result_ids = [m["tool_call_id"] for m in sent if m["role"] == "tool"]
    assert all(len(i) <= 40 for i in call_ids)
    assert call_ids == result_ids and len(set(call_ids)) == 2
    # the history keeps the server's own ids; the next request maps them the same way again
    assert agent.memory.load()[1].tool_calls[0].id == long_ids[0]
    vllm.add_stream("ok")
    await agent.arun("again")
    resent = vllm.requests[2].json()["messages"]
    resent_ids = [c["id"] for m in resent if m["role"] == "assistant" for c in m.get("tool_calls", ())]
    assert resent_ids == call_ids


async def test_short_tool_call_ids_go_out_unchanged(servers: tuple[OpenAIServer, AnthropicServer]) -> None:
    server, _ = servers
    server.add_stream("", tool_calls=[ScriptedToolCall("add", {"a": 1, "b": 1}, id="call_" + "x" * 35)])
    server.add_stream("2")
    agent = Agent(model=OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="x"), tools=[add])
    await agent.arun("add")
    sent = server.requests[1].json()["messages"]
    assert sent[1]["tool_calls"][0]["id"] == sent[2]["tool_call_id"] == "call_" + "x" * 35
