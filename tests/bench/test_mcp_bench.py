"""``bench/mcp_call.py --smoke`` runs and reports every figure (timings are not judged)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_mcp_call_benchmark_reports_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "mcp_call.py"), "--smoke", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["calls"] == 5
    assert set(report["median_us"]) == {"bare", "toolset", "agent_mcp", "agent_local"}
    assert all(math.isfinite(v) and v > 0 for v in report["median_us"].values())
    assert math.isfinite(report["added_by_mcp_call_us"]) and report["toolset_over_bare"] > 0
