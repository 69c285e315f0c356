"""``auto``: one cheap classification call, a deterministic fallback, the choice recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agenticraft.core.agent import Agent
from agenticraft.core.errors import ConfigurationError, ProviderError
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.tools import tool
from agenticraft.reasoning import AutoPattern, ChainOfThoughtResult, TreeOfThoughtsResult, create_pattern
from agenticraft.testing import FunctionModel, ScriptedModel


def classifier(reply: str | BaseException) -> Callable[[list[Message], list[ToolDefinition]], str]:
    """A model that answers the classification prompt with ``reply`` and solves the rest."""

    def fn(messages: list[Message], tools: list[ToolDefinition]) -> str:
        prompt = messages[-1].text
        if prompt.startswith("Choose the reasoning strategy"):
            if isinstance(reply, BaseException):
                raise reply
            return reply
        if "Evaluate these steps" in prompt:
            return "sure"
        if "Propose up to" in prompt:
            return "Answer: (13 - 9) * (10 - 4) = 24"
        return "Step 1: think\nAnswer: 12"

    return fn


async def test_the_model_chooses_and_the_choice_is_recorded() -> None:
    provider = FunctionModel(classifier("tree_of_thoughts: a search over arithmetic steps"))
    response = await AutoPattern().run(Agent(model=provider), "Use 4 9 10 13 to make 24.")
    assert response.selection is not None
    assert (response.selection.pattern, response.selection.method) == ("tree_of_thoughts", "model")
    assert response.selection.reason == "a search over arithmetic steps"
    assert response.pattern == "tree_of_thoughts" and isinstance(response.result, TreeOfThoughtsResult)
    assert response.content == "(13 - 9) * (10 - 4) = 24"
    first = response.reasoning_steps[0]
    assert first.data["kind"] == "selection" and first.pattern == "auto"
    # one cheap call: small token limit, temperature 0, in the trace like every other call
    assert response.calls[0].purpose == "classify"
    settings = provider.requests[0].settings
    assert (settings.max_tokens, settings.temperature) == (60, 0.0)
    assert len(response.reasoning.turns) == len(provider.requests) == 3


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (ProviderError("503 from upstream"), "the classification call failed"),
        ("I am not sure, sorry.", "names no pattern"),
        ("react: look it up", "the agent has no tools"),
    ],
)
async def test_the_heuristic_decides_when_the_model_cannot(reply: str | BaseException, problem: str) -> None:
    provider = FunctionModel(classifier(reply))
    response = await AutoPattern().run(Agent(model=provider), "What is 3 * 4?")
    selection = response.selection
    assert selection is not None and selection.method == "heuristic"
    assert selection.pattern == "chain_of_thought" and problem in (selection.error or "")
    assert response.content == "12" and isinstance(response.result, ChainOfThoughtResult)
    chosen = next(s for s in response.reasoning_steps if s.data["kind"] == "selection")
    assert problem in chosen.description


async def test_the_heuristic_picks_react_for_a_task_naming_a_tool() -> None:
    @tool
    def census(city: str) -> str:
        """Population."""
        return "522,250"

    model = ScriptedModel(["hmm", [ToolCall("census", {"city": "Lyon"})], "Final Answer: 522,250"])
    response = await AutoPattern().run(Agent(model=model, tools=[census]), "Ask the census about Lyon.")
    assert response.selection is not None and response.selection.pattern == "react"
    assert response.content == "522,250" and response.reasoning.tool_steps[0].result == "522,250"


async def test_per_pattern_configuration_is_used_for_the_chosen_pattern() -> None:
    provider = FunctionModel(classifier("chain_of_thought: simple"))
    pattern = create_pattern("auto", {"chain_of_thought": {"samples": 3}})
    response = await pattern.run(Agent(model=provider), "What is 3 * 4?")
    assert isinstance(response.result, ChainOfThoughtResult) and response.result.votes == {"12": 3}
    assert len(provider.requests) == 4


def test_bad_names_and_options_fail_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="unknown reasoning pattern"):
        create_pattern("graph_of_thoughts")
    with pytest.raises(ConfigurationError, match="bad pattern_config"):
        create_pattern("react", {"beam_width": 2})
    with pytest.raises(ConfigurationError):
        create_pattern("auto", {"tree_of_thoughts": {"search": "astar"}})
