"""Long texts cut into chunks that fit one embedding, each with its offset in the text.

Cuts fall at paragraph breaks, else sentence ends, else spaces, else anywhere, so a chunk is
a readable piece; consecutive chunks overlap by up to ``overlap`` characters so a fact that
straddles a cut is whole in one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agenticraft.core.errors import MemoryInputError

__all__ = ["Chunk", "chunk_text"]

_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"(?<=[.!?。])\s+"), re.compile(r"\s+"))


@dataclass(frozen=True, slots=True)
class Chunk:
    text: str
    start: int


def _cut(text: str, start: int, limit: int) -> int:
    """Where the chunk starting at ``start`` should end (at most ``start + limit``)."""
    end = start + limit
    if end >= len(text):
        return len(text)
    window = text[start:end]
    for pattern in _BREAKS:
        found = [m.end() for m in pattern.finditer(window) if m.end() > limit // 2]
        if found:
            return start + found[-1]
    return end


def chunk_text(text: str, max_chars: int = 1200, overlap: int = 150) -> list[Chunk]:
    """``text`` in chunks of at most ``max_chars`` characters (one chunk if it fits).

    >>> [c.start for c in chunk_text("One. " * 100, max_chars=200, overlap=20)][:3]
    [0, 185, 370]
    """
    if max_chars < 20 or not 0 <= overlap < max_chars // 2:
        raise MemoryInputError("chunking needs max_chars >= 20 and 0 <= overlap < max_chars / 2")
    if len(text) <= max_chars:
        return [Chunk(text, 0)]
    chunks: list[Chunk] = []
    start = 0
    while start < len(text):
        end = _cut(text, start, max_chars)
        piece = text[start:end]
        if piece.strip():
            chunks.append(Chunk(piece.strip(), start + (len(piece) - len(piece.lstrip()))))
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
        # begin the next chunk at a word, not inside one
        space = text.find(" ", start, end)
        if overlap and 0 <= space < end - 1:
            start = space + 1
    return chunks
