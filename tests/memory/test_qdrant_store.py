"""What only the Qdrant store has: float filters, its own folder, sharing a client."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agenticraft.core.errors import EmbedderMismatchError, LongTermMemoryError
from agenticraft.memory import HashingEmbedder, MemoryRecord, QdrantStore, VectorMemory


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_filters_on_floats_ints_and_bools() -> None:
    store = QdrantStore(":memory:")
    store.open(8, "random")
    records = [
        MemoryRecord(f"r{i}", f"t{i}", "n", {"price": i + 0.5, "n": i, "on": i % 2 == 0}) for i in range(6)
    ]
    store.upsert(records, _unit(6, 8))
    query = _unit(1, 8, seed=3)[0]
    assert [h.id for h in store.search("n", query, 5, {"price": [2.5]})] == ["r2"]
    assert sorted(h.id for h in store.search("n", query, 5, {"n": [1.0, 4]})) == ["r1", "r4"]
    assert sorted(h.id for h in store.search("n", query, 5, {"on": [False]})) == ["r1", "r3", "r5"]
    with pytest.raises(EmbedderMismatchError):
        store.upsert([MemoryRecord("x", "x", "n")], _unit(1, 4))
    store.drop()
    assert store.embedder is None and store.count() == 0 and store.search("n", query, 3) == []
    store.close()


async def test_memories_in_a_folder_outlive_the_client(tmp_path: Path) -> None:
    folder = str(tmp_path / "q")
    memory = VectorMemory(QdrantStore(path=folder), embedder=HashingEmbedder(128))
    await memory.add("the boat is moored at pier four", namespace="harbour")
    memory.close()
    again = VectorMemory(QdrantStore(path=folder), embedder=HashingEmbedder(128))
    assert [h.text for h in await again.search("where is the boat", namespace="harbour")] == [
        "the boat is moored at pier four"
    ]
    with pytest.raises(LongTermMemoryError, match="cannot open Qdrant"):
        QdrantStore(path=folder)  # the folder is held by the open client
    again.close()
