"""The interface between durable runs and the engine that makes them durable.

:class:`DurableEngine` is all that :class:`~agenticraft.durable.DurableAgent`,
:class:`~agenticraft.durable.DurableWorkflow` and the step hooks ask of an engine: start or
resume a run keyed by its id, wait for its result, cancel it, and record a step. DBOS is the
engine today (:mod:`agenticraft.durable.dbos_engine`); a Temporal backend would implement the
same methods (a run a Temporal workflow, a step an activity) and nothing above would change.

A *runner* is the code of one kind of run (``"agent"``, ``"workflow"``): given the name the
run was registered under and its JSON payload, it does the run inside the engine and returns
its JSON result. The engine calls it when the run starts and again when it resumes a run.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["DurableEngine", "Runner", "StepSlot", "run_key"]

T = TypeVar("T")

Runner = Callable[[str, dict[str, Any]], Awaitable[Any]]
"""The code of one kind of run: ``runner(name, payload)`` returns the run's JSON result."""


class StepSlot(Protocol):
    """A step position drawn in advance (for steps that finish in any order): ``record`` runs
    ``fn`` there once, or returns what was recorded there."""

    async def record(self, name: str, fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """``await fn()`` at this position once and record its JSON result (or replay it)."""
        ...


@runtime_checkable
class DurableEngine(Protocol):
    """What a durable run needs from an engine."""

    def register_runner(self, kind: str, runner: Runner) -> None:
        """Who runs runs of ``kind`` (before the engine starts)."""
        ...

    async def start(self, kind: str, name: str, run_id: str, payload: dict[str, Any]) -> None:
        """Start run ``run_id``; if it exists, resume it when no one is running it (a cancelled
        run, or one whose process died) and otherwise leave it as it is."""
        ...

    async def result(self, run_id: str) -> Any:
        """Wait for run ``run_id`` to end: its JSON result, or the error it failed with."""
        ...

    async def cancel(self, run_id: str) -> None:
        """Cancel run ``run_id``: it stops at its next step and stays resumable."""
        ...

    def current_run(self) -> str | None:
        """The id of the run whose code is executing here, or None."""
        ...

    async def step(
        self, name: str, fn: Callable[[], Coroutine[Any, Any, T]], *, preemptible: bool = False
    ) -> T:
        """Inside a run: ``await fn()`` once and record its JSON result; a resumed run gets the
        recorded result (or recorded error) without calling ``fn``. ``preemptible``: cancelling
        the run interrupts ``fn`` (a model turn) instead of waiting for it."""
        ...

    def slots(self, count: int) -> Sequence[StepSlot]:
        """Inside a run: ``count`` step positions drawn now, in order. Work that runs
        concurrently (parallel tool calls, workflow steps) draws its positions before it first
        waits, so a resumed run finds every record where it was, whatever finished first."""
        ...

    async def recorded(self, run_id: str, prefix: str) -> dict[str, Any]:
        """The results recorded so far by steps of ``run_id`` whose name starts with ``prefix``
        (the name without the prefix as key); read outside the run's own record."""
        ...


def run_key(run_id: object) -> str:
    """``run_id`` checked (a non-empty str), or a new id when it is None."""
    if run_id is None:
        return uuid.uuid4().hex
    if not isinstance(run_id, str):
        raise TypeError(f"run_id must be a str, not {type(run_id).__name__}")
    if not run_id.strip():
        raise ValueError("run_id must not be empty (leave it out for a new run)")
    return run_id
