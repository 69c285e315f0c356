"""Feeding raw body pieces through a provider's stream parser and the shared accumulator."""

from __future__ import annotations

from collections.abc import Sequence

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
