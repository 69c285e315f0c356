"""The serving benchmark keeps working: ``bench/serve.py --smoke`` end to end, in a subprocess.
Nothing here looks at timings; it checks that every figure is there and every chunk arrived."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_serving_bench_measures_the_floor_and_agenticraft(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serve.py"), "--smoke", "--out", str(tmp_path), "--name", "s"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| figure | floor (bare Starlette SSE) | agenticraft.serve | ratio |" in done.stdout
    document = json.loads((tmp_path / "s.json").read_text())
    plan = document["meta"]["plan"]
    for kind in ("floor", "agenticraft"):
        for (clients, chunks, pace), row in zip(plan, document["results"][kind], strict=True):
            assert row["chunks"] == row["expected"] == clients * chunks, (kind, row)
            figure = row["delay_p99_ms"] if pace else row["chunks_per_s"]
            assert math.isfinite(figure) and figure > 0
