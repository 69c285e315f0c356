"""An agent called as a tool: nested events tagged with its name, usage added to the caller's,
cancellation reaching the inner run, and the conversation it sees."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.events import (
    DoneChunk,
    NestedChunk,
    StreamChunk,
    TextChunk,
    TurnEndChunk,
    chunk_from_dict,
)
from agenticraft.core.messages import Message, ToolCall, Usage
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel


def _caller(tool_name: str, request: str = "summarise it") -> FunctionModel:
    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        if messages[-1].role == "tool":
            return "Lead: " + messages[-1].results[0].content
        return ToolCall(tool_name, {"request": request}, "call-1")

    return FunctionModel(fn)


def test_inner_events_stream_nested_and_tagged_and_usage_adds_up() -> None:
    writer_model = FunctionModel(lambda m, t: "Crisp summary.")
    writer = Agent(name="writer", model=writer_model)
    lead = Agent(name="lead", model=_caller("writer"), tools=[writer.as_tool("Write the final text")])

    async def main() -> tuple[list[StreamChunk], Any]:
        events = []
        async with lead.stream("go") as handle:
            async for event in handle:
                events.append(event)
        return events, handle.response

    events, response = asyncio.run(main())
    nested = [e for e in events if isinstance(e, NestedChunk)]
    assert nested and all(e.source == "writer" for e in nested)
    inner_text = "".join(e.event.content for e in nested if isinstance(e.event, TextChunk))
    assert inner_text == "Crisp summary."
    assert isinstance(nested[-1].event, DoneChunk)
    # nested events come before the tool's result in the outer stream
    result_at = next(i for i, e in enumerate(events) if e.type == "tool_result")
    assert events.index(nested[-1]) < result_at
    # the inner text is not the outer answer; the inner usage is part of the outer usage
    assert response.content == "Lead: Crisp summary."
    outer_turns = Usage()
    for e in events:
        if isinstance(e, TurnEndChunk):
            outer_turns = outer_turns + e.usage
    inner = next(e.event.usage for e in nested if isinstance(e.event, TurnEndChunk))
    assert inner.total_tokens > 0
    assert response.usage == outer_turns + inner
    assert response.agent == "lead"
    # a nested event round-trips through JSON
    back = chunk_from_dict(nested[0].to_dict())
    assert isinstance(back, NestedChunk) and back.source == "writer"
    assert back.event == nested[0].event


def test_description_and_name_reach_the_model() -> None:
    seen: list[list[ToolDefinition]] = []

    def fn(messages: list[Message], tools: list[ToolDefinition]) -> str:
        seen.append(tools)
        return "ok"

    writer = Agent(name="writer", model=FunctionModel(lambda m, t: "x"))
    Agent(model=FunctionModel(fn), tools=[writer.as_tool("Write the final text", name="write")]).run("hi")
    (definition,) = seen[0]
    assert definition.name == "write"
    assert definition.description == "Write the final text"
    assert list(definition.parameters["properties"]) == ["request"]


def test_cancelling_the_outer_run_cancels_the_inner_one() -> None:
    inner_started = asyncio.Event()
    release = asyncio.Event()

    async def slow(messages: list[Message], tools: list[ToolDefinition]) -> str:
        inner_started.set()
        await release.wait()  # never set: only cancellation ends this turn
        return "never"

    inner_model = FunctionModel(slow)
    researcher = Agent(name="researcher", model=inner_model)
    lead = Agent(name="lead", model=_caller("researcher"), tools=[researcher.as_tool()])

    async def main() -> Any:
        handle = lead.stream("go")

        async def consume() -> None:
            async for _ in handle:
                pass

        task = asyncio.ensure_future(consume())
        await inner_started.wait()
        handle.cancel()
        await task
        return handle

    handle = asyncio.run(main())
    assert handle.interrupted
    assert inner_model.streams_opened == 1 and inner_model.open_streams == 0
    assert researcher.history == []  # a fresh conversation per call: nothing remembered


def test_shared_conversation_sees_the_callers_messages_and_an_own_id_remembers() -> None:
    seen: list[list[str]] = []

    def inner(messages: list[Message], tools: list[ToolDefinition]) -> str:
        seen.append([f"{m.role}:{m.text}" for m in messages])
        return "noted"

    helper = Agent(name="helper", model=FunctionModel(inner))
    lead = Agent(
        name="lead",
        model=_caller("helper", "what did they say?"),
        tools=[helper.as_tool(conversation="shared")],
    )
    lead.run("my name is Ada")
    assert seen[-1] == ["user:my name is Ada", "user:what did they say?"]
    assert helper.history == []

    kept = Agent(name="helper", model=FunctionModel(inner))
    lead2 = Agent(name="lead", model=_caller("helper", "again"), tools=[kept.as_tool(conversation="notes")])
    lead2.run("one")
    lead2.run("two")
    assert seen[-1] == ["user:again", "assistant:noted", "user:again"]
    assert len(kept.conversation("notes")) == 4


def test_an_inner_failure_is_a_tool_error_the_model_reads() -> None:
    broken = Agent(name="broken", model=FunctionModel(lambda m, t: RuntimeError("boom")), max_turns=1)
    lead = Agent(name="lead", model=_caller("broken"), tools=[broken.as_tool()])
    response = lead.run("go")
    assert response.tool_results[0].is_error
    assert "boom" in response.tool_results[0].content


def test_conversation_option_must_not_be_empty() -> None:
    with pytest.raises(Exception, match="conversation="):
        Agent(name="x", model=FunctionModel(lambda m, t: "x")).as_tool(conversation="")


def test_the_callers_usage_limits_count_the_inner_runs_tokens() -> None:
    from agenticraft.core.errors import UsageLimitExceededError
    from agenticraft.core.limits import UsageLimits

    chatty = Agent(name="chatty", model=FunctionModel(lambda m, t: "word " * 400))
    lead_model = _caller("chatty")
    lead = Agent(
        name="lead",
        model=lead_model,
        tools=[chatty.as_tool()],
        usage_limits=UsageLimits(max_output_tokens=150),
    )
    with pytest.raises(UsageLimitExceededError) as caught:
        lead.run("go")  # the lead itself writes a few tokens; the inner run, hundreds
    assert caught.value.limit == "max_output_tokens"
    assert len(lead_model.requests) == 1  # stopped before the lead's second request
