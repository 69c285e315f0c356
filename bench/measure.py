"""Measure one client on one or more figures, in this (fresh) process; print one JSON line.

Run by ``bench/run.py``, one subprocess per client and figure (startup figures come from
``bench/startup.py``, which starts from a bare interpreter)::

    python bench/measure.py '{"client": "floor", "protocol": "openai", "port": 8000,
                              "figures": {"cpu": {"chunks": 5000, "reps": 5}}}'

CPU time is ``time.process_time`` of this process around the streams, so the server (another
process) never counts. Delivery delay uses the server's ``time.monotonic_ns`` stamp in each
text delta, which is comparable across processes on Linux.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# LiteLLM fetches a model price map from the internet at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

Figure = Callable[[str, str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _base(port: int, chunks: int, interval_ms: float = 0, mode: str = "text") -> str:
    return f"http://127.0.0.1:{port}/b/{chunks}/{interval_ms:g}/{mode}"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Counter:
    """The cheapest possible consumer of text deltas."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, text: str) -> None:
        self.n += 1


def _client(name: str, protocol: str, base: str) -> Any:
    from clients import ADAPTERS

    return ADAPTERS[name](protocol, base)


async def _warm_up(name: str, protocol: str, port: int) -> None:
    """Load every lazily imported module and code path before anything is timed."""
    client = _client(name, protocol, _base(port, 20))
    try:
        await client.stream(Counter())
    finally:
        await client.aclose()


async def fig_cpu(name: str, protocol: str, port: int, p: dict[str, Any]) -> dict[str, Any]:
    """CPU microseconds per streamed chunk over one long stream, median of ``reps``."""
    chunks, reps = p["chunks"], p["reps"]
    await _warm_up(name, protocol, port)
    client = _client(name, protocol, _base(port, chunks))
    per_chunk, walls, counts = [], [], []
    try:
        for _ in range(reps):
            counter = Counter()
            wall, cpu = time.perf_counter(), time.process_time()
            await client.stream(counter)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            per_chunk.append(cpu / max(counter.n, 1) * 1e6)
            walls.append(wall)
            counts.append(counter.n)
    finally:
        await client.aclose()
    return {
        "us_per_chunk": statistics.median(per_chunk),
        "us_per_chunk_all": per_chunk,
        "wall_s_median": statistics.median(walls),
        "chunks": chunks,
        "counts": counts,
    }


async def fig_latency(name: str, protocol: str, port: int, p: dict[str, Any]) -> dict[str, Any]:
    """Delay from the server's write to user code, one chunk every ``interval_ms``."""
    chunks, reps, interval = p["chunks"], p["reps"], p["interval_ms"]
    await _warm_up(name, protocol, port)
    client = _client(name, protocol, _base(port, chunks, interval))
    p50s, p99s, maxes, counts = [], [], [], []
    now = time.monotonic_ns
    try:
        for _ in range(reps):
            delays: list[float] = []

            def on_text(text: str, delays: list[float] = delays) -> None:
                delays.append((now() - int(text[1:])) / 1e6)

            await client.stream(on_text)
            p50s.append(_percentile(delays, 0.5))
            p99s.append(_percentile(delays, 0.99))
            maxes.append(max(delays) if delays else float("nan"))
            counts.append(len(delays))
    finally:
        await client.aclose()
    return {
        "p50_ms": statistics.median(p50s),
        "p99_ms": statistics.median(p99s),
        "max_ms": statistics.median(maxes),
        "p50_ms_all": p50s,
        "p99_ms_all": p99s,
        "chunks": chunks,
        "interval_ms": interval,
        "counts": counts,
    }


