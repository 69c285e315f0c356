"""Vector memory on PostgreSQL with pgvector: the same store interface, a real database.

``PgVectorStore("postgresql://user@127.0.0.1:5432/db")`` creates the ``vector`` extension
and its tables (named from ``table=``) on first use. Vectors are ``vector(d)`` columns searched
by cosine distance (``<=>``): exact scans by default, or through an HNSW index with
``index="hnsw"`` (approximate: see ``docs/memory.md`` for what it missed on our labelled set;
above 2000 dimensions, which pgvector's HNSW does not index, scans stay exact);
metadata is ``jsonb``, filtered with ``@>``. One connection per store, under a lock; every
write is one transaction. Needs ``pip install 'agenticraft[postgres]'``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from agenticraft.core.errors import ConfigurationError, EmbedderMismatchError, LongTermMemoryError
from agenticraft.memory.records import MemoryHit, MemoryRecord, content_hash
from agenticraft.memory.sqlite_store import FORMAT, _check_embedder
from agenticraft.memory.store import VectorStore

if TYPE_CHECKING:
    from agenticraft.memory.embedders import Vectors

__all__ = ["PgVectorStore"]

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_COLUMNS = "id, namespace, text, metadata, source, chunk, start, created_at, updated_at"


def _literal(vector: Any) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


def _record(row: Sequence[Any]) -> MemoryRecord:
    metadata = row[3] if isinstance(row[3], dict) else json.loads(row[3])
    return MemoryRecord(
        id=row[0], namespace=row[1], text=row[2], metadata=metadata, source=row[4], chunk=row[5],
        start=row[6], created_at=row[7], updated_at=row[8],
    )  # fmt: skip


def _where_sql(where: dict[str, list[Any]] | None) -> tuple[str, list[Any]]:
    if not where:
        return "", []
    clauses, params = [], []
    for key, values in where.items():
        options = []
        for value in values:
            options.append("metadata @> %s::jsonb")
            params.append(json.dumps({key: value}))
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND " + " AND ".join(clauses), params


class PgVectorStore(VectorStore):
    """Memories in PostgreSQL tables ``{table}``, ``{table}_meta`` and ``{table}_sources``."""

    def __init__(
        self, dsn: str, *, table: str = "agenticraft_memories", index: Literal["hnsw"] | None = None
    ) -> None:
        try:
            import psycopg
        except ImportError:
            raise ConfigurationError(
                "PgVectorStore needs psycopg: pip install 'agenticraft[postgres]'"
            ) from None
        if not _NAME.match(table):
            raise ConfigurationError(f"table= must be a plain lower-case SQL name, got {table!r}")
        self.table = table
        self.index = index
        self.label = f"PgVectorStore(table={table!r})"
        self._psycopg = psycopg
        self._lock = threading.RLock()
        self._dimension: int | None = None
        self._embedder: str | None = None
        try:
            self._db = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise LongTermMemoryError(f"cannot connect to PostgreSQL: {exc}".strip()) from None
        with self._guard():
            t = self.table
            self._db.execute("CREATE EXTENSION IF NOT EXISTS vector")
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {t}_meta (key text PRIMARY KEY, value text NOT NULL)"
            )
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {t}_sources (namespace text NOT NULL, source text NOT NULL, "
                "text text NOT NULL, PRIMARY KEY (namespace, source))"
            )
            self._db.execute(f"INSERT INTO {t}_meta VALUES ('format', %s) ON CONFLICT DO NOTHING", (FORMAT,))
            self._load_meta()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except self._psycopg.Error as exc:
                raise LongTermMemoryError(f"{self.label}: {exc}".strip()) from None

    def _load_meta(self) -> None:
        meta: dict[str, str] = dict(self._db.execute(f"SELECT key, value FROM {self.table}_meta").fetchall())
        if "dimension" in meta:
            self._dimension, self._embedder = int(meta["dimension"]), meta.get("embedder", "")
        else:
            self._dimension = self._embedder = None

    @property
    def embedder(self) -> tuple[str, int] | None:
        with self._guard():
            self._load_meta()
        return None if self._dimension is None else (self._embedder or "", self._dimension)

    def open(self, dimension: int, embedder: str) -> None:
        t = self.table
        with self._guard(), self._db.transaction():
            self._db.execute(f"LOCK TABLE {t}_meta IN EXCLUSIVE MODE")
            self._load_meta()
            if self._dimension is not None:
                _check_embedder(self.label, self._dimension, self._embedder or "", dimension, embedder)
                return
            self._db.execute(
                f"INSERT INTO {t}_meta VALUES ('dimension', %s), ('embedder', %s)", (str(dimension), embedder)
            )
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {t} (id text PRIMARY KEY, namespace text NOT NULL, "
                "text text NOT NULL, "
                "metadata jsonb NOT NULL, source text, chunk integer NOT NULL, start integer NOT NULL, "
                "hash text NOT NULL, created_at double precision NOT NULL, "
                "updated_at double precision NOT NULL, "
                f"embedding vector({int(dimension)}) NOT NULL)"
            )
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {t}_namespace ON {t} (namespace, hash)")
            if self.index == "hnsw" and dimension <= 2000:  # pgvector's HNSW limit; above it, exact scans
                self._db.execute(
                    f"CREATE INDEX IF NOT EXISTS {t}_hnsw ON {t} USING hnsw (embedding vector_cosine_ops)"
                )
            self._dimension, self._embedder = dimension, embedder

    def _ready(self) -> bool:
        """Whether the memories table exists (another connection may have made it since)."""
        if self._dimension is None:
            with self._guard():
                self._load_meta()
        return self._dimension is not None

    def upsert(self, records: Sequence[MemoryRecord], vectors: Vectors) -> None:
        if self._dimension is not None and vectors.shape[1] != self._dimension:
            raise EmbedderMismatchError(
                f"{self.label} holds vectors of dimension {self._dimension}, got {vectors.shape[1]}"
            )
        now = time.time()
        rows = []
        for record, vector in zip(records, vectors, strict=True):
            record.created_at = record.created_at or now
            record.updated_at = now
            rows.append(
                (
                    record.id, record.namespace, record.text, json.dumps(record.metadata), record.source,
                    record.chunk, record.start, content_hash(record.text), record.created_at,
                    record.updated_at,
                    _literal(vector),
                )
            )  # fmt: skip
        with self._guard(), self._db.transaction(), self._db.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} "
                "VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s::vector) "
                "ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, text = excluded.text, "
                "metadata = excluded.metadata, source = excluded.source, chunk = excluded.chunk, "
                "start = excluded.start, hash = excluded.hash, updated_at = excluded.updated_at, "
                "embedding = excluded.embedding",
                rows,
            )

    def search(
        self, namespace: str, vector: Vectors, k: int, where: dict[str, list[Any]] | None = None
    ) -> list[MemoryHit]:
        if not self._ready():
            return []
        clause, params = _where_sql(where)
        with self._guard(), self._db.transaction():
            # an HNSW scan stops at ef_search candidates; with a filter, keep scanning
            self._db.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            self._db.execute(f"SET LOCAL hnsw.ef_search = {max(40, 2 * k)}")
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, 1 - (embedding <=> %s::vector) AS score FROM {self.table} "
                f"WHERE namespace = %s{clause} ORDER BY embedding <=> %s::vector LIMIT %s",
                [_literal(vector), namespace, *params, _literal(vector), k],
            ).fetchall()
        hits = [MemoryHit(_record(r), float(r[9])) for r in rows]
        return sorted(hits, key=lambda h: -h.score)

    def get(self, ids: Sequence[str]) -> list[MemoryRecord]:
        if not self._ready() or not ids:
            return []
        with self._guard():
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM {self.table} WHERE id = ANY(%s)", (list(ids),)
            ).fetchall()
        found = {r[0]: _record(r) for r in rows}
        return [found[i] for i in ids if i in found]

    def find_hash(self, namespace: str, digest: str) -> str | None:
        if not self._ready():
            return None
        with self._guard():
            row = self._db.execute(
                f"SELECT id FROM {self.table} WHERE namespace = %s AND hash = %s LIMIT 1", (namespace, digest)
            ).fetchone()
        return None if row is None else str(row[0])

    def find_hashes(self, namespace: str, digests: Sequence[str]) -> dict[str, str]:
        if not self._ready() or not digests:
            return {}
        with self._guard():
            rows = self._db.execute(
                f"SELECT hash, id FROM {self.table} WHERE namespace = %s AND hash = ANY(%s)",
                (namespace, sorted(set(digests))),
            ).fetchall()
        return {h: i for h, i in rows}

    def records(
        self, namespace: str, where: dict[str, list[Any]] | None = None, limit: int | None = None
    ) -> list[MemoryRecord]:
        if not self._ready():
            return []
        clause, params = _where_sql(where)
        tail = " LIMIT %s" if limit is not None else ""
        with self._guard():
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM {self.table} WHERE namespace = %s{clause} "
                f"ORDER BY created_at, source, chunk, id{tail}",
                [namespace, *params, *([limit] if limit is not None else [])],
            ).fetchall()
        return [_record(r) for r in rows]

    def delete(self, ids: Sequence[str]) -> int:
        if not self._ready() or not ids:
            return 0
        with self._guard(), self._db.transaction():
            cursor = self._db.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", (list(ids),))
        return int(cursor.rowcount)

    def delete_namespace(self, namespace: str) -> int:
        with self._guard(), self._db.transaction():
            self._db.execute(f"DELETE FROM {self.table}_sources WHERE namespace = %s", (namespace,))
            if not self._ready():
                return 0
            cursor = self._db.execute(f"DELETE FROM {self.table} WHERE namespace = %s", (namespace,))
        return int(cursor.rowcount)

    def count(self, namespace: str | None = None) -> int:
        if not self._ready():
            return 0
        with self._guard():
            if namespace is None:
                row = self._db.execute(f"SELECT count(*) FROM {self.table}").fetchone()
            else:
                row = self._db.execute(
                    f"SELECT count(*) FROM {self.table} WHERE namespace = %s", (namespace,)
                ).fetchone()
        return int(row[0]) if row else 0

    def namespaces(self) -> list[str]:
        if not self._ready():
            return []
        with self._guard():
            rows = self._db.execute(
                f"SELECT DISTINCT namespace FROM {self.table} ORDER BY namespace"
            ).fetchall()
        return [r[0] for r in rows]

    def put_source(self, namespace: str, source: str, text: str) -> None:
        with self._guard(), self._db.transaction():
            self._db.execute(
                f"INSERT INTO {self.table}_sources VALUES (%s, %s, %s) ON CONFLICT (namespace, source) "
                "DO UPDATE SET text = excluded.text",
                (namespace, source, text),
            )

    def get_source(self, namespace: str, source: str) -> str | None:
        with self._guard():
            row = self._db.execute(
                f"SELECT text FROM {self.table}_sources WHERE namespace = %s AND source = %s",
                (namespace, source),
            ).fetchone()
        return None if row is None else str(row[0])

    def drop(self) -> None:
        """Drop this store's tables (every memory in them)."""
        t = self.table
        with self._guard():
            self._db.execute(f"DROP TABLE IF EXISTS {t}, {t}_meta, {t}_sources")
            self._dimension = self._embedder = None

    def close(self) -> None:
        with self._lock:
            self._db.close()
