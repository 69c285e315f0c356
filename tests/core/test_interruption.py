"""Every way of stopping a run: the provider stream closes, the partial answer is kept, memory
stays consistent, and an outer cancellation propagates unchanged."""

import asyncio

import pytest

from agenticraft import Agent, tool
from agenticraft.core.errors import ServerError, StreamInterruptedError
from agenticraft.core.messages import Message, ToolCall
from agenticraft.testing import ScriptedModel, ScriptedTurn

LONG = "The quick brown fox jumps over the lazy dog. " * 5


def assert_consistent(history: list[Message]) -> None:
    """Every user message has a reply after it; every tool call has its result next."""
    for i, message in enumerate(history):
        if message.role == "user":
            assert i + 1 < len(history), "a user message without a reply slot"
        calls = message.tool_calls
        if calls:
            assert i + 1 < len(history) and history[i + 1].role == "tool"
            assert {r.tool_call_id for r in history[i + 1].results} == {c.id for c in calls}


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_break_after_three_chunks_closes_the_provider_and_keeps_memory_consistent() -> None:
    model = ScriptedModel([LONG], chunk_size=5)
    agent = Agent(model=model)
    seen = []
    async for chunk in agent.stream("Tell me"):
        seen.append(chunk.content)
        if len(seen) == 3:
            break
    await settle()
    assert model.streams_opened == 1 and model.open_streams == 0
    history = agent.history
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].interrupted and history[1].text == "".join(seen) == LONG[:15]
    assert_consistent(history)


async def test_aclose_through_the_context_manager_keeps_the_partial_on_the_handle() -> None:
    model = ScriptedModel([LONG], chunk_size=5)
    agent = Agent(model=model)
    async with agent.stream("Tell me") as stream:
        async for chunk in stream:
            if chunk.content == "quick"[:0] + LONG[5:10]:
                break
    assert model.open_streams == 0  # closed before __aexit__ returned
    assert stream.interrupted and stream.response.interrupted
    assert stream.response.content == LONG[:10]
    assert stream.response.stop_reason == "interrupted"
    assert agent.history[-1].text == LONG[:10]


async def test_cancel_from_another_task_ends_the_stream_quietly() -> None:
    model = ScriptedModel([LONG], chunk_size=5, delay=0.01)
    agent = Agent(model=model)
    stream = agent.stream("Tell me")
    received = []
    three = asyncio.Event()

    async def consume() -> None:
        async for chunk in stream:
            received.append(chunk.content)
            if len(received) == 3:
                three.set()

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(three.wait(), 5)
    stream.cancel()
    await asyncio.wait_for(consumer, 5)  # no CancelledError leaks out of the consumer
    assert not consumer.cancelled()
    assert model.open_streams == 0
    assert stream.response.interrupted
    assert stream.response.content == "".join(received)
    assert 3 <= len(received) < len(LONG) // 5
    assert_consistent(agent.history)


async def test_cancel_inside_the_loop_body() -> None:
    model = ScriptedModel([LONG], chunk_size=5)
    stream = Agent(model=model).stream("Tell me")
    count = 0
    async for _ in stream:
        count += 1
        if count == 2:
            stream.cancel()
    assert count == 2 and model.open_streams == 0
    assert stream.response.content == LONG[:10]


async def test_cancelling_the_outer_task_raises_cancelled_error_unchanged() -> None:
    model = ScriptedModel([LONG], chunk_size=5, delay=0.01)
    agent = Agent(model=model)
    got_some = asyncio.Event()

    async def consume() -> None:
        async for chunk in agent.stream("Tell me"):
            if chunk.content:
                got_some.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_some.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    await settle()
    assert model.open_streams == 0
    assert agent.history[-1].interrupted
    assert_consistent(agent.history)


async def test_cancelling_an_arun_task_raises_cancelled_error() -> None:
    model = ScriptedModel([LONG], chunk_size=5, delay=0.01)
    agent = Agent(model=model)
    task = asyncio.create_task(agent.arun("Tell me"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert model.open_streams == 0
    assert_consistent(agent.history)


async def test_agent_cancel_makes_arun_raise_stream_interrupted_with_the_partial() -> None:
    model = ScriptedModel([LONG], chunk_size=5, delay=0.01)
    agent = Agent(model=model)
    task = asyncio.create_task(agent.arun("Tell me"))
    await asyncio.sleep(0.05)
    agent.cancel()
    with pytest.raises(StreamInterruptedError) as info:
        await task
    partial = info.value.partial_text
    assert partial and LONG.startswith(partial) and partial != LONG
    assert info.value.partial_response.interrupted
    assert agent.history[-1].text == partial


async def test_provider_error_mid_stream_keeps_the_text_received() -> None:
    error = ServerError("upstream died", provider="scripted", status_code=502)
    agent = Agent(model=ScriptedModel([ScriptedTurn(text="Hello wor", error=error)], chunk_size=3))
    with pytest.raises(ServerError) as info:
        await agent.arun("Hi")
    assert info.value.partial_text == "Hello wor"
    assert info.value.partial_response is not None and info.value.partial_response.interrupted
    assert [m.role for m in agent.history] == ["user", "assistant"]
    assert agent.history[1].interrupted and agent.history[1].text == "Hello wor"


async def test_failure_before_any_output_stores_nothing() -> None:
    agent = Agent(model=ScriptedModel([ServerError("down", status_code=503)]))
    with pytest.raises(ServerError):
        await agent.arun("Hi")
    assert agent.history == []


async def test_interrupted_during_tool_execution_drops_the_unanswered_calls() -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    @tool
    async def slow() -> str:
        started.set()
        await release.wait()
        return "late"

    model = ScriptedModel([ScriptedTurn(text="Let me look.", tool_calls=[ToolCall("slow", {})]), "never"])
    agent = Agent(model=model, tools=[slow])
    stream = agent.stream("go")

    async def consume() -> None:
        async for _ in stream:
            pass

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    stream.cancel()
    await asyncio.wait_for(consumer, 5)
    history = agent.history
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].tool_calls == [] and history[1].text == "Let me look." and history[1].interrupted
    assert_consistent(history)


async def test_interrupted_in_the_second_turn_keeps_the_finished_tool_round() -> None:
    @tool
    def quick() -> str:
        return "fast"

    model = ScriptedModel([[ToolCall("quick", {})], LONG], chunk_size=5)
    agent = Agent(model=model, tools=[quick])
    texts = 0
    async with agent.stream("go") as stream:
        async for chunk in stream:
            texts += bool(chunk.content)
            if texts == 2:
                break
    history = agent.history
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"]
    assert history[-1].interrupted and history[-1].text == LONG[:10]
    assert_consistent(history)


async def test_next_run_after_an_interruption_sends_a_consistent_history() -> None:
    model = ScriptedModel([LONG, "second answer"], chunk_size=5)
    agent = Agent(model=model)
    async for _ in agent.stream("first"):
        break
    response = await agent.arun("second")
    assert response.content == "second answer"
    sent = model.requests[1].messages
    assert [m.role for m in sent] == ["user", "assistant", "user"]
    assert sent[1].interrupted
