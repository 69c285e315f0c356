"""Helpers of the worker tests: the local model the workers' agent talks to, ``agenticraft
worker`` subprocesses, and the tool's call log."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agenticraft.testing.servers import RecordedRequest, ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events

APP = str(Path(__file__).with_name("worker_app.py")) + ":support"
CONCURRENCY = 5  # runs at once per worker: at most this many are in flight on a killed one


def _order(body: Any) -> int:
    first_user = next(m for m in body["messages"] if m["role"] == "user")
    return int(re.findall(r"\d+", json.dumps(first_user["content"]))[-1])


def model(request: RecordedRequest) -> ScriptedResponse:
    """A support model: a refund tool call for the order asked about, then a one-line answer."""
    body = request.json()
    order = _order(body)
    if body["messages"][-1]["role"] == "tool":
        events = openai_stream_events(f"Refunded order {order}.")
    else:
        events = openai_stream_events(
            tool_calls=[ScriptedToolCall("refund", {"order": order}, id=f"c{order}")]
        )
    return ScriptedResponse(200, {"content-type": "text/event-stream"}, events)


def turn_of(request: RecordedRequest) -> tuple[int, str]:
    body = request.json()
    return _order(body), "answer" if body["messages"][-1]["role"] == "tool" else "tool_call"


class Worker:
    """An ``agenticraft worker`` subprocess, with its stderr in a file."""

    def __init__(self, db: str, tmp: Path, name: str, env: dict[str, str], *options: str) -> None:
        self.log = tmp / f"{name}.stderr"
        argv = [sys.executable, "-m", "agenticraft.cli.main", "worker", APP, "--db", db]
        argv += ["--concurrency", str(CONCURRENCY), "--dead-after", "1.5", "--poll", "0.1", *options]
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr)

    @property
    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30.0) -> str:
        """The worker's executor id, once it listens to the queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"agenticraft worker (\S+): running support", self.stderr)
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"the worker did not start (exit {self.process.poll()}):\n{self.stderr}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def worker_env(model_server: OpenAIServer, tool_log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AGENTICRAFT_TEST_MODEL_URL=model_server.base_url,
        AGENTICRAFT_TEST_TOOL_LOG=str(tool_log),
        AGENTICRAFT_TEST_TOOL_SECONDS="0.15",
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")]),
    )
    return env


def tool_events(tool_log: Path) -> list[tuple[int, int, str]]:
    """The tool's log in order: (order, process id, "start" or "end")."""
    if not tool_log.exists():
        return []
    lines = (line.split() for line in tool_log.read_text().splitlines())
    return [(int(order), int(pid), event) for order, pid, event in lines]


def tool_calls(tool_log: Path) -> list[tuple[int, int]]:
    """The tool calls begun, in order: (order, process id)."""
    return [(order, pid) for order, pid, event in tool_events(tool_log) if event == "start"]
