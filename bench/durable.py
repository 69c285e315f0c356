"""Durable runs: ``python bench/durable.py`` (``--smoke`` for CI sizes, ``--db URL`` for another
database than a temporary SQLite file).

What a durable run (DBOS, :mod:`agenticraft.durable`) adds over the same plain run, in one
process, measured in one run. Three scenarios, each run plain (``agent.arun``) and durable
(``DurableAgent.arun`` with a new ``run_id`` each time):

- ``answer``: one model turn, no tool (the per-run cost plus one model turn);
- ``tools-1``: ``n`` turns of one tool call each, then the answer;
- ``tools-2``: ``n`` turns of two parallel tool calls each, then the answer.

The added wall time of each scenario is ``run + turns * model + calls * tool``; the three
give the added latency per run, per model turn and per tool call. Models are ``FunctionModel``
(in-process) and the tool returns at once, so the figures are the engine's own cost (each
step one committed write of its record). Wall times are medians of ``reps`` runs. Results go
to ``bench/results/durable-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agenticraft import Agent  # noqa: E402
from agenticraft.core.messages import Message, ToolCall  # noqa: E402
from agenticraft.core.provider import ToolDefinition  # noqa: E402
from agenticraft.testing import FunctionModel  # noqa: E402


def lookup(key: str) -> str:
    """Look a key up."""
    return f"value of {key}"


def _model(turns: int, calls: int) -> FunctionModel:
    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        done = sum(1 for m in messages if m.role == "tool")
        if done >= turns:
            return "Done: all looked up."
        return [ToolCall("lookup", {"key": f"k{done}-{i}"}) for i in range(calls)]

    return FunctionModel(fn)


SCENARIOS = {"answer": (0, 0), "tools-1": (None, 1), "tools-2": (None, 2)}


async def _measure(db: str, turns: int, reps: int) -> dict[str, Any]:
    from agenticraft.durable import DurableAgent, configure, launch, shutdown

    configure(db)
    launch()
    figures: dict[str, Any] = {}
    try:
        for name, (fixed_turns, calls) in SCENARIOS.items():
            n = turns if fixed_turns is None else fixed_turns
            agent = Agent(name=f"bench-{name}", model=_model(n, calls), tools=[lookup])
            durable = DurableAgent(agent, name=f"bench-{name}")
            plain, lasting = [], []
            for _ in range(2):  # warm: imports, adapters, the engine's first statements
                await agent.arun("Go", history=[])
                await durable.arun("Go", run_id=uuid.uuid4().hex)
            for _ in range(reps):  # interleaved, so a disturbance hits both alike
                started = time.perf_counter()
                await agent.arun("Go", history=[])
                plain.append(time.perf_counter() - started)
                started = time.perf_counter()
                response = await durable.arun("Go", run_id=uuid.uuid4().hex)
                lasting.append(time.perf_counter() - started)
            assert response.content == "Done: all looked up."
            figures[name] = {
                "model_turns": n + 1,
                "tool_calls": n * calls,
                "plain_s": statistics.median(plain),
                "durable_s": statistics.median(lasting),
            }
    finally:
        shutdown()
    return figures


def _solve(figures: dict[str, Any], turns: int) -> dict[str, float]:
    added = {k: v["durable_s"] - v["plain_s"] for k, v in figures.items()}
    per_tool = (added["tools-2"] - added["tools-1"]) / turns
    per_turn = (added["tools-1"] - added["answer"] - turns * per_tool) / turns
    per_run = added["answer"] - per_turn
    return {
        "per_run_ms": per_run * 1e3,
        "per_model_turn_ms": per_turn * 1e3,
        "per_tool_call_ms": per_tool * 1e3,
    }


def _markdown(db: str, figures: dict[str, Any], solved: dict[str, float]) -> str:
    lines = [
        f"Durable runs on `{db.split('://', 1)[0]}`",
        "",
        "| scenario | model turns | tool calls | plain ms | durable ms | durable ÷ plain |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, f in figures.items():
        ratio = f["durable_s"] / f["plain_s"]
        lines.append(
            f"| {name} | {f['model_turns']} | {f['tool_calls']} | {f['plain_s'] * 1e3:.2f} | "
            f"{f['durable_s'] * 1e3:.2f} | {ratio:.1f}x |"
        )
    lines += [
        "",
        "| added latency | ms |",
        "| --- | --- |",
        f"| per run (start, record the end) | {solved['per_run_ms']:.2f} |",
        f"| per model turn | {solved['per_model_turn_ms']:.2f} |",
        f"| per tool call | {solved['per_tool_call_ms']:.2f} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="CI sizes: a few turns and runs")
    parser.add_argument(
        "--db", default=None, help="a SQLite path or a database URL (default: a temporary file)"
    )
    parser.add_argument("--turns", type=int, default=None)
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    turns = args.turns or (2 if args.smoke else 10)
    reps = args.reps or (3 if args.smoke else 15)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{Path(tmp) / 'durable.db'}"
        figures = asyncio.run(_measure(db, turns, reps))
    solved = _solve(figures, turns)
    document = {"db": db.split("://", 1)[0], "turns": turns, "reps": reps, "scenarios": figures, **solved}
    name = args.name or f"durable-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(document, indent=2))
    table = _markdown(db, figures, solved)
    (args.out / f"{name}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
