"""Workflows and multi-agent overhead: ``python bench/workflows.py`` (``--smoke`` for CI sizes).

In one process and one run, against the floor of each:

- **per workflow step**: a workflow of ``n`` independent steps (each the same small coroutine)
  against a bare ``asyncio.gather`` of the same ``n`` coroutines, with the in-memory checkpoint
  and with the default SQLite one; and a fan-out step over ``n`` items against the same gather.
  The figure is the extra wall time per step.
- **per handoff**: a triage agent handing to a target that answers, against the target's
  direct run of the same answer.
- **per agent-as-tool call**: a lead calling an inner agent as a tool, against the lead calling
  a plain function tool that returns the same text plus the inner agent's direct run.

Models are ``FunctionModel`` (in-process), so the figures are the framework's own cost.
Wall times are the fastest of ``reps`` repetitions (the least disturbed, on shared cores). Results go to
``bench/results/workflows-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agenticraft import Agent  # noqa: E402
from agenticraft.core.messages import Message, ToolCall  # noqa: E402
from agenticraft.core.provider import ToolDefinition  # noqa: E402
from agenticraft.testing import FunctionModel  # noqa: E402
from agenticraft.workflows import MemoryCheckpoint, SQLiteCheckpoint, Workflow  # noqa: E402


async def work(x: int = 0) -> int:
    await asyncio.sleep(0)
    return x + 1


def _median_wall(make: Callable[[], Awaitable[Any]], reps: int) -> float:
    async def once() -> float:
        started = time.perf_counter()
        await make()
        return time.perf_counter() - started

    asyncio.run(once())  # warm: imports, pydantic adapters, first-call caches
    return min(asyncio.run(once()) for _ in range(reps))  # the least disturbed: 2 shared cores


def _steps_workflow(n: int, checkpoint: Any) -> Workflow:
    wf = Workflow(f"bench-{n}", checkpoint=checkpoint)
    for i in range(n):

        async def one(ctx: Any) -> int:
            return await work()

        wf.step(one, name=f"s{i}")
    return wf


def _fan_out_workflow(n: int) -> Workflow:
    wf = Workflow(f"fan-{n}", checkpoint=MemoryCheckpoint())

    @wf.step
    async def items(ctx: Any) -> list[int]:
        return list(range(n))

    @wf.step
    async def each(ctx: Any, items: int) -> int:
        return await work(items)

    return wf


def steps_figure(n: int, reps: int) -> dict[str, Any]:
    gather = _median_wall(lambda: asyncio.gather(*(work() for _ in range(n))), reps)
    memory = _steps_workflow(n, MemoryCheckpoint())
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = _steps_workflow(n, SQLiteCheckpoint(Path(tmp) / "bench.db"))
        memory_wall = _median_wall(memory.run, reps)
        sqlite_wall = _median_wall(sqlite.run, reps)
        sqlite.checkpoint.close()  # type: ignore[attr-defined]
    fan = _fan_out_workflow(n)
    fan_wall = _median_wall(fan.run, reps)
    return {
        "steps": n,
        "gather_s": gather,
        "workflow_memory_s": memory_wall,
        "workflow_sqlite_s": sqlite_wall,
        "fan_out_s": fan_wall,
        "us_per_step_memory": (memory_wall - gather) / n * 1e6,
        "us_per_step_sqlite": (sqlite_wall - gather) / n * 1e6,
        "us_per_item_fan_out": (fan_wall - gather) / n * 1e6,
        "memory_over_gather": memory_wall / gather,
    }


def _answer(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    return "The answer is 42."


def handoff_figure(reps: int, runs: int) -> dict[str, Any]:
    target = Agent(name="target", model=FunctionModel(_answer))
    triage = Agent(
        name="triage", model=FunctionModel(lambda m, t: ToolCall("transfer_to_target", {})), handoffs=[target]
    )

    async def direct() -> None:
        for _ in range(runs):
            await target.arun("q", history=[])

    async def handed() -> None:
        for _ in range(runs):
            response = await triage.arun("q", history=[])
            assert response.agent == "target"

    base, with_handoff = _median_wall(direct, reps), _median_wall(handed, reps)
    return {
        "runs": runs,
        "direct_s": base,
        "handoff_s": with_handoff,
        "us_per_handoff": (with_handoff - base) / runs * 1e6,
        "handoff_over_direct": with_handoff / base,
    }


def _lead(tool_name: str) -> FunctionModel:
    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        if messages[-1].role == "tool":
            return "Lead: " + messages[-1].results[0].content
        return ToolCall(tool_name, {"request": "q"})

    return FunctionModel(fn)


def agent_tool_figure(reps: int, runs: int) -> dict[str, Any]:
    inner = Agent(name="inner", model=FunctionModel(_answer))

    def plain(request: str) -> str:
        """The same text as the inner agent's answer."""
        return "The answer is 42."

    nested = Agent(name="lead", model=_lead("inner"), tools=[inner.as_tool()])
    flat = Agent(name="lead", model=_lead("plain"), tools=[plain])

    async def direct() -> None:
        for _ in range(runs):
            await flat.arun("q", history=[])
            await inner.arun("q", history=[])

    async def as_tool() -> None:
        for _ in range(runs):
            response = await nested.arun("q", history=[])
            assert response.content == "Lead: The answer is 42."

    base, wrapped = _median_wall(direct, reps), _median_wall(as_tool, reps)
    return {
        "runs": runs,
        "direct_s": base,
        "as_tool_s": wrapped,
        "us_per_call": (wrapped - base) / runs * 1e6,
        "as_tool_over_direct": wrapped / base,
    }


