"""Automatic selection of a reasoning pattern, and building patterns by name.

``auto`` asks the model once, cheaply (a short classification with a small token limit), which
pattern suits the task. When that call fails, its reply cannot be read, or it picks ReAct for
an agent without tools, a deterministic heuristic decides. Either way the choice, the method
and the reason are recorded (:class:`~agenticraft.reasoning.base.Selection`, and a reasoning
step).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agenticraft.core.errors import AgentiCraftError, ConfigurationError
from agenticraft.reasoning.base import PatternResult, ReasoningContext, Selection
from agenticraft.reasoning.chain_of_thought import ChainOfThought
from agenticraft.reasoning.pattern import ReasoningPattern
from agenticraft.reasoning.react import ReAct
from agenticraft.reasoning.tree_of_thoughts import TreeOfThoughts

__all__ = ["PATTERNS", "AutoPattern", "CLASSIFY_PROMPT", "create_pattern", "heuristic_choice", "parse_choice"]

PATTERNS: dict[str, type[ReasoningPattern]] = {
    "chain_of_thought": ChainOfThought,
    "tree_of_thoughts": TreeOfThoughts,
    "react": ReAct,
}

CLASSIFY_PROMPT = """Choose the reasoning strategy that suits this task best.
- chain_of_thought: one careful line of step-by-step reasoning solves it (word problems, \
explanations, logic).
- tree_of_thoughts: a puzzle or search problem where early choices can lead to dead ends, so \
several alternatives must be explored and compared (Game of 24, crosswords, constrained planning).
- react: it needs information or actions from tools. {tools}

Task: {task}

Reply with one line: the strategy name, a colon, and a short reason, for example \
"react: needs today's exchange rate"."""

_ALIASES: dict[str, str] = {
    "chain_of_thought": "chain_of_thought",
    "chain of thought": "chain_of_thought",
    "chain-of-thought": "chain_of_thought",
    "cot": "chain_of_thought",
    "tree_of_thoughts": "tree_of_thoughts",
    "tree of thoughts": "tree_of_thoughts",
    "tree-of-thoughts": "tree_of_thoughts",
    "tree_of_thought": "tree_of_thoughts",
    "tree of thought": "tree_of_thoughts",
    "tot": "tree_of_thoughts",
    "react": "react",
    "re-act": "react",
}
_ALIAS = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True)) + r")(?![\w-])", re.I
)

_TOOL_WORDS = re.compile(
    r"\b(search|look\s*up|lookup|fetch|download|current|currently|today|latest|now|weather|price|"
    r"exchange rate|stock|news|database|api|file|send|book|schedule a|call the)\b",
    re.I,
)
_SEARCH_WORDS = re.compile(
    r"(\bpuzzle|\bgame of 24\b|\bmake 24\b|\bcrossword|\bsudoku|\bmaze\b|\bcombinations?\b|\bpermutations?\b|"
    r"\barrange|\bfind all\b|\bexplore\b|\balternatives?\b|\bplan\b|\bconstraints?\b|\bsearch space\b)",
    re.I,
)


def heuristic_choice(task: str, tool_names: Sequence[str]) -> tuple[str, str]:
    """The deterministic fallback: ``(pattern, reason)`` from the task's words and the tools."""
    lowered = task.lower()
    named = [t for t in tool_names if t.lower() in lowered or t.replace("_", " ").lower() in lowered]
    if tool_names and named:
        return "react", f"the task mentions the tool {named[0]!r}"
    words = _TOOL_WORDS.search(task)
    if tool_names and words:
        return "react", f"the agent has tools and the task needs outside information ({words.group(0)!r})"
    search = _SEARCH_WORDS.search(task)
    if search:
        return "tree_of_thoughts", f"the task looks like a search problem ({search.group(0).strip()!r})"
    return "chain_of_thought", "no sign that tools or a search are needed: one chain of reasoning"


