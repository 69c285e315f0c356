"""A knowledge graph on SQLite tables: entities, relations, and where each relation came from.

Relations are added by code (:meth:`KnowledgeGraph.add`) or extracted from text by a model
through typed output (:meth:`KnowledgeGraph.extract_from`: the agent answers an
:class:`Extraction`). One relation learned from two texts is one edge with two provenance
rows, so :meth:`KnowledgeGraph.forget_source` removes what a text taught and keeps what
another text also said. Queries: :meth:`~KnowledgeGraph.neighbors`, :meth:`~KnowledgeGraph.paths`,
and :meth:`~KnowledgeGraph.subgraph`, whose :meth:`Subgraph.to_context` is text for a prompt
and :meth:`Subgraph.to_mermaid` a diagram.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from agenticraft.core.errors import LongTermMemoryError, MemoryStoreCorruptedError
from agenticraft.memory.records import checked_text

__all__ = ["Entity", "Extraction", "KnowledgeGraph", "Provenance", "Relation", "Subgraph", "Triple"]

FORMAT = "agenticraft.graph/1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS graph_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, type TEXT NOT NULL,
    properties TEXT NOT NULL, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS relations (
    id INTEGER PRIMARY KEY,
    subject INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    predicate TEXT NOT NULL,
    object INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    UNIQUE (subject, predicate, object)
);
CREATE INDEX IF NOT EXISTS relations_object ON relations (object);
CREATE TABLE IF NOT EXISTS provenance (
    relation INTEGER NOT NULL REFERENCES relations (id) ON DELETE CASCADE,
    source TEXT NOT NULL, origin TEXT NOT NULL, created_at REAL NOT NULL,
    UNIQUE (relation, source, origin)
);
CREATE INDEX IF NOT EXISTS provenance_source ON provenance (source);
"""

_EXTRACT = (
    "Extract the facts stated in the text below as a knowledge graph: (subject, predicate, object) "
    "triples between named entities. Use the entities' names as written, a short lower-case verb "
    "phrase as the predicate (works at, lives in, knows), and a one-word type for each entity "
    "(person, organization, place, thing). Only facts the text states; no guesses.\n\n"
    "Text:\n<<<\n{text}\n>>>"
)

_MAX_NAME = 300


class Triple(BaseModel):
    """One fact: ``subject`` —``predicate``→ ``object``."""

    subject: str = Field(description="The entity the fact is about, as named in the text.")
    predicate: str = Field(description="A short verb phrase: 'works at', 'lives in'.")
    object: str = Field(description="The other entity.")
    subject_type: str = Field(default="", description="person, organization, place, thing...")
    object_type: str = Field(default="", description="person, organization, place, thing...")


class Extraction(BaseModel):
    """What a model extracts from a text."""

    triples: list[Triple] = Field(default_factory=list)


@dataclass(slots=True)
class Entity:
    name: str
    type: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Provenance:
    """Where a relation came from: the ``source`` (a text, or its name) and who added it
    (``origin``: ``"code"``, or ``"model:<provider:model>"`` for an extraction)."""

    source: str
    origin: str
    created_at: float


@dataclass(slots=True)
class Relation:
    subject: str
    predicate: str
    object: str
    provenance: list[Provenance] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.subject} —{self.predicate}→ {self.object}"


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _name(value: object, what: str) -> str:
    text = checked_text(value, what=what, max_chars=_MAX_NAME)
    return " ".join(text.split())


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;").replace("\n", " ")


