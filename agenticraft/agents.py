"""Specialised agents built on the core :class:`~agenticraft.core.agent.Agent`.

:class:`ReasoningAgent` thinks with a reasoning pattern before it answers::

    from agenticraft.agents import ReasoningAgent

    agent = ReasoningAgent(name="Solver", model="openai:gpt-4o-mini", reasoning_pattern="tree_of_thoughts")
    response = await agent.think_and_act("Use 4 9 10 13 and + - * / to make 24.")
    for step in response.reasoning_steps:
        print(step.number, step.description, step.confidence)
    print(response.content)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from agenticraft.core.agent import Agent, Prompt
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.memory import ConversationMemory
from agenticraft.core.messages import Message
from agenticraft.core.model_registry import ModelLike
from agenticraft.core.sync import run_sync
from agenticraft.core.tools import Tool
from agenticraft.reasoning.pattern import ReasoningPattern
from agenticraft.reasoning.selector import create_pattern
from agenticraft.reasoning.stream import ReasoningResponse, ReasoningStream

__all__ = ["ReasoningAgent"]


class ReasoningAgent:
    """An agent that reasons with a pattern: ``"chain_of_thought"``, ``"tree_of_thoughts"``,
    ``"react"`` or ``"auto"`` (one cheap model call picks the pattern, a heuristic if it fails).

    ``pattern_config`` holds the pattern's options (``{"samples": 5}``, ``{"search": "dfs",
    "k": 4}``, ``{"max_steps": 6}``); for ``"auto"`` it maps pattern names to their options.
    Every other argument is the :class:`Agent`'s; pass ``agent=`` to reason with an existing
    agent instead (its model, tools and memory).

    The task and the answer are added to the agent's memory; the pattern's own model calls
    are not (they are in the response's trace).
    """

    def __init__(
        self,
        name: str = "agent",
        instructions: str | None = None,
        model: ModelLike | None = None,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        *,
        reasoning_pattern: str | ReasoningPattern = "auto",
        pattern_config: Mapping[str, Any] | None = None,
        agent: Agent | None = None,
        memory: ConversationMemory | None = None,
        **agent_options: Any,
    ) -> None:
        if agent is not None:
            if model is not None or tools or instructions is not None or memory is not None or agent_options:
                raise ConfigurationError("pass either agent= or the agent's own arguments, not both")
            self.agent = agent
        else:
            self.agent = Agent(name, instructions, model, tools, memory=memory, **agent_options)
        if isinstance(reasoning_pattern, ReasoningPattern):
            if pattern_config:
                raise ConfigurationError("pattern_config applies to a pattern given by name")
            self.pattern = reasoning_pattern
        else:
            self.pattern = create_pattern(reasoning_pattern, pattern_config)

    def __repr__(self) -> str:
        label = self.agent.model_label
        return f"ReasoningAgent(name={self.name!r}, pattern={self.pattern.name!r}, model={label!r})"

    @property
    def name(self) -> str:
        return self.agent.name

    @property
    def reasoning_pattern(self) -> str:
        return self.pattern.name

    @property
    def tools(self) -> dict[str, Tool]:
        return self.agent.tools

    @property
    def memory(self) -> ConversationMemory:
        return self.agent.memory

    @property
    def history(self) -> list[Message]:
        return self.agent.history

    def clear_memory(self) -> None:
        self.agent.clear_memory()

    def stream(self, task: Prompt, *, output_type: Any = None) -> ReasoningStream:
        """Stream the reasoning: ``reasoning_step`` events as they happen, each model call's
        ``usage`` / ``turn_end`` (and ReAct's ``tool_call`` / ``tool_result``), then the
        answer as ``text`` and ``done``."""
        return self.pattern.stream(self.agent, task, output_type=output_type)

    async def think_and_act(self, task: Prompt, *, output_type: Any = None) -> ReasoningResponse:
        """Reason about ``task`` and answer; the response has the answer (``content``), the
        ``reasoning_steps``, the whole trace (``reasoning``) and the pattern's ``result``;
        with an ``output_type`` (or the agent's), ``output`` is the answer as that type."""
        return await self.pattern.run(self.agent, task, output_type=output_type)

    async def arun(self, task: Prompt, *, output_type: Any = None) -> ReasoningResponse:
        """The same as :meth:`think_and_act`."""
        return await self.think_and_act(task, output_type=output_type)

    def run(self, task: Prompt, *, output_type: Any = None) -> ReasoningResponse:
        """:meth:`think_and_act` from synchronous code."""
        return run_sync(self.think_and_act(task, output_type=output_type))
