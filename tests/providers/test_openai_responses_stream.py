"""OpenAI Responses API streaming over real HTTP, with the official SDK as oracle.

Every transcript the local server sends is played once to our provider and once to
``openai.AsyncOpenAI().responses.stream(...)`` (or ``responses.create`` for the non-streamed
body); the SDK must parse it, and what we assembled must agree with what it assembled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import openai
import pytest
from parser_helpers import parse_pieces

from agenticraft import Agent
from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.errors import (
    BadRequestError,
    ProviderConnectionError,
    RateLimitError,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.events import ThinkingChunk
from agenticraft.core.messages import Message, OpaquePart, ThinkingPart, Usage
from agenticraft.core.provider import ModelRequest
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai_responses import OpenAIResponsesProvider, ResponsesStreamParser
from agenticraft.testing.servers import ScriptedResponse, split_bytes
from agenticraft.testing.servers.openai_responses import (
    ENCRYPTED,
    Call,
    OpenAIResponsesServer,
    Reasoning,
    Text,
    responses_body,
    responses_stream_events,
)


@pytest.fixture
def server() -> Iterator[OpenAIResponsesServer]:
    with OpenAIResponsesServer() as s:
        yield s


def _provider(server: OpenAIResponsesServer, **kwargs: Any) -> OpenAIResponsesProvider:
    return OpenAIResponsesProvider("gpt-5-mini", base_url=server.base_url, api_key="sk-test", **kwargs)


def _play(server: OpenAIResponsesServer, pieces: Sequence[bytes]) -> None:
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))


async def _ours(server: OpenAIResponsesServer, pieces: Sequence[bytes]) -> ModelTurn:
    _play(server, pieces)
    return await _provider(server).complete(ModelRequest([Message.user("hi")]))


def _client(server: OpenAIResponsesServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)


async def _sdk(server: OpenAIResponsesServer, pieces: Sequence[bytes]) -> tuple[list[Any], Any]:
    """The SDK's events and its final response (``None`` when the stream did not complete)."""
    _play(server, pieces)
    client = _client(server)
    try:
        async with client.responses.stream(model="gpt-5-mini", input="hi") as stream:
            events = [event async for event in stream]
            final = await stream.get_final_response() if events[-1].type == "response.completed" else None
            return events, final
    finally:
        await client.close()


def _sdk_thinking(final: Any) -> str:
    return "\n\n".join(s.text for o in final.output if o.type == "reasoning" for s in o.summary)


async def _agree(server: OpenAIResponsesServer, pieces: Sequence[bytes]) -> ModelTurn:
    """Play ``pieces`` to us and to the SDK; assert both assembled the same turn."""
    turn = await _ours(server, pieces)
    _, final = await _sdk(server, pieces)
    assert turn.text == final.output_text
    assert turn.message.thinking == _sdk_thinking(final)
    sdk_calls = [(o.call_id, o.name, o.arguments) for o in final.output if o.type == "function_call"]
    assert [(c.id, c.name, c.raw_arguments) for c in turn.tool_calls] == sdk_calls
    usage = final.usage
    assert turn.usage == Usage(
        usage.input_tokens,
        usage.output_tokens,
        cache_read_tokens=usage.input_tokens_details.cached_tokens,
        cache_write_tokens=getattr(usage.input_tokens_details, "cache_write_tokens", 0),  # newer SDKs
        reasoning_tokens=usage.output_tokens_details.reasoning_tokens,
    )
    assert turn.model == final.model
    assert turn.raw_stop_reason == final.status
    opaque = [p for p in turn.message.parts if isinstance(p, OpaquePart)]
    # the response id (for chaining) and the ids of the items, to send them back paired
    expected: dict[str, Any] = {"response_id": final.id}
    message_ids = [o.id for o in final.output if o.type == "message" and any(c.text for c in o.content)]
    call_ids = {o.call_id: o.id for o in final.output if o.type == "function_call"}
    if message_ids:
        expected["message_ids"] = message_ids
    if call_ids:
        expected["call_ids"] = call_ids
    assert [p.data for p in opaque] == [expected]
    assert turn.response_id == final.id  # what telemetry reports
    return turn


