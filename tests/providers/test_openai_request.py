"""What the OpenAI adapter sends: our messages, tools and settings as Chat Completions JSON,
checked on the bytes the local server received; and the stream shapes of compatible servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agenticraft import Agent, tool
from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.messages import Message, TextPart, ThinkingPart, ToolCall, ToolCallPart, ToolResult
from agenticraft.core.provider import ModelRequest, ModelSettings, ToolDefinition
from agenticraft.providers.openai import OpenAIProvider, OpenAIStreamParser
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _provider(server: OpenAIServer, model: str = "gpt-4o-mini") -> OpenAIProvider:
    return OpenAIProvider(model, base_url=server.base_url, api_key="sk-test")


async def test_a_whole_conversation_is_translated(server: OpenAIServer) -> None:
    history = [
        Message.system("You are terse."),
        Message.user("Weather in Paris and Rome?"),
        Message(
            "assistant",
            [
                ThinkingPart("I should call the tool twice.", signature="sig", provider="anthropic"),
                TextPart("Checking."),
                ToolCallPart(ToolCall("get_weather", {"city": "Paris"}, "call_1")),
                ToolCallPart(ToolCall("get_weather", {}, "call_2", '{"city": "Ro', "not valid JSON")),
            ],
        ),
        Message.tool_results(
            [
                ToolResult("call_1", "get_weather", "18 C"),
                ToolResult("call_2", "get_weather", "bad arguments", is_error=True),
            ]
        ),
        Message("assistant", [ThinkingPart("only thinking, nothing to send")]),
        Message.user("And now?"),
    ]
    tools = [
        ToolDefinition(
            "get_weather",
            "Current weather.",
            {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        )
    ]
    settings = ModelSettings(
        temperature=0.2, max_tokens=300, top_p=0.9, stop=["END"], extra_body={"seed": 7, "user": "u1"}
    )
    server.add_stream("ok")
    await _provider(server).complete(ModelRequest(history, tools, settings))
    body = server.requests[0].json()
    assert body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                # arguments the model got wrong go back exactly as it sent them
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Ro'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
        {"role": "tool", "tool_call_id": "call_2", "content": "bad arguments"},
        {"role": "user", "content": "And now?"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    assert {k: body[k] for k in ("temperature", "max_tokens", "top_p", "stop", "seed", "user")} == {
        "temperature": 0.2,
        "max_tokens": 300,  # a compatible server (custom base_url) gets the classic field
        "top_p": 0.9,
        "stop": ["END"],
        "seed": 7,
        "user": "u1",
    }


def test_openai_itself_gets_max_completion_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    body = OpenAIProvider("o3-mini", api_key="k").build_body(
        ModelRequest([Message.user("hi")], settings=ModelSettings(max_tokens=50))
    )
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body


async def test_a_tool_loop_over_http_sends_the_results_back(server: OpenAIServer) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    server.add_stream(
        tool_calls=[
            ScriptedToolCall("add", {"a": 2, "b": 3}, "call_x", fragment_size=2),
            ScriptedToolCall("add", {"a": 10, "b": 20}, "call_y", fragment_size=2),
        ]
    )
    server.add_stream("5 and 30.")
    response = await Agent(model=_provider(server), tools=[add]).arun("add things")
    assert response.content == "5 and 30."
    assert [r.content for r in response.tool_results] == ["5", "30"]
    second = server.requests[1].json()["messages"]
    assert second[-3]["tool_calls"][1]["function"] == {"name": "add", "arguments": '{"a": 10, "b": 20}'}
    assert second[-2:] == [
        {"role": "tool", "tool_call_id": "call_x", "content": "5"},
        {"role": "tool", "tool_call_id": "call_y", "content": "30"},
    ]
    assert server.requests[1].json()["tools"][0]["function"]["name"] == "add"


def _events(*deltas: str) -> list[bytes]:
    """SSE chunks with the given raw delta JSON, then a finish and [DONE]."""
    chunks = [f'data: {{"model":"m","choices":[{{"index":0,"delta":{d}}}]}}\n\n'.encode() for d in deltas]
    finish = b'data: {"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\n'
    return [*chunks, finish, b"data: [DONE]\n\n"]


def _turn(pieces: list[bytes]) -> list[tuple[str, str, dict[str, object]]]:
    parser = OpenAIStreamParser()
    acc = TurnAccumulator("openai")
    for piece in pieces:
        for event in parser.feed(piece):
            acc.feed(event)
    for event in parser.close():
        acc.feed(event)
    return [(c.id, c.name, c.arguments) for c in acc.finish()[1].tool_calls]


def test_compatible_server_numbering_every_call_zero() -> None:
    # some servers (Ollama's /v1, older vLLM) give each parallel call index 0 and a new id
    pieces = _events(
        '{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":"{\\"x\\":"}}]}',
        '{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}',
        '{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]}',
    )
    assert _turn(pieces) == [("call_a", "f", {"x": 1}), ("call_b", "g", {})]


def test_compatible_server_without_index_or_id() -> None:
    pieces = _events(
        '{"tool_calls":[{"function":{"name":"f","arguments":"{\\"q\\": "}}]}',
        '{"tool_calls":[{"function":{"arguments":"\\"v\\"}"}}]}',
    )
    calls = _turn(pieces)
    assert [(name, args) for _, name, args in calls] == [("f", {"q": "v"})]
    assert calls[0][0]  # a stable id was made up


def test_reasoning_content_becomes_thinking_and_null_content_is_ignored() -> None:
    pieces = _events(
        '{"role":"assistant","content":null,"reasoning_content":"Let me see."}',
        '{"content":"Answer."}',
    )
    parser = OpenAIStreamParser()
    acc = TurnAccumulator("openai")
    for piece in pieces:
        for event in parser.feed(piece):
            acc.feed(event)
    turn = acc.finish()[1]
    assert (turn.message.thinking, turn.text) == ("Let me see.", "Answer.")


async def test_a_prompt_that_is_not_valid_unicode_is_a_typed_error_and_memory_stays_clean() -> None:
    from agenticraft import Agent
    from agenticraft.core.errors import BadRequestError
    from agenticraft.providers.openai import OpenAIProvider
    from agenticraft.testing.servers.openai import OpenAIServer

    with OpenAIServer() as server:
        server.add_stream("fine")
        agent = Agent(model=OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="k"))
        with pytest.raises(BadRequestError, match="not valid Unicode"):
            await agent.arun("bad \udc80 prompt")
        assert agent.history == [] and server.requests == []
        assert (await agent.arun("good prompt")).content == "fine"


async def test_reasoning_effort_goes_out_as_reasoning_effort(server: OpenAIServer) -> None:
    server.add_stream("ok")
    provider = OpenAIProvider("o4-mini", base_url=server.base_url, api_key="sk-test")
    await Agent(model=provider, reasoning_effort="high").arun("hi")
    assert server.requests[0].json()["reasoning_effort"] == "high"
    server.add_stream("ok")
    await Agent(model=provider).arun("hi")
    assert "reasoning_effort" not in server.requests[1].json()
