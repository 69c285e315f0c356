"""Tests."""

from __future__ import annotations

import asyncio

from agenticraft import Agent, tool
from agenticraft.core.events import (
    ToolResultChunk,
)
from agenticraft.core.fold import RunFold
from agenticraft.core.messages import ToolCall
from agenticraft.testing import FunctionModel, ScriptedModel


async def test_streaming_response_folds_any_chunk_stream_with_metrics() -> None:
    folded = RunFold()
    agent = Agent(model=FunctionModel(lambda m, t: "abcdefgh", chunk_size=2))
    async for chunk in agent.stream("x"):
        folded.add(chunk)
    assert folded.text == "abcdefgh"
    assert folded.chunk_count == 4 + 3  # four text pieces, usage, turn_end, done
    assert folded.final is not None and folded.final.content == "abcdefgh"
    assert folded.time_to_first_token is not None and folded.time_to_first_token >= 0
    assert folded.duration >= folded.time_to_first_token
    assert folded.tokens_per_second is not None and folded.tokens_per_second > 0
    assert len(folded.trace.turns) == 1


async def test_tool_results_follow_the_calls_not_the_finishing_order() -> None:
    fast_done = {2: asyncio.Event(), 4: asyncio.Event()}

    @tool
    async def slow(n: int) -> str:
        await fast_done[n + 1].wait()  # so the later call of the turn always finishes first
        return f"slow {n}"

    @tool
    async def fast(n: int) -> str:
        fast_done[n].set()
        return f"fast {n}"

    script = [
        [ToolCall("slow", {"n": 1}, "c1"), ToolCall("fast", {"n": 2}, "c2")],
        [ToolCall("slow", {"n": 3}, "c3"), ToolCall("fast", {"n": 4}, "c4")],
        "done",
    ]
    agent = Agent(model=ScriptedModel(script), tools=[slow, fast])
    chunks = [c async for c in agent.stream("go")]
    finished = [c.id for c in chunks if isinstance(c, ToolResultChunk)]
    assert finished == ["c2", "c1", "c4", "c3"]  # the events say what happened, in order
    response = chunks[-1].response  # type: ignore[attr-defined]
    # before: ["c2", "c1", "c4", "c3"], so zip(tool_calls, tool_results) paired the wrong ones
    assert [r.tool_call_id for r in response.tool_results] == [c.id for c in response.tool_calls]
    assert [r.content for r in response.tool_results] == ["slow 1", "fast 2", "slow 3", "fast 4"]
    assert [s.id for s in response.reasoning.tool_steps] == finished  # the trace keeps real order
    # a consumer folding the same events gets the same response
    folded = RunFold()
    for chunk in chunks:
        folded.add(chunk)
    assert folded.tool_results == response.tool_results


async def test_reading_the_partial_response_mid_run_does_not_stop_the_runs_clock() -> None:
    agent = Agent(model=ScriptedModel(["x" * 40], chunk_size=4))
    async with agent.stream("go") as stream:
        async for chunk in stream:
            if chunk.content and stream.text == chunk.content:
                peek = stream.response.metrics  # the first text chunk
    final = stream.response.metrics
    # before: the final duration was the peek's, so tokens per second came out absurdly high
    assert final.duration > peek.duration
    assert final.chunk_count > peek.chunk_count


async def test_an_interrupted_runs_metrics_stay_put() -> None:
    agent = Agent(model=ScriptedModel(["x" * 40], chunk_size=4))
    async with agent.stream("go") as stream:
        async for _ in stream:
            break
    first = stream.response.metrics
    await asyncio.sleep(0.01)
    assert stream.response.metrics.duration == first.duration
