"""Chain of Thought, with optional self-consistency (Wang et al., 2022).

The model reasons step by step in a light format (``Step N:`` lines and an ``Answer:`` line)
that :func:`~agenticraft.reasoning.parsing.parse_chain` reads tolerantly, so markdown, JSON
or plain numbered lists work as well. With ``samples > 1`` the chains are sampled
concurrently and the normalised answers vote; the vote is recorded as a reasoning step and in
the result.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from agenticraft.core.errors import ProviderError
from agenticraft.reasoning.base import PatternResult, ReasoningContext, config_error
from agenticraft.reasoning.parsing import (
    ParsedChain,
    ParsedStep,
    completed_steps,
    normalize_answer,
    parse_chain,
)
from agenticraft.reasoning.pattern import ReasoningPattern

__all__ = ["COT_PROMPT", "ChainOfThought", "ChainOfThoughtResult", "ChainSample"]

COT_PROMPT = """{task}

Think step by step. Write each step on its own line as "Step N: ...". When you are done, write \
the final answer on its own line as "Answer: ..." with only the answer, then optionally a line \
"Confidence: X" with X between 0 and 1."""


@dataclass(slots=True)
class ChainSample:
    """One sampled chain: the model's text, what was parsed from it, and its vote."""

    index: int
    text: str
    chain: ParsedChain
    normalized: str
    error: str | None = None


@dataclass(slots=True)
class ChainOfThoughtResult(PatternResult):
    """The answer, the chain it came from, and (with self-consistency) every sample and the vote."""

    chain: ParsedChain = field(default_factory=ParsedChain)
    samples: list[ChainSample] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)
    winner: str = ""


@dataclass
class ChainOfThought(ReasoningPattern):
    """Step-by-step reasoning.

    >>> cot = ChainOfThought(samples=5)   # self-consistency: 5 concurrent chains, majority vote

    ``temperature`` applies to the samples (default 0.7 with several samples, so a real model
    gives different chains; the agent's own setting with one).
    """

    name: ClassVar[str] = "chain_of_thought"
    samples: int = 1
    temperature: float | None = None
    prompt: str = COT_PROMPT
    system: str | None = None
    max_model_calls: int | None = None

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise config_error(self.name, "samples must be at least 1")
        if "{task}" not in self.prompt:
            raise config_error(self.name, "the prompt must contain {task}")

    async def _sample(self, ctx: ReasoningContext, task: str, index: int) -> ChainSample:
        settings = ctx.agent.settings
        temperature = (
            self.temperature if self.temperature is not None else (0.7 if self.samples > 1 else None)
        )
        if temperature is not None:
            settings = dataclasses.replace(settings, temperature=temperature)
        pieces: list[str] = []
        emitted = 0

        def emit(steps: list[ParsedStep]) -> None:
            nonlocal emitted
            for number, step in enumerate(steps[emitted:], emitted + 1):
                ctx.step(
                    _short(step.text), step.text, step.confidence, kind="thought", sample=index, step=number
                )
            emitted = max(emitted, len(steps))

        def on_text(piece: str) -> None:
            # a step is streamed as soon as the next one starts, while the model is still writing
            pieces.append(piece)
            if "\n" in piece:
                emit(completed_steps("".join(pieces)))

        try:
            text = await ctx.ask(
                self.prompt.format(task=task),
                purpose="sample",
                system=self.system,
                settings=settings,
                on_text=on_text,
            )
        except ProviderError as exc:  # the context recorded the failed call as a step
            return ChainSample(index, "", ParsedChain(), "", str(exc))
        chain = parse_chain(text)
        emit(chain.steps)
        ctx.step(
            f"answer: {_short(chain.answer)}",
            chain.answer,
            chain.confidence,
            kind="answer",
            sample=index,
            explicit=chain.explicit_answer,
        )
        return ChainSample(index, text, chain, normalize_answer(chain.answer))

    async def reason(self, ctx: ReasoningContext, task: str) -> ChainOfThoughtResult:
        n = ctx.affordable(self.samples)
        if n == 0:
            return ChainOfThoughtResult(answer="", solved=False, stop_reason="budget_exhausted")
        samples = list(await asyncio.gather(*(self._sample(ctx, task, i) for i in range(n))))
        usable = [s for s in samples if s.error is None and s.normalized]
        if not usable:
            errors = [s.error for s in samples if s.error]
            if errors and len(errors) == len(samples):
                raise ProviderError(f"every chain-of-thought sample failed; first error: {errors[0]}")
            return ChainOfThoughtResult(answer="", solved=False, stop_reason="no_answer", samples=samples)
        votes = Counter(s.normalized for s in usable)
        # ties go to the answer of the lowest-numbered sample, so the vote is deterministic
        first_seen = {s.normalized: s.index for s in reversed(usable)}
        winner = max(votes, key=lambda a: (votes[a], -first_seen[a]))
        chosen = next(s for s in usable if s.normalized == winner)
        result = ChainOfThoughtResult(
            answer=chosen.chain.answer,
            chain=chosen.chain,
            samples=samples,
            votes=dict(votes),
            winner=winner,
        )
        if n > 1:
            ctx.step(
                f"majority vote: {_short(chosen.chain.answer)} with {votes[winner]} of {len(usable)} votes",
                "\n".join(f"{answer}: {count}" for answer, count in votes.most_common()),
                votes[winner] / len(usable),
                kind="vote",
                votes=dict(votes),
                winner=winner,
                samples=n,
                valid=len(usable),
            )
        return result


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