async def test_text_matches_the_sdk(server: OpenAIResponsesServer) -> None:
    text = ["Hello, w\u00f6rld! ", "\U0001f600 \u4e2d\u6587 ", 'a "quoted" \\ backslash\nnew line.']
    turn = await _agree(server, responses_stream_events([Text(text)], usage=(11, 7)))
    assert turn.text == "".join(text)
    assert (turn.stop_reason, turn.raw_stop_reason) == ("end_turn", "completed")


async def test_reasoning_summaries_stream_as_thinking_signed_with_the_item(
    server: OpenAIResponsesServer,
) -> None:
    script = [Reasoning([["Plan ", "the days."], ["Then ", "the temples."]]), Text(["Day 1: ", "Gion."])]
    pieces = responses_stream_events(script, reasoning_tokens=40, usage=(50, 60), cached_tokens=30)
    turn = await _agree(server, pieces)
    assert turn.text == "Day 1: Gion."
    [thinking] = [p for p in turn.message.parts if isinstance(p, ThinkingPart)]
    assert thinking.text == "Plan the days.\n\nThen the temples."
    assert thinking.provider == "openai-responses"
    assert thinking.signature is not None
    item = json.loads(thinking.signature)
    assert item["type"] == "reasoning" and item["encrypted_content"] == ENCRYPTED
    assert [s["text"] for s in item["summary"]] == ["Plan the days.", "Then the temples."]
    assert (turn.usage.reasoning_tokens, turn.usage.cache_read_tokens) == (40, 30)
    # thinking first, then text: the parts in the order the model produced them
    assert [p.kind for p in turn.message.parts] == ["thinking", "text", "opaque"]


async def test_reasoning_without_encrypted_content_is_unsigned_thinking(
    server: OpenAIResponsesServer,
) -> None:
    turn = await _agree(server, responses_stream_events([Reasoning(["hm"], encrypted_content=None), "ok"]))
    [thinking] = [p for p in turn.message.parts if isinstance(p, ThinkingPart)]
    assert (thinking.text, thinking.signature) == ("hm", None)


async def test_parallel_function_calls_match_the_sdk(server: OpenAIResponsesServer) -> None:
    script = [
        Reasoning(["Two lookups."]),
        Call("get_weather", {"city": "Paris", "unit": "c\u00b0"}, call_id="call_A", fragment_size=3),
        Call("get_time", {"zone": "Europe/Paris"}, call_id="call_B", fragment_size=5),
        Call("noop", "", call_id="call_C"),
    ]
    turn = await _agree(server, responses_stream_events(script))
    assert turn.stop_reason == "tool_use"
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_A", "get_weather", {"city": "Paris", "unit": "c\u00b0"}),
        ("call_B", "get_time", {"zone": "Europe/Paris"}),
        ("call_C", "noop", {}),
    ]


async def test_arguments_only_in_the_done_event_are_read_once(server: OpenAIResponsesServer) -> None:
    turn = await _agree(server, responses_stream_events([Call("f", {"x": 1}, call_id="c1", fragment_size=0)]))
    assert [(c.id, c.arguments) for c in turn.tool_calls] == [("c1", {"x": 1})]


async def test_items_given_whole_in_output_item_done_are_taken_from_it(server: OpenAIResponsesServer) -> None:
    # a server that sends no deltas at all, only the finished items
    pieces = [
        p
        for p in responses_stream_events([Reasoning(["whole"]), Text(["all at once"]), Call("f", {"y": 2})])
        if p.split(b"\n", 1)[0].removeprefix(b"event: ")
        in (b"response.created", b"response.in_progress", b"response.output_item.done", b"response.completed")
    ]
    assert len(pieces) == 6  # created, in_progress, three items, completed
    turn = await _agree(server, pieces)
    assert (turn.message.thinking, turn.text) == ("whole", "all at once")
    assert [c.arguments for c in turn.tool_calls] == [{"y": 2}]


async def test_unknown_event_types_are_ignored(server: OpenAIResponsesServer) -> None:
    script = [Text(["a", "b"]), Call("f", {"z": 3})]
    turn = await _agree(server, responses_stream_events(script, unknown_events=True))
    assert turn.text == "ab" and [c.arguments for c in turn.tool_calls] == [{"z": 3}]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_bytes_in_random_pieces_over_http(server: OpenAIResponsesServer, seed: int) -> None:
    body = b"".join(
        responses_stream_events([Reasoning(["th\u00e9"]), Text(["\u00e9t\u00e9 ", "\U0001f600"])])
    )
    turn = await _agree(server, split_bytes(body, seed=seed, count=30))
    assert turn.text == "\u00e9t\u00e9 \U0001f600"


