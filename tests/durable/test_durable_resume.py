"""A durable run killed by SIGKILL after its first tool call resumes in a new process: the
local model server and the tool each saw every call exactly once, the resumed stream replays
what was recorded before streaming the rest, and the answer is the uninterrupted run's."""

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


def test_a_run_killed_after_its_first_tool_call_resumes_in_a_new_process(
    tmp_path: Path, server: OpenAIServer
) -> None:
    _script(server)
    code, first_events, _ = _child(tmp_path, server, "kill")
    assert code == -signal.SIGKILL
    assert [e["type"] for e in first_events if e["type"] in ("tool_call", "tool_result")] == ["tool_call"]
    assert _tool_calls(tmp_path) == ["123"]
    assert len(server.requests) == 1

    code, events, last = _child(tmp_path, server, "resume")
    assert code == 0, last
    assert last.startswith("RESPONSE ")
    response = json.loads(last.removeprefix("RESPONSE "))
    assert response["content"] == "Refunded order 123."
    # every model turn and every tool call happened once, across both processes
    assert _tool_calls(tmp_path) == ["123"]
    assert len(server.requests) == 2
    second = server.requests[1].json()
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "call_1", "content": "refunded 123"}
    # the resumed stream replays the recorded turn and tool result, then streams the answer
    kinds = [e["type"] for e in events]
    assert kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("text")
    assert kinds[-1] == "done"
    assert "".join(e["content"] for e in events if e["type"] == "text") == "Refunded order 123."
    assert {e["run_id"] for e in events} == {"refund-123"}

    # the same run_id again: the recorded response, nothing runs
    _, _, last = _child(tmp_path, server, "resume")
    assert json.loads(last.removeprefix("RESPONSE "))["content"] == "Refunded order 123."
    assert len(server.requests) == 2 and _tool_calls(tmp_path) == ["123"]

    # an uninterrupted run of the same script gives the same response
    _script(server)
    _, _, plain = _child(tmp_path, server, "run", "uninterrupted")
    uninterrupted = json.loads(plain.removeprefix("RESPONSE "))
    assert uninterrupted["content"] == response["content"]
    assert uninterrupted["messages"] == response["messages"]
    assert _tool_calls(tmp_path) == ["123", "123"]  # once per run
