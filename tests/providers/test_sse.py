"""The SSE and NDJSON decoders: bytes in any pieces give the same events."""

from __future__ import annotations

import random

import pytest

from agenticraft.core.errors import StreamProtocolError
from agenticraft.providers._sse import MAX_LINE_BYTES, NDJSONDecoder, SSEDecoder, SSEEvent

# A stream that uses everything the standard allows, with a multi-byte character everywhere.
SSE_BODY = (
    "\ufeff: a comment first\r\n"
    'data: {"text": "h\u00e9llo \U0001f600"}\r\n'
    "\r\n"
    "event: delta\n"
    "data:no space after the colon\n"
    "data:  two spaces keep one\n"
    "id: 7\n"
    "retry: 1000\n"
    "\n"
    "data\n"
    "\n"
    ":keepalive\n"
    "event: only-a-name\n"
    "\n"
    "data: cr only \u4e2d\u6587\r\r"
    "data: [DONE]\n\n"
    "data: never dispatched"
).encode()

SSE_EXPECTED: list[SSEEvent] = [
    ("message", '{"text": "h\u00e9llo \U0001f600"}'),
    ("delta", "no space after the colon\n two spaces keep one"),
    ("message", ""),
    ("message", "cr only \u4e2d\u6587"),
    ("message", "[DONE]"),
]


def _feed_all(decoder: SSEDecoder, pieces: list[bytes]) -> list[SSEEvent]:
    events: list[SSEEvent] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.close())
    return events


def test_whole_body_gives_the_standard_events() -> None:
    assert _feed_all(SSEDecoder(), [SSE_BODY]) == SSE_EXPECTED


@pytest.mark.parametrize("cut", range(1, len(SSE_BODY)))
def test_split_at_every_position(cut: int) -> None:
    assert _feed_all(SSEDecoder(), [SSE_BODY[:cut], SSE_BODY[cut:]]) == SSE_EXPECTED


def test_one_byte_at_a_time() -> None:
    pieces = [SSE_BODY[i : i + 1] for i in range(len(SSE_BODY))]
    assert _feed_all(SSEDecoder(), pieces) == SSE_EXPECTED


def test_random_pieces_and_empty_pieces() -> None:
    rng = random.Random(1234)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(SSE_BODY)), rng.randint(1, 12)))
        pieces = [SSE_BODY[a:b] for a, b in zip([0, *cuts], [*cuts, len(SSE_BODY)], strict=True)]
        pieces.insert(rng.randrange(len(pieces)), b"")
        assert _feed_all(SSEDecoder(), pieces) == SSE_EXPECTED


def test_crlf_split_between_cr_and_lf_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r") == [("message", "a")]
    # the "\r" that ended the blank line must not swallow a real line start
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [("message", "b")]


def test_a_long_line_in_tiny_pieces_is_joined_once() -> None:
    text = "x" * 50_000
    body = f"data: {text}\n\n".encode()
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for i in range(0, len(body), 7):
        events.extend(decoder.feed(body[i : i + 7]))
    assert events == [("message", text)]


def test_a_line_without_end_is_refused_once_it_passes_the_default_16_mib() -> None:
    assert MAX_LINE_BYTES == 16 * 1024 * 1024
    decoder = SSEDecoder()
    piece = b"x" * (1024 * 1024)
    assert decoder.feed(b"data: ") == []
    for _ in range(15):
        assert decoder.feed(piece) == []
    with pytest.raises(StreamProtocolError, match="longer than 16777216 bytes"):
        decoder.feed(piece)  # raised on the piece that crosses the limit, not at the body's end


@pytest.mark.parametrize("decoder_class", [SSEDecoder, NDJSONDecoder])
def test_the_line_limit_counts_held_pieces_and_whole_lines_in_one_piece(
    decoder_class: type[SSEDecoder] | type[NDJSONDecoder],
) -> None:
    limit = 100
    at_limit = b"data: " + b"y" * (limit - 6)
    decoder = decoder_class(max_line=limit)
    assert len(decoder.feed(at_limit[:50]) + decoder.feed(at_limit[50:] + b"\n\n")) == 1  # exactly the limit
    with pytest.raises(StreamProtocolError):
        decoder_class(max_line=limit).feed(at_limit[:50] + b"\n" + at_limit + b"z\n\n")
    split = decoder_class(max_line=limit)
    split.feed(at_limit[:60])
    with pytest.raises(StreamProtocolError):
        split.feed(at_limit[60:] + b"z\n\n")  # the held part and the rest make one line too long
    held = decoder_class(max_line=limit)
    with pytest.raises(StreamProtocolError):
        held.feed(b"a\n" + at_limit + b"z")  # a too long unended line after a complete one


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert SSEDecoder().feed(b"data: \xff\xfe ok\n\n") == [("message", "\ufffd\ufffd ok")]


