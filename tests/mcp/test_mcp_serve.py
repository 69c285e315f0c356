"""``agenticraft mcp serve``: the official MCP client lists and calls the served agent over
stdio and Streamable HTTP, and receives progress while the answer streams; ``agent_server``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp_helpers import ROOT, alive, server_env

from agenticraft.mcp import agent_server

ECHO = "examples/mcp/echo_agent.py:agent"
CLI = [sys.executable, "-m", "agenticraft.cli.main", "mcp", "serve"]


def stdio_params(*extra: str, spec: str = ECHO) -> StdioServerParameters:
    return StdioServerParameters(command=CLI[0], args=[*CLI[1:], spec, *extra], env=server_env(), cwd=ROOT)


async def ask(client: Client, prompt: str, **extra: str) -> tuple[str, list[tuple[float, str | None]]]:
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    result = await client.call_tool("echo", {"prompt": prompt, **extra}, progress_callback=on_progress)
    assert not result.is_error, result.content
    return result.content[0].text, progress  # type: ignore[union-attr]


def check_progress(answer: str, progress: list[tuple[float, str | None]]) -> None:
    assert len(progress) > 1  # the answer came in pieces
    values = [v for v, _ in progress]
    assert values == sorted(values) and values[-1] == len(answer)
    assert "".join(m or "" for _, m in progress) == answer


async def test_the_official_client_calls_the_served_agent_over_stdio_with_progress() -> None:
    async with Client(stdio_params()) as client:
        (tool,) = (await client.list_tools()).tools
        assert tool.name == "echo"
        assert set(tool.input_schema["properties"]) == {"prompt", "conversation_id"}
        assert tool.input_schema["required"] == ["prompt"]
        answer, progress = await ask(client, "hello there")
        assert answer == "You said: hello there"
        check_progress(answer, progress)
        # without a conversation id each call stands alone; with one, calls share memory
        assert (await ask(client, "again"))[0] == "You said: again"
        await ask(client, "first", conversation_id="c1")
        assert (await ask(client, "second", conversation_id="c1"))[0] == "You said: second (before: first)"


async def test_expose_tools_serves_the_agents_tools_too() -> None:
    async with Client(stdio_params("--expose-tools")) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"echo", "shout"}
        assert tools["shout"].input_schema["required"] == ["text"]
        shouted = await client.call_tool("shout", {"text": "hi"})
        assert shouted.content[0].text == "HI!"  # type: ignore[union-attr]
        assert (await ask(client, "shout hey"))[0] == "The tool said: HEY!"


@pytest.fixture()
def http_url() -> Iterator[str]:
    process = subprocess.Popen(
        [*CLI, ECHO, "--http", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving MCP at "), (line, process.stderr.read() if process.stderr else "")
        yield line.split()[3]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) in (0, 130)


async def test_the_official_client_calls_the_served_agent_over_http_with_progress(http_url: str) -> None:
    async with Client(http_url) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["echo"]
        answer, progress = await ask(client, "over http")
        assert answer == "You said: over http"
        check_progress(answer, progress)


async def test_agent_server_returns_the_sdks_server_object() -> None:
    from mcp.server.mcpserver import MCPServer

    from agenticraft import Agent
    from agenticraft.testing import FunctionModel

    agent = Agent(name="my helper!", model=FunctionModel(lambda m, t: "fine"))
    server = agent_server(agent, description="Ask me.")
    assert isinstance(server, MCPServer)
    async with Client(server) as client:  # in process, as an app mounting it would
        (tool,) = (await client.list_tools()).tools
        assert (tool.name, tool.description) == ("my_helper", "Ask me.")
        result = await client.call_tool("my_helper", {"prompt": "ok?"})
        assert result.content[0].text == "fine"  # type: ignore[union-attr]
    assert server.streamable_http_app() is not None


def test_sigint_of_a_serving_cli_stops_the_agents_own_mcp_server() -> None:
    """The served agent's MCP server (a grandchild process) is gone after Ctrl-C mid-call."""
    args = [*CLI[1:], ECHO.replace(":agent", ":slow_agent")]
    script = f"""
import asyncio, os
from mcp import Client, StdioServerParameters
async def main():
    params = StdioServerParameters(command={CLI[0]!r}, args={args!r}, env=dict(os.environ), cwd={str(ROOT)!r})
    async with Client(params) as client:
        pid = await client.call_tool("slow", {{"prompt": "pid"}})
        print(pid.content[0].text, flush=True)
        await client.call_tool("slow", {{"prompt": "wait"}})
asyncio.run(main())
"""
    # the client runs in its own process so that the CLI's pid can be found and sent SIGINT
    client = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=server_env(), cwd=ROOT
    )
    try:
        assert client.stdout is not None
        line = client.stdout.readline()
        assert line.startswith("Done: "), line
        grandchild = int(line.split('"result": ')[1].rstrip("}\n"))
        cli = _child_running(client.pid, "agenticraft.cli.main")
        assert alive(grandchild) and alive(cli)
        time.sleep(0.5)  # the slow call is in flight
        os.kill(cli, signal.SIGINT)
        deadline = time.monotonic() + 15
        while (alive(cli) or alive(grandchild)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(grandchild), "the agent's MCP server outlived the CLI"
        assert not alive(cli)
    finally:
        client.kill()
        client.wait(timeout=10)


def _child_running(parent: int, marker: str) -> int:
    """The pid of ``parent``'s child whose command line holds ``marker``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and marker in cmdline:
            return int(entry)
    raise AssertionError(f"no child of {parent} runs {marker}")


async def test_a_failing_or_typed_agent_answers_over_mcp_as_such() -> None:
    from pydantic import BaseModel

    from agenticraft import Agent
    from agenticraft.testing import FunctionModel

    class City(BaseModel):
        name: str

    def broken(messages, tools):  # type: ignore[no-untyped-def]
        raise RuntimeError("model down")

    failing = agent_server(Agent(name="broken", model=FunctionModel(broken)))
    typed = agent_server(
        Agent(name="typed", model=FunctionModel(lambda m, t: {"name": "Paris"}), output_type=City)
    )
    async with Client(failing) as client:
        result = await client.call_tool("broken", {"prompt": "hi"})
        assert result.is_error and "the agent failed" in result.content[0].text  # type: ignore[union-attr]
    async with Client(typed) as client:
        result = await client.call_tool("typed", {"prompt": "a city"})
        assert result.content[0].text == '{"name": "Paris"}'  # type: ignore[union-attr]


def test_mcp_serve_refuses_what_is_not_an_agent(capsys: pytest.CaptureFixture[str]) -> None:
    from agenticraft.cli.main import main

    assert main(["mcp", "serve", "examples/mcp/echo_agent.py:shout"]) == 2
    assert "'shout' is not an Agent" in capsys.readouterr().err
    assert main(["mcp", "serve", "examples/mcp/echo_agent.py:agent", "--port", "70000"]) == 2
