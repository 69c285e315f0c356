"""Chat Completions streams as compatible servers really send them, over real HTTP, with the
official ``openai`` SDK as oracle where it can read them.

Quirks seen in the field: tool-call arguments in the same chunk as id and name, ``content:
null`` next to tool calls, empty ``delta: {}`` chunks, Azure's first chunk with empty
``choices`` and ``prompt_filter_results``, the usage chunk carrying a choice, ``"usage": null``
on every chunk, the id (and name) repeated on every fragment, arguments sent as a JSON object,
and ``finish_reason: "stop"`` after tool calls.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import openai
import pytest

from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from agenticraft.core.messages import Message
from agenticraft.core.provider import ModelRequest
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer

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


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _play(server: OpenAIServer, pieces: Sequence[bytes]) -> None:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))


async def _ours(server: OpenAIServer, pieces: Sequence[bytes]) -> ModelTurn:
    _play(server, pieces)
    provider = OpenAIProvider(
        "local-model", base_url=server.base_url, api_key="sk-test", retry=RetryPolicy(max_retries=0)
    )
    return await provider.complete(ModelRequest([Message.user("hi")]))


async def _sdk(server: OpenAIServer, pieces: Sequence[bytes]) -> Any:
    _play(server, pieces)
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    try:
        async with client.chat.completions.stream(
            model="local-model",
            messages=[{"role": "user", "content": "hi"}],
            stream_options={"include_usage": True},
        ) as stream:
            async for _ in stream:
                pass
            return stream.current_completion_snapshot
    finally:
        await client.close()


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
