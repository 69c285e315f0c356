"""Durable runs on PostgreSQL: ``python bench/durable_pg.py`` (``--smoke`` for CI sizes).

The added latency of a durable run over a plain run of the same agent, per model turn and per
tool call, with the engine's state in PostgreSQL: a throwaway cluster from Debian's server
binaries, started for the run with fsync on (``--db URL`` measures another server instead).

Three agents, each run plainly (``agent.arun``) and durably (``DurableAgent.arun``, a new
``run_id`` each time) in one process:

- 1 model turn, no tool (the model answers at once);
- 2 model turns, 1 tool call;
- 2 model turns, 4 tool calls (the first turn asks for four; the tool is ``sequential``, so
  the four calls and their steps follow each other rather than overlap).

The durable cost of a run is ``base + turns * per_turn + tools * per_tool``; the three extra
costs (durable minus plain, medians over ``runs`` runs) give the three unknowns. The floor is
the engine itself: a bare DBOS workflow of 4 empty async steps against one of none, on the
same database, in the same process. The model is a
``FunctionModel`` (in-process) and the tool returns at once, so the figures are the engine's own
cost: each recorded step is a write to the database. Results go to
``bench/results/durable-pg-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agenticraft import Agent, tool  # noqa: E402
from agenticraft.core.messages import ToolCall  # noqa: E402
from agenticraft.testing import FunctionModel  # noqa: E402

SHAPES = {"1 turn, 0 tools": (1, 0), "2 turns, 1 tool": (2, 1), "2 turns, 4 tools": (2, 4)}


@tool(sequential=True)  # one call at a time: each call's step is timed on its own
def lookup(key: str) -> str:
    """Look a key up.

    Args:
        key: The key.
    """
    return f"value of {key}"


def _model(tools: int) -> FunctionModel:
    def answer(messages: Any, defined: Any) -> Any:
        if tools and messages[-1].role != "tool":
            return [ToolCall("lookup", {"key": f"k{i}"}) for i in range(tools)]
        return "done"

    return FunctionModel(answer)


async def _median(run: Callable[[], Awaitable[Any]], runs: int) -> float:
    await run()  # warm: imports, adapters, the engine's prepared statements
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def _bare_dbos_workflow() -> Callable[[int], Awaitable[int]]:
    """A DBOS workflow of ``n`` empty async steps (registered before the engine launches)."""
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

    return workflow


async def _floor_per_step(workflow: Callable[[int], Awaitable[int]], runs: int) -> float:
    from dbos import SetWorkflowID

    async def steps(n: int) -> None:
        with SetWorkflowID(uuid.uuid4().hex):
            await workflow(n)

    none = await _median(lambda: steps(0), runs)
    four = await _median(lambda: steps(4), runs)
    return (four - none) / 4


async def measure(runs: int) -> dict[str, Any]:
    from agenticraft.durable import DurableAgent, launch

    bare = _bare_dbos_workflow()
    rows = []
    agents = {}
    for name, (_, tools) in SHAPES.items():
        agent = Agent(name=f"bench-{tools}", model=_model(tools), tools=[lookup])
        agents[name] = (agent, DurableAgent(agent, name=f"bench-pg-{tools}"))
    await asyncio.to_thread(launch)
    for name, (turns, tools) in SHAPES.items():
        agent, durable = agents[name]

        async def plain(agent: Agent[Any] = agent) -> None:
            await agent.arun("q", history=[])

        async def durably(durable: Any = durable) -> None:
            response = await durable.arun("q", run_id=uuid.uuid4().hex)
            assert response.content == "done"

        plain_s = await _median(plain, runs)
        durable_s = await _median(durably, runs)
        rows.append(
            {
                "shape": name,
                "turns": turns,
                "tools": tools,
                "plain_ms": plain_s * 1e3,
                "durable_ms": durable_s * 1e3,
                "extra_ms": (durable_s - plain_s) * 1e3,
            }
        )
    one, two, four = (row["extra_ms"] for row in rows)
    per_tool = (four - two) / 3
    per_turn = two - one - per_tool
    floor = await _floor_per_step(bare, runs) * 1e3
    return {
        "rows": rows,
        "per_turn_ms": per_turn,
        "per_tool_ms": per_tool,
        "base_ms": one - per_turn,
        "dbos_step_ms": floor,
        "turn_over_dbos_step": per_turn / floor,
        "tool_over_dbos_step": per_tool / floor,
    }


def markdown(document: dict[str, Any]) -> str:
    lines = [
        f"# Durable runs on PostgreSQL ({document['when']}, {document['server']})",
        "",
        "| run | plain | durable | extra |",
        "| --- | --- | --- | --- |",
    ]
    for row in document["rows"]:
        cells = [row["shape"], *(f"{row[k]:.2f} ms" for k in ("plain_ms", "durable_ms", "extra_ms"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Added latency: **{document['per_turn_ms']:.2f} ms per model turn**, "
        f"**{document['per_tool_ms']:.2f} ms per tool call**, {document['base_ms']:.2f} ms per run "
        f"(start and end of the workflow); medians of {document['runs']} runs.",
        f"The floor, a bare DBOS step on the same database: {document['dbos_step_ms']:.2f} ms "
        f"(a model turn costs {document['turn_over_dbos_step']:.2f}x that, a tool call "
        f"{document['tool_over_dbos_step']:.2f}x).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="CI sizes: a few runs")
    parser.add_argument("--db", help="a PostgreSQL URL (default: a throwaway cluster, fsync on)")
    parser.add_argument("--runs", type=int, default=60, help="runs per median (default 60)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    from agenticraft.durable import configure, shutdown

    cluster = None
    db = args.db
    if db is None:
        from agenticraft.testing.postgres import PostgresCluster

        cluster = PostgresCluster.start(durable=True)
        db = cluster.url.rsplit("/", 1)[0] + "/bench"
    runs = 3 if args.smoke else args.runs
    try:
        configure(db)
        document: dict[str, Any] = {
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "server": "throwaway cluster, fsync on" if cluster else "given server",
            "runs": runs,
            **asyncio.run(measure(runs)),
        }
    finally:
        shutdown()
        if cluster is not None:
            cluster.stop()
    name = args.name or f"durable-pg-{dt.datetime.now():%Y%m%d-%H%M%S}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(document, indent=2))
    table = markdown(document)
    (args.out / f"{name}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
