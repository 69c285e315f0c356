"""The knowledge graph: relations with provenance, extraction by a model through typed output,
neighbours, paths, subgraphs as context and as Mermaid, and bad input."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.messages import Message
from agenticraft.memory import KnowledgeGraph, MemoryInputError, MemoryStoreCorruptedError
from agenticraft.memory.graph import Extraction, Triple
from agenticraft.testing import FunctionModel


def _graph() -> KnowledgeGraph:
    graph = KnowledgeGraph(":memory:")
    graph.add("Ada", "works at", "Acme", subject_type="person", object_type="organization", source="hr.txt")
    graph.add("Bob", "works at", "Acme", source="hr.txt")
    graph.add("Bob", "knows", "Carol", source="chat")
    graph.add("Carol", "lives in", "Lyon", source="chat")
    graph.add("Acme", "is based in", "Paris", source="web")
    return graph


def test_relations_keep_their_provenance_and_merge_repeats() -> None:
    graph = _graph()
    again = graph.add("ada", "Works  At", "ACME", source="badge.txt")
    assert str(again) == "Ada —works at→ Acme"
    assert [(p.source, p.origin) for p in again.provenance] == [("hr.txt", "code"), ("badge.txt", "code")]
    assert len(graph.relations("Ada")) == 1
    assert graph.entity("ADA") is not None and graph.entity("ada").type == "person"  # type: ignore[union-attr]
    assert graph.add_entity("Ada", properties={"age": 36}).properties == {"age": 36}


def test_neighbors_by_direction_and_predicate() -> None:
    graph = _graph()
    assert [e.name for e in graph.neighbors("Bob")] == ["Acme", "Carol"]
    assert [e.name for e in graph.neighbors("Acme", direction="in")] == ["Ada", "Bob"]
    assert [e.name for e in graph.neighbors("Acme", direction="out")] == ["Paris"]
    assert [e.name for e in graph.neighbors("Bob", predicate="knows")] == ["Carol"]
    assert graph.neighbors("Nobody") == []


def test_paths_shortest_first() -> None:
    graph = _graph()
    paths = graph.paths("Ada", "Lyon")
    assert [[str(r) for r in p] for p in paths] == [
        ["Ada —works at→ Acme", "Bob —works at→ Acme", "Bob —knows→ Carol", "Carol —lives in→ Lyon"]
    ]
    assert graph.paths("Ada", "Lyon", max_hops=3) == []
    graph.add("Ada", "met", "Carol")
    assert [len(p) for p in graph.paths("Ada", "Lyon")] == [2, 4]
    assert len(graph.paths("Ada", "Lyon", limit=1)) == 1


def test_a_subgraph_as_context_and_as_mermaid() -> None:
    graph = _graph()
    sub = graph.subgraph("Carol", depth=1)
    assert sorted(e.name for e in sub.entities) == ["Bob", "Carol", "Lyon"]
    assert sub.to_context() == "- Bob knows Carol\n- Carol lives in Lyon"
    assert "(source: chat)" in sub.to_context(with_sources=True)
    mermaid = graph.to_mermaid("Ada", depth=1)
    assert mermaid.splitlines()[0] == "graph LR"
    assert '["Ada (person)"]' in mermaid and '-->|"works at"|' in mermaid
    assert "Lyon" not in mermaid
    assert mermaid.count("-->") == 1
    assert graph.to_mermaid(["Ada"], depth=2).count("-->") == 3  # Bob and Paris are two hops away
    everything = graph.to_mermaid()
    assert everything.count("-->") == 5
    graph.add('Quote "Q"', "has | pipe", "X")
    assert "#quot;" in graph.to_mermaid() and "#124;" in graph.to_mermaid()
    assert graph.subgraph("Nobody").entities == []


def test_forgetting_a_source_keeps_what_another_source_said() -> None:
    graph = _graph()
    graph.add("Bob", "knows", "Carol", source="email")
    assert graph.forget_source("chat") == 1  # Carol lives in Lyon goes; Bob knows Carol stays (email)
    assert [str(r) for r in graph.relations("Carol")] == ["Bob —knows→ Carol"]
    assert graph.entity("Lyon") is None
    assert graph.delete_entity("Acme") is True
    assert graph.relations("Ada") == [] and graph.delete_entity("Acme") is False


async def test_extraction_by_a_model_through_typed_output() -> None:
    prompts: list[str] = []

    def extractor_model(messages: list[Message], tools: Any) -> Any:
        prompts.append(messages[-1].text)
        return {
            "triples": [
                {"subject": "Ada", "predicate": "works at", "object": "Acme", "subject_type": "person"},
                {"subject": "Ada", "predicate": "works with", "object": "Bob"},
            ]
        }

    extractor = Agent(model=FunctionModel(extractor_model))
    graph = KnowledgeGraph(":memory:")
    relations = await graph.extract_from("Ada works at Acme with Bob.", agent=extractor)
    assert [str(r) for r in relations] == ["Ada —works at→ Acme", "Ada —works with→ Bob"]
    assert relations[0].provenance[0].source == "Ada works at Acme with Bob."
    assert relations[0].provenance[0].origin.startswith("model:")
    assert "Ada works at Acme with Bob." in prompts[0]
    assert [e.name for e in graph.neighbors("Ada")] == ["Acme", "Bob"]
    empty = Agent(model=FunctionModel(lambda m, t: {"triples": []}))
    assert await graph.extract_from("Nothing here.", agent=empty, source="doc-2") == []


def test_bad_names_are_typed_errors_and_nothing_is_added() -> None:
    graph = _graph()
    before = len(graph.relations())
    with pytest.raises(MemoryInputError, match="subject is empty"):
        graph.add("  ", "knows", "Bob")
    with pytest.raises(MemoryInputError, match="not UTF-8"):
        graph.add_many([Triple(subject="A", predicate="p", object="B")] * 2 + [_bytes_triple()])
    with pytest.raises(MemoryInputError, match="characters"):
        graph.add("x" * 301, "is", "long")
    assert len(graph.relations()) == before


def _bytes_triple() -> Any:
    triple = Triple.model_construct(
        subject=b"\xff\xfe", predicate="p", object="o", subject_type="", object_type=""
    )
    return triple


def test_the_graph_persists_and_a_foreign_or_damaged_file_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    with KnowledgeGraph(path) as graph:
        graph.add("Ada", "works at", "Acme")
    with KnowledgeGraph(path) as graph:
        assert [e.name for e in graph.neighbors("Ada")] == ["Acme"]
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(MemoryStoreCorruptedError, match="not a knowledge graph"):
        KnowledgeGraph(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"junk" * 1000)
    with pytest.raises(MemoryStoreCorruptedError):
        KnowledgeGraph(junk)
    assert junk.read_bytes() == b"junk" * 1000
    assert Extraction().triples == []
