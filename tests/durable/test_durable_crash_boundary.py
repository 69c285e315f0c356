"""The at-least-once boundary: a tool call cut by a crash (started, never recorded) runs again
on resume when the tool is idempotent, and fails the run with a typed error when it is not."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from durable_children import run_child, script_refund, tool_calls

from agenticraft.testing.servers.openai import OpenAIServer


def test_a_non_idempotent_call_cut_by_a_crash_is_not_run_again(tmp_path: Path, server: OpenAIServer) -> None:
    script_refund(server)
    code, _, _ = run_child(tmp_path, server, "kill-inside", DURABLE_IDEMPOTENT="0")
    assert code == -signal.SIGKILL and tool_calls(tmp_path) == ["123"]
    _, _, last = run_child(tmp_path, server, "resume", DURABLE_IDEMPOTENT="0")
    assert last.startswith("ERROR DurableToolInterruptedError: ")
    assert "'refund'" in last and "not run again" in last
    assert tool_calls(tmp_path) == ["123"]
    assert len(server.requests) == 1


def test_an_idempotent_call_cut_by_a_crash_runs_again(tmp_path: Path, server: OpenAIServer) -> None:
    script_refund(server)
    assert run_child(tmp_path, server, "kill-inside")[0] == -signal.SIGKILL
    _, _, last = run_child(tmp_path, server, "resume")
    assert json.loads(last.removeprefix("RESPONSE "))["content"] == "Refunded order 123."
    assert tool_calls(tmp_path) == ["123", "123"]  # at least once: the cut call ran again
