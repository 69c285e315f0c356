"""The interface every vector store implements, and the metadata filter they share.

A store is synchronous and thread-safe; :class:`~agenticraft.memory.VectorMemory` calls it from
a worker thread. Vectors arrive unit-length, so cosine similarity is their dot product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import MemoryInputError
from agenticraft.memory.records import MemoryHit, MemoryRecord

if TYPE_CHECKING:
    from agenticraft.memory.embedders import Vectors

__all__ = ["Where", "VectorStore", "check_where", "matches"]

Where = Mapping[str, Any]
"""A metadata filter: ``{"source": "chat"}`` keeps memories whose ``source`` is ``"chat"``;
``{"tag": ["a", "b"]}`` those whose ``tag`` is either. Every key must match."""

_SCALARS = (str, int, float, bool)


def check_where(where: Where | None) -> dict[str, list[Any]] | None:
    """The filter as ``{key: [allowed values]}``, or MemoryInputError for one that is not JSON
    scalars (or lists of them) under string keys."""
    if where is None:
        return None
    if not isinstance(where, Mapping):
        raise MemoryInputError(f"where= takes a dict of metadata values, got {type(where).__name__}")
    checked: dict[str, list[Any]] = {}
    for key, value in where.items():
        values = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        if not isinstance(key, str) or not values or not all(isinstance(v, _SCALARS) for v in values):
            raise MemoryInputError(f"where= {key!r}: {value!r} is not a value or a list of values")
        checked[key] = values
    return checked


def matches(metadata: Mapping[str, Any], where: dict[str, list[Any]] | None) -> bool:
    if not where:
        return True
    return all(key in metadata and metadata[key] in values for key, values in where.items())


class VectorStore:
    """Where memories and their vectors live. Implementations: :class:`SQLiteVectorStore`
    (embedded, the default), :class:`PgVectorStore` (PostgreSQL with pgvector)."""

    label: str = "store"

    def open(self, dimension: int, embedder: str) -> None:
        """Prepare the store for vectors of ``dimension`` from ``embedder``; an
        :class:`~agenticraft.core.errors.EmbedderMismatchError` if it holds others."""
        raise NotImplementedError

    @property
    def embedder(self) -> tuple[str, int] | None:
        """The embedder name and dimension the store was written with (``None``: empty)."""
        raise NotImplementedError

    def upsert(self, records: Sequence[MemoryRecord], vectors: Vectors) -> None:
        """Store the records (replacing those with the same id), all or none."""
        raise NotImplementedError

    def search(
        self, namespace: str, vector: Vectors, k: int, where: dict[str, list[Any]] | None = None
    ) -> list[MemoryHit]:
        """The ``k`` records of ``namespace`` nearest to ``vector``, best first."""
        raise NotImplementedError

    def get(self, ids: Sequence[str]) -> list[MemoryRecord]:
        """The records with these ids (those that exist), in the order asked."""
        raise NotImplementedError

    def find_hash(self, namespace: str, digest: str) -> str | None:
        """The id of a record in ``namespace`` whose text has this content hash."""
        raise NotImplementedError

    def find_hashes(self, namespace: str, digests: Sequence[str]) -> dict[str, str]:
        """For each content hash stored in ``namespace``, the id of one record with it."""
        found = {d: self.find_hash(namespace, d) for d in set(digests)}
        return {d: i for d, i in found.items() if i is not None}

    def records(
        self, namespace: str, where: dict[str, list[Any]] | None = None, limit: int | None = None
    ) -> list[MemoryRecord]:
        """The records of ``namespace`` (oldest first)."""
        raise NotImplementedError

    def delete(self, ids: Sequence[str]) -> int:
        """Delete these records; the number deleted."""
        raise NotImplementedError

    def delete_namespace(self, namespace: str) -> int:
        """Delete everything in ``namespace`` (its sources too); the number of records."""
        raise NotImplementedError

    def count(self, namespace: str | None = None) -> int:
        raise NotImplementedError

    def namespaces(self) -> list[str]:
        raise NotImplementedError

    def put_source(self, namespace: str, source: str, text: str) -> None:
        raise NotImplementedError

    def get_source(self, namespace: str, source: str) -> str | None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection; the data stays."""

    def __repr__(self) -> str:
        return self.label


def top_k(scores: Any, k: int) -> list[int]:
    """Indices of the ``k`` largest scores, largest first."""
    import numpy as np

    n = int(scores.shape[0])
    if n == 0 or k <= 0:
        return []
    if k >= n:
        order = np.argsort(-scores, kind="stable")
    else:
        part = np.argpartition(-scores, k - 1)[:k]
        order = part[np.argsort(-scores[part], kind="stable")]
    return [int(i) for i in order]


def as_hits(records: Sequence[MemoryRecord], scores: Sequence[float]) -> list[MemoryHit]:
    return [MemoryHit(r, float(s)) for r, s in zip(records, scores, strict=True)]
