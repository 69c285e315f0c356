"""VectorMemory writes on every store (SQLite, PostgreSQL with pgvector, Qdrant): update,
delete, forget, chunking, concurrent writers and bad input; parametrized by conftest.py's
``store`` fixture."""

from __future__ import annotations

import asyncio

import pytest

from agenticraft.memory import (
    HashingEmbedder,
    MemoryInputError,
    NamespaceNotFoundError,
    VectorMemory,
    VectorStore,
)


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
