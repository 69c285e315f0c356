"""Tool calls that overstay their timeout are abandoned, never waited for: stuck sync threads do
not exhaust anything or hold up the end of the run, and an async tool that ignores its
cancellation cannot stretch its timeout."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading

from agenticraft import Agent, tool
from agenticraft.core.messages import ToolCall
from agenticraft.core.tool_runner import TOOL_THREADS, abandoned_tool_calls
from agenticraft.testing import FunctionModel


def test_stuck_sync_tools_do_not_starve_the_next_ones() -> None:
    release = threading.Event()

    @tool(timeout=0.05, max_retries=100)
    def stuck() -> str:
        """Blocks until released."""
        release.wait(30)
        return "late"

    @tool
    def instant() -> str:
        """Returns at once."""
        return "now"

    calls = [ToolCall("stuck", {}, f"s{i}") for i in range(TOOL_THREADS.max_threads + 4)]
    replies = iter([calls, ToolCall("instant", {}, "i1"), "done"])
    agent = Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[stuck, instant])
    try:
        response = agent.run("go")
        assert all("timed out after 0.05 s" in r.content for r in response.tool_results[:-1])
        assert response.tool_results[-1].content == "now"  # a slot was free despite every stuck thread
        assert abandoned_tool_calls() >= TOOL_THREADS.max_threads  # accounted for, not waited for
    finally:
        release.set()


def test_a_run_with_a_stuck_sync_tool_ends_at_the_timeout_not_with_the_thread() -> None:
    # asyncio.run waits for the default executor at shutdown; our threads are not on it
    script = textwrap.dedent(
        """
        import time
        from agenticraft import Agent, tool
        from agenticraft.core.messages import ToolCall
        from agenticraft.testing import FunctionModel

        @tool(timeout=0.1)
        def stuck() -> str:
            '''Sleeps far past its timeout.'''
            time.sleep(600)
            return "late"

        replies = iter([ToolCall("stuck", {}, "s1"), "done"])
        r = Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[stuck]).run("go")
        print(r.tool_results[0].content)
        """
    )
    # the tool sleeps 600 s: a run or an interpreter exit that waited for its thread would hit
    # the 120 s timeout here (a wide margin, so a loaded machine cannot make this fail)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "timed out after 0.1 s" in done.stdout


def test_an_async_tool_that_ignores_cancellation_cannot_stretch_its_timeout() -> None:
    finished_late = asyncio.Event()

    @tool(timeout=0.05)
    async def stubborn() -> str:
        """Swallows its cancellation and keeps going."""
        for _ in range(3):
            try:
                await asyncio.sleep(0.5)
            except asyncio.CancelledError:
                continue
        finished_late.set()
        return "late"

    replies = iter([ToolCall("stubborn", {}, "s1"), "done"])
    agent = Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[stubborn])

    async def main() -> tuple[str, bool]:
        response = await agent.arun("go")
        return response.tool_results[0].content, finished_late.is_set()

    content, straggler_done = asyncio.run(main())
    assert content == "Tool 'stubborn' timed out after 0.05 s."
    assert not straggler_done  # the run went on without waiting for it


def test_sync_tools_do_not_use_the_default_executor() -> None:
    seen: list[str] = []

    @tool
    def where() -> str:
        """Names its thread."""
        seen.append(threading.current_thread().name)
        return "ok"

    replies = iter([ToolCall("where", {}, "w1"), "done"])
    Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[where]).run("go")
    assert seen == ["agenticraft-tool"]


def test_a_sync_tool_runs_in_the_callers_context() -> None:
    import contextvars

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    async def main() -> str:
        var.set("the caller's")
        return await TOOL_THREADS.run(var.get)

    assert asyncio.run(main()) == "the caller's"
