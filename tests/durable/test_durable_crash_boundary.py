"""The at-least-once boundary: a tool call cut by a crash (started, never recorded) runs again
on resume when the tool is idempotent, and fails the run with a typed error when it is not."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

CHILD = Path(__file__).with_name("durable_child.py")


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _script(server: OpenAIServer) -> None:
    server.add_stream(tool_calls=[ScriptedToolCall("refund", {"order": "123"}, id="call_1")])
    server.add_stream("Refunded order 123.")


def _child(
    tmp_path: Path, server: OpenAIServer, mode: str, run_id: str = "refund-123", **env: str
) -> tuple[int, list[dict[str, Any]], str]:
    """Run the child; its return code, the events it streamed and its last line."""
    import os

    done = subprocess.run(
        [
            sys.executable,
            str(CHILD),
            str(tmp_path / "runs.db"),
            server.base_url,
            str(tmp_path / "tool.log"),
            mode,
            run_id,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    lines = done.stdout.splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    last = lines[-1] if lines else done.stderr[-2000:]
    return done.returncode, events, last


def _tool_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "tool.log"
    return log.read_text().splitlines() if log.exists() else []


def test_a_non_idempotent_call_cut_by_a_crash_is_not_run_again(tmp_path: Path, server: OpenAIServer) -> None:
    _script(server)
    code, _, _ = _child(tmp_path, server, "kill-inside", DURABLE_IDEMPOTENT="0")
    assert code == -signal.SIGKILL and _tool_calls(tmp_path) == ["123"]
    _, _, last = _child(tmp_path, server, "resume", DURABLE_IDEMPOTENT="0")
    assert last.startswith("ERROR DurableToolInterruptedError: ")
    assert "'refund'" in last and "not run again" in last
    assert _tool_calls(tmp_path) == ["123"]
    assert len(server.requests) == 1


def test_an_idempotent_call_cut_by_a_crash_runs_again(tmp_path: Path, server: OpenAIServer) -> None:
    _script(server)
    assert _child(tmp_path, server, "kill-inside")[0] == -signal.SIGKILL
    _, _, last = _child(tmp_path, server, "resume")
    assert json.loads(last.removeprefix("RESPONSE "))["content"] == "Refunded order 123."
    assert _tool_calls(tmp_path) == ["123", "123"]  # at least once: the cut call ran again
