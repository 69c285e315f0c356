"""The embedded store itself: a damaged or foreign file, transactions, threads, other processes."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from agenticraft.core.errors import AgentiCraftError
from agenticraft.memory import (
    EmbedderMismatchError,
    HashingEmbedder,
    LongTermMemoryError,
    MemoryRecord,
    MemoryStoreCorruptedError,
    SQLiteVectorStore,
    VectorMemory,
)


def _unit(rows: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_errors_are_in_the_one_tree() -> None:
    for error in (MemoryStoreCorruptedError, EmbedderMismatchError):
        assert issubclass(error, LongTermMemoryError) and issubclass(error, AgentiCraftError)


def test_a_file_that_is_not_a_database_is_a_typed_error_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    path.write_bytes(b"this is not SQLite at all\n" * 200)
    before = path.read_bytes()
    with pytest.raises(MemoryStoreCorruptedError, match="not a database"):
        SQLiteVectorStore(path)
    assert path.read_bytes() == before


def test_another_programs_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(MemoryStoreCorruptedError, match=r"not a memory store.*users"):
        SQLiteVectorStore(path)


async def test_a_damaged_file_is_a_typed_error_and_a_backup_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    memory = VectorMemory(path, embedder=HashingEmbedder(64))
    for i in range(200):
        await memory.add(f"fact number {i} about topic {i % 9}", namespace="n")
    memory.close()
    backup = tmp_path / "backup.db"
    shutil.copy(path, backup)
    data = bytearray(path.read_bytes())
    data[100 : len(data) - 100] = b"\x00" * (len(data) - 200)  # wipe the pages, keep the header
    path.write_bytes(bytes(data))
    with pytest.raises((MemoryStoreCorruptedError, LongTermMemoryError)):
        damaged = VectorMemory(path, embedder=HashingEmbedder(64))
        await damaged.search("fact", namespace="n")
    restored = VectorMemory(backup, embedder=HashingEmbedder(64))
    assert restored.count("n") == 200


def test_a_failed_write_commits_nothing_and_keeps_what_was_committed(tmp_path: Path) -> None:
    store = SQLiteVectorStore(tmp_path / "m.db")
    store.open(8, "test")
    store.upsert([MemoryRecord("a", "kept", "n")], _unit(1))
    with pytest.raises(ValueError):  # two records, one vector: fails before anything is written
        store.upsert([MemoryRecord("b", "x", "n"), MemoryRecord("c", "y", "n")], _unit(1))
    with pytest.raises(EmbedderMismatchError):
        store.upsert([MemoryRecord("d", "z", "n")], _unit(1, dim=4))
    assert [r.id for r in store.records("n")] == ["a"]
    # a write that breaks inside the transaction is rolled back
    store.search("n", _unit(1)[0], 1)  # the namespace is cached now
    with pytest.raises(TypeError):
        store.upsert(
            [MemoryRecord("e", "ok", "n"), MemoryRecord("f", "bad", "n", metadata={"x": object()})], _unit(2)
        )
    assert [r.id for r in store.records("n")] == ["a"]
    assert [h.id for h in store.search("n", _unit(1)[0], 5)] == ["a"]
    store.close()
    assert [r.id for r in SQLiteVectorStore(tmp_path / "m.db").records("n")] == ["a"]


def test_search_is_exact_and_sees_updates_and_deletes(tmp_path: Path) -> None:
    store = SQLiteVectorStore(tmp_path / "m.db")
    store.open(8, "test")
    vectors = _unit(50, seed=1)
    store.upsert([MemoryRecord(f"r{i}", f"text {i}", "n") for i in range(50)], vectors)
    query = _unit(1, seed=2)[0]
    expected = [f"r{i}" for i in np.argsort(-(vectors @ query))[:5]]
    assert [h.id for h in store.search("n", query, 5)] == expected
    # replacing a vector (same id) and adding one are seen by the cached namespace
    store.upsert(
        [MemoryRecord("r0", "moved", "n"), MemoryRecord("new", "new", "n")], np.stack([query, -query])
    )
    hits = store.search("n", query, 60)
    assert hits[0].id == "r0" and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[-1].id == "new" and len(hits) == 51
    assert store.delete(["r0"]) == 1
    assert store.search("n", query, 1)[0].id != "r0"
    # a record moved to another namespace leaves the first one
    store.search("m", query, 1)
    store.upsert([MemoryRecord("r1", "now in m", "m")], vectors[1:2])
    assert "r1" not in [h.id for h in store.search("n", query, 60)]
    assert [h.id for h in store.search("m", query, 5)] == ["r1"]
    assert store.search("empty", query, 3) == []
    assert store.count() == 50 and store.namespaces() == ["m", "n"]


def test_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    store = SQLiteVectorStore(tmp_path / "m.db")
    store.open(8, "test")
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(25):
                store.upsert([MemoryRecord(f"{w}-{i}", f"w{w} i{i}", "n")], _unit(1, seed=w * 100 + i))
                store.search("n", _unit(1, seed=i)[0], 3)
        except BaseException as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count("n") == 200
    assert len(store.search("n", _unit(1)[0], 500)) == 200


def test_a_write_by_another_process_is_seen_by_the_next_search(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteVectorStore(path)
    store.open(8, "test")
    store.upsert([MemoryRecord("mine", "mine", "n")], _unit(1))
    assert len(store.search("n", _unit(1)[0], 5)) == 1  # cached now
    script = (
        "import numpy as np; from agenticraft.memory import SQLiteVectorStore, MemoryRecord;"
        f"s = SQLiteVectorStore({str(path)!r}); s.open(8, 'test');"
        "s.upsert([MemoryRecord('theirs', 'theirs', 'n')], np.ones((1, 8), dtype=np.float32) / 8 ** 0.5)"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert sorted(h.id for h in store.search("n", _unit(1)[0], 5)) == ["mine", "theirs"]
    with pytest.raises(EmbedderMismatchError, match="written with the embedder test"):
        store.open(8, "other")
