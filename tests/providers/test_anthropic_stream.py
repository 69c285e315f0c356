"""Anthropic Messages streaming over real HTTP, with the official ``anthropic`` SDK as oracle.

Every scripted stream is played once to our provider and once to the SDK's
``messages.stream(...)``; text, thinking (with signatures), tool calls, usage, stop reason and
model must agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import anthropic
import pytest
from parser_helpers import DEEP_JSON, edit_json, parse_pieces

from agenticraft import Agent
from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    ProviderConnectionError,
    RateLimitError,
    StreamProtocolError,
)
from agenticraft.core.events import TextChunk, UsageChunk
from agenticraft.core.messages import Message, ThinkingPart, Usage
from agenticraft.core.provider import ModelRequest, ModelSettings
from agenticraft.providers._http import RetryAttempt, RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider, AnthropicStreamParser
from agenticraft.testing.servers import ScriptedResponse, split_bytes
from agenticraft.testing.servers.anthropic import (
    AnthropicServer,
    ErrorEvent,
    Malformed,
    RedactedThinking,
    Text,
    Thinking,
    ToolUse,
    anthropic_stream,
)

SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds/+==\u00e9"
TRICKY = 'd\u00e9j\u00e0 vu \U0001f600 \u4e2d\u6587 "quoted" \\ back\nslash'


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as s:
        yield s


def _provider(server: AnthropicServer, **kwargs: Any) -> AnthropicProvider:
    kwargs.setdefault("retry", RetryPolicy(max_retries=0))
    return AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="sk-ant-test", **kwargs)


def _play(server: AnthropicServer, pieces: Sequence[bytes]) -> None:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))


async def _ours(server: AnthropicServer, pieces: Sequence[bytes], **settings: Any) -> ModelTurn:
    _play(server, pieces)
    request = ModelRequest([Message.user("hi")], (), ModelSettings(**settings))
    return await _provider(server).complete(request)


async def _sdk(server: AnthropicServer, pieces: Sequence[bytes]) -> Any:
    _play(server, pieces)
    client = anthropic.AsyncAnthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
    try:
        async with client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=1024, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            async for _ in stream:
                pass
            return await stream.get_final_message()
    finally:
        await client.close()


async def _agree(server: AnthropicServer, pieces: Sequence[bytes]) -> ModelTurn:
    """Play ``pieces`` to us and to the SDK; assert both assembled the same message."""
    turn = await _ours(server, pieces)
    final = await _sdk(server, pieces)
    assert turn.text == "".join(b.text for b in final.content if b.type == "text")
    sdk_calls = [(b.id, b.name, b.input) for b in final.content if b.type == "tool_use"]
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == sdk_calls
    sdk_thinking = [
        (b.thinking, b.signature, False) if b.type == "thinking" else ("", b.data, True)
        for b in final.content
        if b.type in ("thinking", "redacted_thinking")
    ]
    ours = [(p.text, p.signature, p.redacted) for p in turn.message.parts if isinstance(p, ThinkingPart)]
    assert ours == sdk_thinking
    u = final.usage
    prompt = u.input_tokens + (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0)
    assert turn.usage == Usage(
        prompt,
        u.output_tokens,
        cache_read_tokens=u.cache_read_input_tokens or 0,
        cache_write_tokens=u.cache_creation_input_tokens or 0,
    )
    assert turn.raw_stop_reason == final.stop_reason
    assert turn.model == final.model
    assert turn.response_id == final.id
    # block order is the SDK's order too
    kinds = [p.kind for p in turn.message.parts]
    sdk_kinds = [
        {"text": "text", "tool_use": "tool_call"}.get(b.type, "thinking")
        for b in final.content
        if b.type != "text" or b.text
    ]
    assert kinds == sdk_kinds
    return turn


async def test_text_with_ping_matches_the_sdk(server: AnthropicServer) -> None:
    pieces = anthropic_stream([Text(["Hel", "lo, ", TRICKY])], input_tokens=11, output_tokens=7)
    assert any(p.startswith(b"event: ping") for p in pieces)
    turn = await _agree(server, pieces)
    assert turn.text == "Hello, " + TRICKY
    assert (turn.stop_reason, turn.usage) == ("end_turn", Usage(11, 7))


async def test_parallel_tool_uses_after_text_match_the_sdk(server: AnthropicServer) -> None:
    blocks = [
        "Let me check. ",
        ToolUse("get_weather", ['{"city": "Pa', 'ris", "unit": "c\u00b0"}'], id="toolu_A"),
        ToolUse("get_time", ['{"zone"', ': "Europe/Paris"}'], id="toolu_B"),
        ToolUse("noop", [], id="toolu_C"),
    ]
    turn = await _agree(server, anthropic_stream(blocks))
    assert turn.stop_reason == "tool_use"
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("toolu_A", "get_weather", {"city": "Paris", "unit": "c\u00b0"}),
        ("toolu_B", "get_time", {"zone": "Europe/Paris"}),
        ("toolu_C", "noop", {}),
    ]


async def test_thinking_signature_and_redacted_blocks_match_the_sdk(server: AnthropicServer) -> None:
    blocks = [
        Thinking(["I should ", "check the \u00e9 weather."], signature=SIGNATURE),
        RedactedThinking(
            "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj"
        ),
        Thinking(["more"], signature="c2lnbmF0dXJlMg=="),
        "It is sunny.",
        ToolUse("log", ['{"ok": true}'], id="toolu_L"),
    ]
    turn = await _agree(server, anthropic_stream(blocks))
    thinking = [p for p in turn.message.parts if isinstance(p, ThinkingPart)]
    assert thinking[0].signature == SIGNATURE and thinking[0].provider == "anthropic"
    assert thinking[1].redacted and thinking[1].signature.startswith("EmwKAhgB")  # type: ignore[union-attr]


async def test_cumulative_usage_with_cache_matches_the_sdk(server: AnthropicServer) -> None:
    pieces = anthropic_stream(
        ["cached"],
        input_tokens=3,
        cache_read_input_tokens=2048,
        cache_creation_input_tokens=100,
        output_tokens=9,
        final_input_tokens=4,
    )
    turn = await _agree(server, pieces)
    # the message_delta input count replaced 3; the cache split is kept for pricing
    assert turn.usage == Usage(4 + 2048 + 100, 9, cache_read_tokens=2048, cache_write_tokens=100)


@pytest.mark.parametrize(
    ("raw", "stop"),
    [
        ("end_turn", "end_turn"),
        ("max_tokens", "max_tokens"),
        ("stop_sequence", "stop_sequence"),
        ("refusal", "refusal"),
        ("pause_turn", "end_turn"),
        ("model_context_window_exceeded", "max_tokens"),
    ],
)
async def test_stop_reason_is_mapped(server: AnthropicServer, raw: str, stop: str) -> None:
    turn = await _agree(server, anthropic_stream(["some text"], stop_reason=raw))
    assert (turn.stop_reason, turn.raw_stop_reason) == (stop, raw)


@pytest.mark.parametrize("seed", range(10))
async def test_bytes_in_random_pieces_over_http_match_the_sdk(server: AnthropicServer, seed: int) -> None:
    blocks = [
        Thinking([TRICKY], signature=SIGNATURE),
        Text(["\u00e9t\u00e9 ", TRICKY]),
        ToolUse("f", ['{"q": "\u00e9\u00e8 \U0001f600 ', '\\"x\\""}'], id="toolu_z"),
    ]
    body = b"".join(anthropic_stream(blocks))
    whole = await _ours(server, [body])
    split = await _agree(server, split_bytes(body, seed=seed, count=60))
    assert split == whole
    assert whole.tool_calls[0].arguments == {"q": '\u00e9\u00e8 \U0001f600 "x"'}


def _parse(pieces: Sequence[bytes]) -> ModelTurn:
    return parse_pieces(AnthropicStreamParser(), "anthropic", pieces)


def test_a_split_at_every_position_gives_the_same_turn() -> None:
    blocks = [
        Thinking(["\u00e9\U0001f600"], signature="s\u00e9g"),
        "\u4e2d\U0001f600",
        ToolUse("f", ['{"k": "\u00fc"}'], id="t"),
    ]
    body = b"".join(anthropic_stream(blocks, ping=True))
    whole = _parse([body])
    assert (whole.text, whole.tool_calls[0].arguments) == ("\u4e2d\U0001f600", {"k": "\u00fc"})
    for cut in range(1, len(body)):
        assert _parse([body[:cut], body[cut:]]) == whole, cut
    assert _parse(split_bytes(body, every=1)) == whole


def test_crlf_line_ends_give_the_same_turn() -> None:
    body = b"".join(anthropic_stream(["a\u00e9", ToolUse("f", ['{"x": 1}'], id="t")]))
    assert _parse([body.replace(b"\n", b"\r\n")]) == _parse([body])


async def test_request_headers_and_body(server: AnthropicServer) -> None:
    await _ours(server, anthropic_stream(["ok"]), thinking_budget=1024, temperature=1.0)
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    body = request.json()
    assert body["stream"] is True and body["model"] == "claude-sonnet-4-6"
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["max_tokens"] > 1024
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


async def test_key_from_environment_and_v1_suffix_tolerated(
    server: AnthropicServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-from-env")
    provider = AnthropicProvider("claude-x", base_url=server.url + "/v1/")
    server.add_stream(["ok"])
    assert (await provider.complete(ModelRequest([Message.user("hi")]))).text == "ok"
    assert server.requests[0].headers["x-api-key"] == "sk-from-env"
    assert server.requests[0].path == "/v1/messages"


# -- failures -----------------------------------------------------------------------------------


async def test_overloaded_error_event_mid_stream_keeps_the_partial_text(server: AnthropicServer) -> None:
    server.add_stream([Text(["partial ", "answer"]), ErrorEvent("overloaded_error", "Overloaded")])
    with pytest.raises(OverloadedError) as info:
        await Agent(model=_provider(server, retry=RetryPolicy(max_retries=3, initial_delay=0))).arun("hi")
    assert info.value.message == "Overloaded"
    assert info.value.provider == "anthropic"
    assert info.value.partial_text == "partial answer"
    assert info.value.body["error"]["type"] == "overloaded_error"
    assert len(server.requests) == 1  # after output reached the caller: never retried


async def test_error_in_the_same_read_as_the_last_text_keeps_it_and_is_not_retried(
    server: AnthropicServer,
) -> None:
    server.add_stream(
        [Text(["The first ", "half"]), ErrorEvent("overloaded_error", "Overloaded")], split_every=10**6
    )
    agent = Agent(model=_provider(server, retry=RetryPolicy(max_retries=3, initial_delay=0)))
    with pytest.raises(OverloadedError) as info:
        await agent.arun("hi")
    assert info.value.partial_text == "The first half"
    assert len(server.requests) == 1
    assert agent.history[-1].interrupted and agent.history[-1].text == "The first half"


@pytest.mark.parametrize(
    ("kind", "error_class"),
    [
        ("api_error", "ServerError"),
        ("rate_limit_error", "RateLimitError"),
        ("invalid_request_error", "BadRequestError"),
    ],
)
async def test_other_error_events_map_by_type(server: AnthropicServer, kind: str, error_class: str) -> None:
    server.add_stream(["x", ErrorEvent(kind, "boom")])
    with pytest.raises(Exception) as info:
        await _provider(server).complete(ModelRequest([Message.user("hi")]))
    assert type(info.value).__name__ == error_class and info.value.message == "boom"  # type: ignore[attr-defined]


async def test_malformed_event_is_a_protocol_error_with_the_partial_text(server: AnthropicServer) -> None:
    server.add_stream(["before the bad line", Malformed()])
    with pytest.raises(StreamProtocolError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "before the bad line"


async def test_cut_connection_is_a_connection_error_with_the_partial_text(server: AnthropicServer) -> None:
    pieces = server.add_stream([Text(["one ", "two ", "three"])], cut_after=5)
    assert len(pieces) > 5
    with pytest.raises(ProviderConnectionError) as info:
        await Agent(model=_provider(server)).arun("hi")
    # message_start, block start, ping, then two text deltas went out
    assert info.value.partial_text == "one two "


async def test_clean_end_before_message_stop_is_a_connection_error(server: AnthropicServer) -> None:
    _play(server, anthropic_stream(["unfinished"])[:-1])
    with pytest.raises(ProviderConnectionError):
        await _provider(server).complete(ModelRequest([Message.user("hi")]))


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, BadRequestError), (401, AuthenticationError), (404, NotFoundError), (413, BadRequestError)],
)
async def test_http_errors_are_mapped_with_the_body_message(
    server: AnthropicServer, status: int, error_class: type[Exception]
) -> None:
    server.add_error(status, f"problem {status}")
    with pytest.raises(error_class) as info:
        await _provider(server, retry=RetryPolicy(max_retries=2, initial_delay=0)).complete(
            ModelRequest([Message.user("hi")])
        )
    assert info.value.message == f"problem {status}"  # type: ignore[attr-defined]
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert len(server.requests) == 1  # client errors are not retried


async def test_overloaded_529_is_retried_then_succeeds(server: AnthropicServer) -> None:
    server.add_error(529, "Overloaded")
    server.add_stream(["recovered"])
    turn = await _provider(server, retry=RetryPolicy(max_retries=1, initial_delay=0)).complete(
        ModelRequest([Message.user("hi")])
    )
    assert turn.text == "recovered" and len(server.requests) == 2


async def test_529_without_retries_left_is_overloaded(server: AnthropicServer) -> None:
    server.add_error(529, "Overloaded")
    with pytest.raises(OverloadedError) as info:
        await _provider(server).complete(ModelRequest([Message.user("hi")]))
    assert info.value.status_code == 529 and info.value.body["error"]["type"] == "overloaded_error"


async def test_rate_limit_retry_honours_retry_after(server: AnthropicServer) -> None:
    seen: list[RetryAttempt] = []
    server.add_error(429, "slow down", retry_after=0.01)
    server.add_stream(["ok"])
    retry = RetryPolicy(max_retries=2, initial_delay=5.0, on_retry=seen.append)
    turn = await _provider(server, retry=retry).complete(ModelRequest([Message.user("hi")]))
    assert turn.text == "ok"
    assert [(a.attempt, a.delay, type(a.error)) for a in seen] == [(1, 0.01, RateLimitError)]
    assert seen[0].error.message == "slow down"


async def test_break_mid_stream_closes_the_connection_at_once(server: AnthropicServer) -> None:
    server.add_stream([Text(["first ", "second"])], hang=True)
    agent = Agent(model=_provider(server))
    async with agent.stream("hi") as stream:
        async for chunk in stream:
            if chunk.content:
                break
    assert stream.interrupted and stream.text == "first "
    assert await server.await_until(lambda: server.exchanges[0].client_disconnected)
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_no_key_for_the_real_service_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from agenticraft.core.errors import ConfigurationError

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
        await AnthropicProvider("claude-sonnet-4-6").complete(ModelRequest([Message.user("hi")]))


async def test_error_event_before_any_output_is_retried(server: AnthropicServer) -> None:
    # message_start, then overloaded: nothing reached the caller yet, so the request may go again
    pieces = anthropic_stream([ErrorEvent("overloaded_error", "Overloaded")])
    assert [p.split(b"\n", 1)[0] for p in pieces] == [b"event: message_start", b"event: error"]
    _play(server, pieces)
    server.add_stream(["second try"], input_tokens=7, output_tokens=2)
    provider = _provider(server, retry=RetryPolicy(max_retries=1, initial_delay=0))
    turn = await provider.complete(ModelRequest([Message.user("hi")]))
    assert (turn.text, turn.usage) == ("second try", Usage(7, 2))
    assert len(server.requests) == 2


def test_start_usage_waits_for_the_first_output() -> None:
    parser = AnthropicStreamParser()
    pieces = anthropic_stream(["hi"], input_tokens=9)
    assert parser.feed(pieces[0]) == []  # message_start alone: no event yet
    events = [e for p in pieces[1:] for e in parser.feed(p)]
    assert isinstance(events[0], UsageChunk) and events[0].usage == Usage(9, 1)
    assert isinstance(events[1], TextChunk)


async def _quirk_turn(server: AnthropicServer, pieces: Sequence[bytes]) -> ModelTurn:
    _play(server, pieces)
    provider = AnthropicProvider(
        "claude-sonnet-4-6", base_url=server.url, api_key="sk-ant-test", retry=RetryPolicy(max_retries=0)
    )
    return await provider.complete(ModelRequest([Message.user("hi")]))


async def _quirk_turn_agreeing_with_sdk(server: AnthropicServer, pieces: Sequence[bytes]) -> ModelTurn:
    turn = await _quirk_turn(server, pieces)
    _play(server, pieces)
    client = anthropic.AsyncAnthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
    try:
        async with client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            async for _ in stream:
                pass
            final = await stream.get_final_message()
    finally:
        await client.close()
    assert turn.text == "".join(b.text for b in final.content if b.type == "text")
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        (b.id, b.name, b.input) for b in final.content if b.type == "tool_use"
    ]
    assert turn.usage == Usage(final.usage.input_tokens, final.usage.output_tokens)
    assert turn.raw_stop_reason == final.stop_reason
    return turn


async def test_input_given_at_block_start_survives_the_empty_delta(server: AnthropicServer) -> None:
    # Was: the empty input_json_delta that follows every block start erased the input.
    pieces = anthropic_stream(
        [
            ToolUse("get_weather", [], id="toolu_a", start_input={"city": "Paris"}),
            ToolUse("get_time", ['{"tz": ', '"CET"}'], id="toolu_b"),
        ]
    )
    turn = await _quirk_turn_agreeing_with_sdk(server, pieces)
    assert [c.arguments for c in turn.tool_calls] == [{"city": "Paris"}, {"tz": "CET"}]


async def test_fragments_replace_an_input_given_at_block_start(server: AnthropicServer) -> None:
    pieces = anthropic_stream([ToolUse("f", ['{"x": 2}'], id="toolu_a", start_input={"x": 1})])
    turn = await _quirk_turn_agreeing_with_sdk(server, pieces)
    assert turn.tool_calls[0].arguments == {"x": 2}


def _event(payload: dict[str, Any], named: bool) -> bytes:
    head = f"event: {payload['type']}\n".encode() if named else b""
    return head + b"data: " + json.dumps(payload).encode() + b"\n\n"


def _raw_stream(named: bool = True, ping_between: bool = False) -> list[bytes]:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "cache_read_input_tokens": None, "output_tokens": 1},
    }
    payloads: list[dict[str, Any]] = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": "Hel"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo. "}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {
                "type": "server_tool_use",
                "id": "srvtoolu_1",
                "name": "web_search",
                "input": {},
            },
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": "{}"},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "Found."}},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 7}},
        {"type": "message_stop"},
    ]
    pieces: list[bytes] = []
    for payload in payloads:
        if ping_between:
            pieces.append(_event({"type": "ping"}, named))
        pieces.append(_event(payload, named))
    return pieces


async def test_initial_text_server_tool_and_pings_match_the_sdk(server: AnthropicServer) -> None:
    turn = await _quirk_turn_agreeing_with_sdk(server, _raw_stream(ping_between=True))
    assert (turn.text, turn.tool_calls, turn.usage) == ("Hello. Found.", [], Usage(10, 7))


async def test_stream_without_event_lines_gives_the_same_turn(server: AnthropicServer) -> None:
    # the SDK needs the event lines; the payloads carry their own type, so we do not
    named = await _quirk_turn(server, _raw_stream(named=True))
    unnamed = await _quirk_turn(server, _raw_stream(named=False))
    assert unnamed.message == named.message
    assert (unnamed.usage, unnamed.raw_stop_reason) == (named.usage, named.raw_stop_reason)
    assert unnamed.text == "Hello. Found."


async def test_text_block_start_text_is_kept_before_its_deltas(server: AnthropicServer) -> None:
    pieces = anthropic_stream([Text(["lo"])])
    # the scripted server starts text blocks empty; put "Hel" in the start as some proxies do
    pieces = [p.replace(b'"text":""}', b'"text":"Hel"}', 1) for p in pieces]
    turn = await _quirk_turn_agreeing_with_sdk(server, pieces)
    assert turn.text == "Hello"


# -- fields of the wrong type (issue 9, point 4) ------------------------------------------------


def _named_event(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload)}\n\n".encode()


def _delta(delta: dict[str, Any], index: int = 0) -> bytes:
    return _named_event({"type": "content_block_delta", "index": index, "delta": delta})


def _start(block: dict[str, Any], index: Any = 1) -> bytes:
    return _named_event({"type": "content_block_start", "index": index, "content_block": block})


@pytest.mark.parametrize(
    "bad",
    [
        b"event: content_block_delta\ndata: " + DEEP_JSON + b"\n\n",
        _delta({"type": "text_delta", "text": 5}),
        _delta({"type": "thinking_delta", "thinking": ["x"]}),
        _delta({"type": "signature_delta", "signature": 5}),
        _start({"type": "tool_use", "id": "toolu_1", "name": ["f"], "input": {}}),
        _start({"type": "tool_use", "id": 1.5, "name": "f", "input": {}}),
        _start({"type": "text", "text": ""}, index="first"),
        _named_event({"type": "message_delta", "delta": {"stop_reason": ["end_turn"]}, "usage": {}}),
        _named_event({"type": "message_delta", "delta": {}, "usage": {"output_tokens": "many"}}),
    ],
)
async def test_a_field_of_the_wrong_type_is_a_protocol_error_with_the_partial_text(
    server: AnthropicServer, bad: bytes
) -> None:
    pieces = anthropic_stream(["fine so far"])
    text_at = next(i for i, p in enumerate(pieces) if b"text_delta" in p)
    pieces.insert(text_at + 1, bad)
    _play(server, pieces)
    agent = Agent(model=_provider(server))
    with pytest.raises(StreamProtocolError) as info:
        await agent.arun("hi")
    assert info.value.provider == "anthropic"
    assert info.value.partial_text == "fine so far"
    assert len(server.requests) == 1
    server.add_stream(["next"])  # memory holds what was received, and can be sent
    assert (await agent.arun("again")).content == "next"


async def test_numeric_ids_indexes_and_counts_are_coerced_and_memory_stays_sendable(
    server: AnthropicServer,
) -> None:
    from agenticraft import tool

    @tool
    def echo(text: str) -> str:
        """Echo the text."""
        return text

    def numeric(event: Any) -> None:
        if event["type"] == "content_block_start":
            event["index"] = "0"
            event["content_block"]["id"] = 7
        elif event["type"] == "message_start":
            event["message"]["usage"]["input_tokens"] = "25"

    pieces = [edit_json(p, numeric) for p in anthropic_stream([ToolUse("echo", ['{"text": "ok"}'], id="x")])]
    _play(server, pieces)
    server.add_stream(["done"], input_tokens=30, output_tokens=2)
    agent = Agent(model=_provider(server), tools=[echo])
    response = await agent.arun("hi")
    assert response.content == "done"
    assert response.usage.input_tokens == 55
    messages = server.requests[1].json()["messages"]
    assert messages[1]["content"][0]["id"] == "7"
    assert messages[2]["content"][0]["tool_use_id"] == "7"
    server.add_stream(["and again"])
    assert (await agent.arun("more")).content == "and again"
