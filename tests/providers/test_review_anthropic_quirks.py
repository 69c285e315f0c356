"""Anthropic streams the local server did not script before, over real HTTP, with the official
``anthropic`` SDK as oracle: a ``tool_use`` whose whole input comes in ``content_block_start``
(followed by the usual empty ``input_json_delta``), several tool uses, initial text in a block
start, a server tool, ``ping`` before every event and no ``event:`` lines at all."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import anthropic
import pytest

from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.messages import Message, Usage
from agenticraft.core.provider import ModelRequest
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.testing.servers import ScriptedResponse
from agenticraft.testing.servers.anthropic import AnthropicServer, Text, ToolUse, anthropic_stream


@pytest.fixture
def server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as s:
        yield s


def _play(server: AnthropicServer, pieces: Sequence[bytes]) -> None:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))


async def _ours(server: AnthropicServer, pieces: Sequence[bytes]) -> ModelTurn:
    _play(server, pieces)
    provider = AnthropicProvider(
        "claude-sonnet-4-6", base_url=server.url, api_key="sk-ant-test", retry=RetryPolicy(max_retries=0)
    )
    return await provider.complete(ModelRequest([Message.user("hi")]))


async def _agree(server: AnthropicServer, pieces: Sequence[bytes]) -> ModelTurn:
    turn = await _ours(server, pieces)
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
    turn = await _agree(server, pieces)
    assert [c.arguments for c in turn.tool_calls] == [{"city": "Paris"}, {"tz": "CET"}]


async def test_fragments_replace_an_input_given_at_block_start(server: AnthropicServer) -> None:
    pieces = anthropic_stream([ToolUse("f", ['{"x": 2}'], id="toolu_a", start_input={"x": 1})])
    turn = await _agree(server, pieces)
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
    turn = await _agree(server, _raw_stream(ping_between=True))
    assert (turn.text, turn.tool_calls, turn.usage) == ("Hello. Found.", [], Usage(10, 7))


async def test_stream_without_event_lines_gives_the_same_turn(server: AnthropicServer) -> None:
    # the SDK needs the event lines; the payloads carry their own type, so we do not
    named = await _ours(server, _raw_stream(named=True))
    unnamed = await _ours(server, _raw_stream(named=False))
    assert unnamed.message == named.message
    assert (unnamed.usage, unnamed.raw_stop_reason) == (named.usage, named.raw_stop_reason)
    assert unnamed.text == "Hello. Found."


async def test_text_block_start_text_is_kept_before_its_deltas(server: AnthropicServer) -> None:
    pieces = anthropic_stream([Text(["lo"])])
    # the scripted server starts text blocks empty; put "Hel" in the start as some proxies do
    pieces = [p.replace(b'"text":""}', b'"text":"Hel"}', 1) for p in pieces]
    turn = await _agree(server, pieces)
    assert turn.text == "Hello"
