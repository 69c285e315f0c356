"""Anthropic adapter, pure parts: our messages to the wire body, and stream events to ours."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.errors import (
    AuthenticationError,
    OverloadedError,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.events import (
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
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
from agenticraft.providers.anthropic import (
    DEFAULT_MAX_TOKENS,
    EMPTY_ERROR_CONTENT,
    AnthropicProvider,
    AnthropicStreamParser,
    build_request_body,
    error_from_payload,
    to_anthropic_messages,
)
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


def _tool_run_history() -> list[Message]:
    call_a = ToolCall("get_weather", {"city": "Paris"}, "toolu_01")
    call_b = ToolCall("get_time", {}, "toolu_02")
    return [
        Message.system("Be brief."),
        Message.user("Weather and time in Paris?"),
        Message(
            "assistant",
            [
                ThinkingPart("Two tools.", "sig+/=abc", "anthropic"),
                TextPart("Checking."),
                ToolCallPart(call_a),
                ToolCallPart(call_b),
            ],
        ),
        Message.tool_results(
            [
                ToolResult("toolu_01", "get_weather", "18C"),
                ToolResult("toolu_02", "get_time", "clock broken", is_error=True),
            ]
        ),
        Message.user("And tomorrow?"),
    ]


def test_system_is_top_level_and_tool_results_merge_into_one_user_message() -> None:
    system, messages = to_anthropic_messages(_tool_run_history())
    assert system == "Be brief."
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assistant = messages[1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "Two tools.", "signature": "sig+/=abc"}
    assert assistant[1] == {"type": "text", "text": "Checking."}
    assert assistant[2] == {
        "type": "tool_use",
        "id": "toolu_01",
        "name": "get_weather",
        "input": {"city": "Paris"},
    }
    assert assistant[3]["input"] == {}
    # the results come first in the merged user message, then the next prompt
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_01", "content": "18C"},
        {"type": "tool_result", "tool_use_id": "toolu_02", "content": "clock broken", "is_error": True},
        {"type": "text", "text": "And tomorrow?"},
    ]


def test_thinking_from_other_providers_and_unsigned_thinking_are_dropped() -> None:
    history = [
        Message.user("hi"),
        Message(
            "assistant",
            [
                ThinkingPart("openai reasoning", None, "openai"),
                ThinkingPart("ollama thought", "not-a-signature", "ollama"),
                ThinkingPart("cut off", None, "anthropic"),
                ThinkingPart("", "opaque==", "anthropic", redacted=True),
                TextPart(""),
                TextPart("Hello"),
            ],
        ),
    ]
    _, messages = to_anthropic_messages(history)
    assert messages[1]["content"] == [
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "text", "text": "Hello"},
    ]


def test_messages_left_empty_are_dropped_so_roles_still_alternate() -> None:
    history = [Message.user("one"), Message("assistant", [TextPart("")]), Message.user("two")]
    _, messages = to_anthropic_messages(history)
    assert messages == [
        {"role": "user", "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]}
    ]


def test_body_has_required_max_tokens_tools_thinking_and_settings() -> None:
    tools = [ToolDefinition("get_weather", "Weather for a city.", {"type": "object", "properties": {}})]
    request = ModelRequest(_tool_run_history(), tools, ModelSettings(thinking_budget=2048, stop=["END"]))
    body = build_request_body(request, "claude-sonnet-4-6")
    assert body["model"] == "claude-sonnet-4-6" and body["stream"] is True
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS + 2048  # the budget counts against max_tokens
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["tools"] == [
        {
            "name": "get_weather",
            "input_schema": {"type": "object", "properties": {}},
            "description": "Weather for a city.",
        }
    ]
    assert body["stop_sequences"] == ["END"] and body["system"] == "Be brief."
    plain = build_request_body(
        ModelRequest(
            [Message.user("x")], (), ModelSettings(max_tokens=50, temperature=0.2, extra_body={"top_k": 5})
        ),
        "m",
    )
    assert plain["max_tokens"] == 50 and plain["temperature"] == 0.2 and plain["top_k"] == 5
    assert "system" not in plain and "thinking" not in plain and "tools" not in plain


# -- the stream parser --------------------------------------------------------------------------


def _ev(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **fields})


def _feed(parser: AnthropicStreamParser, events: list[str]) -> list[Any]:
    out: list[Any] = []
    for data in events:
        out.extend(parser.feed_data(data))
    return out


def test_text_tool_use_fragments_usage_and_stop_reason() -> None:
    events = [
        _ev(
            "message_start",
            message={"id": "msg_1", "model": "claude-x", "usage": {"input_tokens": 25, "output_tokens": 1}},
        ),
        _ev("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        _ev("ping"),
        _ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "Let me "}),
        _ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "check."}),
        _ev("content_block_stop", index=0),
        _ev(
            "content_block_start",
            index=1,
            content_block={"type": "tool_use", "id": "toolu_9", "name": "f", "input": {}},
        ),
        _ev("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": ""}),
        _ev(
            "content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": '{"city": "Pa'}
        ),
        _ev("content_block_delta", index=1, delta={"type": "input_json_delta", "partial_json": 'ris"}'}),
        _ev("content_block_stop", index=1),
        _ev(
            "message_delta",
            delta={"stop_reason": "tool_use", "stop_sequence": None},
            usage={"output_tokens": 40},
        ),
        _ev("message_stop"),
    ]
    parser = AnthropicStreamParser()
    out = _feed(parser, events)
    assert parser.done and parser.model == "claude-x"
    assert [c.content for c in out if isinstance(c, TextChunk)] == ["Let me ", "check."]
    usages = [c.usage for c in out if isinstance(c, UsageChunk)]
    assert usages == [Usage(25, 1), Usage(25, 40)]  # cumulative: replaced, never added
    end = out[-1]
    assert isinstance(end, TurnEndChunk) and (end.stop_reason, end.raw_stop_reason) == (
        "tool_use",
        "tool_use",
    )
    acc = TurnAccumulator("anthropic")
    emitted = [e for chunk in out for e in acc.feed(chunk) if isinstance(e, ToolCallChunk)]
    calls, turn = acc.finish()
    assert calls == []  # complete at its content_block_stop, while the turn streamed
    assert [(c.id, c.name, c.arguments) for c in emitted] == [("toolu_9", "f", {"city": "Paris"})]
    assert turn.tool_calls == [c.call for c in emitted]
    assert turn.text == "Let me check." and turn.usage == Usage(25, 40)


def test_cache_tokens_count_as_input_and_absent_values_survive() -> None:
    parser = AnthropicStreamParser()
    _feed(
        parser,
        [
            _ev(
                "message_start",
                message={
                    "model": "m",
                    "usage": {
                        "input_tokens": 5,
                        "cache_read_input_tokens": 100,
                        "cache_creation_input_tokens": 7,
                        "output_tokens": 1,
                    },
                },
            )
        ],
    )
    (usage,) = parser.feed_data(
        _ev("message_delta", delta={"stop_reason": "max_tokens"}, usage={"output_tokens": 9})
    )
    assert isinstance(usage, UsageChunk) and usage.usage == Usage(
        112, 9, cache_read_tokens=100, cache_write_tokens=7
    )
    (end,) = parser.feed_data(_ev("message_stop"))
    assert isinstance(end, TurnEndChunk) and end.stop_reason == "max_tokens"


def test_thinking_signature_and_redacted_blocks_stay_separate_and_exact() -> None:
    signature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds/+=="
    events = [
        _ev("message_start", message={"model": "m", "usage": {"input_tokens": 3, "output_tokens": 1}}),
        _ev(
            "content_block_start",
            index=0,
            content_block={"type": "thinking", "thinking": "", "signature": ""},
        ),
        _ev("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "Let me "}),
        _ev("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "think é."}),
        _ev("content_block_delta", index=0, delta={"type": "signature_delta", "signature": signature}),
        _ev("content_block_stop", index=0),
        _ev("content_block_start", index=1, content_block={"type": "redacted_thinking", "data": "AAA=="}),
        _ev("content_block_stop", index=1),
        _ev("content_block_start", index=2, content_block={"type": "redacted_thinking", "data": "BBB=="}),
        _ev("content_block_stop", index=2),
        _ev("content_block_start", index=3, content_block={"type": "thinking", "thinking": ""}),
        _ev("content_block_delta", index=3, delta={"type": "thinking_delta", "thinking": "more"}),
        _ev("content_block_delta", index=3, delta={"type": "signature_delta", "signature": "s2"}),
        _ev("content_block_stop", index=3),
        _ev("content_block_start", index=4, content_block={"type": "text", "text": ""}),
        _ev("content_block_delta", index=4, delta={"type": "text_delta", "text": "Done"}),
        _ev("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 12}),
        _ev("message_stop"),
    ]
    out = _feed(AnthropicStreamParser(), events)
    assert ThinkingChunk("", signature) in out
    acc = TurnAccumulator("anthropic")
    for chunk in out:
        acc.feed(chunk)
    _, turn = acc.finish()
    thinking = [p for p in turn.message.parts if isinstance(p, ThinkingPart)]
    assert [(p.text, p.signature, p.redacted) for p in thinking] == [
        ("Let me think é.", signature, False),
        ("", "AAA==", True),
        ("", "BBB==", True),
        ("more", "s2", False),
    ]
    # and they go back exactly as received, in order
    _, wire = to_anthropic_messages([Message.user("q"), turn.message])
    assert wire[1]["content"][:4] == [
        {"type": "thinking", "thinking": "Let me think é.", "signature": signature},
        {"type": "redacted_thinking", "data": "AAA=="},
        {"type": "redacted_thinking", "data": "BBB=="},
        {"type": "thinking", "thinking": "more", "signature": "s2"},
    ]


def test_tool_use_given_whole_at_block_start_is_kept() -> None:
    parser = AnthropicStreamParser()
    out = _feed(
        parser,
        [
            _ev(
                "content_block_start",
                index=0,
                content_block={"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}},
            ),
            _ev("content_block_stop", index=0),
        ],
    )
    assert out == [ToolCallDeltaChunk("", 0, "t", "f"), ToolCallDeltaChunk('{"a": 1}', 0, final=True)]


def test_error_event_mid_stream_is_typed_and_malformed_data_is_a_protocol_error() -> None:
    parser = AnthropicStreamParser()
    with pytest.raises(OverloadedError) as info:
        parser.feed_data(_ev("error", error={"type": "overloaded_error", "message": "Overloaded"}))
    assert info.value.message == "Overloaded" and info.value.provider == "anthropic"
    assert info.value.body["error"]["type"] == "overloaded_error"
    with pytest.raises(StreamProtocolError):
        parser.feed_data('{"type": "content_block_delta", "index": 0, "delta": {"type": "text_de')
    with pytest.raises(StreamProtocolError):
        parser.feed_data("[1, 2]")


def test_error_bodies_map_by_type_then_by_fallback() -> None:
    auth = error_from_payload(
        {"type": "error", "error": {"type": "authentication_error", "message": "bad key"}}, status_code=401
    )
    assert isinstance(auth, AuthenticationError) and auth.status_code == 401 and auth.message == "bad key"
    unknown = error_from_payload(
        {"type": "error", "error": {"type": "brand_new_error", "message": "?"}}, default=ServerError
    )
    assert type(unknown) is ServerError
    assert isinstance(
        error_from_payload("not json at all", status_code=529, default=OverloadedError), OverloadedError
    )


def test_thinking_is_left_off_inside_a_tool_loop_another_provider_started() -> None:
    foreign = [
        Message.user("Weather?"),
        Message("assistant", [ThinkingPart("r", None, "openai"), ToolCallPart(ToolCall("f", {}, "call_1"))]),
        Message.tool_results([ToolResult("call_1", "f", "ok")]),
    ]
    settings = ModelSettings(thinking_budget=1024)
    body = build_request_body(ModelRequest(foreign, (), settings), "m")
    assert "thinking" not in body and body["max_tokens"] == DEFAULT_MAX_TOKENS
    own = list(foreign)
    own[1] = Message(
        "assistant", [ThinkingPart("r", "sig", "anthropic"), ToolCallPart(ToolCall("f", {}, "call_1"))]
    )
    assert build_request_body(ModelRequest(own, (), settings), "m")["thinking"]["budget_tokens"] == 1024
    # once the user speaks again, the loop is over and thinking is back on
    after = [*foreign, Message.assistant("done"), Message.user("next")]
    assert "thinking" in build_request_body(ModelRequest(after, (), settings), "m")


@pytest.mark.parametrize(
    "data",
    [
        '{"type": "content_block_delta", "index": 0}',
        '{"type": "content_block_delta", "index": 0, "delta": "text"}',
        '{"type": "message_start", "message": null}',
        '"just a string"',
    ],
)
def test_valid_json_of_the_wrong_shape_is_a_protocol_error(data: str) -> None:
    with pytest.raises(StreamProtocolError):
        AnthropicStreamParser().feed_data(data)


def test_server_tool_blocks_are_not_taken_for_our_tool_calls() -> None:
    parser = AnthropicStreamParser()
    start = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    out = [
        *parser.feed_data(_ev("content_block_start", index=0, content_block=start)),
        *parser.feed_data(
            _ev(
                "content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": '{"q": 1}'}
            )
        ),
        *parser.feed_data(_ev("content_block_stop", index=0)),
    ]
    assert out == []


def test_ids_other_providers_made_are_mapped_to_anthropic_characters_and_still_pair() -> None:
    history = [
        Message.user("q"),
        Message.assistant("", [ToolCall("f", {}, "functions.f:0")]),
        Message.tool_results([ToolResult("functions.f:0", "f", "ok")]),
    ]
    _, wire = to_anthropic_messages(history)
    assert wire[1]["content"][0]["id"] == wire[2]["content"][0]["tool_use_id"] == "functions_f_0"


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
