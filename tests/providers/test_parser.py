"""The four stream parsers and the accumulator under fuzzed bodies (hypothesis, fixed seed).

Each example takes a real stream of one protocol, replaces, drops or adds fields anywhere in
its chunks with arbitrary JSON, may insert raw bytes or JSON nested too deep to decode, and cuts
the body at arbitrary byte positions. Whatever arrives, the only errors allowed out are ours
(:class:`ProviderError`), every event holds the types our model promises, and the message the
accumulator makes of it (complete, or the partial kept after an error) can be saved and sent
back in the next request.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parser_helpers import DEEP_JSON

from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.errors import ProviderError
from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, Usage, message_to_dict
from agenticraft.core.provider import ModelRequest
from agenticraft.providers import anthropic, ollama, openai, openai_responses
from agenticraft.providers._http import StreamParser
from agenticraft.testing.servers.anthropic import Thinking, ToolUse, anthropic_stream
from agenticraft.testing.servers.ollama import OllamaToolCall, ollama_stream
from agenticraft.testing.servers.openai import ScriptedToolCall, openai_stream_events
from agenticraft.testing.servers.openai_responses import Call, Reasoning, Text, responses_stream_events

# bounded and reproducible: the same examples on every run, a few seconds in all
FUZZ = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["", "0", "12", "stop", "tool_calls", "text_delta", "tool_use", "[DONE]"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _data_of(piece: bytes) -> Any:
    data = piece.split(b"data: ", 1)[1].strip() if b"data: " in piece else piece.strip()
    return data.decode() if data == b"[DONE]" else json.loads(data)


OPENAI = [
    _data_of(p)
    for p in openai_stream_events(
        "Hi there",
        reasoning="hmm",
        refusal="no",
        tool_calls=[ScriptedToolCall("f", {"a": [1, "\u00e9"]}, "call_1", fragment_size=4)],
        cached_tokens=2,
        reasoning_tokens=1,
    )
]
ANTHROPIC = [
    _data_of(p)
    for p in anthropic_stream(
        ["Hi there", Thinking(["hm"]), ToolUse("f", ['{"a":', " [1]}"], id="toolu_1")],
        cache_read_input_tokens=3,
        cache_creation_input_tokens=1,
    )
]
RESPONSES = [
    _data_of(p)
    for p in responses_stream_events(
        [
            Reasoning([["hm", "m"], "ok"]),
            Text(["Hi ", "there"]),
            Call("f", {"a": [1, "\u00e9"]}, fragment_size=4),
        ],
        cached_tokens=2,
        reasoning_tokens=1,
        unknown_events=True,
    )
]
OLLAMA = [
    _data_of(p)
    for p in ollama_stream(["Hi ", "there"], thinking=["hm"], tool_calls=[OllamaToolCall("f", {"a": 1})])
]


def _sse(chunk: Any) -> bytes:
    data = chunk if isinstance(chunk, str) else json.dumps(chunk)
    kind = chunk.get("type") if isinstance(chunk, dict) else None
    name = f"event: {kind}\n" if isinstance(kind, str) and kind.isidentifier() else ""
    return f"{name}data: {data}\n\n".encode()


def _ndjson(chunk: Any) -> bytes:
    return json.dumps(chunk).encode() + b"\n"


@st.composite
def _mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one thing changed somewhere inside it."""
    if isinstance(value, dict) and value:
        action = draw(st.sampled_from(["descend", "descend", "drop", "add", "replace"]))
        if action != "replace":
            key = draw(st.sampled_from(sorted(value)))
            if action == "descend":
                value[key] = draw(_mutated(value[key]))
            elif action == "drop":
                del value[key]
            else:
                value[draw(st.text(max_size=6) | st.sampled_from(sorted(value)))] = draw(JSON)
            return value
    elif isinstance(value, list) and value and draw(st.booleans()):
        i = draw(st.integers(0, len(value) - 1))
        value[i] = draw(_mutated(value[i]))
        return value
    return draw(JSON)


@st.composite
def _bodies(draw: st.DrawFn, template: list[Any], frame: Callable[[Any], bytes]) -> list[bytes]:
    """A fuzzed body of the ``template`` stream, cut into pieces."""
    chunks = copy.deepcopy(template)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(chunks) - 1))
        chunks[i] = draw(_mutated(chunks[i]))
    framed = [frame(c) for c in chunks]
    if draw(st.booleans()):
        raw = draw(st.binary(max_size=24) | st.just(DEEP_JSON) | st.just(b"data: " + DEEP_JSON + b"\n\n"))
        framed.insert(draw(st.integers(0, len(framed))), raw)
    body = b"".join(framed)
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(body) - 1)), max_size=4))))
    bounds = [0, *cuts, len(body)]
    return [body[a:b] for a, b in itertools.pairwise(bounds)]


def _assert_well_typed(event: ProviderEvent) -> None:
    if isinstance(event, TextChunk):
        assert type(event.content) is str
    elif isinstance(event, ThinkingChunk):
        assert type(event.thinking) is str and (event.signature is None or type(event.signature) is str)
    elif isinstance(event, ToolCallDeltaChunk):
        assert type(event.arguments_delta) is str
        assert event.index is None or type(event.index) is int
        assert event.id is None or type(event.id) is str
        assert event.name is None or type(event.name) is str
    elif isinstance(event, UsageChunk | TurnEndChunk):
        usage: Usage = event.usage
        assert all(type(v) is int for v in usage.to_dict().values())
        if isinstance(event, TurnEndChunk):
            assert type(event.stop_reason) is str and type(event.model) is str
            assert event.raw_stop_reason is None or type(event.raw_stop_reason) is str


def _check(parser: StreamParser, pieces: list[bytes], build: Callable[[ModelRequest], Any]) -> None:
    acc = TurnAccumulator(parser.provider)
    try:
        for piece in pieces:
            for event in parser.feed(piece):
                _assert_well_typed(event)
                acc.feed(event)
            parser.raise_pending()
        for event in parser.close():
            _assert_well_typed(event)
            acc.feed(event)
        message = acc.finish()[1].message
    except ProviderError:  # ours: the only kind allowed out; the partial is kept, as the loop does
        message = acc.finish(interrupted=True)[1].message
    # what memory keeps can be saved and sent back
    json.dumps(message_to_dict(message))
    json.dumps(build(ModelRequest([Message.user("hi"), message, Message.user("again")])))


@FUZZ
@given(_bodies(OPENAI, _sse))
def test_openai_parser_lets_only_our_errors_out(pieces: list[bytes]) -> None:
    _check(openai.OpenAIStreamParser(), pieces, lambda r: openai.build_request_body(r, "m"))


@FUZZ
@given(_bodies(ANTHROPIC, _sse))
def test_anthropic_parser_lets_only_our_errors_out(pieces: list[bytes]) -> None:
    _check(anthropic.AnthropicStreamParser(), pieces, lambda r: anthropic.build_request_body(r, "m"))


@FUZZ
@given(_bodies(OLLAMA, _ndjson))
def test_ollama_parser_lets_only_our_errors_out(pieces: list[bytes]) -> None:
    _check(ollama.OllamaStreamParser(), pieces, lambda r: ollama.build_request_body(r, "m"))


@FUZZ
@given(_bodies(RESPONSES, _sse))
def test_openai_responses_parser_lets_only_our_errors_out(pieces: list[bytes]) -> None:
    _check(
        openai_responses.ResponsesStreamParser(),
        pieces,
        lambda r: openai_responses.build_request_body(r, "gpt-5-mini"),
    )
