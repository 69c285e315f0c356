"""The embedded vector store: SQLite tables, vectors as float32 blobs, exact search in numpy.

No SQLite extension is loaded (many Python builds cannot), so it works wherever ``sqlite3``
does. The file is in WAL mode; one connection per store, every call under one lock, so writers
in one process (threads or tasks) never interleave, and each write is one transaction: a
failure commits nothing and loses nothing committed before.

Search is brute force over a namespace's vectors, kept in memory after the first search and
updated by this store's own writes; ``PRAGMA data_version`` tells when another connection (the
next process, or one running beside this one) committed, and the cache is read again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import (
    EmbedderMismatchError,
    LongTermMemoryError,
    MemoryStoreCorruptedError,
)
from agenticraft.memory.embedders import require_numpy
from agenticraft.memory.records import MemoryHit, MemoryRecord, content_hash
from agenticraft.memory.store import VectorStore, as_hits, matches, top_k

if TYPE_CHECKING:
    from agenticraft.memory.embedders import Vectors

__all__ = ["SQLiteVectorStore"]

FORMAT = "agenticraft.memory/1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    source TEXT,
    chunk INTEGER NOT NULL DEFAULT 0,
    start INTEGER NOT NULL DEFAULT 0,
    hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS memories_namespace ON memories (namespace, hash);
CREATE TABLE IF NOT EXISTS memory_sources (
    namespace TEXT NOT NULL, source TEXT NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (namespace, source)
);
"""

_COLUMNS = "id, namespace, text, metadata, source, chunk, start, created_at, updated_at"


def _record(row: Sequence[Any]) -> MemoryRecord:
    return MemoryRecord(
        id=row[0],
        namespace=row[1],
        text=row[2],
        metadata=json.loads(row[3]),
        source=row[4],
        chunk=row[5],
        start=row[6],
        created_at=row[7],
        updated_at=row[8],
    )


class _Namespace:
    """A namespace's vectors in memory: ids, a matrix, metadata, and the row of each id."""

    __slots__ = ("ids", "matrix", "metadata", "rows")

    def __init__(self, ids: list[str], matrix: Any, metadata: list[dict[str, Any]]) -> None:
        self.ids = ids
        self.matrix = matrix
        self.metadata = metadata
        self.rows = {id_: i for i, id_ in enumerate(ids)}


