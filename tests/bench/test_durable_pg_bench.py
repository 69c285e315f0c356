"""``bench/durable_pg.py --smoke`` end to end on the tests' PostgreSQL: every figure is measured
and written. Nothing here looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_durable_pg_bench_smoke_reports_every_figure(postgres_database: str, tmp_path: Path) -> None:
    argv = [sys.executable, str(ROOT / "bench" / "durable_pg.py"), "--smoke", "--db", postgres_database]
    argv += ["--out", str(tmp_path), "--name", "d"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "d.json").read_text())
    assert [(r["turns"], r["tools"]) for r in document["rows"]] == [(1, 0), (2, 1), (2, 4)]
    for row in document["rows"]:
        assert row["plain_ms"] > 0 and row["durable_ms"] > 0
    assert all(math.isfinite(document[k]) for k in ("per_turn_ms", "per_tool_ms", "base_ms", "dbos_step_ms"))
    assert "ms per model turn" in (tmp_path / "d.md").read_text()
