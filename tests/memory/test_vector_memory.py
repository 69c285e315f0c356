"""VectorMemory on every store (SQLite, PostgreSQL with pgvector, Qdrant): search, namespaces,
filters, dedup, reopening, embedder mismatch; parametrized by conftest.py's ``store`` fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agenticraft.memory import (
    EmbedderMismatchError,
    HashingEmbedder,
    MemoryInputError,
    NamespaceNotFoundError,
    VectorMemory,
    VectorStore,
)


async def test_add_then_search_finds_the_memory_by_meaning(store: VectorStore) -> None:
    memory = VectorMemory(store)  # the packaged default embedder
    await memory.add("Ada prefers trains to planes.", namespace="user:42", metadata={"source": "chat"})
    await memory.add("Bob's cat is called Pepper.", namespace="user:42")
    await memory.add("The invoice is due on Friday.", namespace="user:42")
    hits = await memory.search("How does Ada like to travel?", namespace="user:42", k=3)
    assert hits[0].text == "Ada prefers trains to planes."
    assert hits[0].record.metadata == {"source": "chat"}
    assert hits[0].score > hits[1].score >= hits[2].score
    assert len(hits) == 3


async def test_namespaces_are_separate(hashing_memory: VectorMemory) -> None:
    await hashing_memory.add("Ada likes green tea", namespace="user:1")
    await hashing_memory.add("Ada likes black coffee", namespace="user:2")
    hits = await hashing_memory.search("what does Ada like", namespace="user:1", k=5)
    assert [h.text for h in hits] == ["Ada likes green tea"]
    assert hashing_memory.namespaces() == ["user:1", "user:2"]
    assert hashing_memory.count("user:2") == 1
    assert hashing_memory.count() == 2


async def test_a_namespace_with_nothing_is_a_typed_error(hashing_memory: VectorMemory) -> None:
    with pytest.raises(NamespaceNotFoundError, match="user:404") as caught:
        await hashing_memory.search("anything", namespace="user:404")
    assert caught.value.namespace == "user:404"
    await hashing_memory.add("something", namespace="user:1")
    with pytest.raises(NamespaceNotFoundError):
        await hashing_memory.search("anything", namespace="user:404")


async def test_metadata_filters(hashing_memory: VectorMemory) -> None:
    await hashing_memory.add(
        "meeting notes about the budget", namespace="n", metadata={"kind": "note", "year": 2024}
    )
    await hashing_memory.add(
        "email about the budget", namespace="n", metadata={"kind": "email", "year": 2024}
    )
    await hashing_memory.add("chat about the budget", namespace="n", metadata={"kind": "chat", "year": 2023})
    notes = await hashing_memory.search("budget", namespace="n", where={"kind": "note"})
    assert [h.text for h in notes] == ["meeting notes about the budget"]
    either = await hashing_memory.search("budget", namespace="n", where={"kind": ["email", "chat"]})
    assert sorted(h.text for h in either) == ["chat about the budget", "email about the budget"]
    both = await hashing_memory.search(
        "budget", namespace="n", where={"kind": ["email", "chat"], "year": 2024}
    )
    assert [h.text for h in both] == ["email about the budget"]
    assert await hashing_memory.search("budget", namespace="n", where={"kind": "nothing"}) == []
    records = await hashing_memory.records("n", where={"year": 2023})
    assert [r.text for r in records] == ["chat about the budget"]
    with pytest.raises(MemoryInputError, match="where"):
        await hashing_memory.search("budget", namespace="n", where={"kind": {"nested": 1}})


async def test_near_identical_memories_are_stored_once(store: VectorStore) -> None:
    memory = VectorMemory(store)
    [first] = await memory.add("Ada prefers trains to planes.", namespace="n")
    assert await memory.add("ada prefers trains to planes!", namespace="n") == [first]
    assert await memory.add("Ada  prefers trains to  planes", namespace="n") == [first]
    # a small edit, nearly the same words and meaning
    assert await memory.add("Ada prefers the trains to planes.", namespace="n") == [first]
    # the same words in another order say something else: kept
    [other] = await memory.add("Ada prefers planes to trains.", namespace="n")
    assert other != first
    # in one batch too
    ids = await memory.add_many(["Bob owns a red bike.", "bob owns a red bike"], namespace="n")
    assert ids[0] == ids[1]
    assert memory.count("n") == 3
    # another namespace is not a duplicate
    assert await memory.add("Ada prefers trains to planes.", namespace="m") != [first]


async def test_without_vector_dedup_only_the_exact_text_is_merged(store: VectorStore) -> None:
    memory = VectorMemory(store, dedup_threshold=None)
    [first] = await memory.add("Ada prefers trains to planes.", namespace="n")
    assert await memory.add("ADA prefers trains, to planes", namespace="n") == [first]
    assert await memory.add("Ada prefers the trains to planes.", namespace="n") != [first]


async def test_the_store_is_read_again_by_a_new_connection(store_factory: Callable[[], VectorStore]) -> None:
    first = VectorMemory(store_factory(), embedder=HashingEmbedder(256))
    await first.add("the spare key is under the blue pot", namespace="house")
    second = VectorMemory(store_factory(), embedder=HashingEmbedder(256))
    assert [h.text for h in await second.search("where is the key", namespace="house")] == [
        "the spare key is under the blue pot"
    ]
    # a write through one connection is seen by the other's next search
    await second.add("the ladder is in the garage", namespace="house")
    assert len(await first.search("ladder garage", namespace="house", k=5)) == 2


async def test_another_dimension_or_model_is_a_clear_error(store_factory: Callable[[], VectorStore]) -> None:
    memory = VectorMemory(store_factory(), embedder=HashingEmbedder(256))
    await memory.add("a fact", namespace="n")
    with pytest.raises(EmbedderMismatchError, match=r"dimension 256.*gives 128"):
        VectorMemory(store_factory(), embedder=HashingEmbedder(128))
    with pytest.raises(EmbedderMismatchError, match="hashing-ngrams-256"):
        VectorMemory(store_factory())  # the default embedder: 256 dimensions too, another model
    assert [h.text for h in await memory.search("fact", namespace="n")] == ["a fact"]


async def test_a_store_opened_empty_sees_the_first_memories_another_connection_writes(
    store_factory: Callable[[], VectorStore],
) -> None:
    reader = VectorMemory(store_factory(), embedder=HashingEmbedder(256))
    writer = VectorMemory(store_factory(), embedder=HashingEmbedder(256))
    with pytest.raises(NamespaceNotFoundError):
        await reader.search("boat", namespace="harbour")
    await writer.add("the boat is moored at pier four", namespace="harbour")
    assert [h.text for h in await reader.search("where is the boat", namespace="harbour")] == [
        "the boat is moored at pier four"
    ]
