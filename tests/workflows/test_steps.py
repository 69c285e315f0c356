"""Step definitions and the static type check that wires them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.events import chunk_from_dict
from agenticraft.workflows import (
    MemoryCheckpoint,
    StepEndChunk,
    StepRecord,
    Workflow,
    WorkflowDefinitionError,
    step,
)
from agenticraft.workflows.steps import Step, compatible, item_type


@pytest.mark.parametrize(
    ("given", "wanted", "ok"),
    [
        (int, int, True),
        (int, float, True),
        (bool, int, True),
        (str, int, False),
        (list[str], list[str], True),
        (list[str], Sequence[str], True),
        (list[int], list[str], False),
        (dict[str, int], dict[str, int], True),
        (int, int | None, True),
        (int | str, int, False),
        (int | None, int | None, True),
        (Any, int, True),
        (list[str], str, False),
    ],
)
def test_compatible(given: Any, wanted: Any, ok: bool) -> None:
    assert compatible(given, wanted) is ok


def test_item_type() -> None:
    assert item_type(list[str]) is str
    assert item_type(Sequence[int]) is int
    assert item_type(tuple[int, ...]) is int
    assert item_type(tuple[int, str]) is None
    assert item_type(str) is None
    assert item_type(list) is Any


def test_a_step_built_apart_is_added_and_runs() -> None:
    @step(retries=1, name="double")
    async def twice(ctx: Any, x: int) -> int:
        return 2 * x

    @step
    def plus_one(double: int) -> int:
        return double + 1

    assert isinstance(twice, Step) and twice.name == "double" and twice.retries == 1
    assert asyncio.run(twice(None, 4)) == 8  # the function itself is still callable
    wf = Workflow("apart", checkpoint=MemoryCheckpoint())
    wf.add(twice)
    wf.add(plus_one)
    assert list(wf.inputs) == ["x"]
    assert asyncio.run(wf.run(x=4))["plus_one"] == 9


def test_bad_step_options_are_refused() -> None:
    async def fn(ctx: Any) -> int:
        return 1

    with pytest.raises(ConfigurationError, match="retries"):
        Step(fn, retries=-1)
    with pytest.raises(ConfigurationError, match="timeout"):
        Step(fn, timeout=0)

    async def star(ctx: Any, *items: int) -> int:
        return 1

    with pytest.raises(WorkflowDefinitionError, match=r"\*args"):
        Step(star)
    with pytest.raises(WorkflowDefinitionError, match="on_failure"):
        Workflow("x", on_failure="explode")  # type: ignore[arg-type]


def test_an_extra_dependency_only_orders_the_run() -> None:
    order: list[str] = []
    wf = Workflow("order", checkpoint=MemoryCheckpoint())

    @wf.step
    async def setup(ctx: Any) -> None:
        order.append("setup")

    @wf.step(depends_on=[setup])
    async def work(ctx: Any) -> str:
        order.append("work")
        return "done"

    assert work.order_only == [] and wf.to_mermaid()  # wired at check time
    assert work.order_only == ["setup"]
    asyncio.run(wf.run())
    assert order == ["setup", "work"]


def test_step_end_events_round_trip_with_their_record() -> None:
    record = StepRecord("fetch", "done", attempts=2, started=0.1, duration=0.25)
    event = StepEndChunk.of(record)
    back = chunk_from_dict(event.to_dict())
    assert isinstance(back, StepEndChunk) and back.step == "fetch"
    assert back.record == record
    assert "step fetch: done in 250.0 ms" in record.render()