async def fig_ttfc(name: str, protocol: str, port: int, p: dict[str, Any]) -> dict[str, Any]:
    """Time to first chunk over sequential one-chunk requests on one client."""
    requests = p["requests"]
    client = _client(name, protocol, _base(port, 1))
    times: list[float] = []
    completed = 0
    try:
        for _ in range(p.get("warmup", 5)):
            await client.stream(Counter())
        for _ in range(requests):
            first: list[float] = []

            def on_text(text: str, first: list[float] = first) -> None:
                if not first:
                    first.append(time.perf_counter())

            started = time.perf_counter()
            await client.stream(on_text)
            if first:
                times.append((first[0] - started) * 1e3)
                completed += 1
    finally:
        await client.aclose()
    return {
        "p50_ms": statistics.median(times),
        "mean_ms": statistics.fmean(times),
        "p99_ms": _percentile(times, 0.99),
        "requests": requests,
        "completed": completed,
    }


async def fig_concurrency(name: str, protocol: str, port: int, p: dict[str, Any]) -> dict[str, Any]:
    """``runs`` concurrent streams of ``chunks`` chunks each on one client, in this process."""
    runs, chunks, reps = p["runs"], p["chunks"], p["reps"]
    client = _client(name, protocol, _base(port, chunks))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    walls, done_counts, rates, errors = [], [], [], []
    try:
        await asyncio.gather(*(client.stream(Counter()) for _ in range(min(10, runs))))
        for _ in range(reps):
            counters = [Counter() for _ in range(runs)]
            started = time.perf_counter()
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(client.stream(c) for c in counters), return_exceptions=True),
                p.get("timeout_s", 300),
            )
            wall = time.perf_counter() - started
            done = sum(1 for o, c in zip(outcomes, counters, strict=True) if o is None and c.n == chunks)
            errors.extend(sorted({repr(o)[:200] for o in outcomes if isinstance(o, BaseException)}))
            walls.append(wall)
            done_counts.append(done)
            rates.append(sum(c.n for c in counters) / wall)
            del counters, outcomes
            gc.collect()
    finally:
        await client.aclose()
    return {
        "completed": min(done_counts),
        "completed_all": done_counts,
        "runs": runs,
        "chunks": chunks,
        "wall_s": statistics.median(walls),
        "chunks_per_s": statistics.median(rates),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
        "errors": errors[:5],
    }


async def fig_tool(name: str, protocol: str, port: int, p: dict[str, Any]) -> dict[str, Any]:
    """End-to-end agent runs with one tool round trip (two streamed model turns)."""
    from clients import TOOL_CALLS

    runs, chunks = p["runs"], p["chunks"]
    client = _client(name, protocol, _base(port, chunks, mode="tool"))
    times: list[float] = []
    counts: list[int] = []
    try:
        for _ in range(p.get("warmup", 2)):
            await client.tool_run(Counter())
        calls_before = TOOL_CALLS[0]
        for _ in range(runs):
            counter = Counter()
            started = time.perf_counter()
            await client.tool_run(counter)
            times.append((time.perf_counter() - started) * 1e3)
            counts.append(counter.n)
    finally:
        await client.aclose()
    return {
        "ms": statistics.median(times),
        "ms_all": times,
        "runs": runs,
        "answer_chunks": chunks,
        "counts": counts,
        "tool_calls": TOOL_CALLS[0] - calls_before,
    }


FIGURES: dict[str, Any] = {
    "cpu": fig_cpu,
    "latency": fig_latency,
    "ttfc": fig_ttfc,
    "concurrency": fig_concurrency,
    "tool": fig_tool,
}


async def _main(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for figure, params in spec["figures"].items():
        try:
            out[figure] = await FIGURES[figure](spec["client"], spec["protocol"], spec["port"], params)
        except Exception as exc:  # a failing client is a result, not a crash of the bench
            out[figure] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    return out


def main() -> None:
    started = time.perf_counter()
    spec = json.loads(sys.argv[1])
    from server import raise_fd_limit

    raise_fd_limit()
    result = asyncio.run(_main(spec))
    result["_process_s"] = time.perf_counter() - started
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
