"""Full agent runs on AnthropicProvider against the local Anthropic server: tool round trips,
what goes back on the next request (tool_result blocks, thinking byte-exact), memory across
runs, and the events a user sees."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from agenticraft import Agent, tool
from agenticraft.core.errors import ProviderConnectionError
from agenticraft.core.events import (
    DoneChunk,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    ToolResultChunk,
    TurnEndChunk,
)
from agenticraft.core.messages import Usage
from agenticraft.core.provider import ModelSettings
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.testing.servers.anthropic import (
    AnthropicServer,
    RedactedThinking,
    Text,
    Thinking,
    ToolUse,
    anthropic_stream,
)

# a signature with every character class a JSON encoder could be tempted to touch
SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds/+==\u00e9\\"<>&\u2028'
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj"


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"18C and sunny in {city}"


@tool
def get_time(zone: str) -> str:
    """The time in a zone."""
    raise RuntimeError(f"clock for {zone} is broken")


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as s:
        yield s


def _agent(server: AnthropicServer, **kwargs: object) -> Agent:
    provider = AnthropicProvider(
        "claude-sonnet-4-6", base_url=server.url, api_key="sk-ant-test", retry=RetryPolicy(max_retries=0)
    )
    return Agent(
        instructions="Be brief.",
        model=provider,
        tools=[get_weather, get_time],
        settings=ModelSettings(thinking_budget=2048),
        **kwargs,  # type: ignore[arg-type]
    )


def _script_tool_round_trip(server: AnthropicServer) -> None:
    server.add_stream(
        [
            Thinking(["The user wants ", "weather and time."], signature=SIGNATURE),
            RedactedThinking(REDACTED),
            "Let me check.",
            ToolUse("get_weather", ['{"city": ', '"Paris"}'], id="toolu_W"),
            ToolUse("get_time", ['{"zone": "CET"}'], id="toolu_T"),
        ],
        input_tokens=100,
        output_tokens=40,
        split_seed=5,
    )
    server.add_stream(["It is 18C; the clock is broken."], input_tokens=180, output_tokens=12)


async def test_tool_round_trip_sends_results_and_thinking_back_exactly(server: AnthropicServer) -> None:
    _script_tool_round_trip(server)
    response = await _agent(server).arun("Weather and time in Paris?")
    assert response.content == "Let me check.It is 18C; the clock is broken."
    assert response.usage == Usage(280, 52)
    assert [(r.name, r.is_error) for r in response.tool_results] == [
        ("get_weather", False),
        ("get_time", True),
    ]

    first, second = (r.json() for r in server.requests)
    assert first["system"] == "Be brief." and first["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert {t["name"] for t in first["tools"]} == {"get_weather", "get_time"}
    assert first["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}
    assert second["system"] == "Be brief."
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assistant = second["messages"][1]["content"]
    assert assistant == [
        {"type": "thinking", "thinking": "The user wants weather and time.", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": REDACTED},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_W", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_T", "name": "get_time", "input": {"zone": "CET"}},
    ]
    results = second["messages"][2]["content"]
    assert results[0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_W",
        "content": "18C and sunny in Paris",
    }
    assert results[1]["tool_use_id"] == "toolu_T" and results[1]["is_error"] is True
    assert "clock for CET is broken" in results[1]["content"]
    # on the wire too: the signature's JSON string, as the server sent it, is in the body
    sent_as = json.dumps(SIGNATURE, ensure_ascii=False).encode()
    assert sent_as in b"".join(server.exchanges[0].response.pieces)
    assert sent_as in server.requests[1].body


async def test_next_run_sends_the_whole_history_with_alternating_roles(server: AnthropicServer) -> None:
    _script_tool_round_trip(server)
    server.add_stream(["Tomorrow: rain."])
    agent = _agent(server)
    await agent.arun("Weather and time in Paris?")
    await agent.arun("And tomorrow?")
    third = server.requests[2].json()["messages"]
    assert [m["role"] for m in third] == ["user", "assistant", "user", "assistant", "user"]
    assert third[1] == server.requests[1].json()["messages"][1]  # the signed turn, unchanged
    assert third[3]["content"] == [{"type": "text", "text": "It is 18C; the clock is broken."}]
    assert third[4]["content"] == [{"type": "text", "text": "And tomorrow?"}]


async def test_streamed_events_of_a_tool_run(server: AnthropicServer) -> None:
    _script_tool_round_trip(server)
    events = [chunk async for chunk in _agent(server).stream("Weather and time in Paris?")]
    kinds = [type(e) for e in events]
    signatures = [e.signature for e in events if isinstance(e, ThinkingChunk) and e.signature is not None]
    assert SIGNATURE in signatures and REDACTED in signatures
    starts = [(e.id, e.name) for e in events if isinstance(e, ToolCallStartChunk)]
    assert starts == [("toolu_W", "get_weather"), ("toolu_T", "get_time")]
    deltas = [e for e in events if isinstance(e, ToolCallDeltaChunk) and e.id == "toolu_W"]
    assert "".join(d.arguments_delta for d in deltas) == '{"city": "Paris"}'
    assert all(d.name == "get_weather" for d in deltas)
    calls = [(e.id, e.arguments) for e in events if isinstance(e, ToolCallChunk)]
    assert calls == [("toolu_W", {"city": "Paris"}), ("toolu_T", {"zone": "CET"})]
    assert kinds.count(ToolResultChunk) == 2
    ends = [e for e in events if isinstance(e, TurnEndChunk)]
    assert [(e.stop_reason, e.turn, e.model) for e in ends] == [
        ("tool_use", 1, "claude-sonnet-4-6"),
        ("end_turn", 2, "claude-sonnet-4-6"),
    ]
    assert isinstance(events[-1], DoneChunk)
    # the first text arrives only after the thinking it followed
    assert kinds.index(TextChunk) > kinds.index(ThinkingChunk)


async def test_thinking_cut_before_its_signature_is_never_sent_back(server: AnthropicServer) -> None:
    blocks = [Text(["Partial "]), Thinking(["unsigned half"]), "rest"]
    # cut after the thinking delta, before its signature_delta
    cut = next(i for i, p in enumerate(anthropic_stream(blocks)) if b"signature_delta" in p)
    server.add_stream(blocks, cut_after=cut)
    server.add_stream(["Fresh answer."])
    agent = _agent(server)
    with pytest.raises(ProviderConnectionError) as info:
        await agent.arun("first")
    assert info.value.partial_text == "Partial "
    await agent.arun("second")
    messages = server.requests[1].json()["messages"]
    sent = [block for m in messages for block in m["content"]]
    assert {"type": "text", "text": "Partial "} in sent
    assert all(block["type"] != "thinking" for block in sent)
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]


async def test_model_string_with_base_url_and_key(server: AnthropicServer) -> None:
    server.add_stream(["Hi from a string."])
    agent = Agent(model="claude-haiku-4-5", base_url=server.url, api_key="sk-ant-string")
    assert (await agent.arun("hi")).content == "Hi from a string."
    request = server.requests[0]
    assert request.json()["model"] == "claude-haiku-4-5" and request.headers["x-api-key"] == "sk-ant-string"
