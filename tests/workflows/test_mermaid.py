"""Workflows drawn as Mermaid: the graph before a run, statuses and durations after one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agenticraft.workflows import MemoryCheckpoint, Workflow, WorkflowFailedError


def _wf() -> Workflow:
    wf = Workflow("draw", checkpoint=MemoryCheckpoint())

    @wf.step
    async def fetch(ctx: Any, topic: str) -> list[str]:
        return [topic, topic]

    @wf.step(depends_on=[fetch], retries=1, backoff=0)
    async def summarise(ctx: Any, doc: str) -> str:
        if ctx.attempt == 1 and ctx.step == "summarise[0]":
            raise RuntimeError("first try")
        return doc

    @wf.step(depends_on=[summarise], when=lambda r: len(r) > 5)
    async def merge(ctx: Any, summaries: list[str]) -> str:
        return "".join(summaries)

    @wf.step(depends_on=[fetch])
    async def audit(ctx: Any) -> bool:
        return True

    return wf


def test_the_graph_before_a_run() -> None:
    assert _wf().to_mermaid().splitlines() == [
        "flowchart TD",
        '    input_topic(["topic"])',
        '    fetch["fetch"]',
        '    summarise[["summarise"]]',
        '    merge["merge"]',
        '    audit["audit"]',
        "    input_topic --> fetch",
        "    fetch -->|each| summarise",
        "    summarise -->|if| merge",
        "    fetch -.-> audit",
    ]


def test_after_a_run_each_step_shows_its_status_and_duration() -> None:
    result = asyncio.run(_wf().run(topic="x"))
    lines = result.to_mermaid().splitlines()
    fetch = next(line for line in lines if line.startswith("    fetch["))
    assert fetch.startswith('    fetch["fetch<br/>done ') and fetch.endswith(' ms"]')
    summarise = next(line for line in lines if line.startswith("    summarise[["))
    assert ", 2 items" in summarise
    assert '    merge["merge<br/>skipped"]' in lines
    assert "    class fetch,summarise,audit done" in lines
    assert "    class merge skipped" in lines
    assert any(line.startswith("    classDef skipped ") for line in lines)


def test_a_failed_run_is_drawn_with_its_failed_and_blocked_steps() -> None:
    wf = Workflow("broken", checkpoint=MemoryCheckpoint())

    @wf.step
    async def breaks(ctx: Any) -> int:
        raise ValueError("no")

    @wf.step
    async def after(ctx: Any, breaks: int) -> int:
        return breaks

    with pytest.raises(WorkflowFailedError) as caught:
        asyncio.run(wf.run())
    drawing = caught.value.result.to_mermaid()
    assert "    class breaks failed" in drawing
    assert "    class after blocked" in drawing
    assert '"after<br/>blocked"' in drawing
