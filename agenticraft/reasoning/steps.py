"""A reasoning pattern's own steps: :class:`ReasoningStep` in the trace, and the
:class:`ReasoningStepChunk` event (an extension event named ``reasoning_step``) that streams
each one the moment it happens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from agenticraft.core.events import ExtensionChunk
from agenticraft.core.response import TraceExtension, TraceStep, to_jsonable

__all__ = ["ReasoningStep", "ReasoningStepChunk", "reasoning_steps"]


@dataclass(slots=True)
class ReasoningStep(TraceExtension):
    """One step of a reasoning pattern (Chain of Thought step, explored thought, ReAct step)."""

    number: int
    description: str
    content: str = ""
    confidence: float | None = None
    pattern: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["reasoning_step"] = "reasoning_step"

    def render(self) -> str:
        conf = f" ({self.confidence:.2f})" if self.confidence is not None else ""
        return f"  step {self.number}: {self.description}{conf}"


@dataclass(slots=True)
class ReasoningStepChunk(ExtensionChunk):
    """A reasoning pattern completed a step: ``chunk.step``. Build one with :meth:`of`."""

    extension: ClassVar[str] = "reasoning_step"

    @classmethod
    def of(cls, step: ReasoningStep) -> ReasoningStepChunk:
        return cls("reasoning_step", to_jsonable(step))

    @property
    def step(self) -> ReasoningStep:
        step = ReasoningStep.from_dict(self.payload)
        assert isinstance(step, ReasoningStep)
        return step

    def trace_step(self) -> TraceStep | None:
        return self.step


def reasoning_steps(steps: list[TraceStep]) -> list[ReasoningStep]:
    """The reasoning steps among a trace's steps."""
    return [s for s in steps if isinstance(s, ReasoningStep)]
