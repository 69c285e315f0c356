"""A durable workflow killed by SIGKILL midway resumes in a new process: the steps recorded
before the kill do not run again, and the outputs are the uninterrupted run's."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

CHILD = Path(__file__).with_name("durable_workflow_child.py")


def _child(tmp_path: Path, mode: str, run_id: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(CHILD), str(tmp_path / "runs.db"), str(tmp_path / "steps.log"), mode, run_id],
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    return done.returncode, lines[-1] if lines else done.stderr[-2000:]


def _started(tmp_path: Path) -> list[str]:
    return (tmp_path / "steps.log").read_text().splitlines()


def test_a_durable_workflow_killed_midway_resumes_without_rerunning_recorded_steps(tmp_path: Path) -> None:
    code, _ = _child(tmp_path, "kill", "report-1")
    assert code == -signal.SIGKILL
    assert sorted(_started(tmp_path)) == ["count", "fetch", "report"]

    code, last = _child(tmp_path, "resume", "report-1")
    assert code == 0, last
    outputs = json.loads(last.removeprefix("RESULT "))
    assert outputs == {
        "fetch": ["batteries one", "batteries two"],
        "count": 9,
        "report": "9: batteries one; batteries two",
    }
    started = _started(tmp_path)
    assert sorted(started[:3]) == ["count", "fetch", "report"]
    assert started[3:] == ["report"]  # only the step cut by the kill ran again

    code, again = _child(tmp_path, "resume", "report-1")  # finished: the recorded outputs
    assert json.loads(again.removeprefix("RESULT ")) == outputs
    assert len(_started(tmp_path)) == 4
