"""examples/durable_agent.py: a run killed after its refund is finished by a new process."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from example_helpers import run_script


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_script("durable_agent.py", *args)


def test_crash_then_resume_runs_each_step_once(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    crashed = _run("crash", db)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert crashed.stdout.strip() == "refund recorded; killing this process"
    assert Path(db + ".log").read_text().splitlines() == ["model turn 1", "refund 123"]

    resumed = _run("resume", db)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines() == [
        "Done: order 123 refunded.",
        "model turn 1",
        "refund 123",
        "model turn 2",
    ]
    # the finished run answers from its record: nothing runs again
    again = _run("resume", db)
    assert again.stdout.splitlines() == resumed.stdout.splitlines()
    assert _run().returncode == 2
