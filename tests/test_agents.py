"""ReasoningAgent: think_and_act, streaming of reasoning steps as they happen, memory."""

from __future__ import annotations

import asyncio

import pytest

from agenticraft.agents import ReasoningAgent
from agenticraft.core.agent import Agent
from agenticraft.core.errors import ConfigurationError, ProviderError
from agenticraft.core.events import StreamChunk
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.tools import tool
from agenticraft.reasoning import ChainOfThought, ReasoningResponse, TreeOfThoughtsResult
from agenticraft.reasoning.steps import ReasoningStepChunk
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn


def solver(messages: list[Message], tools: list[ToolDefinition]) -> str:
    prompt = messages[-1].text
    if "Evaluate these steps" in prompt:
        return "likely" if "10 - 4" in prompt else "impossible"
    if "10 - 4 = 6" in prompt:
        return "Answer: (13 - 9) * (10 - 4) = 24"
    return "4 + 9 = 13 (left: 10 13 13)\n10 - 4 = 6 (left: 6 9 13)"


async def test_think_and_act_as_in_the_issue() -> None:
    agent = ReasoningAgent(name="Solver", model=FunctionModel(solver), reasoning_pattern="tree_of_thoughts")
    response = await agent.think_and_act("Use 4 9 10 13 and + - * / to make 24.")
    assert isinstance(response, ReasoningResponse) and response.pattern == "tree_of_thoughts"
    assert response.content == "(13 - 9) * (10 - 4) = 24"
    steps = response.reasoning_steps
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    assert [s.description for s in steps if s.data["kind"] == "prune"] == [
        "prune n1: value 0.00 below threshold 0.30"
    ]
    assert any(s.confidence == 0.5 for s in steps)
    assert (
        isinstance(response.result, TreeOfThoughtsResult)
        and response.result.path[0] == "10 - 4 = 6 (left: 6 9 13)"
    )
    assert agent.history == [
        Message.user("Use 4 9 10 13 and + - * / to make 24."),
        Message.assistant("(13 - 9) * (10 - 4) = 24"),
    ]


async def test_stream_yields_reasoning_steps_while_the_run_is_still_going() -> None:
    received: list[StreamChunk] = []
    seen_at_second_turn: list[str] = []

    @tool
    def lookup(key: str) -> str:
        """Look a key up."""
        return key.upper()

    async def model(messages: list[Message], tools: list[ToolDefinition]) -> ScriptedTurn | str:
        await asyncio.sleep(0)  # one loop pass: the consumer takes what was queued
        if messages[-1].role != "tool":
            return ScriptedTurn("Thought: look it up.", [ToolCall("lookup", {"key": "abc"}, id="k1")])
        seen_at_second_turn.extend(c.step.data["kind"] for c in received if isinstance(c, ReasoningStepChunk))
        return "Thought: done.\nFinal Answer: ABC"

    agent = ReasoningAgent(model=FunctionModel(model), tools=[lookup], reasoning_pattern="react")
    async with agent.stream("Look up abc.") as stream:
        async for chunk in stream:
            received.append(chunk)
    # the first step's thought, action and observation had reached the consumer before turn 2
    assert seen_at_second_turn == ["thought", "action", "observation"]
    response = stream.response
    types = [c.type for c in received]
    assert types[-2:] == ["text", "done"] and types.count("done") == 1
    assert "".join(c.content for c in received) == response.content == "ABC"
    assert types.count("extension") == len(response.reasoning_steps) == 5
    assert types.count("turn_end") == len(response.reasoning.turns) == 2
    assert types.count("tool_call") == 1 and types.count("tool_result") == 1
    assert types.index("tool_result") < types.index("turn_end", types.index("tool_result"))


async def test_closing_the_stream_early_stops_the_model_calls() -> None:
    provider = FunctionModel(solver)
    agent = ReasoningAgent(model=provider, reasoning_pattern="tree_of_thoughts")
    async with agent.stream("Use 4 9 10 13 and + - * / to make 24.") as stream:
        async for chunk in stream:
            if isinstance(chunk, ReasoningStepChunk):
                break
    calls = len(provider.requests)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(provider.requests) == calls < 6
    assert stream.interrupted and stream.response.interrupted and stream.response.content == ""
    assert agent.history == []


