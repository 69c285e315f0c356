"""``agenticraft run --mcp``: an MCP server's tools in a one-shot run, and Ctrl-C mid-call
leaves no server process."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_helpers import CLI, assert_one_line_error, offline_env, run_cli

from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

ROOT = Path(__file__).resolve().parents[2]
SERVER = shlex.join([sys.executable, "-m", "agenticraft.testing.mcp_server"])


def model_args(server: OpenAIServer) -> list[str]:
    return ["--model", "openai:local-model", "--base-url", server.base_url]


def test_run_answers_with_an_mcp_tools_result(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("", tool_calls=[ScriptedToolCall("add", {"a": 40, "b": 2}, "call_1")])
    openai_server.add_stream("The sum is 42.")
    result = run_cli(["run", "40 + 2?", "--mcp", SERVER, "-q", *model_args(openai_server)], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The sum is 42."
    tool_message = openai_server.requests[1].json()["messages"][-1]
    assert json.loads(tool_message["content"]) == {"result": 42}


def test_an_mcp_server_that_cannot_start_is_one_error_line(openai_server: OpenAIServer) -> None:
    result = run_cli(["run", "hi", "--mcp", "no-such-command-here", *model_args(openai_server)], cwd=ROOT)
    assert_one_line_error(result, 1, "could not be started", "no-such-command-here")


def test_ctrl_c_mid_call_leaves_no_mcp_server_process(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("", tool_calls=[ScriptedToolCall("slow", {"seconds": 60}, "call_1")])
    cli = subprocess.Popen(
        [*CLI, "run", "wait", "--mcp", SERVER, *model_args(openai_server)],
        env=offline_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        server_pid = _wait_for_child(cli.pid, "agenticraft.testing.mcp_server")
        deadline = time.monotonic() + 30
        while not openai_server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # the slow call is on the server
        os.kill(cli.pid, signal.SIGINT)
        cli.wait(timeout=20)
        assert cli.returncode == 130, cli.stderr.read() if cli.stderr else ""
        assert not _alive(server_pid), "the MCP server outlived the CLI"
    finally:
        cli.kill()
        cli.wait(timeout=10)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for_child(parent: int, marker: str) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
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
        time.sleep(0.05)
    raise AssertionError(f"no child of {parent} runs {marker}")


def test_chat_starts_its_mcp_servers_once_before_the_first_prompt() -> None:
    ok = run_cli(["chat", "--offline", "--mcp", SERVER], cwd=ROOT, stdin="/exit\n")
    assert ok.returncode == 0, ok.stderr
    assert "Traceback" not in ok.stderr
    broken = run_cli(["chat", "--offline", "--mcp", "no-such-command-here"], cwd=ROOT, stdin="hi\n/exit\n")
    assert_one_line_error(broken, 1, "could not be started")
