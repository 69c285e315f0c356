"""Reasoning patterns that drive the model: Chain of Thought (with self-consistency), Tree of
Thoughts (BFS / DFS), ReAct, and automatic selection.

Every thought comes from the model; the patterns only parse, search, vote and decide. Each
model call a pattern makes runs through the core run loop on a throwaway copy of the agent, so
it appears in the trace as a :class:`~agenticraft.core.response.TurnStep` (ReAct's tools as
:class:`~agenticraft.core.response.ToolStep`), next to the pattern's own
:class:`~agenticraft.core.response.ReasoningStep` entries::

    from agenticraft.agents import ReasoningAgent

    agent = ReasoningAgent(model="openai:gpt-4o-mini", reasoning_pattern="tree_of_thoughts",
                           pattern_config={"search": "dfs", "k": 5, "threshold": 0.5})
    response = await agent.think_and_act("Use 4 9 10 13 and + - * / to make 24.")
    response.content                 # the answer
    response.reasoning_steps         # number, description, content, confidence, data["kind"]
    response.reasoning.turns         # one TurnStep per model call
    response.calls                   # each call's purpose: propose, evaluate, sample, classify, react
    response.result.tree.to_mermaid()

    async for chunk in agent.stream("..."):  # reasoning_step events as they happen, each call's
        ...                                  # usage / turn_end (and tool events), then text, done

The same patterns work on any agent: ``await TreeOfThoughts(beam_width=3).run(agent, task)``.

- :class:`ChainOfThought` (``samples``, ``temperature``): steps and answer parsed tolerantly;
  with ``samples > 1`` the chains run concurrently and the normalised answers vote.
- :class:`TreeOfThoughts` (``search``, ``k``, ``beam_width``, ``threshold``, ``max_depth``,
  ``max_model_calls``, ``propose_mode``, ``n_evaluate``): concurrent proposals and evaluations,
  BFS with a beam or DFS with pruning and backtracking, the explored tree returned.
- :class:`ReAct` (``max_steps``): native tool calls through the agent's tools; tool errors
  become observations.
- ``"auto"`` (:class:`AutoPattern`): one cheap classification call, a deterministic
  heuristic when it fails; the choice and the reason are in ``response.selection``.
"""

from __future__ import annotations

from agenticraft.reasoning.base import (
    BudgetExhaustedError,
    ModelCall,
    PatternResult,
    ReasoningContext,
    Selection,
)
from agenticraft.reasoning.chain_of_thought import ChainOfThought, ChainOfThoughtResult, ChainSample
from agenticraft.reasoning.parsing import normalize_answer, parse_chain, parse_proposals, parse_value
from agenticraft.reasoning.pattern import ReasoningPattern
from agenticraft.reasoning.react import ReAct, ReActResult, ReActStep
from agenticraft.reasoning.selector import PATTERNS, AutoPattern, create_pattern, heuristic_choice
from agenticraft.reasoning.stream import ReasoningResponse, ReasoningStream
from agenticraft.reasoning.tree import ThoughtNode, ThoughtTree
from agenticraft.reasoning.tree_of_thoughts import TreeOfThoughts, TreeOfThoughtsResult

__all__ = [
    "PATTERNS",
    "AutoPattern",
    "BudgetExhaustedError",
    "ChainOfThought",
    "ChainOfThoughtResult",
    "ChainSample",
    "ModelCall",
    "PatternResult",
    "ReAct",
    "ReActResult",
    "ReActStep",
    "ReasoningContext",
    "ReasoningPattern",
    "ReasoningResponse",
    "ReasoningStream",
    "Selection",
    "ThoughtNode",
    "ThoughtTree",
    "TreeOfThoughts",
    "TreeOfThoughtsResult",
    "create_pattern",
    "heuristic_choice",
    "normalize_answer",
    "parse_chain",
    "parse_proposals",
    "parse_value",
]
