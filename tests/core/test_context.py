"""RunContext: deps reach sync and async tools and instruction functions, never the schema;
mypy checks ``ctx.deps``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agenticraft import Agent, RunContext, ToolDefinition, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.testing import FunctionModel


@dataclass
class Deps:
    user_id: str
    orders: dict[str, list[str]]


@tool
async def latest_orders(ctx: RunContext[Deps], limit: int = 5) -> list[str]:
    """The user's latest orders.

    Args:
        limit: How many orders to return.
    """
    return ctx.deps.orders[ctx.deps.user_id][:limit]


@tool
def whoami(ctx: RunContext[Deps]) -> str:
    """Who is asking (a sync tool: it runs in a worker thread and still gets the context)."""
    return f"{ctx.deps.user_id} (turn {ctx.turn}, call {ctx.tool_call.id if ctx.tool_call else '?'})"


def test_the_context_parameter_is_not_in_the_schema() -> None:
    assert latest_orders.parameters["properties"] == {
        "limit": {"type": "integer", "default": 5, "description": "How many orders to return."}
    }
    assert whoami.parameters["properties"] == {}
    assert latest_orders.takes_context and whoami.takes_context


def test_deps_reach_sync_and_async_tools_per_run() -> None:
    def model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        if messages[-1].role == "user":
            return [ToolCall("latest_orders", {"limit": 1}, "a"), ToolCall("whoami", {}, "b")]
        return "done"

    agent: Agent[Deps] = Agent(model=FunctionModel(model), tools=[latest_orders, whoami], deps_type=Deps)
    orders = {"u1": ["book", "pen"], "u2": ["lamp"]}
    first = agent.run("mine?", deps=Deps("u1", orders))
    second = agent.run("mine?", deps=Deps("u2", orders))
    assert [r.content for r in first.tool_results] == ['["book"]', "u1 (turn 1, call b)"]
    assert [r.content for r in second.tool_results] == ['["lamp"]', "u2 (turn 1, call b)"]


def test_dynamic_instructions_are_evaluated_at_every_run() -> None:
    systems: list[str] = []

    def model(messages: list[Message], tools: list[ToolDefinition]) -> str:
        systems.append(messages[0].text if messages[0].role == "system" else "")
        return "ok"

    agent: Agent[Deps] = Agent(instructions="Be brief.", model=FunctionModel(model), deps_type=Deps)

    @agent.instructions
    async def who(ctx: RunContext[Deps]) -> str:
        return f"The user is {ctx.deps.user_id}."

    @agent.instructions
    def nothing() -> str:
        return ""  # left out

    agent.run("hi", deps=Deps("u1", {}))
    agent.run("hi", deps=Deps("u2", {}))
    assert systems == ["Be brief.\n\nThe user is u1.", "Be brief.\n\nThe user is u2."]


def test_mypy_checks_the_type_of_deps(tmp_path: Path) -> None:
    source = tmp_path / "typed.py"
    source.write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass
            from agenticraft import Agent, RunContext, tool

            @dataclass
            class Deps:
                user_id: str

            @tool
            def ok(ctx: RunContext[Deps]) -> str:
                return ctx.deps.user_id

            def wrong(ctx: RunContext[Deps]) -> int:
                return ctx.deps.no_such_field

            agent = Agent(deps_type=Deps)
            agent.run("x", deps=Deps("u"))
            agent.run("x", deps="not deps")
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert any('"Deps" has no attribute "no_such_field"' in e for e in errors), result.stdout
    assert any("typed.py:18:" in e and '"deps"' in e for e in errors), result.stdout
    assert {e.split("typed.py:")[1].split(":")[0] for e in errors} == {"14", "18"}, result.stdout


def test_a_tool_streams_its_own_events_into_the_run_while_it_runs() -> None:
    import asyncio

    from agenticraft.core.events import ExtensionChunk, NestedChunk, TurnEndChunk
    from agenticraft.core.messages import Usage

    @tool
    async def crawl(ctx: RunContext[None], url: str) -> str:
        """Crawl a page."""
        ctx.emit(ExtensionChunk("progress", {"url": url, "done": 0.5}))
        await asyncio.sleep(0)
        # an event of a run inside this one: its model turn's usage counts towards the run's
        ctx.emit(NestedChunk.of("crawler", TurnEndChunk("end_turn", usage=Usage(5, 7))))
        return "page text"

    def fn(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        if messages[-1].role == "tool":
            return "read it"
        return ToolCall("crawl", {"url": "https://x"}, "c1")

    agent = Agent(model=FunctionModel(fn), tools=[crawl])

    async def main() -> tuple[list[Any], Any]:
        events = []
        async with agent.stream("go") as handle:
            async for event in handle:
                events.append(event)
        return events, handle.response

    events, response = asyncio.run(main())
    kinds = [e.name if isinstance(e, ExtensionChunk) else e.type for e in events]
    assert kinds.index("progress") < kinds.index("nested") < kinds.index("tool_result")
    progress = events[kinds.index("progress")]
    assert progress.payload == {"url": "https://x", "done": 0.5}
    assert progress.run_id == response.run_id and progress.turn == 1
    turns = Usage()
    for t in response.trace.turns:
        turns = turns + t.usage
    assert response.usage == turns + Usage(5, 7)
    assert [s.name for s in response.trace.steps if hasattr(s, "payload")] == ["progress"]


def test_emit_outside_a_tool_call_goes_nowhere() -> None:
    from agenticraft.core.events import ExtensionChunk

    RunContext(None).emit(ExtensionChunk("ignored"))  # no listener: a no-op, not an error
