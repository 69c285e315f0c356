"""Chain of Thought and self-consistency on function and scripted models."""

from __future__ import annotations

import asyncio

import pytest

from agenticraft.core.agent import Agent
from agenticraft.core.errors import ProviderError
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.reasoning import ChainOfThought, ChainOfThoughtResult, ReasoningResponse
from agenticraft.reasoning.parsing import ParsedStep, completed_steps
from agenticraft.reasoning.steps import ReasoningStepChunk
from agenticraft.testing import FunctionModel, ScriptedModel

MESSY = """Okay, let me think about this carefully.

**Step 1 -** There are 3 boxes with 4 eggs each (confidence: 0.95)
  so that is 12 eggs.
2. Two eggs break, leaving 10.

**Final answer:** **10 eggs**."""


class Samples:
    """Replies in call order, counting how many calls run at once."""

    def __init__(self, replies: list[str | BaseException]) -> None:
        self.replies = replies
        self.position = 0
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, messages: list[Message], tools: list[ToolDefinition]) -> str:
        reply = self.replies[self.position]
        self.position += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0)
        self.in_flight -= 1
        if isinstance(reply, BaseException):
            raise reply
        return reply


def result_of(response: ReasoningResponse) -> ChainOfThoughtResult:
    assert isinstance(response.result, ChainOfThoughtResult)
    return response.result


async def test_messy_output_is_parsed_into_steps_and_answer() -> None:
    model = ScriptedModel([MESSY])
    response = await ChainOfThought().run(
        Agent(model=model), "3 boxes of 4 eggs, 2 break. How many are left?"
    )
    assert response.content == "10 eggs"
    thoughts = [s for s in response.reasoning_steps if s.data["kind"] == "thought"]
    assert [s.content for s in thoughts] == [
        "There are 3 boxes with 4 eggs each so that is 12 eggs.",
        "Two eggs break, leaving 10.",
    ]
    assert [s.confidence for s in thoughts] == [0.95, None]
    assert [s.number for s in response.reasoning_steps] == [1, 2, 3]
    assert response.reasoning_steps[-1].data["kind"] == "answer"
    # the one model call is in the trace with its full text, and the prompt asked for steps
    assert [t.text for t in response.reasoning.turns] == [MESSY]
    assert "Step N:" in model.requests[0].messages[-1].text
    assert model.remaining == 0


async def test_self_consistency_samples_concurrently_and_counts_votes() -> None:
    samples = Samples(
        [
            "Step 1: 6 * 7\nAnswer: **42**",
            "Step 1: 6 * 7 = 42\nThe answer is 42.",
            "Step 1: 6 * 7 = 41\nAnswer: 41",
            "Step 1: 6 times 7\nAnswer: forty-two",
            "Step 1: 6 * 7\nAnswer: 42.0",
        ]
    )
    provider = FunctionModel(samples)
    response = await ChainOfThought(samples=5).run(Agent(model=provider), "6 * 7?")
    result = result_of(response)
    assert result.votes == {"42": 3, "41": 1, "forty-two": 1}
    assert result.winner == "42" and response.content == "42"
    assert samples.peak == 5  # all five chains were in flight together
    assert all(r.settings.temperature == 0.7 for r in provider.requests)
    vote = response.reasoning_steps[-1]
    assert vote.data["kind"] == "vote" and vote.data["votes"] == {"42": 3, "41": 1, "forty-two": 1}
    assert vote.confidence == pytest.approx(3 / 5)
    assert len(response.reasoning.turns) == len(provider.requests) == 5
    assert sorted(s.index for s in result.samples) == [0, 1, 2, 3, 4]


async def test_a_tie_goes_to_the_earliest_sample() -> None:
    replies: list[str | BaseException] = ["Answer: B", "Answer: A", "Answer: A", "Answer: b."]
    response = await ChainOfThought(samples=4).run(Agent(model=FunctionModel(Samples(replies))), "?")
    assert result_of(response).votes == {"b": 2, "a": 2}
    assert response.content == "B"


