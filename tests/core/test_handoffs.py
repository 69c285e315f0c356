"""Handoffs: a transfer tool per target, the target answering on the same conversation with
its own instructions and tools, in the same stream; input filters; a loop stopped."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError, MaxHandoffsExceededError
from agenticraft.core.events import DoneChunk, StreamChunk
from agenticraft.core.handoffs import HandoffChunk, handoff, recent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel


def invoice_total(number: str) -> str:
    """The total of an invoice."""
    return f"invoice {number}: 42 EUR"


def _billing() -> tuple[Agent, list[tuple[list[Message], list[str]]]]:
    seen: list[tuple[list[Message], list[str]]] = []

    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        seen.append((list(messages), [t.name for t in tools]))
        if messages[-1].role == "tool" and messages[-1].results[0].name == "invoice_total":
            return "Billing: " + messages[-1].results[0].content
        return ToolCall("invoice_total", {"number": "7"}, "b1")

    return Agent(
        name="billing", instructions="You are billing.", model=FunctionModel(fn), tools=[invoice_total]
    ), seen


def _triage(*targets: Any, **kw: Any) -> Agent:
    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        return ToolCall("transfer_to_billing", {}, "t1")

    return Agent(
        name="triage", instructions="Route the user.", model=FunctionModel(fn), handoffs=list(targets), **kw
    )


def test_the_target_answers_with_its_own_instructions_and_tools_in_the_same_stream() -> None:
    billing, seen = _billing()
    triage = _triage(billing, Agent(name="support", model=FunctionModel(lambda m, t: "support")))

    async def main() -> tuple[list[StreamChunk], Any]:
        events: list[StreamChunk] = []
        async with triage.stream("what is on my invoice?") as handle:
            async for event in handle:
                events.append(event)
        return events, handle.response

    events, response = asyncio.run(main())
    assert response.agent == "billing"
    assert response.content == "Billing: invoice 7: 42 EUR"
    assert [e for e in events if isinstance(e, DoneChunk)] == [events[-1]]  # one done, at the end
    (moved,) = [e for e in events if isinstance(e, HandoffChunk)]
    assert moved.payload == {"from": "triage", "to": "billing"}
    # billing saw its own instructions and tools, and the conversation so far
    messages, tools = seen[0]
    assert messages[0].role == "system" and messages[0].text == "You are billing."
    assert tools == ["invoice_total"]
    assert [m.role for m in messages[1:]] == ["user", "assistant", "tool"]
    assert messages[-1].results[0].content == "Transferred to billing."
    # one conversation in the entry agent's memory, the whole exchange, consistent
    roles = [m.role for m in triage.history]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    assert [m.role for m in response.messages] == roles
    assert response.usage.total_tokens == sum(t.usage.total_tokens for t in response.trace.turns)
    assert billing.history == []  # the conversation is the entry agent's


def test_the_triage_model_is_offered_one_transfer_tool_per_target() -> None:
    offered: list[str] = []

    def fn(messages: list[Message], tools: list[ToolDefinition]) -> str:
        offered.extend(t.name for t in tools)
        return "I can answer that myself."

    support = Agent(name="support", model=FunctionModel(lambda m, t: "x"))
    billing, _ = _billing()
    triage = Agent(
        name="triage", model=FunctionModel(fn), handoffs=[billing, handoff(support, tool_name="to_help")]
    )
    response = triage.run("hi")
    assert offered == ["transfer_to_billing", "to_help"]
    assert response.agent == "triage"


def test_an_input_filter_decides_what_history_the_target_sees() -> None:
    billing, seen = _billing()
    triage = _triage(handoff(billing, input_filter=recent(2)))
    triage.run("first question", history=[Message.user("old"), Message.assistant("older answer")])
    messages, _ = seen[0]
    assert [m.role for m in messages] == ["system", "assistant", "tool"]


def test_a_handoff_loop_is_stopped_by_max_handoffs() -> None:
    ping_model = FunctionModel(lambda m, t: ToolCall("transfer_to_pong", {}, "p"))
    pong = Agent(name="pong", model=FunctionModel(lambda m, t: ToolCall("transfer_to_ping", {}, "q")))
    ping = Agent(name="ping", model=ping_model, handoffs=[pong], max_handoffs=3)
    pong.handoffs = [handoff(ping)]
    with pytest.raises(MaxHandoffsExceededError) as caught:
        ping.run("loop")
    assert caught.value.chain == ["ping", "pong", "ping", "pong", "ping"]
    assert "max_handoffs" in str(caught.value)
    assert caught.value.partial_response is not None
    # memory is consistent: every transfer call has its result
    history = ping.history
    calls = [c.id for m in history for c in m.tool_calls]
    results = [r.tool_call_id for m in history for r in m.results]
    assert calls == results


def test_two_handoffs_with_one_tool_name_are_refused() -> None:
    billing, _ = _billing()
    with pytest.raises(ConfigurationError, match="transfer_to_billing"):
        _triage(billing, billing)
    with pytest.raises(ConfigurationError, match="handoffs="):
        _triage("billing")
