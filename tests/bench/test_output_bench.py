"""``bench/output.py --smoke`` end to end: the typed and plain runs stream every chunk, the typed
run's final value checks out (the bench client raises otherwise), and every ratio is reported.
Nothing here looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_output_bench_smoke_reports_each_client_and_ratio(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "output.py"), "--smoke", "--out", str(tmp_path), "--name", "o"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "o.json").read_text())
    assert set(document["figures"]) == {"50", "200"}
    for n, row in document["figures"].items():
        assert set(row) == {"floor", "agenticraft", "agenticraft-output"}
        for figure in row.values():
            assert figure["counts"] == [int(n)], figure
    summary = document["summary"]
    assert {"typed/plain@50", "typed/plain@200", "typed 200/50", "plain 200/50"} <= set(summary)
    assert all(math.isfinite(v) and v > 0 for v in summary.values())
    assert "| 200 |" in (tmp_path / "o.md").read_text()
