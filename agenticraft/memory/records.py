"""What a memory store holds and returns: records, hits, and the checks every text passes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from agenticraft.core.errors import MemoryInputError

__all__ = [
    "MAX_TEXT_CHARS",
    "MemoryHit",
    "MemoryRecord",
    "check_namespace",
    "checked_text",
    "content_hash",
    "normal_form",
]

#: The longest text :meth:`VectorMemory.add` accepts (it is chunked; this bounds one call).
MAX_TEXT_CHARS = 2_000_000


@dataclass(slots=True)
class MemoryRecord:
    """One stored memory: a text (a whole memory, or one chunk of a longer ``source``).

    ``source`` names the text a chunk came from (``VectorMemory.source(name)`` gives it back
    whole) and ``chunk`` is the chunk's index in it, ``start`` its offset there.
    """

    id: str
    text: str
    namespace: str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    chunk: int = 0
    start: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(slots=True)
class MemoryHit:
    """A record found by a search and its cosine similarity to the query (1.0: the same)."""

    record: MemoryRecord
    score: float

    @property
    def text(self) -> str:
        return self.record.text

    @property
    def id(self) -> str:
        return self.record.id


def checked_text(text: object, *, what: str = "text", max_chars: int = MAX_TEXT_CHARS) -> str:
    """``text`` as a clean ``str``, or :class:`MemoryInputError` saying what is wrong with it.

    Bytes must be UTF-8; text that cannot be encoded as UTF-8 (lone surrogates) is refused
    too, since no store could keep it.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MemoryInputError(f"{what} is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if not isinstance(text, str):
        raise MemoryInputError(f"{what} must be str or UTF-8 bytes, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MemoryInputError(
            f"{what} is not valid Unicode ({exc.reason}) at character {exc.start}"
        ) from None
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.strip():
        raise MemoryInputError(f"{what} is empty")
    if len(text) > max_chars:
        raise MemoryInputError(
            f"{what} has {len(text):,} characters; the most one call takes is {max_chars:,}"
        )
    return text


_NAMESPACE = re.compile(r"^[^\x00-\x1f]{1,200}$")


def check_namespace(namespace: object) -> str:
    """A namespace is a non-empty string of at most 200 printable characters."""
    if not isinstance(namespace, str) or not namespace.strip() or not _NAMESPACE.match(namespace):
        raise MemoryInputError(f"namespace must be a non-empty printable string, got {namespace!r}")
    return namespace


_PUNCTUATION = re.compile(r"[^\w\s]+")


def normal_form(text: str) -> str:
    """``text`` without case, punctuation, spacing or Unicode-form differences."""
    return " ".join(_PUNCTUATION.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def content_hash(text: str) -> str:
    """The same for texts that differ only in case, punctuation, spacing and Unicode form."""
    return hashlib.sha256(normal_form(text).encode()).hexdigest()[:32]
