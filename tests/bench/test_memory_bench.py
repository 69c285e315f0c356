"""The memory benchmark keeps working: ``bench/memory.py --smoke`` end to end, in a subprocess.
Nothing here looks at timings; it checks every figure is there and the exact store agrees with
brute force."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_memory_bench_smoke(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "memory.py"), "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    [saved] = tmp_path.glob("memory-smoke-*.json")
    result = json.loads(saved.read_text())
    assert [e["dimension"] for e in result["embedders"]] == [256, 512]
    default, lexical = result["embedders"]
    assert default["recall@10"] > lexical["recall@10"]  # the reason the default was chosen
    [store] = result["stores"]
    assert store["memories"] == 1000 and store["agreement_with_exact@10"] == 1.0
    for key, value in store.items():
        if isinstance(value, float):
            assert math.isfinite(value) and value >= 0, key
