"""ReAct (Yao et al., 2022): Thought, Action, Observation, until a final answer.

Actions are real tool calls through the agent's tools with the provider's native tool calling:
the core run loop executes them (concurrently where allowed, with timeouts), and a failing
tool becomes an error observation the model reads and reacts to. Each model turn is one ReAct
step; the run stops when the model answers without calling a tool, or at ``max_steps``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from agenticraft.core.errors import MaxTurnsExceededError, ToolRetriesExceededError
from agenticraft.core.response import ToolStep, TraceStep, TurnStep
from agenticraft.reasoning.base import PatternResult, ReasoningContext, config_error
from agenticraft.reasoning.pattern import ReasoningPattern

__all__ = ["REACT_SYSTEM", "ReAct", "ReActResult", "ReActStep", "split_final_answer"]

REACT_SYSTEM = """Solve the task by alternating Thought, Action and Observation.
In every turn, first write your reasoning on a line starting with "Thought:". If you need \
information or need to act, call one of the available tools; its result comes back to you as the \
Observation. When you know the answer, write "Final Answer: <answer>" and call no tool."""

_FINAL = re.compile(
    r"(?:^|\n)\s*(?:\*\*|__)?\s*final\s+answer\s*(?:\*\*|__)?\s*[:\-\u2013\u2014]\s*(?:\*\*|__)?", re.I
)
_THOUGHT = re.compile(r"^\s*(?:\*\*|__)?\s*thought\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*", re.I)


def split_final_answer(text: str) -> tuple[str, str | None]:
    """``(thought, final answer)`` of a ReAct turn's text; the answer is ``None`` when the text
    has no ``Final Answer:`` marker."""
    matches = list(_FINAL.finditer(text))
    if not matches:
        return _THOUGHT.sub("", text.strip()).strip(), None
    match = matches[-1]
    thought = _THOUGHT.sub("", text[: match.start()].strip()).strip()
    return thought, text[match.end() :].strip().strip("*_").strip()


@dataclass(slots=True)
class ReActStep:
    """One turn: the thought, the actions taken and what they returned."""

    thought: str
    actions: list[str] = field(default_factory=list)
    observations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ReActResult(PatternResult):
    """The answer and the Thought / Action / Observation steps that led to it."""

    steps: list[ReActStep] = field(default_factory=list)
    tool_calls: int = 0


@dataclass
class ReAct(ReasoningPattern):
    """Reason and act with the agent's tools.

    >>> react = ReAct(max_steps=6)
    """

    name: ClassVar[str] = "react"
    max_steps: int = 8
    system: str = REACT_SYSTEM
    max_model_calls: int | None = None

    def __post_init__(self) -> None:
        if self.max_steps < 1:
            raise config_error(self.name, "max_steps must be at least 1")

    async def reason(self, ctx: ReasoningContext, task: str) -> ReActResult:
        result = ReActResult(answer="")
        last_text = ""

        def on_step(step: TraceStep) -> None:
            nonlocal last_text
            if isinstance(step, TurnStep):
                thought, final = split_final_answer(step.text)
                last_text = step.text
                current = ReActStep(thought)
                result.steps.append(current)
                if thought:
                    ctx.step(f"thought: {_short(thought)}", thought, kind="thought", turn=step.turn)
                for call in step.tool_calls:
                    action = f"{call.name}({_args(call.arguments)})"
                    current.actions.append(action)
                    result.tool_calls += 1
                    ctx.step(
                        f"action: {action}", action, kind="action", tool=call.name, arguments=call.arguments
                    )
                if final is not None and not step.tool_calls:
                    ctx.step(f"final answer: {_short(final)}", final, kind="final_answer", turn=step.turn)
            elif isinstance(step, ToolStep):
                failed = step.error is not None
                observed = (step.error if failed else step.result) or ""
                if result.steps:
                    result.steps[-1].observations.append(observed)
                ctx.step(
                    f"observation from {step.name}{' (error)' if failed else ''}: {_short(observed)}",
                    observed,
                    kind="observation",
                    tool=step.name,
                    error=failed,
                )

        max_turns = ctx.affordable(self.max_steps)
        if max_turns == 0:
            return ReActResult(answer="", solved=False, stop_reason="budget_exhausted")
        try:
            await ctx.call(
                task,
                purpose="react",
                system=self.system,
                use_tools=True,
                max_turns=max_turns,
                on_step=on_step,
            )
        except MaxTurnsExceededError:
            result.solved = False
            result.stop_reason = "max_steps" if max_turns == self.max_steps else "budget_exhausted"
            ctx.step(f"stopped: no final answer within {max_turns} steps", kind="stopped")
            return result
        except ToolRetriesExceededError as exc:
            result.solved, result.stop_reason = False, "tool_failed"
            ctx.step(f"stopped: {exc}", str(exc), kind="stopped")
            return result
        _, final = split_final_answer(last_text)
        # a model that ignores the format still answered: its last turn without tool calls
        result.answer = final if final is not None else _THOUGHT.sub("", last_text.strip()).strip()
        if final is None:
            ctx.step(f"final answer (unmarked): {_short(result.answer)}", result.answer, kind="final_answer")
        return result


def _args(arguments: dict[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