def markdown(document: dict[str, Any]) -> str:
    lines = [
        f"# Workflows and multi-agent overhead ({document['when']})",
        "",
        "| workload | floor | AgentiCraft | extra per unit | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in document["steps"]:
        n = row["steps"]
        lines += [
            f"| {n} steps, memory checkpoint | gather {row['gather_s'] * 1e3:.2f} ms | "
            f"{row['workflow_memory_s'] * 1e3:.2f} ms | {row['us_per_step_memory']:.0f} µs/step | "
            f"{row['memory_over_gather']:.1f}x |",
            f"| {n} steps, SQLite checkpoint | gather {row['gather_s'] * 1e3:.2f} ms | "
            f"{row['workflow_sqlite_s'] * 1e3:.2f} ms | {row['us_per_step_sqlite']:.0f} µs/step | "
            f"{row['workflow_sqlite_s'] / row['gather_s']:.1f}x |",
            f"| fan-out over {n} items | gather {row['gather_s'] * 1e3:.2f} ms | "
            f"{row['fan_out_s'] * 1e3:.2f} ms | {row['us_per_item_fan_out']:.0f} µs/item | "
            f"{row['fan_out_s'] / row['gather_s']:.1f}x |",
        ]
    h, a = document["handoff"], document["agent_tool"]
    lines += [
        f"| handoff, {h['runs']} runs | direct {h['direct_s'] * 1e3:.1f} ms | "
        f"{h['handoff_s'] * 1e3:.1f} ms | "
        f"{h['us_per_handoff']:.0f} µs/handoff | {h['handoff_over_direct']:.2f}x |",
        f"| agent as tool, {a['runs']} runs | direct {a['direct_s'] * 1e3:.1f} ms | "
        f"{a['as_tool_s'] * 1e3:.1f} ms | "
        f"{a['us_per_call']:.0f} µs/call | {a['as_tool_over_direct']:.2f}x |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="CI sizes: a few steps and runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    sizes, reps, runs = ([5], 2, 3) if args.smoke else ([10, 100], 9, 50)
    document = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "steps": [steps_figure(n, reps) for n in sizes],
        "handoff": handoff_figure(reps, runs),
        "agent_tool": agent_tool_figure(reps, runs),
    }
    name = args.name or f"workflows-{dt.datetime.now():%Y%m%d-%H%M%S}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(document, indent=2))
    table = markdown(document)
    (args.out / f"{name}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
