"""Long-term vector memory: add texts, search them by meaning, per namespace.

``VectorMemory("./memory.db")`` is the embedded default: an SQLite file and the packaged
static embedder, nothing to run and nothing to download. Pass ``store=`` (PostgreSQL with
pgvector, say) and ``embedder=`` (OpenAI, Ollama) to move the same code to a real database.

Near-identical memories are stored once: a text whose normal form (case, punctuation and
spacing aside) is already in the namespace, or whose vector is within ``dedup_threshold``
of one there while its words are nearly the same, gives back the id of the one stored.
Long texts are cut into chunks (:func:`~agenticraft.memory.chunking.chunk_text`); each chunk
is a memory that keeps its ``source`` and offset, and the whole text is kept as the source.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from agenticraft.core.context import RunContext
from agenticraft.core.errors import EmbedderMismatchError, MemoryInputError, NamespaceNotFoundError
from agenticraft.memory.chunking import chunk_text
from agenticraft.memory.embedders import Embedder, default_embedder, require_numpy
from agenticraft.memory.records import (
    MAX_TEXT_CHARS,
    MemoryHit,
    MemoryRecord,
    check_namespace,
    checked_text,
    content_hash,
    normal_form,
)
from agenticraft.memory.store import VectorStore, Where, check_where

if TYPE_CHECKING:
    from agenticraft.memory.agent_tools import MemoryToolset, RecallHook

__all__ = ["DEFAULT_NAMESPACE", "NamespaceArg", "VectorMemory"]

DEFAULT_NAMESPACE = "default"

_T = TypeVar("_T")

NamespaceArg = str | Callable[[RunContext[Any]], str]
"""A namespace, or a function of the run that gives it (``lambda ctx: f"user:{ctx.deps.id}"``)."""


class VectorMemory:
    """Memories by meaning, in namespaces.

    ``path_or_store`` is an SQLite file path (``":memory:"``: nothing kept) or a
    :class:`~agenticraft.memory.store.VectorStore`. ``embedder`` defaults to the packaged
    static embedder. ``dedup_threshold=None`` keeps every text that is not the same as one
    stored (the exact check always holds).
    """

    def __init__(
        self,
        path_or_store: str | os.PathLike[str] | VectorStore = ":memory:",
        *,
        embedder: Embedder | None = None,
        dedup_threshold: float | None = 0.97,
        chunk_chars: int = 1200,
        chunk_overlap: int = 150,
        max_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        if isinstance(path_or_store, VectorStore):
            self.store = path_or_store
        else:
            from agenticraft.memory.sqlite_store import SQLiteVectorStore

            self.store = SQLiteVectorStore(path_or_store)
        self.embedder = embedder if embedder is not None else default_embedder()
        self.dedup_threshold = dedup_threshold
        self.chunk_chars = chunk_chars
        self.chunk_overlap = chunk_overlap
        self.max_chars = max_chars
        # a thread lock, taken in the worker thread: the memory may serve runs on several event
        # loops (``Agent.run`` starts one per call), which an asyncio.Lock cannot
        self._write_lock = threading.Lock()
        self._opened = False
        written = self.store.embedder
        if written is not None and self.embedder.dimension is not None:
            self._open(self.embedder.dimension)

    def __repr__(self) -> str:
        return f"VectorMemory({self.store!r}, embedder={self.embedder!r})"

    def _open(self, dimension: int) -> None:
        if not self._opened:
            self.store.open(dimension, self.embedder.name)
            self._opened = True

    async def _embed(self, texts: Sequence[str]) -> Any:
        vectors = await self.embedder.embed(texts)
        if texts:
            await asyncio.to_thread(self._open, int(vectors.shape[1]))
            written = self.store.embedder
            if written is not None and written[1] != vectors.shape[1]:
                raise EmbedderMismatchError(
                    f"{self.store!r} holds vectors of dimension {written[1]}; {self.embedder.name} "
                    f"gives {vectors.shape[1]}"
                )
        return vectors

    # -- writing --------------------------------------------------------------------------
    async def add(
        self,
        text: str | bytes,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        metadata: Mapping[str, Any] | None = None,
        source: str | None = None,
        id: str | None = None,
    ) -> list[str]:
        """Remember ``text``; the ids of the memories that hold it (one per chunk; for a
        near-identical text, the id already stored).

        >>> # await memory.add("Ada prefers trains.", namespace="user:42", metadata={"from": "chat"})
        """
        return (await self.add_many([text], namespace=namespace, metadata=metadata, source=source, ids=[id]))[
            0
        ]

    async def add_many(
        self,
        texts: Sequence[str | bytes],
        *,
        namespace: str = DEFAULT_NAMESPACE,
        metadata: Mapping[str, Any] | None = None,
        source: str | None = None,
        ids: Sequence[str | None] | None = None,
    ) -> list[list[str]]:
        """Remember many texts in one batch (embedded together, one transaction); for each,
        the ids that hold it. Every text is checked before anything is written."""
        namespace = check_namespace(namespace)
        meta = _checked_metadata(metadata)
        clean = [checked_text(t, max_chars=self.max_chars) for t in texts]
        given_ids = list(ids) if ids is not None else [None] * len(clean)
        if len(given_ids) != len(clean):
            raise MemoryInputError("ids= must have one entry per text")
        plan: list[tuple[int, MemoryRecord]] = []
        sources: list[tuple[str, str]] = []
        for index, (text, given) in enumerate(zip(clean, given_ids, strict=True)):
            chunks = chunk_text(text, self.chunk_chars, self.chunk_overlap)
            name = source
            if len(chunks) > 1:
                name = source or "text:" + hashlib.sha256(text.encode()).hexdigest()[:16]
                sources.append((name, text))
            for number, chunk in enumerate(chunks):
                record_id = (
                    given if given and len(chunks) == 1 else f"{given}#{number}" if given else _new_id()
                )
                record = MemoryRecord(record_id, chunk.text, namespace, dict(meta), name, number, chunk.start)
                plan.append((index, record))
        vectors = await self._embed([r.text for _, r in plan])
        return await asyncio.to_thread(
            self._locked, self._write, len(clean), plan, vectors, sources, namespace
        )

    def _locked(self, work: Callable[..., _T], *args: Any) -> _T:
        """``work(*args)`` alone among this memory's writes (a dedup check and its write are one step)."""
        with self._write_lock:
            return work(*args)

    def _write(
        self,
        count: int,
        plan: list[tuple[int, MemoryRecord]],
        vectors: Any,
        sources: list[tuple[str, str]],
        namespace: str,
    ) -> list[list[str]]:
        np = require_numpy()
        result: list[list[str]] = [[] for _ in range(count)]
        keep: list[int] = []
        digests = [content_hash(record.text) for _, record in plan]
        seen: dict[str, str] = self.store.find_hashes(namespace, digests)
        for row, (index, record) in enumerate(plan):
            digest = digests[row]
            existing = seen.get(digest)
            if existing is None and self.dedup_threshold is not None:
                existing = self._near(
                    namespace, record.text, vectors[row], [plan[i][1] for i in keep], vectors[keep]
                )
            if existing is not None and existing != record.id:
                result[index].append(existing)
                continue
            seen[digest] = record.id
            keep.append(row)
            result[index].append(record.id)
        if keep:
            self.store.upsert([plan[i][1] for i in keep], np.ascontiguousarray(vectors[keep]))
        for name, text in sources:
            self.store.put_source(namespace, name, text)
        return result

    def _near(
        self, namespace: str, text: str, vector: Any, pending: list[MemoryRecord], pending_vectors: Any
    ) -> str | None:
        """A stored (or earlier in this batch) memory nearly the same as ``text``."""
        threshold = self.dedup_threshold or 1.0
        candidates = [(h.record, h.score) for h in self.store.search(namespace, vector, 3)]
        if pending:
            scores = pending_vectors @ vector
            candidates += [(pending[i], float(scores[i])) for i in range(len(pending))]
        for record, score in sorted(candidates, key=lambda c: -c[1]):
            if score < threshold:
                break
            # a static embedding ignores word order: "trains to planes" is "planes to trains"
            if difflib.SequenceMatcher(None, normal_form(record.text), normal_form(text)).ratio() >= 0.9:
                return record.id
        return None

    async def update(
        self, id: str, text: str | bytes | None = None, *, metadata: Mapping[str, Any] | None = None
    ) -> MemoryRecord:
        """Change a memory's text (it is embedded again) and/or replace its metadata."""
        found = await asyncio.to_thread(self.store.get, [id])
        if not found:
            raise MemoryInputError(f"no memory with id {id!r}")
        record = found[0]
        if metadata is not None:
            record.metadata = _checked_metadata(metadata)
        if text is not None:
            record.text = checked_text(text, max_chars=self.chunk_chars * 4)
        vectors = await self._embed([record.text])
        await asyncio.to_thread(self._locked, self.store.upsert, [record], vectors)
        return record

    async def delete(self, *ids: str) -> int:
        """Forget these memories; how many there were."""
        return await asyncio.to_thread(self._locked, self.store.delete, list(ids))

    async def forget(self, namespace: str) -> int:
        """Forget everything in ``namespace`` (a user's right to be forgotten); how many
        memories there were (0 for a namespace that holds none)."""
        namespace = check_namespace(namespace)
        return await asyncio.to_thread(self._locked, self.store.delete_namespace, namespace)

    # -- reading --------------------------------------------------------------------------
    async def search(
        self,
        query: str | bytes,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        k: int = 5,
        where: Where | None = None,
        min_score: float | None = None,
    ) -> list[MemoryHit]:
        """The ``k`` memories of ``namespace`` nearest in meaning to ``query``, best first,
        among those whose metadata matches ``where``. A namespace that holds nothing is a
        :class:`~agenticraft.core.errors.NamespaceNotFoundError`."""
        namespace = check_namespace(namespace)
        query = checked_text(query, what="query", max_chars=self.max_chars)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise MemoryInputError(f"k must be a positive int, got {k!r}")
        filters = check_where(where)
        if await asyncio.to_thread(lambda: self.store.embedder) is None:  # nothing was ever stored
            raise NamespaceNotFoundError(namespace)
        vector = (await self._embed([query]))[0]
        hits = await asyncio.to_thread(self.store.search, namespace, vector, k, filters)
        # only an empty answer asks whether the namespace exists (a count costs a scan)
        if not hits and await asyncio.to_thread(self.store.count, namespace) == 0:
            raise NamespaceNotFoundError(namespace)
        return [h for h in hits if min_score is None or h.score >= min_score]

    async def get(self, id: str) -> MemoryRecord | None:
        found = await asyncio.to_thread(self.store.get, [id])
        return found[0] if found else None

    async def records(
        self, namespace: str = DEFAULT_NAMESPACE, *, where: Where | None = None
    ) -> list[MemoryRecord]:
        """Every memory of ``namespace`` whose metadata matches ``where``, oldest first."""
        return await asyncio.to_thread(self.store.records, check_namespace(namespace), check_where(where))

    async def source(self, name: str, *, namespace: str = DEFAULT_NAMESPACE) -> str | None:
        """The whole text a chunked memory came from."""
        return await asyncio.to_thread(self.store.get_source, check_namespace(namespace), name)

    def count(self, namespace: str | None = None) -> int:
        return self.store.count(namespace)

    def namespaces(self) -> list[str]:
        return self.store.namespaces()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> VectorMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- agents ---------------------------------------------------------------------------
    def as_toolset(self, namespace: NamespaceArg = DEFAULT_NAMESPACE, *, k: int = 5) -> MemoryToolset:
        """Tools ``remember``, ``recall`` and ``forget`` on ``namespace`` for a model to use."""
        from agenticraft.memory.agent_tools import MemoryToolset

        return MemoryToolset(self, namespace, k=k)

    def recall_before_each_run(
        self, namespace: NamespaceArg = DEFAULT_NAMESPACE, *, k: int = 5, min_score: float | None = None
    ) -> RecallHook:
        """A hook that searches ``namespace`` with the run's prompt and puts the top ``k``
        memories in the request as retrieved context (a system message, never the user's)."""
        from agenticraft.memory.agent_tools import RecallHook

        return RecallHook(self, namespace, k=k, min_score=min_score)


def _new_id() -> str:
    return uuid.uuid4().hex


def _checked_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise MemoryInputError("metadata must be a dict with string keys")
    import json

    try:
        json.dumps(dict(metadata))
    except (TypeError, ValueError) as exc:
        raise MemoryInputError(f"metadata must be JSON data: {exc}") from None
    return dict(metadata)
