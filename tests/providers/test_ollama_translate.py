"""Ollama adapter, pure parts: our messages to the wire body, and NDJSON lines to our events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.errors import NotFoundError, ServerError, StreamProtocolError
from agenticraft.core.events import TextChunk, ThinkingChunk, TurnEndChunk, UsageChunk
from agenticraft.core.messages import (
    Message,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolCallPart,
    ToolResult,
    Usage,
)
from agenticraft.core.provider import ModelRequest, ModelSettings, ToolDefinition
from agenticraft.providers.ollama import (
    OllamaStreamParser,
    build_request_body,
    resolve_base_url,
    to_ollama_messages,
)


def test_messages_tool_calls_and_results() -> None:
    history = [
        Message.system("Be brief."),
        Message.user("Weather?"),
        Message(
            "assistant",
            [
                ThinkingPart("mine", None, "ollama"),
                ThinkingPart("theirs", "sig", "anthropic"),
                ToolCallPart(ToolCall("get_weather", {"city": "Paris"}, "call_1_0")),
            ],
        ),
        Message.tool_results([ToolResult("call_1_0", "get_weather", "18C", is_error=False)]),
    ]
    wire = to_ollama_messages(history)
    assert wire[0] == {"role": "system", "content": "Be brief."}
    assert wire[1] == {"role": "user", "content": "Weather?"}
    assert wire[2] == {
        "role": "assistant",
        "content": "",
        "thinking": "mine",  # only Ollama's own thinking goes back
        "tool_calls": [
            {
                "id": "call_1_0",
                "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}},
            }
        ],
    }
    assert wire[3] == {
        "role": "tool",
        "content": "18C",
        "tool_name": "get_weather",
        "tool_call_id": "call_1_0",
    }


def test_body_options_think_and_tools() -> None:
    request = ModelRequest(
        [Message.user("hi"), Message("assistant", [TextPart("yo")])],
        [ToolDefinition("f", "does f", {"type": "object", "properties": {"x": {"type": "integer"}}})],
        ModelSettings(temperature=0.1, max_tokens=64, stop=["\n"], thinking_budget=1000, top_p=0.9),
    )
    body = build_request_body(request, "llama3.2")
    assert body["model"] == "llama3.2" and body["stream"] is True and body["think"] is True
    assert body["options"] == {"temperature": 0.1, "top_p": 0.9, "num_predict": 64, "stop": ["\n"]}
    assert body["tools"][0]["function"]["parameters"]["properties"] == {"x": {"type": "integer"}}
    assert "options" not in build_request_body(ModelRequest([Message.user("x")]), "m")


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, None, "http://localhost:11434"),
        (None, "0.0.0.0", "http://0.0.0.0:11434"),
        (None, "myhost:9999", "http://myhost:9999"),
        (None, "https://ollama.example.com", "https://ollama.example.com:443"),
        (None, "http://example.com", "http://example.com:80"),
        (None, "example.com", "http://example.com:11434"),
        ("https://example.com/path/", None, "https://example.com:443/path"),
        ("http://127.0.0.1:5000/", "ignored:1", "http://127.0.0.1:5000"),
        (None, "[::1]", "http://[::1]:11434"),
    ],
)
def test_base_url_from_argument_or_ollama_host(
    given: str | None, env: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env is None:
        monkeypatch.delenv("OLLAMA_HOST", raising=False)
    else:
        monkeypatch.setenv("OLLAMA_HOST", env)
    assert resolve_base_url(given) == expected


def _line(message: dict[str, Any] | None = None, **fields: Any) -> str:
    obj: dict[str, Any] = {"model": "llama3.2", "created_at": "2025-01-01T00:00:00Z"}
    if message is not None:
        obj["message"] = {"role": "assistant", **message}
    obj.update(fields)
    return json.dumps(obj)


def test_text_thinking_tool_calls_usage_and_stop() -> None:
    lines = [
        _line({"content": "", "thinking": "Hmm, "}, done=False),
        _line({"content": "", "thinking": "weather."}, done=False),
        _line({"content": "Checking"}, done=False),
        _line(
            {
                "content": "",
                "tool_calls": [
                    {"function": {"name": "get_weather", "arguments": {"city": "Zürich"}}},
                    {"id": "call_real", "function": {"name": "get_time", "arguments": {}}},
                ],
            },
            done=False,
        ),
        _line(
            {"content": "", "tool_calls": [{"function": {"name": "late", "arguments": {"n": 1}}}]}, done=False
        ),
        _line({"content": ""}, done=True, done_reason="stop", prompt_eval_count=26, eval_count=30),
    ]
    parser = OllamaStreamParser(turn=3)
    out = [event for line in lines for event in parser.feed_line(line)]
    assert [c.thinking for c in out if isinstance(c, ThinkingChunk)] == ["Hmm, ", "weather."]
    assert [c.content for c in out if isinstance(c, TextChunk)] == ["Checking"]
    assert out[-2] == UsageChunk(Usage(26, 30))
    end = out[-1]
    assert isinstance(end, TurnEndChunk) and (end.stop_reason, end.raw_stop_reason) == ("tool_use", "stop")
    acc = TurnAccumulator("ollama", 3)
    for event in out:
        acc.feed(event)
    pending, turn = acc.finish()
    assert pending == []  # whole calls: each complete as it came, while the turn streamed
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_3_0", "get_weather", {"city": "Zürich"}),
        ("call_real", "get_time", {}),
        ("call_3_2", "late", {"n": 1}),
    ]
    assert turn.message.thinking == "Hmm, weather." and turn.usage == Usage(26, 30)


def test_ids_are_stable_for_the_same_request() -> None:
    line = _line({"content": "", "tool_calls": [{"function": {"name": "f", "arguments": {}}}]})
    first = OllamaStreamParser(turn=2).feed_line(line)
    second = OllamaStreamParser(turn=2).feed_line(line)
    assert first == second and first[0].id == "call_2_0"  # type: ignore[union-attr]


def test_length_maps_to_max_tokens() -> None:
    (_, end) = OllamaStreamParser().feed_line(
        _line({"content": ""}, done=True, done_reason="length", eval_count=5)
    )
    assert isinstance(end, TurnEndChunk) and end.stop_reason == "max_tokens" and end.usage == Usage(0, 5)


def test_error_line_and_malformed_line() -> None:
    parser = OllamaStreamParser()
    with pytest.raises(ServerError) as info:
        parser.feed_line('{"error": "an error was encountered while running the model: unexpected EOF"}')
    assert info.value.message.startswith("an error was encountered") and info.value.provider == "ollama"
    with pytest.raises(NotFoundError):
        parser.feed_line('{"error": "model \\"nope\\" not found, try pulling it first"}')
    with pytest.raises(StreamProtocolError):
        parser.feed_line('{"model": "x", "message": {"content": "unterminated')


@pytest.mark.parametrize(
    "line", ['"error in a string"', "[1, 2]", '{"message": "text"}', '{"message": {"tool_calls": [1]}}']
)
def test_valid_json_of_the_wrong_shape_is_a_protocol_error(line: str) -> None:
    with pytest.raises(StreamProtocolError):
        OllamaStreamParser().feed_line(line)


def test_assistant_turns_left_empty_are_dropped() -> None:
    history = [
        Message.user("a"),
        Message("assistant", [ThinkingPart("signed", "sig", "anthropic")]),
        Message.user("b"),
    ]
    assert [m["role"] for m in to_ollama_messages(history)] == ["user", "user"]
