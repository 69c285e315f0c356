"""Hooks: observers called in order (the end one whatever way a run ends), wrappers that can
replace a model turn or a tool call, and hook errors that fail the run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agenticraft import Agent, RunContext, RunHooks, tool
from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.events import ProviderEvent, TextChunk, TurnEndChunk
from agenticraft.core.hooks import ModelTurnHandler, ToolCallHandler
from agenticraft.core.messages import ToolCall, ToolResult
from agenticraft.core.provider import ModelRequest
from agenticraft.core.response import AgentResponse
from agenticraft.core.tools import ToolOutcome
from agenticraft.testing import FunctionModel, ScriptedModel


class Recorder(RunHooks):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    async def on_run_start(self, ctx: RunContext[Any]) -> None:
        self.log.append(f"{self.name}:run_start")

    async def on_turn_start(self, ctx: RunContext[Any], request: ModelRequest) -> None:
        self.log.append(f"{self.name}:turn_start:{ctx.turn}:{len(request.messages)}")

    async def on_turn_end(self, ctx: RunContext[Any], turn: ModelTurn) -> None:
        self.log.append(f"{self.name}:turn_end:{turn.stop_reason}")

    async def on_tool_start(self, ctx: RunContext[Any], call: ToolCall) -> None:
        self.log.append(f"{self.name}:tool_start:{call.name}")

    async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: ToolResult) -> None:
        self.log.append(f"{self.name}:tool_end:{result.content}")

    async def on_run_end(
        self, ctx: RunContext[Any], response: AgentResponse, error: BaseException | None
    ) -> None:
        outcome = type(error).__name__ if error else ("interrupted" if response.interrupted else "ok")
        self.log.append(f"{self.name}:run_end:{outcome}")


@tool
def double(x: int) -> int:
    """Double a number."""
    return 2 * x


def test_hooks_are_called_in_order() -> None:
    log: list[str] = []
    replies = iter([ToolCall("double", {"x": 21}, "c1"), "42"])
    agent = Agent(
        model=FunctionModel(lambda m, t: next(replies)),
        tools=[double],
        hooks=[Recorder("a", log), Recorder("b", log)],
    )
    agent.run("go")
    assert log == [
        "a:run_start",
        "b:run_start",
        "a:turn_start:1:1",
        "b:turn_start:1:1",
        "a:turn_end:tool_use",
        "b:turn_end:tool_use",
        "a:tool_start:double",
        "b:tool_start:double",
        "a:tool_end:42",
        "b:tool_end:42",
        "a:turn_start:2:3",
        "b:turn_start:2:3",
        "a:turn_end:end_turn",
        "b:turn_end:end_turn",
        "a:run_end:ok",
        "b:run_end:ok",
    ]


async def test_on_run_end_runs_after_break() -> None:
    log: list[str] = []
    agent = Agent(model=ScriptedModel(["a long answer " * 20], chunk_size=3), hooks=[Recorder("h", log)])
    async with agent.stream("go") as stream:
        async for chunk in stream:
            if isinstance(chunk, TextChunk):
                break
    assert log[-1] == "h:run_end:interrupted"


async def test_on_run_end_runs_after_task_cancellation() -> None:
    log: list[str] = []
    started = asyncio.Event()
    agent = Agent(model=ScriptedModel(["x" * 400], chunk_size=2, delay=0.005), hooks=[Recorder("h", log)])

    async def consume() -> None:
        async for _ in agent.stream("go"):
            started.set()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert log[-1] == "h:run_end:CancelledError"


def test_on_run_end_sees_the_error() -> None:
    log: list[str] = []
    agent = Agent(model=FunctionModel(lambda m, t: ConnectionError("down")), hooks=[Recorder("h", log)])
    with pytest.raises(ConnectionError):
        agent.run("go")
    assert log[-1] == "h:run_end:ConnectionError"


def test_a_hook_that_raises_fails_the_run() -> None:
    class Broken(RunHooks):
        async def on_turn_start(self, ctx: RunContext[Any], request: ModelRequest) -> None:
            raise RuntimeError("audit store is down")

    agent = Agent(model=FunctionModel(lambda m, t: "hi"), hooks=[Broken()])
    with pytest.raises(RuntimeError, match="audit store is down"):
        agent.run("go")
    assert agent.history == []


def test_a_model_turn_wrapper_can_replay_a_recorded_turn() -> None:
    recorded: list[ProviderEvent] = []

    class Cache(RunHooks):
        async def wrap_model_turn(
            self, ctx: RunContext[Any], request: ModelRequest, handler: ModelTurnHandler
        ) -> AsyncIterator[ProviderEvent]:
            if recorded:
                for event in recorded:
                    yield event
                return
            async for event in handler(request):
                recorded.append(event)
                yield event

    calls: list[int] = []

    def model(m: Any, t: Any) -> str:
        calls.append(1)
        return "recorded answer"

    agent = Agent(model=FunctionModel(model), hooks=[Cache()])
    assert agent.run("one").content == "recorded answer"
    assert agent.run("two").content == "recorded answer"
    assert calls == [1]  # the second turn came from the wrapper
    assert any(isinstance(e, TurnEndChunk) for e in recorded)


def test_tool_call_wrappers_nest_first_outermost_and_may_replace_the_call() -> None:
    order: list[str] = []

    class Outer(RunHooks):
        async def wrap_tool_call(
            self, ctx: RunContext[Any], call: ToolCall, handler: ToolCallHandler
        ) -> ToolOutcome:
            order.append("outer in")
            outcome = await handler(call)
            order.append("outer out")
            return ToolOutcome(f"<{outcome.output}>")

    class Inner(RunHooks):
        async def wrap_tool_call(
            self, ctx: RunContext[Any], call: ToolCall, handler: ToolCallHandler
        ) -> ToolOutcome:
            order.append("inner")
            return await handler(ToolCall(call.name, {"x": 5}, call.id))  # rewrites the arguments

    replies = iter([ToolCall("double", {"x": 1}, "c1"), "done"])
    agent = Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[double], hooks=[Outer(), Inner()])
    response = agent.run("go")
    assert order == ["outer in", "inner", "outer out"]
    assert response.tool_results[0].content == "<10>"


# -- process-wide hooks and Agent(instrument=False) ---------------------------------------------
class Seen(RunHooks):
    def __init__(self) -> None:
        self.runs: list[tuple[str, str | None]] = []

    async def on_run_start(self, ctx: RunContext[Any]) -> None:
        self.runs.append((ctx.agent_name, ctx.parent_run_id))


def test_global_hooks_join_every_run_outside_the_agents_own_unless_opted_out() -> None:
    from agenticraft.core.hooks import add_global_hooks, global_hooks, remove_global_hooks

    seen, own = Seen(), Seen()
    add_global_hooks(seen)
    add_global_hooks(seen)  # once only
    try:
        assert global_hooks().count(seen) == 1
        agent = Agent(name="a", model=FunctionModel(lambda m, t: "hi"), hooks=[own])
        assert agent.run_hooks == [seen, own]  # outermost first
        agent.run("x")
        Agent(name="out", model=FunctionModel(lambda m, t: "hi"), instrument=False).run("x")
        assert seen.runs == [("a", None)] and own.runs == [("a", None)]
    finally:
        remove_global_hooks(seen)
    assert seen not in global_hooks()


def test_a_run_started_in_a_tool_knows_its_parent_run_and_every_run_its_provider() -> None:
    seen = Seen()
    model = FunctionModel(lambda m, t: "inner")
    inner = Agent(name="inner", model=model, hooks=[seen])
    providers: list[Any] = []

    class Provider(RunHooks):
        async def on_run_start(self, ctx: RunContext[Any]) -> None:
            providers.append(ctx.provider)

    async def ask(q: str) -> str:
        """Ask."""
        return (await inner.arun(q)).content

    @tool
    def ask_sync(q: str) -> str:
        """Ask from a thread."""
        return inner.run(q).content

    replies = iter([ToolCall("ask", {"q": "?"}, "c1"), ToolCall("ask_sync", {"q": "?"}, "c2"), "done"])
    outer = Agent(
        name="outer",
        model=FunctionModel(lambda m, t: next(replies)),
        tools=[ask, ask_sync],
        hooks=[seen, Provider()],
    )
    response = outer.run("go")
    assert [name for name, _ in seen.runs] == ["outer", "inner", "inner"]
    outer_id = response.run_id
    assert seen.runs[0][1] is None
    assert seen.runs[1][1] == outer_id  # started in the tool's task
    assert seen.runs[2][1] == outer_id  # started in the sync tool's thread: the context went along
    assert providers == [outer.provider]
