"""A durable run killed by SIGKILL after its first tool call resumes in a new process: the
local model server and the tool each saw every call exactly once, the resumed stream replays
what was recorded before streaming the rest, and the answer is the uninterrupted run's."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from durable_children import run_child, script_refund, tool_calls

from agenticraft.testing.servers.openai import OpenAIServer


def test_a_run_killed_after_its_first_tool_call_resumes_in_a_new_process(
    tmp_path: Path, server: OpenAIServer
) -> None:
    script_refund(server)
    code, first_events, _ = run_child(tmp_path, server, "kill")
    assert code == -signal.SIGKILL
    assert [e["type"] for e in first_events if e["type"] in ("tool_call", "tool_result")] == ["tool_call"]
    assert tool_calls(tmp_path) == ["123"]
    assert len(server.requests) == 1

    code, events, last = run_child(tmp_path, server, "resume")
    assert code == 0, last
    assert last.startswith("RESPONSE ")
    response = json.loads(last.removeprefix("RESPONSE "))
    assert response["content"] == "Refunded order 123."
    # every model turn and every tool call happened once, across both processes
    assert tool_calls(tmp_path) == ["123"]
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
    _, _, last = run_child(tmp_path, server, "resume")
    assert json.loads(last.removeprefix("RESPONSE "))["content"] == "Refunded order 123."
    assert len(server.requests) == 2 and tool_calls(tmp_path) == ["123"]

    # an uninterrupted run of the same script gives the same response
    script_refund(server)
    _, _, plain = run_child(tmp_path, server, "run", "uninterrupted")
    uninterrupted = json.loads(plain.removeprefix("RESPONSE "))
    assert uninterrupted["content"] == response["content"]
    assert uninterrupted["messages"] == response["messages"]
    assert tool_calls(tmp_path) == ["123", "123"]  # once per run


def test_a_run_left_by_another_executor_is_a_typed_error_not_a_silent_wait(
    tmp_path: Path, server: OpenAIServer
) -> None:
    script_refund(server)
    code, _, _ = run_child(tmp_path, server, "kill", DURABLE_EXECUTOR="a")
    assert code == -signal.SIGKILL and tool_calls(tmp_path) == ["123"]
    code, events, last = run_child(tmp_path, server, "resume")  # this process is executor "local"
    assert code == 0 and events == []
    assert last.startswith(
        "ERROR DurableRunElsewhereError: durable run 'refund-123' is unfinished under executor 'a'"
    )
    assert "recover(['a'])" in last
    # the executor it belongs to takes it up again, and nothing recorded runs twice
    _, _, last = run_child(tmp_path, server, "resume", DURABLE_EXECUTOR="a")
    assert json.loads(last.removeprefix("RESPONSE "))["content"] == "Refunded order 123."
    assert tool_calls(tmp_path) == ["123"] and len(server.requests) == 2
