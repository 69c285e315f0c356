"""The run loop's seams: tool approval (approve, deny, override by a new prompt), usage limits,
and many conversations on one agent at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agenticraft import Agent, UsageLimits, tool
from agenticraft.core.errors import ConfigurationError, ConversationBusyError, UsageLimitExceededError
from agenticraft.core.events import ApprovalRequiredChunk, TextChunk
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel, ScriptedModel

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


def consistent(history: list[Message]) -> bool:
    """Every tool call answered by the next message, except a trailing pending turn."""
    for i, message in enumerate(history):
        if message.tool_calls and i + 1 < len(history):
            answered = {r.tool_call_id for r in history[i + 1].results}
            if answered != {c.id for c in message.tool_calls}:
                return False
    return True


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
    assert agent.history[-1].tool_calls and consistent(agent.history)  # the pending turn is kept


def test_an_approved_call_runs_and_the_model_is_called_again() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    first = agent.run("Refund my last order")
    r = agent.run(approvals={first.pending_approvals[0].id: True})
    assert refunded == ["o1"]
    assert r.content == "result: order o1: a lamp | refunded o1"
    assert r.stop_reason == "end_turn" and consistent(agent.history)
    assert [m.role for m in agent.history] == ["user", "assistant", "tool", "assistant"]


def test_a_denied_call_returns_the_denial_to_the_model() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    agent.run("Refund my last order")
    r = agent.run(approvals={"r1": "not without a receipt"})
    assert refunded == []
    assert r.content == "result: order o1: a lamp | The user denied this call. Reason: not without a receipt"
    assert agent.history[2].results[1].is_error and consistent(agent.history)


def test_a_new_prompt_instead_of_approvals_denies_the_pending_calls() -> None:
    agent = Agent(model=FunctionModel(approval_model), tools=[lookup, refund])
    agent.run("Refund my last order")
    agent.run("Actually, never mind")  # asks for the calls again: a new pending turn
    assert refunded == []
    roles = [m.role for m in agent.history]
    assert roles == ["user", "assistant", "tool", "user", "assistant"]
    assert all(r.is_error for r in agent.history[2].results)
    assert consistent(agent.history)


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
    assert consistent(agent.history)


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
