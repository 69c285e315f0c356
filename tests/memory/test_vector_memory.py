"""VectorMemory on every store (the embedded SQLite one and PostgreSQL with pgvector): the same
suite, parametrized by the ``store`` fixture of conftest.py."""

from __future__ import annotations

import asyncio
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


async def test_update_changes_text_and_metadata_and_the_search(hashing_memory: VectorMemory) -> None:
    [id_] = await hashing_memory.add("Ada lives in Paris", namespace="n", metadata={"v": 1})
    await hashing_memory.add("Bob lives in Rome", namespace="n")
    record = await hashing_memory.update(id_, "Ada lives in Lisbon", metadata={"v": 2})
    assert record.text == "Ada lives in Lisbon"
    hits = await hashing_memory.search("Lisbon", namespace="n", k=1)
    assert (hits[0].id, hits[0].text, hits[0].record.metadata) == (id_, "Ada lives in Lisbon", {"v": 2})
    assert hashing_memory.count("n") == 2
    with pytest.raises(MemoryInputError, match="no memory"):
        await hashing_memory.update("missing", "x")


async def test_delete_and_forget_a_namespace(hashing_memory: VectorMemory) -> None:
    [a] = await hashing_memory.add("first fact", namespace="user:1")
    await hashing_memory.add("second fact", namespace="user:1")
    await hashing_memory.add("other user's fact", namespace="user:2")
    assert await hashing_memory.delete(a, "not-there") == 1
    assert await hashing_memory.get(a) is None
    assert [h.text for h in await hashing_memory.search("fact", namespace="user:1")] == ["second fact"]
    assert await hashing_memory.forget("user:1") == 1
    assert await hashing_memory.forget("user:1") == 0
    with pytest.raises(NamespaceNotFoundError):
        await hashing_memory.search("fact", namespace="user:1")
    assert [h.text for h in await hashing_memory.search("fact", namespace="user:2")] == ["other user's fact"]


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


async def test_long_texts_are_chunked_and_keep_their_source(store: VectorStore) -> None:
    hashing_memory = VectorMemory(store, embedder=HashingEmbedder(1536))
    paragraphs = [f"Paragraph {i}: " + " ".join(f"word{i}x{j}" for j in range(40)) + "." for i in range(30)]
    text = "\n\n".join(paragraphs)
    paragraphs[17] = paragraphs[17].replace("word17x5 ", "The zebra grazes on the open savanna. ")
    text = "\n\n".join(paragraphs)
    ids = await hashing_memory.add(text, namespace="docs", metadata={"title": "long"}, source="report.txt")
    assert len(ids) > 5
    records = await hashing_memory.records("docs")
    assert {r.source for r in records} == {"report.txt"}
    assert [r.chunk for r in records] == list(range(len(ids)))
    for record in records:
        assert text[record.start : record.start + len(record.text)] == record.text
        assert record.metadata == {"title": "long"}
        assert len(record.text) <= hashing_memory.chunk_chars
    hit = (await hashing_memory.search("the zebra grazes on the open savanna", namespace="docs", k=1))[0]
    assert "zebra" in hit.text and hit.record.source == "report.txt"
    assert await hashing_memory.source("report.txt", namespace="docs") == text
    # a source name is made when none is given
    [*more] = await hashing_memory.add(text.replace("zebra", "lion"), namespace="docs2")
    name = (await hashing_memory.get(more[0])).source  # type: ignore[union-attr]
    assert name is not None and name.startswith("text:")
    assert "lion" in (await hashing_memory.source(name, namespace="docs2") or "")


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


async def test_concurrent_writers_in_one_process_lose_nothing(hashing_memory: VectorMemory) -> None:
    async def writer(w: int) -> None:
        for i in range(10):
            await hashing_memory.add(f"writer {w} fact number {i}", namespace="shared", metadata={"w": w})

    await asyncio.gather(*(writer(w) for w in range(6)))
    assert hashing_memory.count("shared") == 60
    for w in range(6):
        assert len(await hashing_memory.records("shared", where={"w": w})) == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        ("broken \ud800 surrogate", "not valid Unicode"),
        (42, "must be str"),
    ],
)
async def test_bad_text_is_a_typed_error_and_nothing_is_written(
    hashing_memory: VectorMemory, text: object, message: str
) -> None:
    [kept] = await hashing_memory.add("a committed fact", namespace="n")
    with pytest.raises(MemoryInputError, match=message):
        await hashing_memory.add(text, namespace="n")  # type: ignore[arg-type]
    with pytest.raises(MemoryInputError, match=message):
        await hashing_memory.add_many(["a good one", text], namespace="n")  # type: ignore[list-item]
    assert [r.id for r in await hashing_memory.records("n")] == [kept]


async def test_huge_text_and_bad_arguments(hashing_memory: VectorMemory) -> None:
    small = VectorMemory(hashing_memory.store, embedder=hashing_memory.embedder, max_chars=1000)
    with pytest.raises(MemoryInputError, match="1,001 characters"):
        await small.add("x" * 1001, namespace="n")
    with pytest.raises(MemoryInputError, match="namespace"):
        await hashing_memory.add("fine", namespace="")
    with pytest.raises(MemoryInputError, match="namespace"):
        await hashing_memory.add("fine", namespace=None)  # type: ignore[arg-type]
    await hashing_memory.add("fine", namespace="n")
    with pytest.raises(MemoryInputError, match="k must"):
        await hashing_memory.search("fine", namespace="n", k=0)
    with pytest.raises(MemoryInputError, match="query is empty"):
        await hashing_memory.search(" ", namespace="n")
    with pytest.raises(MemoryInputError, match="metadata"):
        await hashing_memory.add("other", namespace="n", metadata={"x": object()})
    with pytest.raises(MemoryInputError, match="ids="):
        await hashing_memory.add_many(["a", "b"], namespace="n", ids=["1"])
    assert hashing_memory.count("n") == 1


async def test_utf8_bytes_and_given_ids(hashing_memory: VectorMemory) -> None:
    assert await hashing_memory.add("Zoë's café".encode(), namespace="n", id="zoe") == ["zoe"]
    record = await hashing_memory.get("zoe")
    assert record is not None and record.text == "Zoë's café"
    hits = await hashing_memory.search("café", namespace="n", min_score=0.99)
    assert hits == []
    assert [h.id for h in await hashing_memory.search("café", namespace="n", min_score=0.1)] == ["zoe"]
