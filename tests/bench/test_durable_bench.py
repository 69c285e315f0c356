"""``bench/durable.py --smoke`` end to end: every figure is measured and written. Nothing here
looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_durable_bench_smoke_reports_every_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "durable.py"),
            "--smoke",
            "--out",
            str(tmp_path),
            "--name",
            "d",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "d.json").read_text())
    assert document["db"] == "sqlite"
    assert set(document["scenarios"]) == {"answer", "tools-1", "tools-2"}
    assert document["scenarios"]["tools-2"]["tool_calls"] == 4
    for key in ("per_run_ms", "per_model_turn_ms", "per_tool_call_ms"):
        assert math.isfinite(document[key])
    assert "| per tool call |" in (tmp_path / "d.md").read_text()
