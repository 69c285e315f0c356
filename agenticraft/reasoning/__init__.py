"""Reasoning patterns that drive the model: Chain of Thought (with self-consistency), Tree of
Thoughts (BFS / DFS), ReAct, and automatic selection.

Every thought comes from the model; every model call runs through the core run loop and is in
the trace. Use a pattern on any agent, or :class:`agenticraft.agents.ReasoningAgent`::

    from agenticraft.reasoning import TreeOfThoughts
    response = await TreeOfThoughts(search="dfs", threshold=0.5).run(agent, task)
    print(response.result.tree.to_mermaid())
"""

from __future__ import annotations

from agenticraft.reasoning.base import (
    BudgetExhaustedError,
    ModelCall,
    PatternResult,
    ReasoningContext,
    ReasoningPattern,
    Selection,
)
from agenticraft.reasoning.chain_of_thought import ChainOfThought, ChainOfThoughtResult, ChainSample
from agenticraft.reasoning.parsing import normalize_answer, parse_chain, parse_proposals, parse_value
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
