"""OpenAI Chat Completions streaming over real HTTP, with the official SDK as oracle.

For every scripted stream, the same bytes are played once to our provider and once to
``openai.AsyncOpenAI().chat.completions.stream(...)``; the assembled results must agree.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import openai
import pytest
from parser_helpers import DEEP_JSON, edit_json, parse_pieces

from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderConnectionError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.events import TextChunk, ToolCallDeltaChunk
from agenticraft.core.messages import Message, Usage
from agenticraft.core.provider import ModelRequest
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai import OpenAIProvider, OpenAIStreamParser
from agenticraft.testing.servers import ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _provider(server: OpenAIServer, **kwargs: Any) -> OpenAIProvider:
    return OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", **kwargs)


async def _ours(server: OpenAIServer, pieces: Sequence[bytes]) -> ModelTurn:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))
    return await _provider(server).complete(ModelRequest([Message.user("hi")]))


async def _sdk(server: OpenAIServer, pieces: Sequence[bytes]) -> Any:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    try:
        async with client.chat.completions.stream(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream_options={"include_usage": True},
        ) as stream:
            async for _ in stream:
                pass
            return stream.current_completion_snapshot
    finally:
        await client.close()


async def _agree(server: OpenAIServer, pieces: Sequence[bytes]) -> ModelTurn:
    """Play ``pieces`` to us and to the SDK; assert both assembled the same turn."""
    turn = await _ours(server, pieces)
    final = await _sdk(server, pieces)
    message = final.choices[0].message
    assert turn.text == (message.content or "") + (message.refusal or "")
    sdk_calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or ()]
    assert [(c.id, c.name, c.raw_arguments) for c in turn.tool_calls] == sdk_calls
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (
        final.usage.prompt_tokens,
        final.usage.completion_tokens,
    )
    assert turn.raw_stop_reason == final.choices[0].finish_reason
    assert turn.model == final.model
    assert turn.response_id == final.id
    return turn


async def test_text_stream_matches_the_sdk(server: OpenAIServer) -> None:
    text = 'Hello, w\u00f6rld! \U0001f600 \u4e2d\u6587 and a "quoted" \\ backslash\nnew line.'
    turn = await _agree(server, openai_stream_events(text, usage=(11, 7)))
    assert turn.text == text
    assert turn.stop_reason == "end_turn"
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (11, 7)
    assert turn.tool_calls == []


async def test_request_asks_for_usage_and_carries_the_key(server: OpenAIServer) -> None:
    await _ours(server, openai_stream_events("ok"))
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.json()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_parallel_tool_calls_after_text_match_the_sdk(server: OpenAIServer) -> None:
    calls = [
        ScriptedToolCall("get_weather", {"city": "Paris", "unit": "c\u00b0"}, "call_A", fragment_size=3),
        ScriptedToolCall("get_time", {"zone": "Europe/Paris"}, "call_B", fragment_size=5),
        ScriptedToolCall("noop", "", "call_C"),
    ]
    turn = await _agree(server, openai_stream_events("Let me check. ", tool_calls=calls))
    assert turn.text == "Let me check. "
    assert turn.stop_reason == "tool_use"
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_A", "get_weather", {"city": "Paris", "unit": "c\u00b0"}),
        ("call_B", "get_time", {"zone": "Europe/Paris"}),
        ("call_C", "noop", {}),
    ]


async def test_interleaved_fragments_of_parallel_calls_match_the_sdk(server: OpenAIServer) -> None:
    calls = [
        ScriptedToolCall("a", {"x": "1234567890"}, "call_1", fragment_size=2),
        ScriptedToolCall("b", {"y": [1, 2, 3]}, "call_2", fragment_size=2),
    ]
    turn = await _agree(server, openai_stream_events(tool_calls=calls, interleave_calls=True))
    assert [c.arguments for c in turn.tool_calls] == [{"x": "1234567890"}, {"y": [1, 2, 3]}]


@pytest.mark.parametrize(
    ("finish", "stop"),
    [
        ("stop", "end_turn"),
        ("length", "max_tokens"),
        ("content_filter", "content_filter"),
        ("tool_calls", "tool_use"),
    ],
)
async def test_finish_reason_is_mapped(server: OpenAIServer, finish: str, stop: str) -> None:
    turn = await _agree(server, openai_stream_events("some text", finish_reason=finish))
    assert (turn.stop_reason, turn.raw_stop_reason) == (stop, finish)


async def test_refusal_is_text_with_a_refusal_stop(server: OpenAIServer) -> None:
    turn = await _agree(server, openai_stream_events(refusal="I can't help with that."))
    assert turn.text == "I can't help with that."
    assert turn.stop_reason == "refusal"


async def test_usage_only_chunk_is_read_after_the_finish(server: OpenAIServer) -> None:
    pieces = openai_stream_events("x", usage=(1234, 56))
    assert b'"choices": []' in pieces[-2]
    turn = await _ours(server, pieces)
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (1234, 56)


async def test_cached_and_reasoning_tokens_are_kept_inside_the_totals(server: OpenAIServer) -> None:
    # OpenAI counts cached prompt tokens inside prompt_tokens and reasoning inside
    # completion_tokens: the details say how many, and the totals stay as they were
    pieces = openai_stream_events("ok", usage=(1200, 300), cached_tokens=1024, reasoning_tokens=256)
    turn = await _agree(server, pieces)
    assert turn.usage == Usage(1200, 300, cache_read_tokens=1024, reasoning_tokens=256)
    assert turn.usage.total_tokens == 1500


@pytest.mark.parametrize("seed", range(12))
async def test_bytes_in_random_pieces_over_http(server: OpenAIServer, seed: int) -> None:
    calls = [ScriptedToolCall("f", {"q": '\u00e9\u00e8 \U0001f600 \\"x\\"'}, "call_z", fragment_size=4)]
    body = b"".join(openai_stream_events("d\u00e9j\u00e0 vu \U0001f600", tool_calls=calls))
    from agenticraft.testing.servers import split_bytes

    pieces = split_bytes(body, seed=seed, count=40)
    whole = await _ours(server, [body])
    split = await _agree(server, pieces)
    assert (split.text, split.tool_calls, split.usage) == (whole.text, whole.tool_calls, whole.usage)


def _parse(pieces: Sequence[bytes]) -> ModelTurn:
    return parse_pieces(OpenAIStreamParser(), "openai", pieces)


def test_parser_gives_the_same_turn_for_a_split_at_every_position() -> None:
    calls = [ScriptedToolCall("f", {"k": "\u00fcber \U0001f600"}, "call_q", fragment_size=3)]
    body = b"".join(openai_stream_events("\u00e9t\u00e9 \U0001f600!", tool_calls=calls))
    whole = _parse([body])
    assert whole.text == "\u00e9t\u00e9 \U0001f600!"
    assert whole.tool_calls[0].arguments == {"k": "\u00fcber \U0001f600"}
    for cut in range(1, len(body)):
        assert _parse([body[:cut], body[cut:]]) == whole, cut


def test_parser_events_carry_index_id_and_name_on_the_first_fragment() -> None:
    calls = [ScriptedToolCall("f", {"a": 1}, "call_1", fragment_size=3)]
    events = [e for p in openai_stream_events("hi", tool_calls=calls) for e in OpenAIStreamParser().feed(p)]
    deltas = [e for e in events if isinstance(e, ToolCallDeltaChunk)]
    assert (deltas[0].index, deltas[0].id, deltas[0].name) == (0, "call_1", "f")
    assert all((d.index, d.id, d.name) == (0, None, None) for d in deltas[1:])
    assert "".join(d.arguments_delta for d in deltas) == '{"a": 1}'
    assert [e.content for e in events if isinstance(e, TextChunk)] == ["hi"]


async def test_error_inside_the_stream_is_typed_and_keeps_the_partial_text(server: OpenAIServer) -> None:
    from agenticraft import Agent

    error = {"message": "The server had an error", "type": "server_error", "param": None, "code": None}
    server.add_stream("partial answer", error=error)
    agent = Agent(model=_provider(server))
    with pytest.raises(ServerError) as info:
        await agent.arun("hi")
    assert info.value.message == "The server had an error"
    assert info.value.provider == "openai"
    assert info.value.partial_text == "partial answer"
    assert len(server.requests) == 1  # after the first token: never retried


async def test_error_in_the_same_read_as_the_last_text_keeps_it_and_is_not_retried(
    server: OpenAIServer,
) -> None:
    from agenticraft import Agent
    from agenticraft.providers._http import RetryPolicy

    error = {"message": "The server had an error", "type": "server_error", "param": None, "code": None}
    server.add_stream("The first half", error=error, text_piece=10, split_every=10**6)  # one read
    agent = Agent(model=_provider(server, retry=RetryPolicy(max_retries=3, initial_delay=0)))
    with pytest.raises(ServerError) as info:
        await agent.arun("hi")
    assert info.value.partial_text == "The first half"
    assert len(server.requests) == 1  # output was decoded: never retried as if nothing had streamed
    assert agent.history[-1].interrupted and agent.history[-1].text == "The first half"


async def test_rate_limit_error_event_maps_to_its_class(server: OpenAIServer) -> None:
    server.add_stream("a", error={"message": "slow", "type": "requests", "code": "rate_limit_exceeded"})
    with pytest.raises(RateLimitError):
        await _provider(server).complete(ModelRequest([Message.user("hi")]))


async def test_malformed_line_is_a_protocol_error_with_the_partial_text(server: OpenAIServer) -> None:
    from agenticraft import Agent

    server.add_stream("before the bad line", malformed=True)
    with pytest.raises(StreamProtocolError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "before the bad line"


async def test_stream_cut_before_the_finish_is_a_connection_error(server: OpenAIServer) -> None:
    from agenticraft import Agent

    pieces = server.add_stream("one two three four", cut_after=4)
    assert len(pieces) > 4
    with pytest.raises(ProviderConnectionError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "one two thre"  # the role chunk, then three 4-char pieces
    assert len(server.requests) == 1


async def test_stream_ending_cleanly_without_done_after_finish_is_complete(server: OpenAIServer) -> None:
    turn = await _ours(server, openai_stream_events("fine", done=False))
    assert (turn.text, turn.stop_reason) == ("fine", "end_turn")


async def test_stream_ending_cleanly_before_any_finish_is_a_connection_error(server: OpenAIServer) -> None:
    pieces = openai_stream_events("unfinished")[:2]
    with pytest.raises(ProviderConnectionError):
        await _ours(server, pieces)


async def test_error_event_message_matches_the_sdk(server: OpenAIServer) -> None:
    error = {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}
    pieces = openai_stream_events("partial", error=error)
    with pytest.raises(openai.APIError) as sdk_error:
        await _sdk(server, pieces)
    with pytest.raises(RateLimitError) as ours:
        await _ours(server, pieces)
    assert ours.value.message == sdk_error.value.message
    assert ours.value.body == {"error": error}


@pytest.mark.parametrize(
    "bad_chunk",
    [b'data: {"choices": ["not an object"]}\n\n', b'data: {"choices": [{"delta": "text"}]}\n\n'],
)
async def test_chunks_of_the_wrong_shape_are_protocol_errors(server: OpenAIServer, bad_chunk: bytes) -> None:
    from agenticraft import Agent

    pieces = openai_stream_events("fine so far")
    pieces.insert(3, bad_chunk)
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))
    with pytest.raises(StreamProtocolError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "fine so "
    # the same shape before the first token is not retried either: it would not get better
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, [bad_chunk]))
    with pytest.raises(StreamProtocolError):
        await _provider(server).complete(ModelRequest([Message.user("hi")]))
    assert len(server.requests) == 2


_BASE = {"id": "chatcmpl-q", "object": "chat.completion.chunk", "created": 1, "model": "local-model"}


_USAGE = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def _event(data: Any) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def _chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> bytes:
    return _event({**_BASE, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})


def _call(index: int | None, call_id: str | None, name: str | None, arguments: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {"arguments": arguments}}
    if index is not None:
        call["index"] = index
    if call_id is not None:
        call["id"] = call_id
        call["type"] = "function"
    if name is not None:
        call["function"]["name"] = name
    return call


USAGE_CHUNK = _event({**_BASE, "choices": [], "usage": _USAGE})


DONE = b"data: [DONE]\n\n"


def _play(server: OpenAIServer, pieces: Sequence[bytes]) -> None:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))


QUIRKS = {
    "arguments with id and name, content null": [
        _chunk({"role": "assistant", "content": None, "tool_calls": [_call(0, "call_1", "f", '{"a": 1}')]}),
        _chunk({}, "tool_calls"),
        USAGE_CHUNK,
        DONE,
    ],
    "empty deltas and a finish with content": [
        _chunk({}),
        _chunk({"content": "Hi"}),
        _chunk({"content": " there"}, "stop"),
        USAGE_CHUNK,
        DONE,
    ],
    "usage chunk with a choice": [
        _chunk({"content": "Hi"}),
        _chunk({}, "stop"),
        _event({**_BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": None}], "usage": _USAGE}),
        DONE,
    ],
    "usage null on every chunk": [
        _chunk({"content": "Hi"}, usage=None),
        _chunk({}, "stop", usage=None),
        USAGE_CHUNK,
        DONE,
    ],
    "azure prompt filter first": [
        _event(
            {"choices": [], "created": 0, "id": "", "model": "", "object": "", "prompt_filter_results": []}
        ),
        _chunk({"content": "Hi"}),
        _chunk({}, "stop"),
        USAGE_CHUNK,
        DONE,
    ],
    "text and two calls in one chunk": [
        _chunk(
            {"content": "Let me", "tool_calls": [_call(0, "a", "f", "{}"), _call(1, "b", "g", '{"x":2}')]}
        ),
        _chunk({}, "tool_calls"),
        USAGE_CHUNK,
        DONE,
    ],
    "finish in the usage chunk": [
        _chunk({"content": "Hi"}),
        _event({**_BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": _USAGE}),
        DONE,
    ],
}


@pytest.mark.parametrize("pieces", QUIRKS.values(), ids=QUIRKS.keys())
async def test_compatible_server_quirks_match_the_sdk(server: OpenAIServer, pieces: list[bytes]) -> None:
    turn = await _ours(server, pieces)
    final = await _sdk(server, pieces)
    message = final.choices[0].message
    assert turn.text == (message.content or "")
    sdk_calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or ()]
    assert [(c.id, c.name, c.raw_arguments) for c in turn.tool_calls] == sdk_calls
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (3, 4)
    assert turn.raw_stop_reason == final.choices[0].finish_reason


async def test_id_and_name_repeated_on_every_fragment_make_one_call(server: OpenAIServer) -> None:
    # The SDK concatenates the repeated id and name ("call_1call_1", "ff"), so it is no oracle
    # here: one call with the id and name once is what the server meant.
    pieces = [
        _chunk({"tool_calls": [_call(0, "call_1", "f", '{"a"')]}),
        _chunk({"tool_calls": [_call(0, "call_1", "f", ": 1}")]}),
        _chunk({}, "tool_calls"),
        USAGE_CHUNK,
        DONE,
    ]
    turn = await _ours(server, pieces)
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [("call_1", "f", {"a": 1})]


async def test_arguments_sent_as_an_object_are_that_object(server: OpenAIServer) -> None:
    # Was: a TypeError out of the accumulator (not one of our errors) for the whole turn.
    pieces = [
        _chunk({"tool_calls": [_call(0, "a", "f", {"city": "K\u00f6ln", "days": 2})]}),
        _chunk({}, "tool_calls"),
        USAGE_CHUNK,
        DONE,
    ]
    turn = await _ours(server, pieces)
    with warnings.catch_warnings():  # pydantic warns that the SDK's field is not a str
        warnings.simplefilter("ignore")
        final = await _sdk(server, pieces)
    sdk_call = final.choices[0].message.tool_calls[0]
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        (sdk_call.id, sdk_call.function.name, sdk_call.function.arguments)
    ]
    assert turn.tool_calls[0].arguments_error is None


async def test_tool_calls_with_finish_stop_end_the_turn_as_tool_use(server: OpenAIServer) -> None:
    pieces = [
        _chunk({"content": "", "tool_calls": [_call(0, "a", "f", '{"x": 1}')]}),
        _chunk({}, "stop"),
        USAGE_CHUNK,
        DONE,
    ]
    turn = await _ours(server, pieces)
    final = await _sdk(server, pieces)
    assert turn.raw_stop_reason == final.choices[0].finish_reason == "stop"
    assert turn.stop_reason == "tool_use"
    assert [c.arguments for c in turn.tool_calls] == [{"x": 1}]


async def test_finish_stop_without_tool_calls_stays_end_turn(server: OpenAIServer) -> None:
    turn = await _ours(server, [_chunk({"content": "Hi"}), _chunk({}, "stop"), USAGE_CHUNK, DONE])
    assert (turn.text, turn.stop_reason) == ("Hi", "end_turn")


@pytest.mark.parametrize(
    ("code", "error_class", "retried"),
    [
        (429, RateLimitError, True),
        (400, BadRequestError, False),
        (401, AuthenticationError, False),
        (502, ServerError, True),
    ],
)
async def test_error_in_the_stream_with_an_http_code_maps_by_it(
    server: OpenAIServer, code: int, error_class: type[ProviderError], retried: bool
) -> None:
    # OpenRouter-style: {"error": {"code": 429, "message": ...}} as the first event. Was always
    # a ServerError, so a bad request was retried and a rate limit was not told apart.
    error_event = _event({"error": {"code": code, "message": "upstream said no"}, "choices": []})
    _play(server, [error_event])
    _play(server, [error_event])
    provider = OpenAIProvider(
        "local-model",
        base_url=server.base_url,
        api_key="sk-test",
        retry=RetryPolicy(max_retries=1, initial_delay=0.001, max_delay=0.001),
    )
    with pytest.raises(ProviderError) as info:
        await provider.complete(ModelRequest([Message.user("hi")]))
    assert type(info.value) is error_class
    assert info.value.message == "upstream said no"
    assert len(server.requests) == (2 if retried else 1)


def _thinking_part(text: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": [{"type": "text", "text": text}]}


async def test_content_as_a_list_of_parts_gives_thinking_and_text(server: OpenAIServer) -> None:
    # Mistral's reasoning models stream content as typed parts; was a TypeError out of the
    # accumulator (a list where text belongs), for the whole turn
    pieces = [
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"content": [_thinking_part("The user ")]}),
        _chunk({"content": [_thinking_part("greets me.")]}),
        _chunk({"content": [{"type": "text", "text": "Hello"}]}),
        _chunk({"content": [{"type": "text", "text": " there"}, {"type": "image_url", "image_url": {}}]}),
        _chunk({"content": "!"}),
        _chunk({}, "stop"),
        USAGE_CHUNK,
        DONE,
    ]
    turn = await _ours(server, pieces)
    assert turn.message.thinking == "The user greets me."
    assert turn.text == "Hello there!"
    assert [p.kind for p in turn.message.parts] == ["thinking", "text"]


async def test_calls_without_index_are_told_apart_by_id(server: OpenAIServer) -> None:
    # llama.cpp / LM Studio style: no "index" at all (the SDK cannot read this: it indexes by it)
    pieces = [
        _chunk({"tool_calls": [_call(None, "a", "f", '{"x"')]}),
        _chunk({"tool_calls": [_call(None, None, None, ": 1}")]}),
        _chunk({"tool_calls": [_call(None, "b", "g", "{}")]}),
        _chunk({}, "tool_calls"),
        USAGE_CHUNK,
        DONE,
    ]
    turn = await _ours(server, pieces)
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [("a", "f", {"x": 1}), ("b", "g", {})]


# -- fields of the wrong type (issue 9, point 4) ------------------------------------------------


def _bare_chunk(delta: dict[str, Any], **fields: Any) -> bytes:
    return b"data: " + json.dumps({"choices": [{"index": 0, "delta": delta}], **fields}).encode() + b"\n\n"


@pytest.mark.parametrize(
    "bad",
    [
        b"data: " + DEEP_JSON + b"\n\n",
        _bare_chunk({"content": 5}),
        _bare_chunk({"content": {"text": "x"}}),
        _bare_chunk({"reasoning_content": 5}),
        _bare_chunk({"refusal": ["no"]}),
        _bare_chunk(
            {"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": ["f"], "arguments": ""}}]}
        ),
        _bare_chunk({"tool_calls": [{"index": 0, "id": 1.5, "function": {"name": "f", "arguments": ""}}]}),
        _bare_chunk({"tool_calls": [{"index": [0], "function": {"arguments": "{}"}}]}),
        b'data: {"choices": [{"delta": {}, "finish_reason": ["stop"]}]}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": "many", "completion_tokens": 1}}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": -2}}\n\n',
        b'data: {"choices": [], "usage": {"prompt_tokens": 1, "prompt_tokens_details": [3]}}\n\n',
    ],
)
async def test_a_field_of_the_wrong_type_is_a_protocol_error_with_the_partial_text(
    server: OpenAIServer, bad: bytes
) -> None:
    from agenticraft import Agent

    pieces = openai_stream_events("fine so far")
    pieces.insert(3, bad)
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))
    agent = Agent(model=_provider(server))
    with pytest.raises(StreamProtocolError) as info:
        await agent.arun("hi")
    assert info.value.provider == "openai"
    assert info.value.partial_text == "fine so "
    assert len(server.requests) == 1
    # memory holds what was received, and the next request can be sent
    server.add_stream("next")
    assert (await agent.arun("again")).content == "next"


async def test_numeric_ids_indexes_and_counts_are_coerced_and_memory_stays_sendable(
    server: OpenAIServer,
) -> None:
    from agenticraft import Agent, tool

    @tool
    def echo(text: str) -> str:
        """Echo the text."""
        return text

    pieces = openai_stream_events(tool_calls=[ScriptedToolCall("echo", {"text": "ok"}, "call_x")], usage=None)

    def numeric(chunk: Any) -> None:
        for call in chunk["choices"][0]["delta"].get("tool_calls", ()):
            call["index"] = str(call["index"])
            if "id" in call:
                call["id"] = 7

    pieces = [edit_json(p, numeric) if b"tool_calls" in p else p for p in pieces]
    pieces.insert(
        -1, b'data: {"choices": [], "usage": {"prompt_tokens": "12", "completion_tokens": 3.0}}\n\n'
    )
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))
    server.add_stream("done", usage=(20, 2))
    agent = Agent(model=_provider(server), tools=[echo])
    response = await agent.arun("hi")
    assert response.content == "done"
    assert response.usage == Usage(32, 5)
    messages = server.requests[1].json()["messages"]
    assert messages[1]["tool_calls"][0]["id"] == "7"
    assert messages[2] == {"role": "tool", "tool_call_id": "7", "content": "ok"}
    server.add_stream("and again")
    assert (await agent.arun("more")).content == "and again"  # memory can still be sent
