"""Long-term memory: vector memory and a knowledge graph, embedded by default.

``VectorMemory("./memory.db")`` keeps memories in one SQLite file with a packaged static
embedder: nothing to run, nothing to download. ``KnowledgeGraph("./graph.db")`` keeps entities
and relations with their provenance. Both come with ``pip install 'agenticraft[memory]'``;
``PgVectorStore`` (PostgreSQL with pgvector) and ``QdrantStore`` (Qdrant, local mode or a
server) move vector memory to a real database. See ``docs/memory.md``.
(Conversation memory, the messages of one thread, is :mod:`agenticraft.core.memory`.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import (
    EmbedderMismatchError,
    LongTermMemoryError,
    MemoryInputError,
    MemoryStoreCorruptedError,
    NamespaceNotFoundError,
)

if TYPE_CHECKING:
    from agenticraft.memory.agent_tools import MemoryToolset, RecallHook
    from agenticraft.memory.chunking import Chunk, chunk_text
    from agenticraft.memory.embedders import (
        Embedder,
        HashingEmbedder,
        OllamaEmbedder,
        OpenAIEmbedder,
        StaticEmbedder,
        default_embedder,
    )
    from agenticraft.memory.graph import Entity, KnowledgeGraph, Relation, Subgraph, Triple
    from agenticraft.memory.pgvector_store import PgVectorStore
    from agenticraft.memory.qdrant_store import QdrantStore
    from agenticraft.memory.records import MemoryHit, MemoryRecord
    from agenticraft.memory.sqlite_store import SQLiteVectorStore
    from agenticraft.memory.store import VectorStore
    from agenticraft.memory.vector_memory import VectorMemory

__all__ = [
    "Chunk",
    "Embedder",
    "EmbedderMismatchError",
    "Entity",
    "HashingEmbedder",
    "KnowledgeGraph",
    "LongTermMemoryError",
    "MemoryHit",
    "MemoryInputError",
    "MemoryRecord",
    "MemoryStoreCorruptedError",
    "MemoryToolset",
    "NamespaceNotFoundError",
    "OllamaEmbedder",
    "OpenAIEmbedder",
    "PgVectorStore",
    "QdrantStore",
    "RecallHook",
    "Relation",
    "SQLiteVectorStore",
    "StaticEmbedder",
    "Subgraph",
    "Triple",
    "VectorMemory",
    "VectorStore",
    "chunk_text",
    "default_embedder",
]

_LAZY = {
    "MemoryToolset": "agent_tools",
    "RecallHook": "agent_tools",
    "Chunk": "chunking",
    "chunk_text": "chunking",
    "Embedder": "embedders",
    "HashingEmbedder": "embedders",
    "OllamaEmbedder": "embedders",
    "OpenAIEmbedder": "embedders",
    "StaticEmbedder": "embedders",
    "default_embedder": "embedders",
    "Entity": "graph",
    "KnowledgeGraph": "graph",
    "Relation": "graph",
    "Subgraph": "graph",
    "Triple": "graph",
    "PgVectorStore": "pgvector_store",
    "QdrantStore": "qdrant_store",
    "MemoryHit": "records",
    "MemoryRecord": "records",
    "SQLiteVectorStore": "sqlite_store",
    "VectorStore": "store",
    "VectorMemory": "vector_memory",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.memory' has no attribute {name!r}")
    return getattr(importlib.import_module(f"agenticraft.memory.{module}"), name)