async def test_memory_carries_over_but_internal_calls_stay_out_of_it() -> None:
    provider = ScriptedModel(["Answer: Ada", "Step 1: you said Ada\nAnswer: Ada"])
    agent = ReasoningAgent(model=provider, reasoning_pattern="chain_of_thought")
    await agent.think_and_act("My name is Ada. What is my name?")
    await agent.think_and_act("And again?")
    second_request = [m.text for m in provider.requests[1].messages]
    assert second_request[:2] == ["My name is Ada. What is my name?", "Ada"]
    assert len(agent.history) == 4


def test_run_from_sync_code_and_wrapping_an_existing_agent() -> None:
    base = Agent(name="base", model=ScriptedModel(["Answer: 3"]))
    agent = ReasoningAgent(agent=base, reasoning_pattern=ChainOfThought())
    assert agent.run("1 + 2?").content == "3"
    assert agent.name == "base" and agent.reasoning_pattern == "chain_of_thought"
    assert len(base.history) == 2


def test_conflicting_arguments_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        ReasoningAgent(agent=Agent(), model=ScriptedModel([]))
    with pytest.raises(ConfigurationError):
        ReasoningAgent(
            model=ScriptedModel([]), reasoning_pattern=ChainOfThought(), pattern_config={"samples": 2}
        )
    with pytest.raises(ConfigurationError):
        ReasoningAgent(
            model=ScriptedModel([]), reasoning_pattern="tree_of_thoughts", pattern_config={"beam": 2}
        )


async def test_a_provider_error_propagates_with_the_partial_response() -> None:
    agent = ReasoningAgent(
        model=ScriptedModel([ProviderError("unavailable", status_code=503)]), reasoning_pattern="react"
    )
    with pytest.raises(ProviderError) as info:
        await agent.think_and_act("hi")
    partial = info.value.partial_response
    assert isinstance(partial, ReasoningResponse) and partial.interrupted and partial.pattern == "react"
    assert partial.calls[0].error is not None and "unavailable" in partial.calls[0].error
    assert agent.history == []


async def test_cancel_ends_the_stream_quietly() -> None:
    provider = FunctionModel(solver)
    agent = ReasoningAgent(model=provider, reasoning_pattern="tree_of_thoughts")
    stream = agent.stream("Use 4 9 10 13 and + - * / to make 24.")
    seen = []
    async for chunk in stream:
        seen.append(chunk.type)
        if chunk.type == "extension" and chunk.name == "reasoning_step":
            stream.cancel()
    assert "done" not in seen and stream.interrupted and agent.history == []

    calls = len(provider.requests)
    handle = agent.stream("Use 4 9 10 13 and + - * / to make 24.")
    handle.cancel()  # before it even started: nothing runs
    assert [c async for c in handle] == [] and handle.interrupted
    assert len(provider.requests) == calls


async def test_the_response_and_the_tree_serialise_to_json() -> None:
    import json

    from agenticraft.core.response import to_jsonable

    response = await ReasoningAgent(
        model=FunctionModel(solver), reasoning_pattern="tree_of_thoughts"
    ).think_and_act("Use 4 9 10 13 and + - * / to make 24.")
    data = json.loads(json.dumps(to_jsonable(response)))
    nodes = data["result"]["tree"]["nodes"]
    assert [n["status"] for n in nodes] == [n.status for n in response.result.tree.nodes]  # type: ignore[union-attr]
    assert data["trace"]["steps"][0]["kind"] in ("model_turn", "reasoning_step")
    assert data["content"] == "(13 - 9) * (10 - 4) = 24"


async def test_every_event_of_a_reasoning_stream_carries_its_run_id_and_turn() -> None:
    agent = ReasoningAgent(model=FunctionModel(solver), reasoning_pattern="tree_of_thoughts")
    events = [e async for e in agent.stream("Use 4 9 10 13 and + - * / to make 24.")]
    run_ids = {e.run_id for e in events}
    assert len(run_ids) == 1 and "" not in run_ids
    ends = [e.turn for e in events if e.type == "turn_end"]
    assert ends == list(range(1, len(ends) + 1))
    usages = [e.turn for e in events if e.type == "usage"]
    assert usages == ends
    assert events[-1].type == "done" and events[-1].turn == ends[-1]
