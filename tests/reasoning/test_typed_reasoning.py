"""Reasoning patterns answer with a typed output too: the final answer validated against
``output_type``, converted by one model call through the core typed-output loop when needed."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agenticraft import ModelRetry
from agenticraft.agents import ReasoningAgent
from agenticraft.core.agent import Agent
from agenticraft.core.events import OutputChunk
from agenticraft.reasoning import ChainOfThought, ReAct, TreeOfThoughts
from agenticraft.testing import ScriptedModel

MESSY = """Step 1: 3 boxes of 4 eggs is 12 eggs.
Step 2: Two break, leaving 10.

Final answer: 10"""


class Eggs(BaseModel):
    count: int
    unit: str = "eggs"


async def test_chain_of_thought_answer_that_already_fits_needs_no_extra_call() -> None:
    model = ScriptedModel([MESSY])
    response = await ChainOfThought().run(Agent(model=model, output_type=int), "3 boxes of 4, 2 break?")
    assert response.output == 10 and response.content == "10"
    assert model.remaining == 0 and len(response.calls) == 1


async def test_a_prose_answer_is_converted_by_a_typed_call_that_streams_its_output() -> None:
    model = ScriptedModel([MESSY, {"count": 10}])
    stream = ChainOfThought().stream(Agent(model=model), "3 boxes of 4, 2 break?", output_type=Eggs)
    events = [e async for e in stream]
    response = stream.response
    assert response.output == Eggs(count=10)
    assert [c.purpose for c in response.calls][-1] == "typed_output"
    assert model.requests[1].output is not None and model.requests[1].output.mode == "tool"
    assert "10" in model.requests[1].messages[-1].text  # the reasoned answer is what is converted
    finals = [e for e in events if isinstance(e, OutputChunk) and not e.partial]
    assert [f.output for f in finals] == [Eggs(count=10)]


async def test_react_and_tree_of_thoughts_answer_typed() -> None:
    react = ScriptedModel(["Thought: easy.\nFinal answer: 4", '{"count": 4}'])
    response = await ReAct().run(Agent(model=react, output_type=Eggs), "2 + 2 eggs?")
    assert response.output == Eggs(count=4)

    tree = ScriptedModel(["1. 24", "1.0", "Final answer: 24"] + ['{"count": 24}'] * 3)
    agent = Agent(model=tree, output_type=Eggs)
    result = await TreeOfThoughts(beam_width=1, max_depth=1).run(agent, "Make 24")
    assert isinstance(result.output, Eggs)


async def test_validators_and_retries_apply_to_a_reasoned_output() -> None:
    model = ScriptedModel([MESSY, {"count": -10}, {"count": 10}])
    agent = Agent(model=model, output_type=Eggs)

    @agent.output_validator
    def positive(eggs: Eggs) -> Eggs:
        if eggs.count < 0:
            raise ModelRetry("a count cannot be negative")
        return eggs

    response = await ReasoningAgent(agent=agent, reasoning_pattern="chain_of_thought").arun("Eggs?")
    assert response.output == Eggs(count=10)
    told = model.requests[2].messages[-1].results[0]
    assert told.is_error and "cannot be negative" in told.content


async def test_without_an_output_type_the_output_is_the_answer_text() -> None:
    response = await ChainOfThought().run(Agent(model=ScriptedModel([MESSY])), "Eggs?")
    assert response.output == "10"


@pytest.mark.parametrize("output_type", [int, Eggs])
async def test_the_reasoning_response_round_trips_with_its_output(output_type: type) -> None:
    model = ScriptedModel([MESSY, {"count": 10}])
    response = await ChainOfThought().run(Agent(model=model, output_type=output_type), "Eggs?")
    data = response.to_dict()
    assert data["output"] in (10, {"count": 10, "unit": "eggs"})
