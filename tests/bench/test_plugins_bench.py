"""``bench/plugins.py --smoke`` end to end: every figure and ratio is reported. Nothing here
looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plugins_bench_smoke_reports_each_figure_and_ratio(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "plugins.py"),
            "--smoke",
            "--out",
            str(tmp_path),
            "--name",
            "p",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "p.json").read_text())
    assert set(document["figures_ms"]) == {"floor", "builtin", "unknown", "cli", "cli-off"}
    assert set(document["summary"]) == {"builtin/floor", "unknown/floor", "cli/cli-off"}
    assert all(math.isfinite(v) and v > 0 for v in document["summary"].values())
    assert "first built-in model lookup" in (tmp_path / "p.md").read_text()
