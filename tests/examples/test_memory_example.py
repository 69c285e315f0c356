"""examples/memory_agent.py: remembered in one process, recalled in the next."""

from __future__ import annotations

import subprocess
from pathlib import Path

from example_helpers import run_script


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_script("memory_agent.py", *args)


def test_remember_then_ask_in_another_process(tmp_path: Path) -> None:
    db = str(tmp_path / "memory.db")
    assert (
        _run("ask", "When does my train leave?", db).stdout.strip() == "I don't remember anything about that."
    )
    first = _run("remember", "My train to Lyon leaves at 7:40 from platform 9.", db)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "I'll remember that."
    second = _run("ask", "When does my train to Lyon leave?", db)
    assert second.stdout.strip() == "From memory: My train to Lyon leaves at 7:40 from platform 9."
    assert _run().returncode == 2
