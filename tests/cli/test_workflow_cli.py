"""``agenticraft workflow show module:wf`` prints the workflow's Mermaid flowchart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENTICRAFT_BLOCK_REAL_PROVIDERS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "agenticraft.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


def test_show_prints_the_mermaid_of_a_file_workflow() -> None:
    done = _cli("workflow", "show", "examples/workflows/report.py:wf")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["flowchart TD", '    input_topic(["topic"])']
    assert "    fetch -->|each| summarise" in done.stdout


def test_show_of_a_module_and_of_something_that_is_not_a_workflow(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(
        "from agenticraft.workflows import Workflow, MemoryCheckpoint\n"
        "wf = Workflow('tiny', checkpoint=MemoryCheckpoint())\n"
        "@wf.step\n"
        "async def only(ctx) -> int:\n"
        "    return 1\n"
        "not_a_workflow = 3\n"
    )
    done = _cli("workflow", "show", "flows:wf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == ["flowchart TD", '    only["only"]']
    wrong = _cli("workflow", "show", "flows:not_a_workflow", cwd=tmp_path)
    assert wrong.returncode == 2
    assert "int is not a Workflow" in wrong.stderr
    missing = _cli("workflow", "show", "flows", cwd=tmp_path)
    assert missing.returncode == 2 and "module:workflow" in missing.stderr
