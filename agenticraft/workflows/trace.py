"""What a workflow run tells: its step events, each step's record, the result and its errors.

A workflow stream yields, for every step (and every item of a fanned-out step, ``name[i]``),
a :class:`StepStartChunk` per attempt, a :class:`StepRetryChunk` before each retry, the
step's own events as :class:`~agenticraft.core.events.NestedChunk` tagged with the step id
(an agent step's run events, or what a function step emits), and one :class:`StepEndChunk`
with its status and duration; the last event is a :class:`WorkflowEndChunk`. All of them are
ordinary extension events, so they serialize and fold like any run event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from agenticraft.core.errors import AgentiCraftError
from agenticraft.core.events import ExtensionChunk
from agenticraft.core.response import TraceExtension, TraceStep

__all__ = [
    "StepEndChunk",
    "StepFailure",
    "StepRecord",
    "StepRetryChunk",
    "StepStartChunk",
    "StepTimeoutError",
    "WorkflowEndChunk",
    "WorkflowFailedError",
    "WorkflowResult",
]

StepStatus = Literal["pending", "running", "done", "failed", "skipped", "blocked", "cancelled"]


class StepTimeoutError(AgentiCraftError, TimeoutError):
    """One attempt of a step ran past the step's ``timeout``."""

    def __init__(self, step: str, timeout: float) -> None:
        super().__init__(f"step {step!r} timed out after {timeout:g} s")
        self.step = step
        self.timeout = timeout


@dataclass(slots=True)
class StepFailure:
    """Which step failed and why (``error``: the cause's type and message)."""

    step: str
    error: str
    attempts: int = 1


class WorkflowFailedError(AgentiCraftError):
    """A workflow run ended with failed steps. ``failures`` says which and why (the first one's
    exception is the ``__cause__``); ``result`` holds every step's record and output so far."""

    def __init__(self, result: WorkflowResult) -> None:
        first = result.failures[0]
        more = f" (and {len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
        super().__init__(f"workflow {result.workflow!r}: step {first.step!r} failed: {first.error}{more}")
        self.result = result
        self.failures = result.failures


@dataclass(slots=True)
class StepRecord(TraceExtension):
    """One step (or item) of a run: status, attempts, when it started (seconds after the run
    started), how long it took, its error, and whether its output came from the checkpoint."""

    step: str
    status: str = "pending"
    attempts: int = 0
    started: float | None = None
    duration: float = 0.0
    error: str | None = None
    restored: bool = False
    kind: Literal["workflow_step"] = "workflow_step"

    def render(self) -> str:
        extra = f" error: {self.error}" if self.error else ""
        return f"  step {self.step}: {self.status} in {self.duration * 1000:.1f} ms{extra}"


@dataclass(slots=True)
class StepStartChunk(ExtensionChunk):
    """A step's attempt started (``payload``: ``step``, ``attempt``)."""

    extension: ClassVar[str] = "step_start"

    @property
    def step(self) -> str:
        return str(self.payload["step"])

    def trace_step(self) -> TraceStep | None:
        return None


@dataclass(slots=True)
class StepRetryChunk(ExtensionChunk):
    """A step's attempt failed and it will be tried again (``step``, ``attempt``, ``error``,
    ``delay``)."""

    extension: ClassVar[str] = "step_retry"

    @property
    def step(self) -> str:
        return str(self.payload["step"])

    def trace_step(self) -> TraceStep | None:
        return None


@dataclass(slots=True)
class StepEndChunk(ExtensionChunk):
    """A step ended: ``payload`` is its :class:`StepRecord` as JSON."""

    extension: ClassVar[str] = "step_end"

    @classmethod
    def of(cls, record: StepRecord) -> StepEndChunk:
        r = record  # by hand: to_jsonable's generic walk was half the cost of a step
        payload = {
            "step": r.step,
            "status": r.status,
            "attempts": r.attempts,
            "started": r.started,
            "duration": r.duration,
            "error": r.error,
            "restored": r.restored,
            "kind": r.kind,
        }
        return cls("step_end", payload)

    @property
    def step(self) -> str:
        return str(self.payload["step"])

    @property
    def record(self) -> StepRecord:
        made = StepRecord.from_dict(self.payload)
        assert isinstance(made, StepRecord)
        return made

    def trace_step(self) -> TraceStep | None:
        return self.record


@dataclass(slots=True)
class WorkflowEndChunk(ExtensionChunk):
    """The run ended (``payload``: ``workflow``, ``run_id``, ``status``, ``failures``)."""

    extension: ClassVar[str] = "workflow_end"

    def trace_step(self) -> TraceStep | None:
        return None


@dataclass(slots=True)
class WorkflowResult:
    """The outcome of a workflow run: ``outputs`` by step name, every step's record (``steps``
    by step id, fanned-out items included), the ``trace`` of records in the order steps ended,
    the agent steps' responses, and the failures."""

    workflow: str
    run_id: str
    status: str = "running"
    outputs: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    trace: list[StepRecord] = field(default_factory=list)
    responses: dict[str, Any] = field(default_factory=dict)
    failures: list[StepFailure] = field(default_factory=list)
    duration: float = 0.0
    mermaid_source: Any = field(default=None, repr=False, compare=False)

    def __getitem__(self, step: str) -> Any:
        return self.outputs[step]

    @property
    def ok(self) -> bool:
        return self.status == "done"

    def to_mermaid(self) -> str:
        """The workflow as a Mermaid flowchart with each step's status and duration."""
        from agenticraft.workflows.mermaid import to_mermaid

        return to_mermaid(self.mermaid_source, self)
