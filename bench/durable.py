"""Durable runs: ``python bench/durable.py`` (``--db sqlite`` by default; ``--db postgres``,
``--db URL``, several ``--db`` or ``--all`` for one table of many; ``--smoke`` for CI sizes).

What a durable run (DBOS, :mod:`agenticraft.durable`) adds over the same plain run, per run,
per model turn and per tool call, with the engine's state in

- ``sqlite``: a temporary SQLite file (the default);
- ``postgres``: a throwaway PostgreSQL cluster from Debian's server binaries
  (:mod:`agenticraft.testing.postgres`), started for the run with fsync on, removed after;
- a URL: that database (``sqlite:///path``, ``postgresql://...``).

Three scenarios, each run plain (``agent.arun``) and durable (``DurableAgent.arun``, a new
``run_id`` each time), the two interleaved so that a disturbance hits both alike:

- ``answer``: one model turn, no tool;
- ``tools-1``: ``n`` turns of one tool call each, then the answer;
- ``tools-2``: ``n`` turns of two tool calls each, then the answer.

The tool is ``sequential``: the two calls of a turn, and their recorded steps, follow each
other rather than overlap, so every call costs what one call costs and the added wall time of
a scenario is ``run + turns * turn + calls * tool``; the three added times (durable minus
plain, medians of ``reps`` runs) give the three unknowns, each from ``n`` steps' worth of
difference. The floor is the engine itself: a bare DBOS workflow of ``n`` empty async steps
against one of none (interleaved, medians of ``reps``), on the same database in the same
process. The model is a ``FunctionModel`` (in-process) and the tool returns at once, so the
figures are the engine's own cost: each recorded step is a committed write to the database.
The databases are measured one after the other in one process (DBOS is one instance per
process). Results go to ``bench/results/durable-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agenticraft import Agent, tool  # noqa: E402
from agenticraft.core.messages import Message, ToolCall  # noqa: E402
from agenticraft.core.provider import ToolDefinition  # noqa: E402
from agenticraft.testing import FunctionModel  # noqa: E402

#: scenario: (model turns with tool calls, None = ``n``; tool calls per such turn)
SCENARIOS = {"answer": (0, 0), "tools-1": (None, 1), "tools-2": (None, 2)}


@tool(sequential=True)  # one call at a time: each call's step costs what one step costs
def lookup(key: str) -> str:
    """Look a key up.

    Args:
        key: The key.
    """
    return f"value of {key}"


def _model(turns: int, calls: int) -> FunctionModel:
    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        done = sum(1 for m in messages if m.role == "tool")  # one message per turn's results
        if done >= turns:
            return "Done: all looked up."
        return [ToolCall("lookup", {"key": f"k{done}-{i}"}) for i in range(calls)]

    return FunctionModel(fn)


_BARE: list[Callable[[int], Awaitable[int]]] = []


def _bare_workflow() -> Callable[[int], Awaitable[int]]:
    """A DBOS workflow of ``n`` empty async steps, registered once, before the engine launches."""
    if not _BARE:
        from dbos import DBOS

        @DBOS.step(name="bench.bare_step")
        async def step(i: int) -> int:
            return i

        @DBOS.workflow(name="bench.bare_workflow")
        async def workflow(n: int) -> int:
            total = 0
            for i in range(n):
                total += await step(i)
            return total

        _BARE.append(workflow)
    return _BARE[0]


async def _paired(
    first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]], reps: int
) -> tuple[float, float]:
    """Medians of ``reps`` wall times of ``first`` and ``second``, interleaved, after 2 warm runs
    (imports, adapters, the engine's first statements)."""
    for _ in range(2):
        await first()
        await second()
    walls: tuple[list[float], list[float]] = ([], [])
    for _ in range(reps):
        for run, into in ((first, walls[0]), (second, walls[1])):
            started = time.perf_counter()
            await run()
            into.append(time.perf_counter() - started)
    return statistics.median(walls[0]), statistics.median(walls[1])


def _agents(turns: int) -> dict[str, tuple[Agent[Any], Any]]:
    """Each scenario's agent, plain and durable (registered once, before the engine launches)."""
    from agenticraft.durable import DurableAgent

    agents = {}
    for name, (fixed_turns, calls) in SCENARIOS.items():
        n = turns if fixed_turns is None else fixed_turns
        agent = Agent(name=f"bench-{name}", model=_model(n, calls), tools=[lookup], max_turns=n + 2)
        agents[name] = (agent, DurableAgent(agent, name=f"bench-{name}"))
    return agents


async def _measure(
    db: str, agents: dict[str, tuple[Agent[Any], Any]], turns: int, reps: int
) -> dict[str, Any]:
    from dbos import SetWorkflowID

    from agenticraft.durable import configure, launch, shutdown

    bare = _bare_workflow()
    configure(db)
    launch()
    scenarios: dict[str, Any] = {}
    try:
        for name, (fixed_turns, calls) in SCENARIOS.items():
            n = turns if fixed_turns is None else fixed_turns
            agent, durable = agents[name]

            async def plain(agent: Agent[Any] = agent) -> None:
                await agent.arun("Go", history=[])

            async def durably(durable: Any = durable) -> None:
                response = await durable.arun("Go", run_id=uuid.uuid4().hex)
                assert response.content == "Done: all looked up."

            plain_s, durable_s = await _paired(plain, durably, reps)
            scenarios[name] = {
                "model_turns": n + 1,
                "tool_calls": n * calls,
                "plain_s": plain_s,
                "durable_s": durable_s,
            }

        async def steps(count: int) -> None:
            with SetWorkflowID(uuid.uuid4().hex):
                await bare(count)

        none, some = await _paired(lambda: steps(0), lambda: steps(turns), reps)
    finally:
        shutdown()
    return {"scenarios": scenarios, **_solve(scenarios, turns), "dbos_step_ms": (some - none) / turns * 1e3}


def _solve(scenarios: dict[str, Any], turns: int) -> dict[str, float]:
    """``added = run + model_turns * turn + tool_calls * tool``, solved from the three scenarios."""
    added = {k: v["durable_s"] - v["plain_s"] for k, v in scenarios.items()}
    per_tool = (added["tools-2"] - added["tools-1"]) / turns
    per_turn = (added["tools-1"] - added["answer"] - turns * per_tool) / turns
    per_run = added["answer"] - per_turn
    return {
        "per_run_ms": per_run * 1e3,
        "per_model_turn_ms": per_turn * 1e3,
        "per_tool_call_ms": per_tool * 1e3,
    }


@contextmanager
def _database(choice: str, tmp: Path) -> Iterator[tuple[str, str]]:
    """``(url, what it is)`` for a ``--db`` choice; a throwaway cluster lives for the block."""
    if choice == "sqlite":
        yield f"sqlite:///{tmp / f'durable-{uuid.uuid4().hex[:8]}.db'}", "SQLite, a temporary file"
    elif choice == "postgres":
        from agenticraft.testing.postgres import PostgresCluster

        cluster = PostgresCluster.start(durable=True)
        try:
            yield cluster.url.rsplit("/", 1)[0] + "/bench", "PostgreSQL, a throwaway cluster, fsync on"
        finally:
            cluster.stop()
    elif "://" in choice:
        yield choice, "the given database"
    else:
        yield f"sqlite:///{Path(choice).expanduser().absolute()}", "SQLite, the given file"


def _label(choice: str) -> str:
    return choice if choice in ("sqlite", "postgres") else choice.split("://", 1)[0].split("+", 1)[0]


def _scenario(database: dict[str, Any], name: str) -> str:
    f = database["scenarios"][name]
    return f"{f['plain_s'] * 1e3:.2f} → {f['durable_s'] * 1e3:.2f} ({f['durable_s'] / f['plain_s']:.1f}x)"


def _markdown(document: dict[str, Any]) -> str:
    names = list(document["databases"])
    dbs = [document["databases"][n] for n in names]
    load = ", ".join(f"{x:.1f}" for x in document["load"])
    lines = [
        f"# Durable runs ({document['when']}; load {load}; medians of {document['reps']} runs)",
        "",
        "| | " + " | ".join(f"{n}: {d['server']}" for n, d in zip(names, dbs, strict=True)) + " |",
        "| --- |" + " --- |" * len(dbs),
    ]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(d) for d in dbs) + " |")

    for name in SCENARIOS:
        first = dbs[0]["scenarios"][name]
        label = f"{name} ({first['model_turns']} model turns, {first['tool_calls']} tool calls)"
        lines.append(f"| {label}: plain → durable ms | " + " | ".join(_scenario(d, name) for d in dbs) + " |")
    row("**added per run** (start, record the end) ms", lambda d: f"{d['per_run_ms']:.2f}")
    row("**added per model turn** ms", lambda d: f"{d['per_model_turn_ms']:.2f}")
    row("**added per tool call** ms", lambda d: f"{d['per_tool_call_ms']:.2f}")
    row("floor: a bare DBOS step ms", lambda d: f"{d['dbos_step_ms']:.2f}")
    row("model turn ÷ floor", lambda d: f"{d['per_model_turn_ms'] / d['dbos_step_ms']:.2f}x")
    row("tool call ÷ floor", lambda d: f"{d['per_tool_call_ms'] / d['dbos_step_ms']:.2f}x")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="CI sizes: a few turns and runs")
    parser.add_argument(
        "--db",
        action="append",
        default=None,
        help="sqlite (a temporary file; the default), postgres (a throwaway cluster), a URL or a "
        "SQLite path; give it again for more databases in one table",
    )
    parser.add_argument(
        "--all", action="store_true", help="sqlite and postgres (same as --db sqlite --db postgres)"
    )
    parser.add_argument("--turns", type=int, default=None, help="n: tool turns per scenario (default 10)")
    parser.add_argument("--reps", type=int, default=None, help="runs per median (default 30)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    choices = list(dict.fromkeys([*(["sqlite", "postgres"] if args.all else []), *(args.db or [])]))
    choices = choices or ["sqlite"]
    turns = args.turns or (2 if args.smoke else 10)
    reps = args.reps or (3 if args.smoke else 30)
    document: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": list(os.getloadavg()),
        "turns": turns,
        "reps": reps,
        "databases": {},
    }
    agents = _agents(turns)
    with tempfile.TemporaryDirectory() as tmp:
        for choice in choices:
            with _database(choice, Path(tmp)) as (url, server):
                figures = asyncio.run(_measure(url, agents, turns, reps))
            label = _label(choice)
            while label in document["databases"]:
                label += "'"
            document["databases"][label] = {"server": server, **figures}
    name = args.name or f"durable-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(document, indent=2))
    table = _markdown(document)
    (args.out / f"{name}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
