"""The run loop's seams: tool approval (approve, deny, override by a new prompt), usage limits,
and many conversations on one agent at once."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from agenticraft import Agent, UsageLimits, tool
from agenticraft.core.errors import (
    ConfigurationError,
    ConversationBusyError,
    ServerError,
    StreamInterruptedError,
    UsageLimitExceededError,
)
from agenticraft.core.events import ApprovalRequiredChunk, TextChunk
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn

refunded: list[str] = []


@tool(requires_approval=True)
def refund(order_id: str) -> str:
    """Refund an order."""
    refunded.append(order_id)
    return f"refunded {order_id}"


@tool
def lookup(order_id: str) -> str:
    """Look an order up."""
    return f"order {order_id}: a lamp"


def approval_model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    last = messages[-1]
    if last.role == "user":
        return [ToolCall("lookup", {"order_id": "o1"}, "l1"), ToolCall("refund", {"order_id": "o1"}, "r1")]
    return "result: " + " | ".join(r.content for r in last.results)


@pytest.fixture(autouse=True)
def _reset() -> None:
    refunded.clear()


def test_a_call_that_needs_approval_stops_the_run_before_anything_runs() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    r = agent.run("Refund my last order")
    assert r.stop_reason == "approval_required"
    assert [(c.id, c.name, c.arguments) for c in r.pending_approvals] == [
        ("r1", "refund", {"order_id": "o1"})
    ]
    assert refunded == [] and r.tool_results == []
    assert agent.history[-1].tool_calls  # the pending turn is kept
    assert_consistent(agent.history, pending_ok=True)


def test_an_approved_call_runs_and_the_model_is_called_again() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    first = agent.run("Refund my last order")
    r = agent.run(approvals={first.pending_approvals[0].id: True})
    assert refunded == ["o1"]
    assert r.content == "result: order o1: a lamp | refunded o1"
    assert r.stop_reason == "end_turn"
    assert_consistent(agent.history)
    assert [m.role for m in agent.history] == ["user", "assistant", "tool", "assistant"]


def test_a_denied_call_returns_the_denial_to_the_model() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    agent.run("Refund my last order")
    r = agent.run(approvals={"r1": "not without a receipt"})
    assert refunded == []
    assert r.content == "result: order o1: a lamp | The user denied this call. Reason: not without a receipt"
    assert agent.history[2].results[1].is_error
    assert_consistent(agent.history)


def test_a_new_prompt_instead_of_approvals_denies_the_pending_calls() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    agent.run("Refund my last order")
    agent.run("Actually, never mind")  # asks for the calls again: a new pending turn
    assert refunded == []
    roles = [m.role for m in agent.history]
    assert roles == ["user", "assistant", "tool", "user", "assistant"]
    assert all(r.is_error for r in agent.history[2].results)
    assert_consistent(agent.history, pending_ok=True)


def test_approvals_that_do_not_match_the_pending_calls_are_refused() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    with pytest.raises(ConfigurationError, match="no tool call is waiting"):
        agent.run(approvals={"r1": True})
    agent.run("Refund my last order")
    with pytest.raises(ConfigurationError, match="not pending"):
        agent.run(approvals={"zzz": True})
    with pytest.raises(ConfigurationError, match="no decision"):
        agent.run(approvals={"l1": True})
    assert refunded == [] and agent.history[-1].tool_calls  # still pending, nothing lost


async def test_the_stream_shows_the_approval_request_as_an_event() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    events = [e async for e in agent.stream("Refund")]
    waiting = [e for e in events if isinstance(e, ApprovalRequiredChunk)]
    assert len(waiting) == 1 and waiting[0].calls[0].id == "r1" and waiting[0].turn == 1
    assert events[-1].type == "done"


def test_usage_limit_on_requests_stops_the_run_with_the_partial_response() -> None:
    looping = FunctionModel(lambda m, t: ToolCall("lookup", {"order_id": "o"}, f"c{len(m)}"))
    agent = Agent(model=looping, tools=[lookup], usage_limits=UsageLimits(max_requests=2))
    with pytest.raises(UsageLimitExceededError) as info:
        agent.run("go")
    assert info.value.limit == "max_requests"
    assert info.value.partial_response is not None
    assert len(info.value.partial_response.tool_results) == 2
    assert_consistent(agent.history)


def test_usage_limit_on_tool_calls_and_tokens() -> None:
    looping = FunctionModel(lambda m, t: ToolCall("lookup", {"order_id": "o"}, f"c{len(m)}"))
    agent = Agent(model=looping, tools=[lookup])
    with pytest.raises(UsageLimitExceededError, match="max_tool_calls=1"):
        agent.run("go", usage_limits=UsageLimits(max_tool_calls=1), conversation_id="a")
    with pytest.raises(UsageLimitExceededError) as info:
        agent.run("go", usage_limits=UsageLimits(max_output_tokens=1), conversation_id="b")
    assert info.value.limit == "max_output_tokens"


async def test_a_hundred_concurrent_conversations_keep_their_own_history() -> None:
    def echo(messages: list[Message], tools: list[ToolDefinition]) -> str:
        return "seen: " + ",".join(m.text for m in messages if m.role == "user")

    agent = Agent(model=FunctionModel(echo))

    async def talk(n: int) -> None:
        for word in ("a", "b"):
            await agent.arun(f"{n}{word}", conversation_id=f"user-{n}")
            await asyncio.sleep(0)

    await asyncio.gather(*(talk(n) for n in range(100)))
    for n in range(100):
        history = agent.conversation(f"user-{n}")
        assert [m.text for m in history] == [f"{n}a", f"seen: {n}a", f"{n}b", f"seen: {n}a,{n}b"]
    assert agent.history == []


async def test_two_runs_on_one_conversation_at_once_are_refused() -> None:
    agent = Agent(model=ScriptedModel(["slow " * 50, "other", "again"], chunk_size=1, delay=0.002))
    async with agent.stream("one", conversation_id="c") as first:
        await first.__anext__()
        with pytest.raises(ConversationBusyError):
            await agent.arun("two", conversation_id="c")
        await agent.arun("elsewhere", conversation_id="d")  # another conversation is free
    await agent.arun("three", conversation_id="c")  # free again once the first ended
    assert [m.text for m in agent.conversation("c")][-2:] == ["three", "again"]


def test_history_gives_the_messages_and_leaves_memory_alone() -> None:
    agent = Agent(model=FunctionModel(lambda m, t: f"{len(m)} messages"))
    r = agent.run("hi", history=[Message.user("earlier"), Message.assistant("yes")])
    assert r.content == "3 messages"
    assert [m.text for m in r.messages] == ["hi", "3 messages"]
    assert agent.history == []


async def test_every_event_carries_the_run_id_and_turn() -> None:
    replies = iter([ToolCall("lookup", {"order_id": "o"}, "c1"), "done"])
    agent = Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[lookup])
    events = [e async for e in agent.stream("go")]
    run_ids = {e.run_id for e in events}
    assert len(run_ids) == 1 and "" not in run_ids
    assert events[-1].type == "done" and events[-1].response.run_id in run_ids  # type: ignore[union-attr]
    assert [e.turn for e in events if isinstance(e, TextChunk)] == [2]
    assert {e.turn for e in events if e.type in ("tool_call", "tool_result")} == {1}


LONG = "The quick brown fox jumps over the lazy dog. " * 5


def assert_consistent(history: list[Message], *, pending_ok: bool = False) -> None:
    """Every user message has a reply after it; every tool call has its result next (with
    ``pending_ok``, a last assistant turn may still wait for approval)."""
    for i, message in enumerate(history):
        if message.role == "user":
            assert i + 1 < len(history), "a user message without a reply slot"
        calls = message.tool_calls
        if calls and not (pending_ok and i + 1 == len(history)):
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
    gc.freeze()  # the objects of earlier tests need no scanning by the collections below
    try:
        for k in range(1, total + 1):
            await _stop_and_check(method, k)
    finally:
        gc.unfreeze()


async def _stop_and_check(method: str, k: int) -> None:
    if True:
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