NDJSON_BODY = (
    '{"message": {"content": "\u00e9t\u00e9 \U0001f600"}, "done": false}\n'
    "\n"
    '{"message": {"content": "b"}, "done": false}\r\n'
    '{"done": true, "eval_count": 3}'
).encode()
NDJSON_EXPECTED = [
    '{"message": {"content": "\u00e9t\u00e9 \U0001f600"}, "done": false}',
    '{"message": {"content": "b"}, "done": false}',
    '{"done": true, "eval_count": 3}',
]


@pytest.mark.parametrize("cut", range(1, len(NDJSON_BODY)))
def test_ndjson_split_at_every_position(cut: int) -> None:
    decoder = NDJSONDecoder()
    lines = decoder.feed(NDJSON_BODY[:cut]) + decoder.feed(NDJSON_BODY[cut:]) + decoder.close()
    assert lines == NDJSON_EXPECTED


def test_ndjson_one_byte_at_a_time() -> None:
    decoder = NDJSONDecoder()
    lines: list[str] = []
    for i in range(len(NDJSON_BODY)):
        lines.extend(decoder.feed(NDJSON_BODY[i : i + 1]))
    assert lines + decoder.close() == NDJSON_EXPECTED


CRLF_SSE_BODY = (
    "event: a\r\ndata: x\r\ndata: y\r\n\r\n"
    'data: {"t": "d\u00e9j\u00e0 \U0001f600"}\r\n\r\n'
    ": comment\r\ndata: z\r\n\r\n"
).encode()


CRLF_NDJSON_BODY = b'{"a": 1}\r\n{"b": "\xc3\xa9"}\r\n\r\n{"c": 3}\r\n'


def _pieces(body: bytes, seed: int) -> list[bytes]:
    """``body`` cut at random places, with empty pieces put in at random."""
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(body)), 10))
    pieces: list[bytes] = []
    start = 0
    for cut in [*cuts, len(body)]:
        pieces.append(body[start:cut])
        pieces.extend([b""] * rng.randint(0, 2))
        start = cut
    return pieces


def test_empty_piece_inside_a_crlf_does_not_split_the_event() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"data: x\r") + decoder.feed(b"") + decoder.feed(b"\ndata: y\r\n\r\n")
    assert events == [("message", "x\ny")]


@pytest.mark.parametrize("seed", range(20))
def test_sse_with_empty_pieces_gives_the_events_of_the_whole_body(seed: int) -> None:
    whole = SSEDecoder().feed(CRLF_SSE_BODY)
    decoder = SSEDecoder()
    events = [e for piece in _pieces(CRLF_SSE_BODY, seed) for e in decoder.feed(piece)]
    assert events == whole
    assert [name for name, _ in whole] == ["a", "message", "message"]


def test_every_two_way_cut_with_an_empty_piece_between_gives_the_same_events() -> None:
    whole = SSEDecoder().feed(CRLF_SSE_BODY)
    for cut in range(1, len(CRLF_SSE_BODY)):
        decoder = SSEDecoder()
        events = decoder.feed(CRLF_SSE_BODY[:cut]) + decoder.feed(b"") + decoder.feed(CRLF_SSE_BODY[cut:])
        assert events == whole, cut


@pytest.mark.parametrize("seed", range(10))
def test_ndjson_with_empty_pieces_gives_the_lines_of_the_whole_body(seed: int) -> None:
    decoder = NDJSONDecoder()
    lines = [line for piece in _pieces(CRLF_NDJSON_BODY, seed) for line in decoder.feed(piece)]
    assert lines + decoder.close() == ['{"a": 1}', '{"b": "\u00e9"}', '{"c": 3}']