def test_parser_gives_the_same_turn_for_a_split_at_every_position() -> None:
    body = b"".join(responses_stream_events([Reasoning(["ok"]), Text(["h\u00e9"]), Call("f", {"a": 1})]))
    whole = parse_pieces(ResponsesStreamParser(), "openai-responses", [body])
    for cut in range(1, len(body), 7):
        turn = parse_pieces(ResponsesStreamParser(), "openai-responses", [body[:cut], body[cut:]])
        assert turn.message == whole.message


async def test_request_goes_to_v1_responses_with_the_key(server: OpenAIResponsesServer) -> None:
    await _ours(server, responses_stream_events(["ok"]))
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/responses")
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.json()
    assert (body["stream"], body["store"], body["model"]) == (True, False, "gpt-5-mini")
    assert body["input"] == [{"role": "user", "content": "hi"}]


# -- incomplete, failures, cuts: the partial is kept --------------------------------------------


@pytest.mark.parametrize(
    ("reason", "stop"), [("max_output_tokens", "max_tokens"), ("content_filter", "content_filter")]
)
async def test_incomplete_gives_its_reason_as_the_stop_and_keeps_the_text(
    server: OpenAIResponsesServer, reason: str, stop: str
) -> None:
    pieces = responses_stream_events([Reasoning(["so"]), Text(["cut ", "sho"])], incomplete=reason)
    events, _ = await _sdk(server, pieces)
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == reason
    turn = await _ours(server, pieces)
    assert (turn.stop_reason, turn.raw_stop_reason) == (stop, reason)
    assert (turn.text, turn.message.thinking) == ("cut sho", "so")


async def test_failed_response_is_a_typed_error_keeping_the_partial(server: OpenAIResponsesServer) -> None:
    failed = {"code": "server_error", "message": "The model failed to finish."}
    pieces = responses_stream_events([Reasoning(["a plan"]), Text(["half an ", "answer"])], failed=failed)
    events, final = await _sdk(server, pieces)
    assert (events[-1].type, final) == ("response.failed", None)
    assert events[-1].response.error.message == failed["message"]
    server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces))
    agent = Agent(model=_provider(server, retry=RetryPolicy(max_retries=3, initial_delay=0)))
    with pytest.raises(ServerError) as info:
        await agent.arun("hi")
    assert info.value.message == failed["message"]
    assert info.value.provider == "openai-responses"
    assert info.value.partial_text == "half an answer"
    kept = agent.history[-1]
    assert kept.interrupted and kept.text == "half an answer"
    assert kept.thinking == "a plan"  # signed reasoning is kept with the partial
    assert len(server.requests) == 2  # the SDK's and ours: after output, never retried


@pytest.mark.parametrize(
    ("code", "error_class"),
    [("rate_limit_exceeded", RateLimitError), ("invalid_prompt", BadRequestError), (None, ServerError)],
)
async def test_error_event_is_typed_by_its_code_and_keeps_the_partial(
    server: OpenAIResponsesServer, code: str | None, error_class: type[Exception]
) -> None:
    error = {"code": code, "message": "Something went wrong."}
    pieces = responses_stream_events([Text(["partial"])], error=error)
    events, _ = await _sdk(server, pieces)
    assert events[-1].type == "error" and events[-1].message == error["message"]
    _play(server, pieces)
    with pytest.raises(error_class) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "partial"  # type: ignore[attr-defined]


async def test_cut_inside_an_item_is_a_connection_error_keeping_the_partial(
    server: OpenAIResponsesServer,
) -> None:
    server.add_stream([Reasoning(["think"]), Text(["one ", "two ", "three"])], cut_inside=True)
    agent = Agent(model=_provider(server))
    with pytest.raises(ProviderConnectionError) as info:
        await agent.arun("hi")
    assert info.value.partial_text == "one two three"
    assert agent.history[-1].thinking == "think"


