"""Feeding raw body pieces through a provider's stream parser and the shared accumulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from agenticraft.core.accumulator import ModelTurn, TurnAccumulator
from agenticraft.providers._http import StreamParser


def parse_pieces(parser: StreamParser, provider: str, pieces: Sequence[bytes]) -> ModelTurn:
    """The turn a parser and the accumulator make of a body arriving in ``pieces``."""
    acc = TurnAccumulator(provider)
    for piece in pieces:
        for event in parser.feed(piece):
            acc.feed(event)
    for event in parser.close():
        acc.feed(event)
    return acc.finish()[1]


#: JSON nested deeper than the decoder goes (Python's stops near 1,000 levels)
DEEP_JSON = b"[" * 5000 + b"]" * 5000


def edit_json(piece: bytes, edit: Callable[[Any], None]) -> bytes:
    """``piece`` (one SSE event or NDJSON line holding one JSON object) with ``edit`` applied
    to that object; the framing around it is kept."""
    start, end = piece.index(b"{"), piece.rindex(b"}") + 1
    value = json.loads(piece[start:end])
    edit(value)
    return piece[:start] + json.dumps(value).encode() + piece[end:]
