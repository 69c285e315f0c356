"""Chunking: cuts at paragraphs, then sentences, then spaces; offsets point into the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenticraft.memory import MemoryInputError, chunk_text


def test_a_short_text_is_one_chunk() -> None:
    assert [(c.text, c.start) for c in chunk_text("short")] == [("short", 0)]


def test_cuts_prefer_paragraphs_then_sentences() -> None:
    text = "\n\n".join(["A" * 60 + ".", "B" * 60 + ".", "C" * 60 + "."])
    chunks = chunk_text(text, max_chars=140, overlap=0)
    assert [c.text[0] for c in chunks] == ["A", "C"]
    assert chunks[0].text.endswith("B" * 60 + ".")
    sentences = " ".join(f"Sentence {i} is here." for i in range(20))
    for chunk in chunk_text(sentences, max_chars=100, overlap=0):
        assert chunk.text.endswith(".")


def test_a_text_without_spaces_is_cut_anywhere() -> None:
    chunks = chunk_text("x" * 250, max_chars=100, overlap=10)
    assert all(len(c.text) <= 100 for c in chunks) and chunks[-1].start + len(chunks[-1].text) == 250


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .\n"), min_size=1, max_size=2000), st.integers(20, 300))
def test_every_chunk_is_a_piece_of_the_text_and_nothing_is_left_out(text: str, size: int) -> None:
    overlap = size // 4
    chunks = chunk_text(text, max_chars=size, overlap=overlap)
    covered = 0
    for chunk in chunks:
        assert text[chunk.start : chunk.start + len(chunk.text)] == chunk.text
        assert len(chunk.text) <= size
        assert chunk.start <= covered + overlap or not text[covered : chunk.start].strip()
        covered = max(covered, chunk.start + len(chunk.text))
    assert not text[covered:].strip()


def test_bad_sizes() -> None:
    with pytest.raises(MemoryInputError):
        chunk_text("text", max_chars=10)
    with pytest.raises(MemoryInputError):
        chunk_text("text", max_chars=100, overlap=60)
