"""Running a workflow: every step a task that waits for the outputs it needs, the events of all
of them through one queue, and each finished step written to the checkpoint.

Each step starts as soon as its inputs are there, so independent steps (and the items of a
fanned-out step) run in parallel. A failed step (after its retries) fails its dependents as
*blocked*; the other branches finish, unless the workflow says ``on_failure="cancel"``. The
consumer stopping the stream (``break``, ``aclose()``, cancelling its task) cancels every
running step; an agent step's run is then interrupted like any run, its memory consistent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from agenticraft.core.errors import StreamInterruptedError
from agenticraft.core.events import NestedChunk, RunEvent
from agenticraft.core.response import AgentResponse, to_jsonable
from agenticraft.core.run_stream import TaskStream
from agenticraft.core.tool_runner import TOOL_THREADS
from agenticraft.workflows.checkpoint import Checkpoint
from agenticraft.workflows.steps import Step
from agenticraft.workflows.trace import (
    StepEndChunk,
    StepFailure,
    StepRecord,
    StepRetryChunk,
    StepStartChunk,
    StepTimeoutError,
    WorkflowEndChunk,
    WorkflowResult,
)

if TYPE_CHECKING:
    from agenticraft.core.agent import Agent
    from agenticraft.workflows.workflow import Workflow

__all__ = ["StepContext", "WorkflowStream"]


@dataclass(slots=True)
class StepContext:
    """What a function step knows about its run: the workflow, the run id, its step id (with
    ``[i]`` for an item of a fanned-out step), the attempt (from 1) and the workflow's inputs.

    :meth:`emit` streams an event of the step's own, tagged with the step id;
    :meth:`run_agent` runs an agent with its events streamed the same way.
    """

    workflow: str
    run_id: str
    step: str
    attempt: int = 1
    inputs: dict[str, Any] = field(default_factory=dict)
    sink: Callable[[RunEvent], None] | None = field(default=None, repr=False)
    own_agent: Any = field(default=None, repr=False)
    responses: dict[str, AgentResponse] = field(default_factory=dict, repr=False)

    def emit(self, event: RunEvent) -> None:
        if self.sink is not None:
            self.sink(NestedChunk.of(self.step, event))

    async def run_agent(
        self, agent: Agent[Any], prompt: str, *, conversation: str = "fresh", **options: Any
    ) -> AgentResponse:
        """Run ``agent`` on ``prompt`` as part of this step (``conversation``: ``"fresh"``, or a
        conversation id of the agent's memory) and return its response."""
        if conversation == "fresh":
            options.setdefault("history", [])
        else:
            options.setdefault("conversation_id", conversation)
        mine = agent is self.own_agent
        async with agent.stream(prompt, **options) as handle:
            async for event in handle:
                self.emit(event if mine else NestedChunk.of(agent.name, event))
        if not handle.finished:
            raise StreamInterruptedError(f"the {agent.name} agent stopped early", handle.response)
        self.responses[self.step] = handle.response
        return handle.response


class _Failed(Exception):
    """A step failed for good (its record says why)."""


@dataclass(slots=True)
class _Outcome:
    status: str
    value: Any = None


class _Runner:
    """One run of a checked workflow."""

    def __init__(
        self,
        workflow: Workflow,
        inputs: dict[str, Any],
        run_id: str,
        checkpoint: Checkpoint,
        restored: dict[str, Any],
        put: Callable[[RunEvent], None],
    ) -> None:
        self.wf = workflow
        self.inputs = inputs
        self.run_id = run_id
        self.checkpoint = checkpoint
        self.restored = restored
        self._put = put
        self.result = WorkflowResult(workflow.name, run_id, mermaid_source=workflow)
        self.first_error: BaseException | None = None
        self.started = time.perf_counter()
        self.futures: dict[str, asyncio.Future[_Outcome]] = {}
        limit = workflow.max_parallel
        self.slots: asyncio.Semaphore | None = asyncio.Semaphore(limit) if limit is not None else None
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def emit(self, event: RunEvent) -> None:
        event.run_id = self.run_id
        self._put(event)

    def _record(self, step_id: str) -> StepRecord:
        record = self.result.steps.get(step_id)
        if record is None:
            record = self.result.steps[step_id] = StepRecord(step_id)
        return record

    def _end(self, record: StepRecord, status: str, error: str | None = None) -> None:
        record.status = status
        record.error = error
        if record.started is not None and not record.restored:
            record.duration = time.perf_counter() - self.started - record.started
        self.result.trace.append(record)
        self.emit(StepEndChunk.of(record))

    async def run(self) -> WorkflowResult:
        loop = asyncio.get_running_loop()
        await self.checkpoint.start_run(self.run_id, self.wf.name, to_jsonable(self.inputs))
        self.futures = {name: loop.create_future() for name in self.wf.steps}
        self.tasks = {name: asyncio.ensure_future(self._step(s)) for name, s in self.wf.steps.items()}
        try:
            await asyncio.wait(self.tasks.values())
        except BaseException:
            await self._cancel_all()
            self.result.status = "interrupted"
            self.result.duration = time.perf_counter() - self.started
            with contextlib.suppress(Exception):
                await self.checkpoint.finish_run(self.run_id, "interrupted")
            raise
        for task in self.tasks.values():
            if not task.cancelled():
                task.exception()  # seen: a step task never fails on its own
        self.result.status = "failed" if self.result.failures else "done"
        self.result.duration = time.perf_counter() - self.started
        await self.checkpoint.finish_run(self.run_id, self.result.status)
        failures = [to_jsonable(f) for f in self.result.failures]
        self.emit(
            WorkflowEndChunk(
                "workflow_end",
                {
                    "workflow": self.wf.name,
                    "run_id": self.run_id,
                    "status": self.result.status,
                    "failures": failures,
                },
            )
        )
        return self.result

    async def _cancel_all(self) -> None:
        running = [t for t in self.tasks.values() if not t.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    def _settle(self, name: str, outcome: _Outcome) -> None:
        future = self.futures[name]
        if not future.done():
            future.set_result(outcome)

    async def _step(self, step: Step) -> None:
        record = self._record(step.name)
        try:
            values = await self._inputs(step, record)
            if values is None:
                return
            fan = step.fan_out
            if fan is not None and step.name in self.restored:  # every item had finished
                value = self.wf.restore(step, step.output_type, self.restored[step.name])
                record.restored = True
                self._end(record, "done")
            elif fan is None:
                value = await self._attempts(step, step.name, values, record)
            else:
                value = await self._fan_out(step, values, record, fan.param.name)
            self.result.outputs[step.name] = value
            self._settle(step.name, _Outcome("done", value))
        except asyncio.CancelledError:
            if record.status in ("pending", "running"):
                self._end(record, "cancelled")
            self._settle(step.name, _Outcome("cancelled"))
            raise
        except _Failed:
            self._settle(step.name, _Outcome("failed"))
            if self.wf.on_failure == "cancel":
                for name, task in self.tasks.items():
                    if name != step.name and not task.done():
                        task.cancel()

    async def _inputs(self, step: Step, record: StepRecord) -> dict[str, Any] | None:
        """The step's arguments by parameter name, or None when it does not run (its record
        then says why)."""
        values: dict[str, Any] = {}
        for binding in step.bindings:
            outcome = await self.futures[binding.source]
            if outcome.status == "done":
                values[binding.param.name] = outcome.value
            elif outcome.status == "skipped" and not binding.param.required:
                values[binding.param.name] = binding.param.default
            elif outcome.status == "skipped":
                self._end(record, "skipped", f"{binding.source!r} was skipped")
                self._settle(step.name, _Outcome("skipped"))
                return None
            else:
                self._end(record, "blocked", f"{binding.source!r} {outcome.status}")
                self._settle(step.name, _Outcome("blocked"))
                return None
        for name in step.order_only:
            outcome = await self.futures[name]
            if outcome.status not in ("done", "skipped"):
                self._end(record, "blocked", f"{name!r} {outcome.status}")
                self._settle(step.name, _Outcome("blocked"))
                return None
        for param in step.params:
            if param.name not in values:
                values[param.name] = self.inputs.get(param.name, param.default)
        if step.when is not None:
            argument = next(iter(values.values())) if len(values) == 1 else dict(values)
            if not step.when(argument):
                self._end(record, "skipped", "its condition was false")
                self._settle(step.name, _Outcome("skipped"))
                return None
        return values

    async def _fan_out(self, step: Step, values: dict[str, Any], record: StepRecord, over: str) -> list[Any]:
        items = list(values[over])
        record.status = "running"
        record.started = time.perf_counter() - self.started
        self.emit(StepStartChunk("step_start", {"step": step.name, "attempt": 1, "items": len(items)}))
        runs = [
            self._attempts(
                step, f"{step.name}[{i}]", {**values, over: item}, self._record(f"{step.name}[{i}]")
            )
            for i, item in enumerate(items)
        ]
        results = await asyncio.gather(*runs, return_exceptions=True)
        for outcome in results:
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            errors = [f.step for f in self.result.failures if f.step.startswith(f"{step.name}[")]
            self._end(record, "failed", f"items failed: {', '.join(errors)}")
            raise _Failed(step.name)
        record.attempts = 1
        await self.checkpoint.save_step(self.run_id, step.name, self.wf.dump(step.output_type, results))
        self._end(record, "done")
        return list(results)

    async def _attempts(self, step: Step, step_id: str, values: dict[str, Any], record: StepRecord) -> Any:
        if step_id in self.restored:
            record.restored = True
            value = self.wf.restore(step, step.returns, self.restored[step_id])
            self._end(record, "done")
            return value
        args = [values[p.name] for p in step.params]
        try:
            args = [self.wf.validated(p.annotation, a) for p, a in zip(step.params, args, strict=True)]
        except ValueError as exc:  # a pydantic ValidationError: a wrong value between steps
            return self._fail(step_id, record, exc, f"bad input: {exc}")
        record.started = time.perf_counter() - self.started
        attempt = 0
        while True:
            attempt += 1
            record.status, record.attempts = "running", attempt
            self.emit(StepStartChunk("step_start", {"step": step_id, "attempt": attempt}))
            ctx = StepContext(self.wf.name, self.run_id, step_id, attempt, self.inputs, self.emit, step.agent)
            try:
                if self.slots is None:
                    value = await self._call(step, ctx, args)
                else:
                    async with self.slots:
                        value = await self._call(step, ctx, args)
                value = self.wf.validated(step.returns, value)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error: BaseException = exc
                if isinstance(exc, TimeoutError) and step.timeout is not None:
                    error = StepTimeoutError(step_id, step.timeout)
                    error.__cause__ = exc
                if attempt <= step.retries:
                    delay = step.backoff * 2 ** (attempt - 1)
                    text = f"{type(error).__name__}: {error}"
                    payload = {"step": step_id, "attempt": attempt, "error": text, "delay": delay}
                    self.emit(StepRetryChunk("step_retry", payload))
                    await asyncio.sleep(delay)
                    continue
                return self._fail(step_id, record, error)
            self.result.responses.update(ctx.responses)
            await self.checkpoint.save_step(self.run_id, step_id, self.wf.dump(step.returns, value))
            self._end(record, "done")
            return value

    def _fail(
        self, step_id: str, record: StepRecord, error: BaseException, text: str | None = None
    ) -> NoReturn:
        described = text or f"{type(error).__name__}: {error}"
        self.result.failures.append(StepFailure(step_id, described, max(record.attempts, 1)))
        if self.first_error is None:
            self.first_error = error
        self._end(record, "failed", described)
        raise _Failed(step_id) from error

    async def _call(self, step: Step, ctx: StepContext, args: list[Any]) -> Any:
        call_args = [ctx, *args] if step.takes_context else args
        async with asyncio.timeout(step.timeout):
            if step.is_async:
                return await step.function(*call_args)
            return await TOOL_THREADS.run(functools.partial(step.function, *call_args))


class WorkflowStream(TaskStream):
    """One streamed workflow run: an async iterator of events and an async context manager.

    ``run_id`` is known before the first event (keep it to resume after a crash); ``result``
    is the :class:`~agenticraft.workflows.trace.WorkflowResult`, final once the stream ended.
    Stopping the iteration (``break`` inside ``async with``, ``aclose()``, cancelling the
    consumer) cancels every running step.
    """

    def __init__(
        self,
        workflow: Workflow,
        inputs: dict[str, Any],
        checkpoint: Checkpoint,
        *,
        run_id: str | None = None,
        restored: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.run_id = run_id or uuid.uuid4().hex
        self._runner = _Runner(workflow, inputs, self.run_id, checkpoint, restored or {}, self._put)

    @property
    def result(self) -> WorkflowResult:
        return self._runner.result

    @property
    def first_error(self) -> BaseException | None:
        return self._runner.first_error

    async def _run(self) -> WorkflowResult:
        return await self._runner.run()
