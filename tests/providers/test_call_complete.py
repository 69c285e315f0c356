"""The "tool call complete" point on each wire: the piece of the body after which the
accumulator emits a call's ``tool_call`` event, while the turn still streams."""

from __future__ import annotations

from collections.abc import Sequence

from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.events import ToolCallChunk
from agenticraft.providers._http import StreamParser
from agenticraft.providers.anthropic import AnthropicStreamParser
from agenticraft.providers.ollama import OllamaStreamParser
from agenticraft.providers.openai import OpenAIStreamParser
from agenticraft.testing.servers.anthropic import Text, ToolUse, anthropic_stream
from agenticraft.testing.servers.ollama import OllamaToolCall, ollama_stream
from agenticraft.testing.servers.openai import ScriptedToolCall, openai_stream_events


def _complete_at(parser: StreamParser, pieces: Sequence[bytes]) -> tuple[dict[str, int], list[ToolCallChunk]]:
    """Per call id, the index of the piece whose parsing completed it (``len(pieces)``: at the
    end of the turn), and every tool_call event in order."""
    acc = TurnAccumulator("x", 1)
    at: dict[str, int] = {}
    emitted: list[ToolCallChunk] = []
    for i, piece in enumerate(pieces):
        for event in parser.feed(piece):
            for out in acc.feed(event):
                if isinstance(out, ToolCallChunk):
                    at[out.id] = i
                    emitted.append(out)
    for event in parser.close():
        acc.feed(event)
    for out in acc.finish()[0]:
        at[out.id] = len(pieces)
        emitted.append(out)
    return at, emitted


def _index(pieces: Sequence[bytes], marker: bytes, nth: int = 0) -> int:
    return [i for i, p in enumerate(pieces) if marker in p][nth]


def test_openai_a_call_is_complete_when_the_next_begins_and_the_last_at_the_finish() -> None:
    calls = [ScriptedToolCall("f", {"q": "a"}, id="call_a"), ScriptedToolCall("g", {"q": "b"}, id="call_b")]
    pieces = openai_stream_events("Hi. ", tool_calls=calls)
    at, emitted = _complete_at(OpenAIStreamParser(), pieces)
    assert at == {
        "call_a": _index(pieces, b'"call_b"'),
        "call_b": _index(pieces, b'"finish_reason": "tool_calls"'),
    }
    assert at["call_b"] < len(pieces) - 1  # before the usage chunk and [DONE]
    assert [e.arguments for e in emitted] == [{"q": "a"}, {"q": "b"}]


def test_openai_interleaved_calls_complete_only_at_the_finish_never_on_a_guess() -> None:
    calls = [ScriptedToolCall("f", {"q": "a"}, id="call_a"), ScriptedToolCall("g", {"q": "b"}, id="call_b")]
    pieces = openai_stream_events(tool_calls=calls, interleave_calls=True)
    at, emitted = _complete_at(OpenAIStreamParser(), pieces)
    finish = _index(pieces, b'"finish_reason": "tool_calls"')
    assert at["call_b"] == finish
    assert at["call_a"] == len(pieces)  # completed when the turn ended, by the accumulator
    assert sorted((e.id, tuple(e.arguments.items())) for e in emitted) == [
        ("call_a", (("q", "a"),)),
        ("call_b", (("q", "b"),)),
    ]


def test_anthropic_a_call_is_complete_at_its_block_stop() -> None:
    blocks = [
        Text(["Hi. "]),
        ToolUse("f", ['{"q": ', '"a"}'], id="toolu_a"),
        ToolUse("g", ['{"q": "b"}'], id="toolu_b"),
    ]
    pieces = anthropic_stream(blocks)
    at, emitted = _complete_at(AnthropicStreamParser(), pieces)
    assert at == {
        "toolu_a": _index(pieces, b'"content_block_stop","index":1'),
        "toolu_b": _index(pieces, b'"content_block_stop","index":2'),
    }
    assert [e.arguments for e in emitted] == [{"q": "a"}, {"q": "b"}]


def test_anthropic_an_input_given_whole_at_the_start_completes_at_the_stop() -> None:
    pieces = anthropic_stream([ToolUse("f", [], id="toolu_a", start_input={"q": "a"})])
    at, emitted = _complete_at(AnthropicStreamParser(), pieces)
    assert at == {"toolu_a": _index(pieces, b'"content_block_stop"')}
    assert emitted[0].arguments == {"q": "a"}


def test_ollama_whole_calls_are_complete_at_once() -> None:
    pieces = ollama_stream(
        ["Hi. "], tool_calls=[OllamaToolCall("f", {"q": "a"}), OllamaToolCall("g", {"q": "b"})]
    )
    at, _ = _complete_at(OllamaStreamParser(), pieces)
    assert at == {"call_1_0": _index(pieces, b'"tool_calls"'), "call_1_1": _index(pieces, b'"tool_calls"', 1)}