async def test_failed_samples_do_not_vote() -> None:
    replies: list[str | BaseException] = ["Answer: 7", ProviderError("overloaded"), "Answer: 7"]
    response = await ChainOfThought(samples=3).run(Agent(model=FunctionModel(Samples(replies))), "?")
    result = result_of(response)
    assert result.votes == {"7": 2} and response.content == "7"
    assert [s.error is not None for s in sorted(result.samples, key=lambda s: s.index)] == [
        False,
        True,
        False,
    ]
    failed = [s for s in response.reasoning_steps if s.data["kind"] == "call_failed"]
    assert (
        len(failed) == 1 and failed[0].data["purpose"] == "sample" and "overloaded" in failed[0].description
    )
    # every call is visible: two turns and one failed-call step for three calls
    assert len(response.calls) == 3 and len(response.reasoning.turns) == 2
    assert response.reasoning_steps[-1].data["valid"] == 2


async def test_every_sample_failing_raises() -> None:
    replies: list[str | BaseException] = [ProviderError("down"), ProviderError("down")]
    with pytest.raises(ProviderError, match="every chain-of-thought sample failed"):
        await ChainOfThought(samples=2).run(Agent(model=FunctionModel(Samples(replies))), "?")


async def test_the_budget_caps_the_samples() -> None:
    provider = ScriptedModel(["Answer: 1", "Answer: 1", "Answer: 2"])
    response = await ChainOfThought(samples=5, max_model_calls=3).run(Agent(model=provider), "?")
    assert len(provider.requests) == 3 and result_of(response).votes == {"1": 2, "2": 1}


async def test_steps_stream_while_the_model_is_still_writing() -> None:
    reply = "Step 1: a\nStep 2: b\ncontinued\nStep 3: c\nAnswer: d"
    agent = Agent(model=FunctionModel(lambda m, t: reply, chunk_size=3))
    order: list[str] = []
    async with ChainOfThought().stream(agent, "?") as stream:
        async for chunk in stream:
            if isinstance(chunk, ReasoningStepChunk):
                order.append(f"{chunk.step.data['kind']}:{chunk.step.content}")
            elif chunk.type == "turn_end":
                order.append("turn_end")
    # steps 1 and 2 were complete (the next step had begun) before the model's turn ended
    assert order == ["thought:a", "thought:b continued", "turn_end", "thought:c", "answer:d"]


def test_completed_steps_only_counts_steps_that_cannot_change() -> None:
    assert completed_steps("Step 1: a\nStep 2: b") == []  # only whole lines count
    assert completed_steps("Step 1: a\nStep 2: b\n") == [ParsedStep("a")]  # step 2 may go on
    assert completed_steps("Step 1: a\nStep 2: b\nmore\nStep 3: c\n") == [
        ParsedStep("a"),
        ParsedStep("b more"),
    ]
    assert completed_steps("Let me think\nabout it\n") == []  # unnumbered: wait for the end


async def test_the_pattern_run_is_a_run_of_its_agent_for_hooks() -> None:
    from typing import Any

    from agenticraft import RunContext, RunHooks

    class Runs(RunHooks):
        def __init__(self) -> None:
            self.started: list[tuple[str, str | None]] = []
            self.ended: list[tuple[str, BaseException | None]] = []

        async def on_run_start(self, ctx: RunContext[Any]) -> None:
            self.started.append((ctx.run_id, ctx.parent_run_id))

        async def on_run_end(self, ctx: RunContext[Any], response: Any, error: BaseException | None) -> None:
            self.ended.append((ctx.run_id, error))

    runs = Runs()
    agent = Agent(model=FunctionModel(Samples(["Final answer: 42"] * 3)), hooks=[runs])
    response = await ChainOfThought(samples=3).run(agent, "6 * 7?")
    assert response.content == "42"
    pattern_id, parent = runs.started[0]
    assert parent is None
    assert [p for _, p in runs.started[1:]] == [pattern_id] * 3  # every sample is part of it
    assert runs.ended[-1] == (pattern_id, None)  # the pattern's run ends last
    assert len(runs.ended) == 4

    failing = Runs()
    broken = Agent(model=FunctionModel(Samples([ProviderError("down", provider="x")])), hooks=[failing])
    with pytest.raises(ProviderError):
        await ChainOfThought().run(broken, "?")
    assert isinstance(failing.ended[-1][1], ProviderError)
