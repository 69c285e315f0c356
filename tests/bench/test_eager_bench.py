"""``bench/eager.py --smoke`` end to end: every figure is reported, and the bench itself checks
that the eager and plain runs answered alike and that both ways of recovering from the cut gave
the whole answer (it raises otherwise). Nothing here looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_eager_bench_smoke_reports_every_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "eager.py"), "--smoke", "--out", str(tmp_path), "--name", "e"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "e.json").read_text())
    assert set(document["eager"]) == {"anthropic", "openai"}
    for row in document["eager"].values():
        assert all(math.isfinite(row[k]) and row[k] > 0 for k in ("plain_s", "eager_s", "eager/plain"))
    fallback = document["fallback"]
    for mode in ("continue", "retry"):
        assert fallback[mode]["to_new_text_s"] > 0 and fallback[mode]["to_end_s"] > 0
    assert "retry the whole request" in (tmp_path / "e.md").read_text()
