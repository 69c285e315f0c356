"""Interruption paths found in review: aclose() from another task, and a sweep over every
event of a rich run (thinking, parallel tools, two tool rounds) for each way of stopping."""

import asyncio
import gc

import pytest

from agenticraft import Agent, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.testing import ScriptedModel, ScriptedTurn

LONG = "The quick brown fox jumps over the lazy dog. " * 5


def assert_consistent(history: list[Message]) -> None:
    """Every user message has a reply after it; every tool call has its result next."""
    for i, message in enumerate(history):
        if message.role == "user":
            assert i + 1 < len(history), "a user message without a reply slot"
        if message.tool_calls:
            assert i + 1 < len(history) and history[i + 1].role == "tool"
            assert {r.tool_call_id for r in history[i + 1].results} == {c.id for c in message.tool_calls}


async def test_aclose_from_another_task_stops_the_consumer_quietly() -> None:
    model = ScriptedModel([LONG], chunk_size=5, delay=0.01)
    agent = Agent(model=model)
    stream = agent.stream("Tell me")
    received: list[str] = []
    three = asyncio.Event()

    async def consume() -> None:
        async for chunk in stream:
            received.append(chunk.content)
            if len(received) == 3:
                three.set()

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(three.wait(), 5)
    await stream.aclose()  # was RuntimeError: aclose(): asynchronous generator is already running
    assert model.open_streams == 0
    await asyncio.wait_for(consumer, 5)
    assert not consumer.cancelled()
    assert stream.interrupted and stream.response.content == "".join(received)
    assert agent.history[-1].interrupted and agent.history[-1].text == "".join(received)


def rich_agent() -> tuple[ScriptedModel, Agent]:
    @tool
    async def a(x: int) -> str:
        await asyncio.sleep(0)
        return f"a{x}"

    @tool
    def b(x: int) -> str:
        return f"b{x}"

    model = ScriptedModel(
        [
            ScriptedTurn(
                thinking="hmm, both",
                thinking_signature="sig",
                text="Checking both.",
                tool_calls=[ToolCall("a", {"x": 1}, "c1"), ToolCall("b", {"x": 2}, "c2")],
            ),
            ScriptedTurn(text="One more.", tool_calls=[ToolCall("a", {"x": 3}, "c3")]),
            "The final answer.",
        ],
        chunk_size=3,
    )
    return model, Agent(model=model, tools=[a, b])


async def stop_after(method: str, k: int) -> tuple[ScriptedModel, Agent, list[str]]:
    model, agent = rich_agent()
    seen: list[str] = []
    if method == "break":
        async for chunk in agent.stream("go"):
            seen.append(chunk.content)
            if len(seen) == k:
                break
    elif method == "aclose":
        async with agent.stream("go") as stream:
            async for chunk in stream:
                seen.append(chunk.content)
                if len(seen) == k:
                    await stream.aclose()
    elif method == "cancel":
        stream = agent.stream("go")
        async for chunk in stream:
            seen.append(chunk.content)
            if len(seen) == k:
                stream.cancel()
    else:

        async def consume() -> None:
            async for chunk in agent.stream("go"):
                seen.append(chunk.content)
                if len(seen) == k:
                    asyncio.current_task().cancel()  # type: ignore[union-attr]

        with pytest.raises(asyncio.CancelledError):
            await asyncio.create_task(consume())
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0)
    return model, agent, seen


@pytest.mark.parametrize("method", ["break", "aclose", "cancel", "task_cancel"])
async def test_stopping_at_every_event_leaves_memory_consistent(method: str) -> None:
    _, full = rich_agent()
    total = len([c async for c in full.stream("go")])
    for k in range(1, total + 1):
        model, agent, seen = await stop_after(method, k)
        assert model.open_streams == 0, k
        history = agent.history
        assert_consistent(history)
        # the stored answer text is exactly what the consumer received
        assert "".join(m.text for m in history if m.role == "assistant") == "".join(seen), k
        # and the next run starts from a history a provider accepts
        again = ScriptedModel(["again"])
        assert (await agent.arun("next", model=again)).content == "again"
        assert_consistent(list(again.requests[0].messages) + agent.history[-1:])


async def test_a_stream_stopped_before_it_started_says_it_was_interrupted() -> None:
    model = ScriptedModel(["hello"])
    agent = Agent(model=model)
    cancelled = agent.stream("hi")
    cancelled.cancel()
    assert [c async for c in cancelled] == []
    closed = agent.stream("hi")
    await closed.aclose()
    for stream in (cancelled, closed):
        # before: interrupted was False while response.interrupted was True
        assert stream.interrupted and stream.response.interrupted and not stream.finished
    assert model.streams_opened == 0 and agent.history == []
