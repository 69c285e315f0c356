"""The child process of the kill-and-resume tests (durable_child.py) and what it left behind:
one place for tests/durable/test_durable_resume.py and test_durable_crash_boundary.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

CHILD = Path(__file__).with_name("durable_child.py")


def script_refund(server: OpenAIServer) -> None:
    server.add_stream(tool_calls=[ScriptedToolCall("refund", {"order": "123"}, id="call_1")])
    server.add_stream("Refunded order 123.")


def run_child(
    tmp_path: Path, server: OpenAIServer, mode: str, run_id: str = "refund-123", **env: str
) -> tuple[int, list[dict[str, Any]], str]:
    """Run the child; its return code, the events it streamed and its last line."""
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


def tool_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "tool.log"
    return log.read_text().splitlines() if log.exists() else []
