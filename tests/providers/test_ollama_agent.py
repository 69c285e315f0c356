"""Full agent runs on OllamaProvider against the local Ollama server: a tool round trip, what
goes back on the next request, and tool-call ids that stay unique across a conversation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agenticraft import Agent, tool
from agenticraft.core.events import ThinkingChunk, ToolCallChunk, TurnEndChunk
from agenticraft.core.messages import Usage
from agenticraft.core.provider import ModelSettings
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.testing.servers.ollama import OllamaServer, OllamaToolCall


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"18C in {city}"


@tool
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(reason)


@pytest.fixture
def server() -> Iterator[OllamaServer]:
    with OllamaServer() as s:
        yield s


def _agent(server: OllamaServer) -> Agent:
    provider = OllamaProvider("qwen3", base_url=server.url, retry=RetryPolicy(max_retries=0))
    return Agent(
        instructions="Be brief.",
        model=provider,
        tools=[get_weather, fail],
        settings=ModelSettings(thinking_budget=1),
    )


def _script(server: OllamaServer) -> None:
    server.add_stream(
        [],
        thinking=["Need ", "weather."],
        tool_calls=[
            OllamaToolCall("get_weather", {"city": "Toronto"}),
            OllamaToolCall("fail", {"reason": "no"}),
        ],
        prompt_eval_count=50,
        eval_count=20,
        split_seed=2,
    )
    server.add_stream(["It is 18C in Toronto."], prompt_eval_count=90, eval_count=8)


async def test_tool_round_trip_sends_tool_messages_back(server: OllamaServer) -> None:
    _script(server)
    response = await _agent(server).arun("Weather in Toronto?")
    assert response.content == "It is 18C in Toronto."
    assert response.usage == Usage(140, 28)
    first, second = (r.json() for r in server.requests)
    assert first["think"] is True
    assert first["messages"][0] == {"role": "system", "content": "Be brief."}
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather", "fail"]
    messages = second["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "tool"]
    assert messages[2] == {
        "role": "assistant",
        "content": "",
        "thinking": "Need weather.",
        "tool_calls": [
            {
                "id": "call_1_0",
                "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Toronto"}},
            },
            {"id": "call_1_1", "function": {"index": 1, "name": "fail", "arguments": {"reason": "no"}}},
        ],
    }
    assert messages[3] == {
        "role": "tool",
        "content": "18C in Toronto",
        "tool_name": "get_weather",
        "tool_call_id": "call_1_0",
    }
    assert messages[4]["tool_name"] == "fail" and "no" in messages[4]["content"]


async def test_ids_stay_unique_across_runs_of_one_conversation(server: OllamaServer) -> None:
    _script(server)
    _script(server)
    agent = _agent(server)
    await agent.arun("Weather in Toronto?")
    await agent.arun("And again?")
    ids = [call.id for message in agent.history for call in message.tool_calls]
    assert ids == ["call_1_0", "call_1_1", "call_3_0", "call_3_1"]  # turn 3 of the conversation
    last = server.requests[-1].json()["messages"]
    assert [m["tool_call_id"] for m in last if m["role"] == "tool"] == ids


async def test_streamed_events(server: OllamaServer) -> None:
    _script(server)
    events = [chunk async for chunk in _agent(server).stream("Weather in Toronto?")]
    assert "".join(e.thinking for e in events if isinstance(e, ThinkingChunk)) == "Need weather."
    assert [(e.id, e.name) for e in events if isinstance(e, ToolCallChunk)] == [
        ("call_1_0", "get_weather"),
        ("call_1_1", "fail"),
    ]
    ends = [(e.stop_reason, e.raw_stop_reason, e.model) for e in events if isinstance(e, TurnEndChunk)]
    assert ends == [("tool_use", "stop", "llama3.2"), ("end_turn", "stop", "llama3.2")]


async def test_model_string_with_base_url(server: OllamaServer) -> None:
    server.add_stream(["Hi from ", "a string."])
    agent = Agent(model="ollama:qwen3", base_url=server.url)
    assert (await agent.arun("hi")).content == "Hi from a string."
    assert server.requests[0].json()["model"] == "qwen3" and agent.provider.name == "ollama"
