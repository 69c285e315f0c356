"""Vector memory on Qdrant: the same store interface, in qdrant-client's local mode (a folder,
or ``":memory:"``, no server) or on a Qdrant server at a URL.

``QdrantStore(path="./qdrant")``, ``QdrantStore(":memory:")`` or
``QdrantStore(url="http://127.0.0.1:6333")``; ``client=`` shares one ``QdrantClient`` (a local
folder takes one client at a time). Points live in collection ``{collection}``
(cosine distance), their ids are UUIDs made from ours (Qdrant takes no other strings), and the
embedder and the sources are in two small companion collections. Needs
``pip install 'agenticraft[qdrant]'``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import ConfigurationError, EmbedderMismatchError, LongTermMemoryError
from agenticraft.memory.records import MemoryHit, MemoryRecord, content_hash
from agenticraft.memory.sqlite_store import _check_embedder
from agenticraft.memory.store import VectorStore

if TYPE_CHECKING:
    from agenticraft.memory.embedders import Vectors

__all__ = ["QdrantStore"]

_IDS = uuid.UUID("6c1d3f0e-6d65-4d6f-7279-616700000000")  # the namespace of our point ids
_META_ID = str(uuid.uuid5(_IDS, "meta"))
_PAGE = 1000


def _point_id(record_id: str) -> str:
    return str(uuid.uuid5(_IDS, record_id))


def _record(payload: dict[str, Any]) -> MemoryRecord:
    return MemoryRecord(
        id=payload["id"],
        text=payload["text"],
        namespace=payload["namespace"],
        metadata=dict(payload.get("metadata") or {}),
        source=payload.get("source"),
        chunk=int(payload.get("chunk", 0)),
        start=int(payload.get("start", 0)),
        created_at=float(payload.get("created_at", 0.0)),
        updated_at=float(payload.get("updated_at", 0.0)),
    )


class QdrantStore(VectorStore):
    """Memories in Qdrant collections ``{collection}``, ``{collection}_meta`` and ``{collection}_sources``."""

    def __init__(
        self,
        location: str | None = None,
        *,
        path: str | None = None,
        url: str | None = None,
        api_key: str | None = None,
        collection: str = "agenticraft_memories",
        client: Any = None,
    ) -> None:
        try:
            from qdrant_client import QdrantClient, models
        except ImportError:
            raise ConfigurationError(
                "QdrantStore needs qdrant-client: pip install 'agenticraft[qdrant]'"
            ) from None
        self._models = models
        self.collection = collection
        self.label = f"QdrantStore(collection={collection!r})"
        self._lock = threading.RLock()
        self._dimension: int | None = None
        self._embedder: str | None = None
        # a local folder takes one client at a time: stores on it share one (``client=``)
        self._owns_client = client is None
        try:
            self._client = (
                client
                if client is not None
                else QdrantClient(location=location, path=path, url=url, api_key=api_key)
            )
        except Exception as exc:  # qdrant-client raises its own and the OS's errors
            raise LongTermMemoryError(f"cannot open Qdrant: {exc}") from None
        with self._guard():
            for name in (f"{collection}_meta", f"{collection}_sources"):
                if not self._client.collection_exists(name):
                    self._client.create_collection(
                        name, vectors_config=models.VectorParams(size=1, distance=models.Distance.DOT)
                    )
            self._load_meta()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except (LongTermMemoryError, EmbedderMismatchError, ConfigurationError):
                raise
            except Exception as exc:
                raise LongTermMemoryError(f"{self.label}: {type(exc).__name__}: {exc}") from None

    def _load_meta(self) -> None:
        if not self._client.collection_exists(f"{self.collection}_meta"):  # dropped
            self._dimension = self._embedder = None
            return
        found = self._client.retrieve(f"{self.collection}_meta", [_META_ID], with_payload=True)
        if found and found[0].payload:
            self._dimension = int(found[0].payload["dimension"])
            self._embedder = str(found[0].payload.get("embedder", ""))

    def _ready(self) -> bool:
        if self._dimension is None:
            with self._guard():
                self._load_meta()
        return self._dimension is not None

    @property
    def embedder(self) -> tuple[str, int] | None:
        return (self._embedder or "", self._dimension) if self._ready() and self._dimension else None

    def open(self, dimension: int, embedder: str) -> None:
        models = self._models
        with self._guard():
            self._load_meta()
            if self._dimension is not None:
                _check_embedder(self.label, self._dimension, self._embedder or "", dimension, embedder)
                return
            if not self._client.collection_exists(self.collection):
                self._client.create_collection(
                    self.collection,
                    vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE),
                )
            payload = {"dimension": dimension, "embedder": embedder}
            self._client.upsert(
                f"{self.collection}_meta", [models.PointStruct(id=_META_ID, vector=[1.0], payload=payload)]
            )
            self._dimension, self._embedder = dimension, embedder

    # -- filters --------------------------------------------------------------------------
    def _condition(self, key: str, values: list[Any]) -> Any:
        models = self._models

        def one(value: Any) -> Any:
            if isinstance(value, float) and not value.is_integer():
                return models.FieldCondition(key=key, range=models.Range(gte=value, lte=value))
            if isinstance(value, float):
                value = int(value)
            return models.FieldCondition(key=key, match=models.MatchValue(value=value))

        if len(values) == 1:
            return one(values[0])
        return models.Filter(should=[one(v) for v in values])

    def _filter(self, namespace: str | None, where: dict[str, list[Any]] | None = None, **exact: Any) -> Any:
        models = self._models
        must = [] if namespace is None else [self._condition("namespace", [namespace])]
        must += [self._condition(f"metadata.{k}", v) for k, v in (where or {}).items()]
        must += [self._condition(k, [v]) for k, v in exact.items()]
        return models.Filter(must=must)

    def _scroll(self, flt: Any) -> list[Any]:
        points: list[Any] = []
        offset: Any = None
        while True:
            page, offset = self._client.scroll(self.collection, scroll_filter=flt, limit=_PAGE, offset=offset)
            points.extend(page)
            if offset is None:
                return points

    # -- writes ---------------------------------------------------------------------------
    def upsert(self, records: Sequence[MemoryRecord], vectors: Vectors) -> None:
        models = self._models
        if self._dimension is not None and vectors.shape[1] != self._dimension:
            raise EmbedderMismatchError(
                f"{self.label} holds vectors of dimension {self._dimension}, got {vectors.shape[1]}"
            )
        now = time.time()
        points = []
        for record, vector in zip(records, vectors, strict=True):
            record.created_at = record.created_at or now
            record.updated_at = now
            payload = {
                "id": record.id, "namespace": record.namespace, "text": record.text,
                "metadata": record.metadata, "source": record.source, "chunk": record.chunk,
                "start": record.start, "hash": content_hash(record.text),
                "created_at": record.created_at, "updated_at": record.updated_at,
            }  # fmt: skip
            points.append(
                models.PointStruct(id=_point_id(record.id), vector=vector.tolist(), payload=payload)
            )
        with self._guard():
            self._client.upsert(self.collection, points, wait=True)

    def delete(self, ids: Sequence[str]) -> int:
        if not self._ready() or not ids:
            return 0
        with self._guard():
            found = self._client.retrieve(self.collection, [_point_id(i) for i in ids])
            if found:
                self._client.delete(self.collection, self._models.PointIdsList(points=[p.id for p in found]))
        return len(found)

    def delete_namespace(self, namespace: str) -> int:
        with self._guard():
            sources = self._filter(namespace)
            self._client.delete(f"{self.collection}_sources", self._models.FilterSelector(filter=sources))
            if not self._ready():
                return 0
            count = self.count(namespace)
            self._client.delete(self.collection, self._models.FilterSelector(filter=self._filter(namespace)))
        return count

    def put_source(self, namespace: str, source: str, text: str) -> None:
        point = self._models.PointStruct(
            id=str(uuid.uuid5(_IDS, f"source\x00{namespace}\x00{source}")),
            vector=[1.0],
            payload={"namespace": namespace, "source": source, "text": text},
        )
        with self._guard():
            self._client.upsert(f"{self.collection}_sources", [point])

    # -- reads ----------------------------------------------------------------------------
    def search(
        self, namespace: str, vector: Vectors, k: int, where: dict[str, list[Any]] | None = None
    ) -> list[MemoryHit]:
        if not self._ready():
            return []
        with self._guard():
            answer = self._client.query_points(
                self.collection,
                query=[float(x) for x in vector],
                limit=k,
                query_filter=self._filter(namespace, where),
                with_payload=True,
            )
        return [MemoryHit(_record(p.payload or {}), float(p.score)) for p in answer.points]

    def get(self, ids: Sequence[str]) -> list[MemoryRecord]:
        if not self._ready() or not ids:
            return []
        with self._guard():
            found = self._client.retrieve(self.collection, [_point_id(i) for i in ids], with_payload=True)
        by_id = {r.id: r for r in (_record(p.payload or {}) for p in found)}
        return [by_id[i] for i in ids if i in by_id]

    def find_hash(self, namespace: str, digest: str) -> str | None:
        return self.find_hashes(namespace, [digest]).get(digest)

    def find_hashes(self, namespace: str, digests: Sequence[str]) -> dict[str, str]:
        if not self._ready() or not digests:
            return {}
        models = self._models
        flt = self._filter(namespace)
        flt.must.append(models.FieldCondition(key="hash", match=models.MatchAny(any=sorted(set(digests)))))
        with self._guard():
            points = self._scroll(flt)
        return {p.payload["hash"]: p.payload["id"] for p in points if p.payload}

    def records(
        self, namespace: str, where: dict[str, list[Any]] | None = None, limit: int | None = None
    ) -> list[MemoryRecord]:
        if not self._ready():
            return []
        with self._guard():
            points = self._scroll(self._filter(namespace, where))
        found = sorted(
            (_record(p.payload or {}) for p in points),
            key=lambda r: (r.created_at, r.source or "", r.chunk, r.id),
        )
        return found[:limit] if limit is not None else found

    def count(self, namespace: str | None = None) -> int:
        if not self._ready():
            return 0
        with self._guard():
            return int(
                self._client.count(self.collection, count_filter=self._filter(namespace), exact=True).count
            )

    def namespaces(self) -> list[str]:
        if not self._ready():
            return []
        with self._guard():
            return sorted({p.payload["namespace"] for p in self._scroll(self._filter(None)) if p.payload})

    def get_source(self, namespace: str, source: str) -> str | None:
        with self._guard():
            found = self._client.retrieve(
                f"{self.collection}_sources",
                [str(uuid.uuid5(_IDS, f"source\x00{namespace}\x00{source}"))],
                with_payload=True,
            )
        return str(found[0].payload["text"]) if found and found[0].payload else None

    def drop(self) -> None:
        """Delete this store's collections (every memory in them)."""
        with self._guard():
            for name in (self.collection, f"{self.collection}_meta", f"{self.collection}_sources"):
                if self._client.collection_exists(name):
                    self._client.delete_collection(name)
            self._dimension = self._embedder = None

    def close(self) -> None:
        with self._lock:
            if self._owns_client:
                self._client.close()