@dataclass(slots=True)
class Subgraph:
    """Some entities and the relations between them."""

    entities: list[Entity]
    relations: list[Relation]

    def to_context(self, *, with_sources: bool = False) -> str:
        """The relations as lines of text, to put in a prompt."""
        lines = []
        for relation in self.relations:
            line = f"- {relation.subject} {relation.predicate} {relation.object}"
            if with_sources and relation.provenance:
                line += " (source: " + "; ".join(p.source[:80] for p in relation.provenance) + ")"
            lines.append(line)
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """A Mermaid ``graph LR`` diagram of the subgraph."""
        ids = {_key(e.name): f"e{i}" for i, e in enumerate(self.entities)}
        lines = ["graph LR"]
        for entity in self.entities:
            label = _mermaid_text(entity.name) + (f" ({_mermaid_text(entity.type)})" if entity.type else "")
            lines.append(f'    {ids[_key(entity.name)]}["{label}"]')
        for relation in self.relations:
            a, b = ids[_key(relation.subject)], ids[_key(relation.object)]
            lines.append(f'    {a} -->|"{_mermaid_text(relation.predicate)}"| {b}')
        return "\n".join(lines)


class KnowledgeGraph:
    """Entities and relations in one SQLite file (``":memory:"``: nothing kept).

    >>> graph = KnowledgeGraph(":memory:")
    >>> _ = graph.add("Ada", "works at", "Acme")
    >>> [e.name for e in graph.neighbors("ada")]
    ['Acme']
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:") -> None:
        self.path = os.fspath(path)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise LongTermMemoryError(f"cannot open {self.path!r}: {exc}") from None
        with self._guard():
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 10000")
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "graph_meta" not in tables:
                raise MemoryStoreCorruptedError(
                    f"{self.path!r} is an SQLite database but not a knowledge graph "
                    f"(tables: {sorted(tables)})"
                )
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO graph_meta VALUES ('format', ?)", (FORMAT,))

    def __repr__(self) -> str:
        return f"KnowledgeGraph({self.path!r})"

    @contextmanager
    def _guard(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except sqlite3.OperationalError as exc:
                raise LongTermMemoryError(f"{self.path!r}: {exc}") from None
            except sqlite3.DatabaseError as exc:
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
                raise
            self._db.execute("COMMIT")

    # -- writing --------------------------------------------------------------------------
    def _entity_id(
        self, db: sqlite3.Connection, name: str, type: str, properties: dict[str, Any] | None
    ) -> int:
        key = _key(name)
        row = db.execute("SELECT id, type, properties FROM entities WHERE key = ?", (key,)).fetchone()
        if row is None:
            cursor = db.execute(
                "INSERT INTO entities (key, name, type, properties, created_at) VALUES (?, ?, ?, ?, ?)",
                (key, name, type, json.dumps(properties or {}), time.time()),
            )
            return int(cursor.lastrowid or 0)
        if (type and not row[1]) or properties:
            merged = {**json.loads(row[2]), **(properties or {})}
            db.execute(
                "UPDATE entities SET type = ?, properties = ? WHERE id = ?",
                (row[1] or type, json.dumps(merged), row[0]),
            )
        return int(row[0])

    def add_entity(self, name: str, type: str = "", properties: dict[str, Any] | None = None) -> Entity:
        """Add an entity (or give an existing one a type and more properties)."""
        name = _name(name, "entity name")
        with self._transaction() as db:
            self._entity_id(db, name, type, properties)
        entity = self.entity(name)
        assert entity is not None
        return entity

    def add(
        self,
        subject: str,
        predicate: str,
        object: str,
        *,
        subject_type: str = "",
        object_type: str = "",
        source: str = "",
        origin: str = "code",
    ) -> Relation:
        """Add the relation ``subject —predicate→ object`` (its entities too), with where it
        came from; adding it again from another source adds to its provenance."""
        return self.add_many([Triple(subject=subject, predicate=predicate, object=object,
                                     subject_type=subject_type, object_type=object_type)],
                             source=source, origin=origin)[0]  # fmt: skip

    def add_many(
        self, triples: Iterable[Triple], *, source: str = "", origin: str = "code"
    ) -> list[Relation]:
        """Add many relations in one transaction (every name is checked first)."""
        checked = [
            (
                _name(t.subject, "subject"),
                " ".join(_name(t.predicate, "predicate").split()).lower(),
                _name(t.object, "object"),
                t.subject_type.strip().lower(),
                t.object_type.strip().lower(),
            )
            for t in triples
        ]
        now = time.time()
        with self._transaction() as db:
            for subject, predicate, obj, s_type, o_type in checked:
                s = self._entity_id(db, subject, s_type, None)
                o = self._entity_id(db, obj, o_type, None)
                db.execute(
                    "INSERT OR IGNORE INTO relations (subject, predicate, object, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (s, predicate, o, now),
                )
                (relation,) = db.execute(
                    "SELECT id FROM relations WHERE subject = ? AND predicate = ? AND object = ?",
                    (s, predicate, o),
                ).fetchone()
                db.execute(
                    "INSERT OR IGNORE INTO provenance VALUES (?, ?, ?, ?)",
                    (relation, source or "", origin, now),
                )
        return [self._relations_where("r.subject = e1.id AND e1.key = ? AND r.predicate = ? AND e2.key = ?",
                                      (_key(s), p, _key(o)))[0] for s, p, o, _, _ in checked]  # fmt: skip

    async def extract_from(
        self, text: str | bytes, *, agent: Any, source: str | None = None
    ) -> list[Relation]:
        """Ask ``agent`` (any :class:`~agenticraft.Agent`) for the triples ``text`` states, as
        typed output, and add them with ``source`` (default: the text) as provenance."""
        text = checked_text(text, max_chars=100_000)
        response = await agent.arun(_EXTRACT.format(text=text), output_type=Extraction)
        extraction = response.output
        if not isinstance(extraction, Extraction):  # pragma: no cover - output_type guarantees it
            raise LongTermMemoryError(
                f"the extractor answered {type(extraction).__name__}, not an Extraction"
            )
        model = (
            getattr(getattr(agent, "provider", None), "label", "") or getattr(agent, "name", "") or "agent"
        )
        if not extraction.triples:
            return []
        return self.add_many(extraction.triples, source=source or text, origin=f"model:{model}")

    def delete_entity(self, name: str) -> bool:
        """Remove an entity and every relation it is part of."""
        with self._transaction() as db:
            return db.execute("DELETE FROM entities WHERE key = ?", (_key(name),)).rowcount > 0

    def forget_source(self, source: str) -> int:
        """Remove what ``source`` taught: its provenance, and the relations nothing else
        supports (entities left without a relation go too). The number of relations removed."""
        with self._transaction() as db:
            db.execute("DELETE FROM provenance WHERE source = ?", (source,))
            removed = db.execute(
                "DELETE FROM relations WHERE id NOT IN (SELECT relation FROM provenance)"
            ).rowcount
            db.execute(
                "DELETE FROM entities WHERE id NOT IN (SELECT subject FROM relations) "
                "AND id NOT IN (SELECT object FROM relations) AND properties = '{}' AND type = ''"
            )
        return int(removed)

    # -- reading --------------------------------------------------------------------------
    def entity(self, name: str) -> Entity | None:
        with self._guard():
            row = self._db.execute(
                "SELECT name, type, properties FROM entities WHERE key = ?", (_key(name),)
            ).fetchone()
        return None if row is None else Entity(row[0], row[1], json.loads(row[2]))

    def entities(self) -> list[Entity]:
        with self._guard():
            rows = self._db.execute("SELECT name, type, properties FROM entities ORDER BY key").fetchall()
        return [Entity(r[0], r[1], json.loads(r[2])) for r in rows]

    def _relations_where(self, clause: str, params: Sequence[Any]) -> list[Relation]:
        with self._guard():
            rows = self._db.execute(
                "SELECT r.id, e1.name, r.predicate, e2.name FROM relations r "
                "JOIN entities e1 ON e1.id = r.subject JOIN entities e2 ON e2.id = r.object "
                f"WHERE {clause} ORDER BY r.id",
                list(params),
            ).fetchall()
            relations = []
            for rid, subject, predicate, obj in rows:
                sources = self._db.execute(
                    "SELECT source, origin, created_at FROM provenance WHERE relation = ? "
                    "ORDER BY created_at",
                    (rid,),
                ).fetchall()
                relations.append(Relation(subject, predicate, obj, [Provenance(*p) for p in sources]))
        return relations

    def relations(
        self, name: str | None = None, *, predicate: str | None = None,
        direction: Literal["out", "in", "both"] = "both",
    ) -> list[Relation]:  # fmt: skip
        """The relations of entity ``name`` (every relation when ``None``)."""
        clauses: list[str] = []
        params: list[Any] = []
        if name is not None:
            key = _key(name)
            sides = {"out": "e1.key = ?", "in": "e2.key = ?", "both": "(e1.key = ? OR e2.key = ?)"}
            clauses.append(sides[direction])
            params += [key] * (2 if direction == "both" else 1)
        if predicate is not None:
            clauses.append("r.predicate = ?")
            params.append(" ".join(predicate.split()).lower())
        return self._relations_where(" AND ".join(clauses) or "1", params)

    def neighbors(
        self, name: str, *, predicate: str | None = None, direction: Literal["out", "in", "both"] = "both"
    ) -> list[Entity]:
        """The entities one relation away from ``name`` (none for an unknown name)."""
        key = _key(name)
        names: dict[str, None] = {}
        for relation in self.relations(name, predicate=predicate, direction=direction):
            for side in (relation.subject, relation.object):
                if _key(side) != key:
                    names[side] = None
        return [e for e in (self.entity(n) for n in names) if e is not None]

    def _adjacency(self) -> dict[str, list[Relation]]:
        adjacency: dict[str, list[Relation]] = {}
        for relation in self.relations():
            adjacency.setdefault(_key(relation.subject), []).append(relation)
            adjacency.setdefault(_key(relation.object), []).append(relation)
        return adjacency

    def paths(self, start: str, end: str, *, max_hops: int = 4, limit: int = 10) -> list[list[Relation]]:
        """Simple paths (relations followed either way) from ``start`` to ``end``, shortest
        first, at most ``max_hops`` relations long."""
        adjacency = self._adjacency()
        goal = _key(end)
        found: list[list[Relation]] = []
        queue: deque[tuple[str, list[Relation], frozenset[str]]] = deque(
            [(_key(start), [], frozenset([_key(start)]))]
        )
        while queue and len(found) < limit:
            node, path, seen = queue.popleft()
            if len(path) >= max_hops:
                continue
            for relation in adjacency.get(node, []):
                a, b = _key(relation.subject), _key(relation.object)
                nxt = b if a == node else a
                if nxt in seen:
                    continue
                if nxt == goal:
                    found.append([*path, relation])
                    if len(found) >= limit:
                        break
                else:
                    queue.append((nxt, [*path, relation], seen | {nxt}))
        return found

    def subgraph(self, names: str | Sequence[str], *, depth: int = 1) -> Subgraph:
        """The entities within ``depth`` relations of ``names`` and the relations among them."""
        adjacency = self._adjacency()
        frontier = {_key(n) for n in ([names] if isinstance(names, str) else names)}
        keep = {k for k in frontier if self.entity(k) is not None}
        frontier = set(keep)
        for _ in range(depth):
            reached = set()
            for node in frontier:
                for relation in adjacency.get(node, []):
                    reached |= {_key(relation.subject), _key(relation.object)}
            frontier = reached - keep
            keep |= reached
        relations = [r for r in self.relations() if _key(r.subject) in keep and _key(r.object) in keep]
        entities = [e for e in self.entities() if _key(e.name) in keep]
        return Subgraph(entities, relations)

    def to_mermaid(self, names: str | Sequence[str] | None = None, *, depth: int = 1) -> str:
        """A Mermaid diagram of the subgraph around ``names`` (the whole graph when ``None``)."""
        if names is None:
            return Subgraph(self.entities(), self.relations()).to_mermaid()
        return self.subgraph(names, depth=depth).to_mermaid()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
