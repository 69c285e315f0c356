"""The base of every reasoning pattern: :class:`ReasoningPattern`, run or streamed on any agent."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from agenticraft.core.agent import Agent, Prompt
from agenticraft.core.errors import StreamInterruptedError
from agenticraft.reasoning.base import PatternResult, ReasoningContext
from agenticraft.reasoning.stream import ReasoningResponse, ReasoningStream

__all__ = ["ReasoningPattern"]


class ReasoningPattern(ABC):
    """A reasoning algorithm that drives an agent's model.

    Use one on any agent::

        result = await TreeOfThoughts(beam_width=2).run(agent, "Use 4 9 10 13 to make 24.")
        async for chunk in ChainOfThought().stream(agent, "..."):
            ...
    """

    name: ClassVar[str]
    max_model_calls: int | None = None

    @abstractmethod
    async def reason(self, ctx: ReasoningContext, task: str) -> PatternResult:
        """Work on ``task`` through ``ctx`` and return the conclusion."""

    def stream(
        self, agent: Agent, task: Prompt, *, remember: bool = True, output_type: Any = None
    ) -> ReasoningStream:
        """Stream the reasoning: reasoning-step events as they happen, then the answer.

        With an ``output_type`` (or the agent's), ``response.output`` is the answer validated
        as that type.
        """
        return ReasoningStream(
            agent,
            task,
            self.reason,
            pattern=self.name,
            max_model_calls=self.max_model_calls,
            remember=remember,
            output_type=output_type,
        )

    async def run(
        self, agent: Agent, task: Prompt, *, remember: bool = True, output_type: Any = None
    ) -> ReasoningResponse:
        """Reason to the end; the response holds the answer, the steps and the whole trace."""
        async with self.stream(agent, task, remember=remember, output_type=output_type) as handle:
            async for _ in handle:
                pass
        if not handle.finished:
            raise StreamInterruptedError("the reasoning was cancelled before it finished", handle.response)
        return handle.response
