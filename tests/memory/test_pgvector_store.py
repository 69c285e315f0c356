"""What only the PostgreSQL store has: the HNSW option, its limits, and its connection errors."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from agenticraft.core.errors import ConfigurationError, LongTermMemoryError
from agenticraft.memory import MemoryRecord, PgVectorStore


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_an_hnsw_index_is_made_and_searched(pgvector_dsn: str) -> None:
    store = PgVectorStore(pgvector_dsn, table="hnsw_test", index="hnsw")
    try:
        store.open(16, "random")
        vectors = _unit(300, 16)
        store.upsert([MemoryRecord(f"r{i}", f"t{i}", "n", {"even": i % 2 == 0}) for i in range(300)], vectors)
        indexes = [
            r[0] for r in store._db.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'hnsw_test'")
        ]
        assert "hnsw_test_hnsw" in indexes
        assert store.search("n", vectors[7], 1)[0].id == "r7"
        hits = store.search("n", vectors[7], 5, {"even": [False]})
        assert len(hits) == 5 and all(int(h.id[1:]) % 2 == 1 for h in hits)
    finally:
        store.drop()
        store.close()


def test_more_dimensions_than_hnsw_takes_are_searched_exactly(pgvector_dsn: str) -> None:
    store = PgVectorStore(pgvector_dsn, table="wide_test", index="hnsw")
    try:
        store.open(2100, "wide")
        vectors = _unit(3, 2100)
        store.upsert([MemoryRecord(f"w{i}", "t", "n") for i in range(3)], vectors)
        assert store.search("n", vectors[2], 1)[0].id == "w2"
        indexes = [
            r[0] for r in store._db.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'wide_test'")
        ]
        assert "wide_test_hnsw" not in indexes
    finally:
        store.drop()
        store.close()


def test_bad_table_names_and_unreachable_servers() -> None:
    with pytest.raises(ConfigurationError, match="table="):
        PgVectorStore("postgresql://x@127.0.0.1/db", table="memories; DROP TABLE x")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LongTermMemoryError, match="cannot connect"):
        PgVectorStore(f"postgresql://postgres@127.0.0.1:{port}/postgres?connect_timeout=2")


def test_an_empty_store_answers_nothing(pgvector_dsn: str) -> None:
    store = PgVectorStore(pgvector_dsn, table="empty_test")
    try:
        assert store.embedder is None and store.count() == 0 and store.namespaces() == []
        assert store.search("n", _unit(1, 4)[0], 3) == [] and store.get(["x"]) == []
        assert store.records("n") == [] and store.delete(["x"]) == 0 and store.delete_namespace("n") == 0
        assert store.find_hash("n", "h") is None and store.find_hashes("n", ["h"]) == {}
        store.put_source("n", "s", "text")
        assert store.get_source("n", "s") == "text" and store.get_source("n", "t") is None
    finally:
        store.drop()
        store.close()
