"""The :class:`Workflow`: named steps wired into a graph, checked before it runs, streamed, run,
resumed and drawn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from agenticraft.core.response import to_jsonable
from agenticraft.workflows.checkpoint import Checkpoint, default_checkpoint
from agenticraft.workflows.engine import WorkflowStream
from agenticraft.workflows.steps import (
    Binding,
    Param,
    Step,
    WorkflowDefinitionError,
    agent_step,
    compatible,
    item_type,
    type_name,
)
from agenticraft.workflows.trace import WorkflowFailedError, WorkflowResult

__all__ = ["Workflow"]


class Workflow:
    """A graph of steps::

        wf = Workflow("report")

        @wf.step
        async def fetch(ctx, topic: str) -> list[str]: ...

        @wf.step(retries=3, timeout=30, depends_on=[fetch])
        async def summarise(ctx, doc: str) -> str: ...      # once per document, in parallel

        @wf.step(when=lambda summaries: len(summaries) > 3)
        async def merge(ctx, summarise: list[str]) -> str: ...

        result = await wf.run(topic="solid-state batteries")

    ``checkpoint`` records each run (default: :func:`~agenticraft.workflows.checkpoint.default_checkpoint`,
    a SQLite file) so :meth:`resume` can finish one after a crash. ``on_failure``:
    ``"continue"`` (a failed step blocks its dependents, the other branches finish) or
    ``"cancel"`` (a failure cancels every running step). ``max_parallel`` bounds the step
    attempts (fanned-out items included) that run at once; by default all that are ready run.
    """

    def __init__(
        self,
        name: str,
        *,
        checkpoint: Checkpoint | None = None,
        on_failure: Literal["continue", "cancel"] = "continue",
        max_parallel: int | None = None,
    ) -> None:
        if on_failure not in ("continue", "cancel"):
            raise WorkflowDefinitionError(f"on_failure must be 'continue' or 'cancel', got {on_failure!r}")
        if max_parallel is not None and max_parallel < 1:
            raise WorkflowDefinitionError(f"max_parallel must be at least 1, got {max_parallel}")
        self.max_parallel = max_parallel
        self.name = name
        self.steps: dict[str, Step] = {}
        self.on_failure = on_failure
        self._checkpoint = checkpoint
        self._checked = False
        self._adapters: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, steps={list(self.steps)})"

    @property
    def checkpoint(self) -> Checkpoint:
        if self._checkpoint is None:
            self._checkpoint = default_checkpoint()
        return self._checkpoint

    # -- definition ---------------------------------------------------------------------------
    def step(
        self,
        function: Any = None,
        /,
        *,
        name: str | None = None,
        retries: int = 0,
        backoff: float = 0.5,
        timeout: float | None = None,
        depends_on: Sequence[Step | str] = (),
        when: Callable[[Any], bool] | None = None,
        prompt: Callable[[Any], str] | None = None,
        conversation: str = "fresh",
    ) -> Any:
        """Add a step: a decorator for a function (``@wf.step`` or ``@wf.step(...)``), or
        ``wf.step(agent, ...)`` for an agent (``prompt`` makes its input text;
        ``conversation`` as in :meth:`StepContext.run_agent`). Returns the :class:`Step`."""
        options: dict[str, Any] = {
            "retries": retries,
            "backoff": backoff,
            "timeout": timeout,
            "depends_on": depends_on,
            "when": when,
        }

        def add(fn: Any) -> Step:
            if hasattr(fn, "_config") and hasattr(fn, "stream"):  # an agent
                made = agent_step(fn, name=name, prompt=prompt, conversation=conversation, **options)
            else:
                made = Step(fn, name=name, **options)
            return self.add(made)

        return add(function) if function is not None else add

    def add(self, step: Step) -> Step:
        """Add a step built with :func:`~agenticraft.workflows.steps.step`."""
        if step.name in self.steps:
            raise WorkflowDefinitionError(f"workflow {self.name!r} already has a step {step.name!r}")
        self.steps[step.name] = step
        self._checked = False
        return step

    # -- checks ---------------------------------------------------------------------------------
    def check(self) -> None:
        """Wire the steps and check the graph: unknown steps, cycles and types that do not meet
        raise :class:`WorkflowDefinitionError` naming the step and parameter."""
        if self._checked:
            return
        for s in self.steps.values():
            s.bindings, s.order_only = [], []
            free: list[Param] = []
            for p in s.params:
                if p.name in self.steps and p.name != s.name:
                    s.bindings.append(Binding(p, p.name))
                else:
                    free.append(p)
            for dep in s.depends_on:
                if dep not in self.steps:
                    raise WorkflowDefinitionError(f"step {s.name!r} depends on {dep!r}, which is not a step")
                if any(b.source == dep for b in s.bindings):
                    continue
                if free:
                    s.bindings.append(Binding(free.pop(0), dep))
                else:
                    s.order_only.append(dep)
        for s in self.order():
            for b in s.bindings:
                source = self.steps[b.source]
                given, wanted = source.output_type, b.param.annotation
                if compatible(given, wanted):
                    continue
                each = item_type(given)
                if each is not None and compatible(each, wanted) and s.fan_out is None:
                    b.fan_out = True
                    continue
                raise WorkflowDefinitionError(
                    f"step {s.name!r} takes {b.param.name!r} as {type_name(wanted)}, but step "
                    f"{source.name!r} gives {type_name(given)}"
                )
        self._checked = True

    def order(self) -> list[Step]:
        """The steps in an order where each comes after those it waits for."""
        done: dict[str, bool] = {}
        out: list[Step] = []

        def visit(s: Step, trail: list[str]) -> None:
            if done.get(s.name):
                return
            if s.name in trail:
                cycle = " -> ".join([*trail[trail.index(s.name) :], s.name])
                raise WorkflowDefinitionError(f"workflow {self.name!r} has a cycle: {cycle}")
            for source in s.sources:
                visit(self.steps[source], [*trail, s.name])
            done[s.name] = True
            out.append(s)

        for s in self.steps.values():
            visit(s, [])
        return out

    @property
    def inputs(self) -> dict[str, Param]:
        """The workflow's inputs: step parameters no step feeds, by name."""
        self.check()
        bound = {(s.name, b.param.name) for s in self.steps.values() for b in s.bindings}
        found: dict[str, Param] = {}
        for s in self.steps.values():
            for p in s.params:
                if (s.name, p.name) not in bound and (p.name not in found or p.required):
                    found[p.name] = p
        return found

    def _checked_inputs(self, given: dict[str, Any]) -> dict[str, Any]:
        wanted = self.inputs
        unknown = sorted(set(given) - set(wanted))
        if unknown:
            raise WorkflowDefinitionError(
                f"workflow {self.name!r} has no input {', '.join(map(repr, unknown))}; "
                f"its inputs: {', '.join(wanted) or 'none'}"
            )
        missing = [n for n, p in wanted.items() if p.required and n not in given]
        if missing:
            raise WorkflowDefinitionError(
                f"workflow {self.name!r} needs the input {', '.join(map(repr, missing))}"
            )
        bound = {(s.name, b.param.name) for s in self.steps.values() for b in s.bindings}
        for s in self.steps.values():
            for p in s.params:
                if (s.name, p.name) in bound or p.name not in given:
                    continue
                try:
                    self.validated(p.annotation, given[p.name])
                except ValueError as exc:
                    raise WorkflowDefinitionError(
                        f"input {p.name!r} of step {s.name!r} is not a {type_name(p.annotation)}: {exc}"
                    ) from exc
        return dict(given)

    # -- values ----------------------------------------------------------------------------------
    def _adapter(self, annotation: Any) -> Any:
        adapter = self._adapters.get(annotation)
        if adapter is None:
            from pydantic import ConfigDict, TypeAdapter

            try:
                adapter = TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))
            except Exception:
                adapter = TypeAdapter(annotation)
            self._adapters[annotation] = adapter
        return adapter

    def validated(self, annotation: Any, value: Any) -> Any:
        """``value`` validated as ``annotation`` (pydantic; ``Any`` passes as is)."""
        if annotation is Any:
            return value
        return self._adapter(annotation).validate_python(value)

    def dump(self, annotation: Any, value: Any) -> Any:
        """``value`` as plain JSON, for the checkpoint."""
        if annotation is Any:
            return to_jsonable(value)
        return self._adapter(annotation).dump_python(value, mode="json")

    def restore(self, step: Step, annotation: Any, data: Any) -> Any:
        """A checkpointed output back as its type."""
        return self.validated(annotation, data)

    # -- running -----------------------------------------------------------------------------
    def stream(self, **inputs: Any) -> WorkflowStream:
        """Stream a run: every step's events, tagged by step id, with step start and end
        events (wrong wiring or inputs raise here, before anything runs)."""
        return self.open_run(inputs, self.checkpoint)

    def open_run(
        self,
        inputs: dict[str, Any],
        checkpoint: Checkpoint,
        *,
        run_id: str | None = None,
        restored: dict[str, Any] | None = None,
    ) -> WorkflowStream:
        """A stream of one run recorded in ``checkpoint`` instead of the workflow's own (a
        durable engine's record); ``restored`` maps step ids to outputs already recorded, which
        do not run again."""
        self.check()
        return WorkflowStream(
            self, self._checked_inputs(inputs), checkpoint, run_id=run_id, restored=restored
        )

    async def run(self, **inputs: Any) -> WorkflowResult:
        """Run to the end; the result holds every step's output and record. A failed step
        raises :class:`WorkflowFailedError` (with the result) once the other branches ended."""
        return await _drain(self.stream(**inputs))

    async def resume(self, run_id: str) -> WorkflowResult:
        """Finish run ``run_id`` (after a crash, say): the steps the checkpoint holds are not
        run again, the others run as in :meth:`run`."""
        return await _drain(await self.resume_stream(run_id))

    async def resume_stream(self, run_id: str) -> WorkflowStream:
        """:meth:`resume` as a stream."""
        self.check()
        saved = await self.checkpoint.load_run(run_id)
        if saved is None:
            raise WorkflowDefinitionError(f"no run {run_id!r} in the checkpoint of workflow {self.name!r}")
        if saved.workflow != self.name:
            raise WorkflowDefinitionError(
                f"run {run_id!r} is a run of {saved.workflow!r}, not of {self.name!r}"
            )
        inputs = self._checked_inputs(saved.inputs)
        return WorkflowStream(self, inputs, self.checkpoint, run_id=run_id, restored=saved.steps)

    # -- drawing ---------------------------------------------------------------------------------
    def to_mermaid(self) -> str:
        """The workflow as a Mermaid flowchart."""
        from agenticraft.workflows.mermaid import to_mermaid

        return to_mermaid(self)


async def _drain(stream: WorkflowStream) -> WorkflowResult:
    async with stream:
        async for _ in stream:
            pass
    result = stream.result
    if result.failures:
        raise WorkflowFailedError(result) from stream.first_error
    return result
