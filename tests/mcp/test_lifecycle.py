"""Starting and stopping MCP servers: shared by runs, never left running, restarted after a
crash, failures at start-up worded with the server's stderr."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mcp_helpers import ROOT, CallingModel, alive, stdio_server

from agenticraft import Agent
from agenticraft.core.context import RunContext
from agenticraft.core.errors import ConfigurationError, MCPServerError
from agenticraft.core.hooks import RunHooks
from agenticraft.mcp import MCPServerStdio


def pid_of(model: CallingModel, index: int = 0) -> int:
    return int(json.loads(model.results[index].content)["result"])


async def test_a_cancelled_run_leaves_no_server_process() -> None:
    started = asyncio.Event()

    class Started(RunHooks):
        async def on_tool_start(self, ctx, call) -> None:  # type: ignore[no-untyped-def]
            if call.name == "slow":
                started.set()

    model = CallingModel([("pid", {}), ("slow", {"seconds": 60})])
    agent = Agent(model=model.model, toolsets=[stdio_server(timeout=None)], hooks=[Started()])
    task = asyncio.create_task(agent.arun("wait"))
    await started.wait()
    pid = pid_of(model)
    assert alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pid)


async def test_two_concurrent_runs_share_the_server_and_the_last_one_stops_it() -> None:
    server = stdio_server()
    models = [CallingModel([("pid", {}), ("slow", {"seconds": 0.3})]) for _ in range(2)]
    await asyncio.gather(*(Agent(model=m.model, toolsets=[server]).arun("go") for m in models))
    pids = {pid_of(m) for m in models}
    assert len(pids) == 1
    assert all(not r.is_error for m in models for r in m.results)
    assert not alive(pids.pop())
    assert server._connection is None


async def test_async_with_agent_keeps_one_process_restarted_after_a_crash_and_ends_it() -> None:
    server = stdio_server()
    async with Agent(model=CallingModel([]).model, toolsets=[server]):
        before = CallingModel([("pid", {})])
        await Agent(model=before.model, toolsets=[server]).arun("pid?")
        first = CallingModel([("pid", {}), ("crash", {}), ("add", {"a": 1, "b": 2})])
        await Agent(model=first.model, toolsets=[server], max_turns=5).arun("crash")
        assert pid_of(before) == pid_of(first)  # one process for both runs
        crashed, after = first.results[1], first.results[2]
        assert crashed.is_error and "stopped while handling the call" in crashed.content
        assert "crashing on purpose" in crashed.content  # the end of its stderr
        assert after.is_error and "stopped earlier in this run" in after.content
        second = CallingModel([("pid", {})])
        await Agent(model=second.model, toolsets=[server]).arun("again")
        assert pid_of(second) != pid_of(first)
        assert not alive(pid_of(first)) and alive(pid_of(second))
        # a server that dies between runs is noticed (its listen stream drops) and started again
        os.kill(pid_of(second), signal.SIGKILL)
        async with asyncio.timeout(10):
            while not (server._connection is not None and server._connection.lost):  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        third = CallingModel([("pid", {})])
        await Agent(model=third.model, toolsets=[server]).arun("and again")
        assert not third.results[0].is_error and pid_of(third) not in (pid_of(first), pid_of(second))
    assert not alive(pid_of(third))


async def test_a_server_that_fails_to_start_is_an_error_with_its_stderr() -> None:
    broken = MCPServerStdio(sys.executable, ["-c", "import sys; print('no config file', file=sys.stderr)"])
    with pytest.raises(MCPServerError) as caught:
        await Agent(model=CallingModel([]).model, toolsets=[broken]).arun("hi")
    assert "could not be started" in str(caught.value) and "no config file" in str(caught.value)


async def test_a_server_that_never_answers_times_out_and_is_ended(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    silent = MCPServerStdio(sys.executable, ["-c", script], connect_timeout=1.0)
    with pytest.raises(MCPServerError, match="did not start within 1 s"):
        async with silent:
            pass
    assert not alive(int(pid_file.read_text()))


async def test_a_server_used_before_it_is_started_says_so() -> None:
    server = stdio_server()
    with pytest.raises(ConfigurationError, match="is not started"):
        await server.call_tool("add", {"a": 1, "b": 2}, RunContext(None))


def test_options_are_checked_and_the_sdk_is_loaded_only_for_mcp() -> None:
    with pytest.raises(ConfigurationError, match="prefix must be"):
        MCPServerStdio("x", prefix="no spaces")
    code = textwrap.dedent(
        """
        import sys
        import agenticraft
        agenticraft.Agent, agenticraft.tool
        assert "mcp" not in sys.modules, "import agenticraft loaded the MCP SDK"
        sys.modules["mcp"] = None  # as if the extra were not installed
        from agenticraft.core.errors import ConfigurationError
        try:
            from agenticraft.mcp import MCPServerStdio
        except ConfigurationError as exc:
            print(exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pip install 'agenticraft[mcp]'" in done.stdout


async def test_a_handshake_era_connection_hears_changes_and_routes_questions() -> None:
    server = stdio_server(protocol="legacy", elicitation_handler=lambda question: {"name": "Grace"})
    async with server:
        client = await server._live(None)
        assert client.protocol_version == "2025-11-25"
        assert (await server.call("greet")).content[0].text == "Hello, Grace!"
        await server.call("grow")
        async with asyncio.timeout(5):
            while not server._stale:  # noqa: ASYNC110 (the notification arrives on its own)
                await asyncio.sleep(0.01)
        assert "extra" in [t.name for t in await server.list_tools(RunContext(None))]
    with pytest.raises(ConfigurationError, match="protocol must be"):
        stdio_server(protocol="2024")


def test_sync_runs_on_loops_of_their_own_each_start_and_stop_the_server() -> None:
    server = stdio_server()
    pids = []
    for _ in range(2):
        model = CallingModel([("pid", {})])
        Agent(model=model.model, toolsets=[server]).run("pid?")
        pids.append(pid_of(model))
    assert pids[0] != pids[1] and not any(alive(p) for p in pids)
