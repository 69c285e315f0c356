"""Workflows on FunctionModel and plain functions: wiring and its checks, fan-out in parallel
and fan-in, conditions and branches, retries and timeouts, failure reports, streaming tagged
by step, and interruption."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from agenticraft import Agent
from agenticraft.core.events import NestedChunk, StreamChunk, TextChunk
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel
from agenticraft.workflows import (
    MemoryCheckpoint,
    StepEndChunk,
    StepRetryChunk,
    StepStartChunk,
    StepTimeoutError,
    Workflow,
    WorkflowDefinitionError,
    WorkflowEndChunk,
    WorkflowFailedError,
    WorkflowResult,
)


def _wf(**kw: Any) -> Workflow:
    return Workflow("test", checkpoint=MemoryCheckpoint(), **kw)


def _collect(wf: Workflow, **inputs: Any) -> tuple[list[StreamChunk], WorkflowResult]:
    async def main() -> tuple[list[StreamChunk], WorkflowResult]:
        events: list[StreamChunk] = []
        async with wf.stream(**inputs) as stream:
            async for event in stream:
                events.append(event)
        return events, stream.result

    return asyncio.run(main())


def _report() -> Workflow:
    wf = _wf()

    @wf.step
    async def fetch(ctx: Any, topic: str) -> list[str]:
        return [f"{topic} {i}" for i in range(4)]

    @wf.step(retries=3, timeout=30, depends_on=[fetch])
    async def summarise(ctx: Any, doc: str) -> str:
        for _ in range(3):
            await asyncio.sleep(0)  # a real step awaits: the items interleave
        return doc.upper()

    @wf.step(depends_on=[summarise], when=lambda r: len(r) > 3)
    async def merge(ctx: Any, summaries: list[str]) -> str:
        return " | ".join(summaries)

    return wf


def test_fan_out_runs_in_parallel_and_fans_in_in_order() -> None:
    events, result = _collect(_report(), topic="cells")
    assert result.status == "done"
    assert result["summarise"] == ["CELLS 0", "CELLS 1", "CELLS 2", "CELLS 3"]
    assert result["merge"] == "CELLS 0 | CELLS 1 | CELLS 2 | CELLS 3"
    starts = [
        i for i, e in enumerate(events) if isinstance(e, StepStartChunk) and e.step.startswith("summarise[")
    ]
    ends = [
        i for i, e in enumerate(events) if isinstance(e, StepEndChunk) and e.step.startswith("summarise[")
    ]
    assert len(starts) == len(ends) == 4
    assert max(starts) < min(ends)  # every item had started before the first one ended
    # the order of the stream: each step starts before it ends, the workflow's end comes last
    assert isinstance(events[-1], WorkflowEndChunk) and events[-1].payload["status"] == "done"
    for name in ("fetch", "summarise", "merge"):
        first = next(i for i, e in enumerate(events) if isinstance(e, StepStartChunk) and e.step == name)
        last = next(i for i, e in enumerate(events) if isinstance(e, StepEndChunk) and e.step == name)
        assert first < last
    assert [r.step for r in result.trace][-1] == "merge"
    assert set(result.steps) == {"fetch", "summarise", "merge", *(f"summarise[{i}]" for i in range(4))}


def test_a_condition_skips_a_step_and_what_needs_it() -> None:
    wf = _wf()

    @wf.step
    async def count(ctx: Any, n: int) -> int:
        return n

    @wf.step(when=lambda n: n > 10)
    async def big(ctx: Any, count: int) -> str:
        return "big"

    @wf.step(when=lambda n: n <= 10)
    async def small(ctx: Any, count: int) -> str:
        return "small"

    @wf.step
    async def report(ctx: Any, big: str | None = None, small: str | None = None) -> str:
        return big or small or "none"

    @wf.step
    async def needs_big(ctx: Any, big: str) -> str:
        return big

    result = asyncio.run(wf.run(n=3))
    assert result.steps["big"].status == "skipped"
    assert result.steps["small"].status == "done"
    assert result["report"] == "small"  # the join of two branches takes the one that ran
    assert result.steps["needs_big"].status == "skipped"
    assert "big" in (result.steps["needs_big"].error or "")
    assert asyncio.run(wf.run(n=30))["report"] == "big"


def test_retries_with_backoff_then_success() -> None:
    wf = _wf()
    attempts: list[int] = []

    @wf.step(retries=2, backoff=0)
    async def flaky(ctx: Any) -> str:
        attempts.append(ctx.attempt)
        if ctx.attempt < 3:
            raise ConnectionError(f"attempt {ctx.attempt} failed")
        return "ok"

    events, result = _collect(wf)
    assert attempts == [1, 2, 3]
    assert result["flaky"] == "ok" and result.steps["flaky"].attempts == 3
    retries = [e for e in events if isinstance(e, StepRetryChunk)]
    assert [e.payload["attempt"] for e in retries] == [1, 2]
    assert "ConnectionError: attempt 1 failed" in retries[0].payload["error"]


def test_a_timeout_fails_the_step_and_blocks_its_dependents_while_other_branches_finish() -> None:
    wf = _wf()
    never = asyncio.Event()

    @wf.step(timeout=0.05)
    async def slow(ctx: Any) -> str:
        await never.wait()
        return "never"

    @wf.step
    async def after(ctx: Any, slow: str) -> str:
        return slow

    @wf.step
    async def independent(ctx: Any) -> str:
        return "fine"

    with pytest.raises(WorkflowFailedError) as caught:
        asyncio.run(wf.run())
    error = caught.value
    assert [f.step for f in error.failures] == ["slow"]
    assert "StepTimeoutError" in error.failures[0].error and "0.05" in error.failures[0].error
    assert isinstance(error.__cause__, StepTimeoutError)
    assert "step 'slow' failed" in str(error)
    result = error.result
    assert result.steps["after"].status == "blocked"
    assert result["independent"] == "fine"


def test_a_failure_reports_the_step_and_its_cause_and_cancel_stops_the_rest() -> None:
    started = asyncio.Event()

    def build(on_failure: Any) -> Workflow:
        wf = _wf(on_failure=on_failure)

        @wf.step
        async def breaks(ctx: Any) -> str:
            await started.wait()
            raise ValueError("bad data")

        @wf.step
        async def long(ctx: Any) -> str:
            started.set()
            await asyncio.Event().wait()
            return "never"

        return wf

    with pytest.raises(WorkflowFailedError) as caught:
        asyncio.run(build("cancel").run())
    assert caught.value.failures[0].step == "breaks"
    assert caught.value.failures[0].error == "ValueError: bad data"
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.result.steps["long"].status == "cancelled"


def test_a_failed_item_fails_its_fanned_out_step() -> None:
    wf = _wf()

    @wf.step
    async def items(ctx: Any) -> list[int]:
        return [1, 2, 3]

    @wf.step
    async def invert(ctx: Any, items: int) -> float:
        if items == 2:
            raise ZeroDivisionError("item two")
        return 1 / items

    with pytest.raises(WorkflowFailedError) as caught:
        asyncio.run(wf.run())
    assert [f.step for f in caught.value.failures] == ["invert[1]"]
    assert caught.value.result.steps["invert"].status == "failed"
    assert caught.value.result.steps["invert[0]"].status == "done"


class Summary(BaseModel):
    title: str
    words: int


def test_wrong_wiring_and_wrong_inputs_fail_before_the_run() -> None:
    ran: list[str] = []
    wf = _wf()

    @wf.step
    async def fetch(ctx: Any, topic: str) -> list[int]:
        ran.append("fetch")
        return [1]

    @wf.step
    async def summarise(ctx: Any, fetch: Summary) -> str:
        return "x"

    with pytest.raises(
        WorkflowDefinitionError, match=r"step 'summarise' takes 'fetch' as Summary.*gives list\[int\]"
    ):
        wf.stream(topic="x")
    assert ran == []

    ok = _wf()

    @ok.step
    async def count(ctx: Any, n: int) -> int:
        return n

    with pytest.raises(WorkflowDefinitionError, match="needs the input 'n'"):
        ok.stream()
    with pytest.raises(WorkflowDefinitionError, match="no input 'm'"):
        ok.stream(n=1, m=2)
    with pytest.raises(WorkflowDefinitionError, match="input 'n' of step 'count' is not a int"):
        ok.stream(n="many")


def test_unknown_dependencies_and_cycles_are_definition_errors() -> None:
    wf = _wf()

    @wf.step(depends_on=["nowhere"])
    async def a(ctx: Any) -> int:
        return 1

    with pytest.raises(WorkflowDefinitionError, match="'nowhere', which is not a step"):
        wf.check()

    loop = _wf()

    @loop.step
    async def first(ctx: Any, second: int) -> int:
        return second

    @loop.step
    async def second(ctx: Any, first: int) -> int:
        return first

    with pytest.raises(WorkflowDefinitionError, match="cycle: first -> second -> first"):
        loop.check()
    with pytest.raises(WorkflowDefinitionError, match="already has a step"):
        loop.step(first.function, name="first")


def test_a_wrong_value_between_steps_fails_with_pydantic_validation() -> None:
    wf = _wf()

    @wf.step
    async def produce(ctx: Any) -> Any:
        return {"title": "t"}  # untyped output: checked where it is consumed

    @wf.step
    async def consume(ctx: Any, produce: Summary) -> str:
        return produce.title

    with pytest.raises(WorkflowFailedError) as caught:
        asyncio.run(wf.run())
    assert caught.value.failures[0].step == "consume"
    assert "bad input" in caught.value.failures[0].error and "words" in caught.value.failures[0].error


def test_sync_steps_and_typed_outputs() -> None:
    wf = _wf()

    @wf.step
    def measure(text: str) -> Summary:
        return Summary(title=text[:5], words=len(text.split()))

    @wf.step
    async def describe(ctx: Any, measure: Summary) -> str:
        return f"{measure.title}: {measure.words}"

    assert asyncio.run(wf.run(text="hello big world"))["describe"] == "hello: 3"


def test_agent_steps_stream_their_events_tagged_by_step_and_fan_out() -> None:
    def summarise(messages: list[Message], tools: list[ToolDefinition]) -> str:
        return "short: " + messages[-1].text

    writer = Agent(name="writer", model=FunctionModel(summarise))
    wf = _wf()

    @wf.step
    async def fetch(ctx: Any, topic: str) -> list[str]:
        return [f"{topic} a", f"{topic} b"]

    wf.step(writer, name="summarise", depends_on=[fetch])

    @wf.step
    async def merge(ctx: Any, summarise: list[str]) -> str:
        return "\n".join(summarise)

    events, result = _collect(wf, topic="cells")
    assert result["merge"] == "short: cells a\nshort: cells b"
    nested = [e for e in events if isinstance(e, NestedChunk)]
    assert {e.source for e in nested} == {"summarise[0]", "summarise[1]"}
    text = "".join(
        e.event.content for e in nested if e.source == "summarise[1]" and isinstance(e.event, TextChunk)
    )
    assert text == "short: cells b"
    assert set(result.responses) == {"summarise[0]", "summarise[1]"}
    assert writer.history == []  # fresh conversations: parallel runs of one agent never collide
    assert "agent writer" in wf.to_mermaid()


def test_interrupting_the_consumer_stops_running_steps_and_leaves_memory_consistent() -> None:
    turn_started = asyncio.Event()

    async def slow(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        from agenticraft.testing import ScriptedTurn

        turn_started.set()
        return ScriptedTurn(text="a long answer that is cut " * 50)

    model = FunctionModel(slow, delay=0.01)
    agent = Agent(name="writer", model=model)
    wf = _wf()
    wf.step(agent, name="write", conversation="notes")

    async def main() -> Any:
        async with wf.stream(prompt="write") as stream:
            async for event in stream:
                if isinstance(event, NestedChunk) and isinstance(event.event, TextChunk):
                    break
        return stream.result

    result = asyncio.run(main())
    assert result.steps["write"].status == "cancelled"
    assert model.open_streams == 0
    kept = agent.conversation("notes")
    assert [m.role for m in kept] == ["user", "assistant"]  # the cut answer, marked interrupted
    assert kept[-1].interrupted


def test_max_parallel_bounds_the_steps_running_at_once() -> None:
    running: list[int] = [0]
    most: list[int] = [0]
    wf = _wf(max_parallel=2)

    @wf.step
    async def items(ctx: Any) -> list[int]:
        return list(range(6))

    @wf.step
    async def work(ctx: Any, items: int) -> int:
        running[0] += 1
        most[0] = max(most[0], running[0])
        for _ in range(5):
            await asyncio.sleep(0)
        running[0] -= 1
        return items

    assert asyncio.run(wf.run())["work"] == list(range(6))
    assert most[0] == 2
    with pytest.raises(WorkflowDefinitionError, match="max_parallel"):
        _wf(max_parallel=0)