class SQLiteVectorStore(VectorStore):
    """Memories in one SQLite file (``":memory:"`` for a store that lives as long as the object).

    >>> store = SQLiteVectorStore(":memory:")
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:") -> None:
        self.path = os.fspath(path)
        self.label = f"SQLiteVectorStore({self.path!r})"
        self._lock = threading.RLock()
        self._cache: dict[str, _Namespace] = {}
        self._dimension: int | None = None
        self._embedder: str | None = None
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise LongTermMemoryError(f"cannot open {self.path!r}: {exc}") from None
        with self._guard():
            self._db.execute("PRAGMA busy_timeout = 10000")
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "memory_meta" not in tables:
                raise MemoryStoreCorruptedError(
                    f"{self.path!r} is an SQLite database but not a memory store (tables: {sorted(tables)})"
                )
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(_SCHEMA)
            meta = dict(self._db.execute("SELECT key, value FROM memory_meta").fetchall())
            if meta.get("format", FORMAT) != FORMAT:
                raise MemoryStoreCorruptedError(
                    f"{self.path!r} holds format {meta['format']!r}, not {FORMAT!r}"
                )
            self._db.execute("INSERT OR IGNORE INTO memory_meta VALUES ('format', ?)", (FORMAT,))
            if "dimension" in meta:
                self._dimension = int(meta["dimension"])
                self._embedder = meta.get("embedder", "")
            self._version = self._data_version()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """The lock, and SQLite's errors as ours: a damaged file is a MemoryStoreCorruptedError."""
        with self._lock:
            try:
                yield
            except sqlite3.OperationalError as exc:
                raise LongTermMemoryError(f"{self.path!r}: {exc}") from None
            except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
                raise MemoryStoreCorruptedError(
                    f"{self.path!r} is damaged or not a database: {exc}"
                ) from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                self._cache.clear()  # what it changed in memory may not be on disk
                raise
            self._db.execute("COMMIT")
            self._version = self._data_version()

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _fresh(self) -> None:
        """Drop the cache when another connection committed since we last looked."""
        version = self._data_version()
        if version != self._version:
            self._cache.clear()
            self._version = version
            meta = dict(self._db.execute("SELECT key, value FROM memory_meta").fetchall())
            if "dimension" in meta:  # another connection may have written the first memories
                self._dimension, self._embedder = int(meta["dimension"]), meta.get("embedder", "")
            else:
                self._dimension = self._embedder = None

    # -- the embedder ---------------------------------------------------------------------
    @property
    def embedder(self) -> tuple[str, int] | None:
        with self._guard():
            self._fresh()
        if self._dimension is None:
            return None
        return (self._embedder or "", self._dimension)

    def open(self, dimension: int, embedder: str) -> None:
        # one transaction: two processes opening an empty file cannot both set the embedder
        with self._transaction() as db:
            self._fresh()
            meta = dict(db.execute("SELECT key, value FROM memory_meta").fetchall())
            if "dimension" in meta:
                self._dimension, self._embedder = int(meta["dimension"]), meta.get("embedder", "")
                _check_embedder(self.label, self._dimension, self._embedder, dimension, embedder)
                return
            db.execute("INSERT OR REPLACE INTO memory_meta VALUES ('dimension', ?)", (str(dimension),))
            db.execute("INSERT OR REPLACE INTO memory_meta VALUES ('embedder', ?)", (embedder,))
            self._dimension, self._embedder = dimension, embedder

    # -- writes ---------------------------------------------------------------------------
    def upsert(self, records: Sequence[MemoryRecord], vectors: Vectors) -> None:
        np = require_numpy()
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if self._dimension is not None and matrix.shape[1] != self._dimension:
            raise EmbedderMismatchError(
                f"{self.label} holds vectors of dimension {self._dimension}, got {matrix.shape[1]}"
            )
        now = time.time()
        rows = []
        for record, vector in zip(records, matrix, strict=True):
            record.created_at = record.created_at or now
            record.updated_at = now
            rows.append(
                (
                    record.id,
                    record.namespace,
                    record.text,
                    json.dumps(record.metadata, ensure_ascii=False),
                    record.source,
                    record.chunk,
                    record.start,
                    content_hash(record.text),
                    record.created_at,
                    record.updated_at,
                    vector.tobytes(),
                )
            )
        with self._transaction() as db:
            self._fresh()
            db.executemany(
                "INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "namespace = excluded.namespace, text = excluded.text, metadata = excluded.metadata, "
                "source = excluded.source, chunk = excluded.chunk, start = excluded.start, "
                "hash = excluded.hash, "
                "updated_at = excluded.updated_at, vector = excluded.vector",
                rows,
            )
            self._cache_add(records, matrix)

    def _cache_add(self, records: Sequence[MemoryRecord], matrix: Any) -> None:
        np = require_numpy()
        for record in records:
            for name, other in list(self._cache.items()):
                if name != record.namespace and record.id in other.rows:
                    del self._cache[name]  # a record moved namespace: read that one again
        by_namespace: dict[str, list[int]] = {}
        for i, record in enumerate(records):
            by_namespace.setdefault(record.namespace, []).append(i)
        for name, indices in by_namespace.items():
            cached = self._cache.get(name)
            if cached is None:
                continue
            new_ids: list[str] = []
            new_rows: list[Any] = []
            new_meta: list[dict[str, Any]] = []
            for i in indices:
                record, vector = records[i], matrix[i]
                row = cached.rows.get(record.id)
                if row is not None:
                    cached.matrix[row] = vector
                    cached.metadata[row] = dict(record.metadata)
                else:
                    cached.rows[record.id] = len(cached.ids) + len(new_ids)
                    new_ids.append(record.id)
                    new_rows.append(vector)
                    new_meta.append(dict(record.metadata))
            if new_ids:
                cached.ids.extend(new_ids)
                cached.matrix = np.concatenate([cached.matrix, np.stack(new_rows)])
                cached.metadata.extend(new_meta)

    def delete(self, ids: Sequence[str]) -> int:
        with self._transaction() as db:
            deleted = 0
            for id_ in ids:
                deleted += db.execute("DELETE FROM memories WHERE id = ?", (id_,)).rowcount
            self._cache.clear()
        return deleted

    def delete_namespace(self, namespace: str) -> int:
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM memories WHERE namespace = ?", (namespace,)).rowcount
            db.execute("DELETE FROM memory_sources WHERE namespace = ?", (namespace,))
            self._cache.pop(namespace, None)
        return int(deleted)

    def put_source(self, namespace: str, source: str, text: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO memory_sources VALUES (?, ?, ?)", (namespace, source, text))

    # -- reads ----------------------------------------------------------------------------
    def _namespace(self, namespace: str) -> _Namespace:
        np = require_numpy()
        self._fresh()
        cached = self._cache.get(namespace)
        if cached is None:
            rows = self._db.execute(
                "SELECT id, metadata, vector FROM memories WHERE namespace = ? ORDER BY rowid", (namespace,)
            ).fetchall()
            dimension = self._dimension or 0
            matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(
                len(rows), dimension
            )
            cached = _Namespace([r[0] for r in rows], matrix.copy(), [json.loads(r[1]) for r in rows])
            self._cache[namespace] = cached
        return cached

    def search(
        self, namespace: str, vector: Vectors, k: int, where: dict[str, list[Any]] | None = None
    ) -> list[MemoryHit]:
        np = require_numpy()
        with self._guard():
            cached = self._namespace(namespace)
            if not cached.ids:
                return []
            scores = cached.matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
            if where:
                keep = np.fromiter(
                    (matches(m, where) for m in cached.metadata), dtype=bool, count=len(cached.ids)
                )
                scores = np.where(keep, scores, -np.inf)
                k = min(k, int(keep.sum()))
            best = top_k(scores, k)
            records = self._get([cached.ids[i] for i in best])
            return as_hits(records, [scores[i] for i in best])

    def _get(self, ids: Sequence[str]) -> list[MemoryRecord]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        found = {
            r[0]: _record(r)
            for r in self._db.execute(f"SELECT {_COLUMNS} FROM memories WHERE id IN ({marks})", list(ids))
        }
        return [found[i] for i in ids if i in found]

    def get(self, ids: Sequence[str]) -> list[MemoryRecord]:
        with self._guard():
            return self._get(list(ids))

    def find_hash(self, namespace: str, digest: str) -> str | None:
        with self._guard():
            row = self._db.execute(
                "SELECT id FROM memories WHERE namespace = ? AND hash = ? LIMIT 1", (namespace, digest)
            ).fetchone()
        return None if row is None else str(row[0])

    def find_hashes(self, namespace: str, digests: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = sorted(set(digests))
        with self._guard():
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT hash, id FROM memories WHERE namespace = ? AND hash IN ({marks})",
                    [namespace, *part],
                )
                found.update((h, i) for h, i in rows)
        return found

    def records(
        self, namespace: str, where: dict[str, list[Any]] | None = None, limit: int | None = None
    ) -> list[MemoryRecord]:
        with self._guard():
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM memories WHERE namespace = ? ORDER BY created_at, rowid",
                (namespace,),
            )
            found = [r for r in map(_record, rows) if matches(r.metadata, where)]
        return found[:limit] if limit is not None else found

    def count(self, namespace: str | None = None) -> int:
        with self._guard():
            if namespace is None:
                row = self._db.execute("SELECT count(*) FROM memories").fetchone()
            else:
                row = self._db.execute(
                    "SELECT count(*) FROM memories WHERE namespace = ?", (namespace,)
                ).fetchone()
        return int(row[0])

    def namespaces(self) -> list[str]:
        with self._guard():
            return [
                r[0] for r in self._db.execute("SELECT DISTINCT namespace FROM memories ORDER BY namespace")
            ]

    def get_source(self, namespace: str, source: str) -> str | None:
        with self._guard():
            row = self._db.execute(
                "SELECT text FROM memory_sources WHERE namespace = ? AND source = ?", (namespace, source)
            ).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
            self._db.close()


def _check_embedder(label: str, have_dim: int, have_name: str, dim: int, name: str) -> None:
    if have_dim != dim:
        raise EmbedderMismatchError(
            f"{label} holds vectors of dimension {have_dim} (from {have_name or 'an unnamed embedder'}); "
            f"the embedder {name} gives {dim}: use that embedder, or a new store"
        )
    if have_name and name and have_name != name:
        raise EmbedderMismatchError(
            f"{label} was written with the embedder {have_name}; {name} would give vectors that do not "
            "compare with them: use that embedder, or a new store"
        )
