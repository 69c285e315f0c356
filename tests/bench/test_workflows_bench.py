"""``bench/workflows.py --smoke`` end to end: every figure is measured and written. Nothing here
looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_workflows_bench_smoke_reports_every_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "workflows.py"),
            "--smoke",
            "--out",
            str(tmp_path),
            "--name",
            "w",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "w.json").read_text())
    (steps,) = document["steps"]
    assert steps["steps"] == 5
    for key in ("gather_s", "workflow_memory_s", "workflow_sqlite_s", "fan_out_s"):
        assert math.isfinite(steps[key]) and steps[key] > 0
    assert document["handoff"]["runs"] == document["agent_tool"]["runs"] == 3
    assert document["handoff"]["handoff_s"] > 0 and document["agent_tool"]["as_tool_s"] > 0
    assert "| handoff, 3 runs |" in (tmp_path / "w.md").read_text()
