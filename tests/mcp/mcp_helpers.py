"""Helpers for the MCP tests: the test MCP server (``agenticraft.testing.mcp_server``) over
stdio and Streamable HTTP, a model that makes a list of tool calls, and process checks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.core.provider import ToolDefinition
from agenticraft.mcp import MCPServerStdio
from agenticraft.testing import FunctionModel

ROOT = Path(__file__).resolve().parents[2]
SERVER_ARGS = ["-m", "agenticraft.testing.mcp_server"]


def server_env() -> dict[str, str]:
    """This environment (coverage's variables too), with this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def stdio_server(*extra: str, **options: Any) -> MCPServerStdio:
    return MCPServerStdio(sys.executable, [*SERVER_ARGS, *extra], env=server_env(), cwd=ROOT, **options)


@contextmanager
def http_server(*extra: str) -> Iterator[str]:
    """The test server over Streamable HTTP in a subprocess; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, *SERVER_ARGS, "--http", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=server_env(),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving MCP at "), line
        yield line.split()[3]
    finally:
        process.terminate()
        process.wait(timeout=10)


class CallingModel:
    """A FunctionModel that makes ``calls`` one per turn, keeps each result, then answers with
    the last result's text."""

    def __init__(self, calls: Sequence[tuple[str, dict[str, Any]]]) -> None:
        self.calls = list(calls)
        self.results: list[ToolResult] = []
        self.offered: list[list[str]] = []
        self.model = FunctionModel(self.turn)

    def turn(self, messages: list[Message], tools: list[ToolDefinition]) -> Any:
        self.offered.append([t.name for t in tools])
        done = [m for m in messages if m.role == "tool"]
        if done and len(done) > len(self.results):
            self.results.extend(done[-1].results)
        if len(self.results) < len(self.calls):
            name, arguments = self.calls[len(self.results)]
            return ToolCall(name, arguments, f"call_{len(self.results)}")
        return f"answer: {self.results[-1].content}" if self.results else "no calls"


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not reaped, does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