async def test_cut_connection_mid_stream_keeps_what_arrived(server: OpenAIResponsesServer) -> None:
    pieces = server.add_stream([Text(["one ", "two ", "three ", "four"])], cut_after=7)
    # created, in_progress, item added, part added, three deltas: then the connection drops
    assert b"three" in pieces[6] and len(pieces) > 7
    with pytest.raises(ProviderConnectionError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "one two three "
    assert len(server.requests) == 1


async def test_malformed_event_is_a_protocol_error_keeping_the_partial(server: OpenAIResponsesServer) -> None:
    server.add_stream([Text(["before the bad line"])], malformed=True)
    with pytest.raises(StreamProtocolError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "before the bad line"


async def test_thinking_chunks_reach_the_stream_before_the_text(server: OpenAIResponsesServer) -> None:
    server.add_stream([Reasoning([["Plan ", "a trip."]]), Text(["Day 1"])])
    agent = Agent(model=_provider(server), reasoning_effort="low")
    kinds = [
        c.type async for c in agent.stream("Plan a 3-day trip to Kyoto") if c.type in ("thinking", "text")
    ]
    assert kinds[:2] == ["thinking", "thinking"] and kinds[-1] == "text"
    assert server.requests[0].json()["reasoning"] == {"effort": "low", "summary": "auto"}
    server.add_stream(["fine"])  # no reasoning item: no thinking
    chunks = [c async for c in agent.stream("again")]
    assert not any(isinstance(c, ThinkingChunk) for c in chunks)


# -- the non-streamed body ------------------------------------------------------------------------


async def test_the_non_streamed_body_is_the_streamed_response(server: OpenAIResponsesServer) -> None:
    script = [Reasoning(["why"]), Text(["an answer"]), Call("f", {"k": "v"}, call_id="call_9")]
    body = server.add_response(script, usage=(9, 4))
    client = _client(server)
    try:
        response = await client.responses.create(model="gpt-5-mini", input="hi")
    finally:
        await client.close()
    assert response.output_text == "an answer"
    assert [o.type for o in response.output] == ["reasoning", "message", "function_call"]
    assert (response.usage.input_tokens, response.usage.output_tokens) == (9, 4)
    # the same response the stream ends with, and the same turn from us
    pieces = responses_stream_events(script, usage=(9, 4), response_id=body["id"])
    assert responses_body(script, usage=(9, 4), response_id=body["id"]) == body
    turn = await _agree(server, pieces)
    assert (turn.text, [c.id for c in turn.tool_calls]) == ("an answer", ["call_9"])


def _sse_event(data: dict[str, Any]) -> bytes:
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()


def test_a_refusal_is_text_with_a_refusal_stop() -> None:
    events = responses_stream_events([])
    streamed = [
        _sse_event(
            {"type": "response.refusal.delta", "item_id": "msg_1", "output_index": 0, "delta": "I can't "}
        ),
        _sse_event(
            {"type": "response.refusal.delta", "item_id": "msg_1", "output_index": 0, "delta": "help."}
        ),
    ]
    turn = parse_pieces(ResponsesStreamParser(), "openai-responses", [*events[:2], *streamed, events[-1]])
    assert (turn.text, turn.stop_reason) == ("I can't help.", "refusal")
    whole = {
        "type": "response.output_item.done",
        "output_index": 0,
        "item": {"type": "message", "role": "assistant", "content": [{"type": "refusal", "refusal": "No."}]},
    }
    turn = parse_pieces(
        ResponsesStreamParser(), "openai-responses", [*events[:2], _sse_event(whole), events[-1]]
    )
    assert (turn.text, turn.stop_reason) == ("No.", "refusal")


async def test_an_http_rate_limit_before_the_stream_is_retried(server: OpenAIResponsesServer) -> None:
    server.add_error(429, "Slow down", type="requests", code="rate_limit_exceeded", retry_after=0)
    server.add_stream(["after the wait"])
    provider = _provider(server, retry=RetryPolicy(max_retries=1, initial_delay=0))
    turn = await provider.complete(ModelRequest([Message.user("hi")]))
    assert turn.text == "after the wait" and len(server.requests) == 2
    server.add_error(429, "Slow down", code="rate_limit_exceeded")
    with pytest.raises(RateLimitError) as info:
        await _provider(server, retry=RetryPolicy(max_retries=0)).complete(ModelRequest([Message.user("hi")]))
    assert info.value.status_code == 429 and info.value.message == "Slow down"
