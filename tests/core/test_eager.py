"""Eager tools in the loop, against in-process models: which calls start early, and what
happens to a started call the turn did not end with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import pytest

from agenticraft import Agent, tool
from agenticraft.core.eager import EagerStartChunk
from agenticraft.core.errors import UsageLimitExceededError
from agenticraft.core.events import (
    ExtensionChunk,
    ProviderEvent,
    RunEvent,
    TextChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    chunk_from_dict,
)
from agenticraft.core.limits import UsageLimits
from agenticraft.core.messages import ToolCall
from agenticraft.core.provider import ModelRequest, StreamingProvider
from agenticraft.testing import ScriptedModel


class Played(StreamingProvider):
    """Plays given provider events per turn; ``hold`` waits on an event before the rest."""

    name = "played"
    model = "played"

    def __init__(self, turns: Sequence[Sequence[ProviderEvent | asyncio.Event]]) -> None:
        self.turns = [list(t) for t in turns]
        self.requests: list[ModelRequest] = []

    async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        self.requests.append(request)
        for item in self.turns[len(self.requests) - 1]:
            if isinstance(item, asyncio.Event):
                await item.wait()
            else:
                await asyncio.sleep(0)
                yield item


def _call(
    arguments: str, call_id: str = "c1", name: str = "lookup", *, final: bool = True
) -> ToolCallDeltaChunk:
    return ToolCallDeltaChunk(arguments, 0 if call_id == "c1" else 1, call_id, name, final=final)


async def _events(agent: Agent, prompt: str = "go", **options: Any) -> list[RunEvent]:
    out: list[RunEvent] = []
    async with agent.stream(prompt, **options) as stream:
        async for chunk in stream:
            out.append(chunk)
    return out


def _started(events: list[RunEvent]) -> list[str]:
    return [e.payload["name"] for e in events if isinstance(e, EagerStartChunk)]


async def test_which_tools_start_early() -> None:
    ran: list[str] = []

    def make(name: str, **options: Any) -> Any:
        async def fn(q: str) -> str:
            ran.append(name)
            return name

        fn.__name__ = name
        fn.__doc__ = f"{name}."
        return tool(**options)(fn)

    tools = [
        make("plain"),
        make("marked", eager=True),
        make("opted_out", eager=False),
        make("alone", eager=True, sequential=True),
    ]
    calls = [ToolCall(t.name, {"q": "x"}, f"id_{t.name}") for t in tools]
    for eager_tools, expected in ((False, ["marked"]), (True, ["plain", "marked"])):
        model = ScriptedModel([calls, "done"])
        events = await _events(Agent(model=model, tools=tools, eager_tools=eager_tools))
        assert _started(events) == expected
        assert sorted(ran) == sorted(t.name for t in tools)  # every call ran once
        ran.clear()


async def test_a_call_changed_after_it_started_runs_again_and_the_early_result_is_dropped() -> None:
    seen: list[dict[str, Any]] = []

    @tool(eager=True)
    async def lookup(q: str = "none") -> str:
        """Look up."""
        seen.append({"q": q})
        return q

    # a server that said the call was complete, then sent more of it: the final call differs
    turn = [_call('{"q": "a"}'), _call('{"q": "b"}', final=False), TurnEndChunk("tool_use")]
    model = Played([turn, [TextChunk("done"), TurnEndChunk("end_turn")]])
    agent = Agent(model=model, tools=[lookup])
    events = await _events(agent)
    assert _started(events) == ["lookup"]
    result = agent.history[2].parts[0].result  # type: ignore[union-attr]
    assert result.is_error and "not valid JSON" in result.content  # the final call, not the early one
    assert seen == [{"q": "a"}]  # the early run, whose result went nowhere
    tool_calls = [e for e in events if e.type == "tool_call"]
    assert len(tool_calls) == 2  # complete early, then again with the final arguments


async def test_the_tool_call_limit_is_not_passed_by_eager_calls() -> None:
    @tool(eager=True)
    async def lookup(q: str) -> str:
        """Look up."""
        return q

    calls = [ToolCall("lookup", {"q": "a"}, "c1"), ToolCall("lookup", {"q": "b"}, "c2")]
    agent = Agent(
        model=ScriptedModel([calls, "done"]), tools=[lookup], usage_limits=UsageLimits(max_tool_calls=1)
    )
    events: list[RunEvent] = []
    with pytest.raises(UsageLimitExceededError):
        async for chunk in agent.stream("go"):
            events.append(chunk)
    assert _started(events) == ["lookup"]  # the first fits the limit, the second does not


async def test_a_turn_restart_cancels_the_eager_calls_of_the_voided_turn() -> None:
    cancelled = asyncio.Event()

    @tool(eager=True)
    async def lookup(q: str) -> str:
        """Look up."""
        if q == "a":
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.set()
                raise
        return q

    restart = ExtensionChunk("fallback", {"restart_turn": True})
    turn = [
        TextChunk("first try "),
        _call('{"q": "a"}'),
        restart,
        _call('{"q": "b"}', "c2"),
        TurnEndChunk("tool_use"),
    ]
    model = Played([turn, [TextChunk("done"), TurnEndChunk("end_turn")]])
    agent = Agent(model=model, tools=[lookup])
    events = await _events(agent)
    assert cancelled.is_set()
    assert [m.role for m in agent.history] == ["user", "assistant", "tool", "assistant"]
    assert [c.arguments for c in agent.history[1].tool_calls] == [{"q": "b"}]
    assert agent.history[1].text == ""  # the voided text is gone from memory
    response = next(e for e in events if e.type == "done").response  # type: ignore[union-attr]
    assert response.content == "done" and [r.content for r in response.tool_results] == ["b"]


async def test_cancel_from_another_task_cancels_the_eager_call() -> None:
    running, cancelled, hold = asyncio.Event(), asyncio.Event(), asyncio.Event()

    @tool(eager=True)
    async def lookup(q: str) -> str:
        """Look up."""
        running.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return q

    model = Played([[TextChunk("Looking. "), _call('{"q": "a"}'), hold, TurnEndChunk("tool_use")]])
    agent = Agent(model=model, tools=[lookup])
    stream = agent.stream("go")

    async def consume() -> None:
        async for _ in stream:
            pass

    task = asyncio.create_task(consume())
    await running.wait()
    stream.cancel()
    await task
    assert cancelled.is_set()
    assert [(m.role, m.text, m.tool_calls) for m in agent.history] == [
        ("user", "go", []),
        ("assistant", "Looking. ", []),
    ]


def test_the_eager_start_event_round_trips_and_adds_no_trace_step() -> None:
    chunk = EagerStartChunk("eager_tool_start", {"id": "c1", "name": "lookup"}, turn=2)
    back = chunk_from_dict(chunk.to_dict())
    assert isinstance(back, EagerStartChunk) and back == chunk and back.call_id == "c1"
    assert back.trace_step() is None


async def test_a_typed_output_tool_never_starts_early() -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str

    @tool
    async def lookup(q: str) -> str:
        """Look up."""
        return q

    model = ScriptedModel([[ToolCall("lookup", {"q": "fr"}, "c1")], {"name": "Paris"}])
    agent = Agent(model=model, tools=[lookup], eager_tools=True, output_type=City, output_mode="tool")
    events = await _events(agent)
    assert _started(events) == ["lookup"]  # the run's own tool, not the output tool
    done = next(e for e in events if e.type == "done")
    assert done.response.output == City(name="Paris")  # type: ignore[union-attr]
