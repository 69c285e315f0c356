"""``bench/durable.py --smoke`` end to end on SQLite and the tests' PostgreSQL in one run: every
figure of both databases is measured and written, in one table. Nothing here looks at timings."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_durable_bench_smoke_reports_every_figure_of_both_databases(
    postgres_database: str, tmp_path: Path
) -> None:
    argv = [sys.executable, str(ROOT / "bench" / "durable.py"), "--smoke"]
    argv += ["--db", "sqlite", "--db", postgres_database, "--out", str(tmp_path), "--name", "d"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads((tmp_path / "d.json").read_text())
    assert list(document["databases"]) == ["sqlite", "postgresql"]
    for database in document["databases"].values():
        scenarios = database["scenarios"]
        assert set(scenarios) == {"answer", "tools-1", "tools-2"}
        assert (scenarios["tools-2"]["model_turns"], scenarios["tools-2"]["tool_calls"]) == (3, 4)
        assert all(s["plain_s"] > 0 and s["durable_s"] > 0 for s in scenarios.values())
        for key in ("per_run_ms", "per_model_turn_ms", "per_tool_call_ms", "dbos_step_ms"):
            assert math.isfinite(database[key])
    table = (tmp_path / "d.md").read_text()
    assert "| | sqlite: SQLite, a temporary file | postgresql: the given database |" in table
    assert table.count("| **added per tool call** ms |") == 1
