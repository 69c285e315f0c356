"""DurableWorkflow: a :class:`~agenticraft.workflows.Workflow` run as one durable run, each
step's output a recorded step of the engine, in place of the workflow's own checkpoint.

The workflow engine already speaks to its store through the four methods of
:class:`~agenticraft.workflows.checkpoint.Checkpoint`; here they go to the durable engine. A
workflow's steps finish in any order (independent steps run in parallel), while a durable
engine identifies steps by position, so every step's position is drawn when the run starts,
in the order the steps were defined: a resumed run finds each step where it was recorded.
A fanned-out step is one durable step: after a crash in its middle, its items run again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agenticraft.core.errors import ConfigurationError
from agenticraft.durable.dbos_engine import engine as default_engine
from agenticraft.durable.engine import DurableEngine, StepSlot, run_key
from agenticraft.workflows.checkpoint import CheckpointedRun
from agenticraft.workflows.trace import WorkflowFailedError, WorkflowResult
from agenticraft.workflows.workflow import Workflow

__all__ = ["DurableWorkflow", "EngineCheckpoint"]

STEP_PREFIX = "workflow_step:"
_workflows: dict[str, DurableWorkflow] = {}
_local_results: dict[str, WorkflowResult] = {}  # runs executed here, by run id


class EngineCheckpoint:
    """The :class:`~agenticraft.workflows.checkpoint.Checkpoint` of one durable workflow run:
    each finished step recorded at its drawn position (items of a fanned-out step are not)."""

    def __init__(self, slots: Mapping[str, StepSlot]) -> None:
        self._slots = dict(slots)

    async def start_run(self, run_id: str, workflow: str, inputs: dict[str, Any]) -> None:
        """The engine records the run's inputs itself."""

    async def save_step(self, run_id: str, step_id: str, output: Any) -> None:
        slot = self._slots.pop(step_id, None)
        if slot is None:  # an item of a fanned-out step: the whole step is recorded
            return

        async def recorded() -> Any:
            return output

        await slot.record(STEP_PREFIX + step_id, recorded)

    async def load_run(self, run_id: str) -> CheckpointedRun | None:
        return None  # a durable run is resumed by its engine, not by wf.resume()

    async def finish_run(self, run_id: str, status: str) -> None:
        """The engine records how the run ended."""


class DurableWorkflow:
    """Runs of ``workflow`` that resume after a crash, keyed by ``run_id``::

        durable = DurableWorkflow(wf)
        result = await durable.run(run_id="report-7", topic="batteries")

    Running the same ``run_id`` again after the process died finishes the run: the steps that
    were recorded do not run again. ``name`` (default: the workflow's) must be unique in the
    process and the same in every process that may resume the run.
    """

    def __init__(
        self, workflow: Workflow, *, name: str | None = None, engine: DurableEngine | None = None
    ) -> None:
        self.workflow = workflow
        self.name = name or workflow.name
        other = _workflows.get(self.name)
        if other is not None and other.workflow is not workflow:
            raise ConfigurationError(f"a durable workflow named {self.name!r} is already registered")
        self.engine: DurableEngine = engine if engine is not None else default_engine
        workflow.check()
        self.engine.register_runner("workflow", _run_workflow)
        _workflows[self.name] = self

    def __repr__(self) -> str:
        return f"DurableWorkflow({self.workflow!r}, name={self.name!r})"

    async def run(self, *, run_id: str | None = None, **inputs: Any) -> WorkflowResult:
        """Run (or resume, or fetch the finished) run ``run_id``; a failed step raises
        :class:`~agenticraft.workflows.trace.WorkflowFailedError` as ``Workflow.run`` does."""
        run_id = run_key(run_id)
        await self.engine.start("workflow", self.name, run_id, {"inputs": inputs})
        data = await self.engine.result(run_id)
        result = _local_results.pop(run_id, None) or self._rebuilt(run_id, data)
        if result.failures:
            raise WorkflowFailedError(result)
        return result

    def _rebuilt(self, run_id: str, data: dict[str, Any]) -> WorkflowResult:
        wf = self.workflow
        result = WorkflowResult(wf.name, run_id, data["status"], mermaid_source=wf)
        for name, value in data["outputs"].items():
            step = wf.steps[name]
            result.outputs[name] = wf.restore(step, step.output_type, value)
        return result


async def _run_workflow(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The runner of durable workflow runs: the workflow's own engine, recording in ours."""
    durable = _workflows.get(name)
    if durable is None:
        known = ", ".join(sorted(_workflows)) or "none"
        raise ConfigurationError(f"no durable workflow named {name!r} in this process (registered: {known})")
    wf, engine = durable.workflow, durable.engine
    run_id = engine.current_run() or ""
    slots = dict(zip(wf.steps, engine.slots(len(wf.steps)), strict=True))  # drawn in definition order
    restored = await engine.recorded(run_id, STEP_PREFIX)
    stream = wf.open_run(payload["inputs"], EngineCheckpoint(slots), run_id=run_id, restored=restored)
    async with stream:
        async for _ in stream:
            pass
    result = stream.result
    _local_results[run_id] = result
    outputs = {n: wf.dump(wf.steps[n].output_type, v) for n, v in result.outputs.items()}
    return {"status": result.status, "outputs": outputs}
