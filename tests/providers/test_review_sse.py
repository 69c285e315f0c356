"""The decoders given pieces of every size, the empty one included: a transport may hand over an
empty piece, and one between the "\\r" and the "\\n" of a CRLF line end used to count as a line
end of its own (an event cut in two, or a blank line that dispatched an event early)."""

from __future__ import annotations

import random

import pytest

from agenticraft.providers._sse import NDJSONDecoder, SSEDecoder

SSE_BODY = (
    "event: a\r\ndata: x\r\ndata: y\r\n\r\n"
    'data: {"t": "d\u00e9j\u00e0 \U0001f600"}\r\n\r\n'
    ": comment\r\ndata: z\r\n\r\n"
).encode()
NDJSON_BODY = b'{"a": 1}\r\n{"b": "\xc3\xa9"}\r\n\r\n{"c": 3}\r\n'


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
    whole = SSEDecoder().feed(SSE_BODY)
    decoder = SSEDecoder()
    events = [e for piece in _pieces(SSE_BODY, seed) for e in decoder.feed(piece)]
    assert events == whole
    assert [name for name, _ in whole] == ["a", "message", "message"]


def test_every_two_way_cut_with_an_empty_piece_between_gives_the_same_events() -> None:
    whole = SSEDecoder().feed(SSE_BODY)
    for cut in range(1, len(SSE_BODY)):
        decoder = SSEDecoder()
        events = decoder.feed(SSE_BODY[:cut]) + decoder.feed(b"") + decoder.feed(SSE_BODY[cut:])
        assert events == whole, cut


@pytest.mark.parametrize("seed", range(10))
def test_ndjson_with_empty_pieces_gives_the_lines_of_the_whole_body(seed: int) -> None:
    decoder = NDJSONDecoder()
    lines = [line for piece in _pieces(NDJSON_BODY, seed) for line in decoder.feed(piece)]
    assert lines + decoder.close() == ['{"a": 1}', '{"b": "\u00e9"}', '{"c": 3}']