def parse_choice(reply: str) -> tuple[str, str] | None:
    """``(pattern, reason)`` from a classification reply, or ``None`` when no pattern is named."""
    text = reply.strip()
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        name = str(data.get("pattern", data.get("strategy", ""))).strip().lower()
        if name in _ALIASES:
            return _ALIASES[name], str(data.get("reason", "")).strip()
    match = _ALIAS.search(text)
    if match is None:
        return None
    reason = text[match.end() :].lstrip(" *_`\"'").lstrip(":-\u2013\u2014 ").strip()
    return _ALIASES[match.group(1).lower()], reason.splitlines()[0].strip() if reason else ""


def create_pattern(name: str, config: Mapping[str, Any] | None = None) -> ReasoningPattern:
    """A pattern by name (``"chain_of_thought"``, ``"tree_of_thoughts"``, ``"react"``, ``"auto"``)."""
    if name == "auto":
        return AutoPattern(configs={k: dict(v) for k, v in (config or {}).items()})
    cls = PATTERNS.get(name)
    if cls is None:
        known = ", ".join([*PATTERNS, "auto"])
        raise ConfigurationError(f"unknown reasoning pattern {name!r}; choose one of {known}")
    try:
        return cls(**dict(config or {}))
    except TypeError as exc:
        allowed = ", ".join(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        raise ConfigurationError(f"{name}: bad pattern_config ({exc}); options are {allowed}") from exc


@dataclass
class AutoPattern(ReasoningPattern):
    """Pick a pattern for the task, then run it.

    ``configs`` maps a pattern name to its options, used if that pattern is chosen.
    """

    name: ClassVar[str] = "auto"
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    prompt: str = CLASSIFY_PROMPT
    max_tokens: int = 60
    max_model_calls: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.configs) - set(PATTERNS)
        if unknown:
            raise ConfigurationError(f"auto: pattern_config names unknown patterns {sorted(unknown)}")
        for pattern_name, options in self.configs.items():
            create_pattern(pattern_name, options)  # fail now, not after the classification call

    async def select(self, ctx: ReasoningContext, task: str) -> Selection:
        """One cheap classification call; the heuristic when it fails."""
        tool_names = list(ctx.agent.tools)
        tools = f"Available tools: {', '.join(tool_names)}." if tool_names else "This agent has no tools."
        settings = dataclasses.replace(ctx.agent.settings, max_tokens=self.max_tokens, temperature=0.0)
        reply: str | None = None
        problem: str
        try:
            reply = await ctx.ask(
                self.prompt.format(task=task, tools=tools), purpose="classify", settings=settings
            )
        except AgentiCraftError as exc:
            problem = f"the classification call failed: {exc}"
        else:
            choice = parse_choice(reply)
            if choice is None:
                problem = f"the classification reply names no pattern: {reply[:80]!r}"
            elif choice[0] == "react" and not tool_names:
                problem = "the model chose react, but the agent has no tools"
            else:
                return Selection(choice[0], "model", choice[1] or "chosen by the model", reply)
        pattern, reason = heuristic_choice(task, tool_names)
        return Selection(pattern, "heuristic", reason, reply, problem)

    async def reason(self, ctx: ReasoningContext, task: str) -> PatternResult:
        selection = await self.select(ctx, task)
        ctx.selection = selection
        note = f" ({selection.error})" if selection.error else ""
        ctx.step(
            f"selected {selection.pattern} by {selection.method}: {selection.reason}{note}",
            selection.model_reply or "",
            kind="selection",
            pattern=selection.pattern,
            method=selection.method,
            reason=selection.reason,
        )
        chosen = create_pattern(selection.pattern, self.configs.get(selection.pattern))
        if chosen.max_model_calls is not None:
            limit = ctx.spent + chosen.max_model_calls
            ctx.max_model_calls = limit if ctx.max_model_calls is None else min(limit, ctx.max_model_calls)
        ctx.pattern = selection.pattern
        return await chosen.reason(ctx, task)
