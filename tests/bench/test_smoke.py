"""The benchmark keeps working: ``bench/run.py --smoke`` end to end, in a subprocess.

Smoke mode measures only the raw floor and AgentiCraft (no peers) with tiny sizes. Nothing
here looks at timings; it checks that every figure is present, finite and counted right.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("startup", "cpu", "latency", "ttfc", "concurrency", "tool")
PROTOCOLS = ("openai", "anthropic", "ollama", "responses")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out), "--name", "smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "targets (AgentiCraft, OpenAI protocol)" in done.stdout
    markdown = (out / "smoke.md").read_text()
    assert "| floor/openai |" in markdown and "| agenticraft/openai |" in markdown
    document: dict[str, Any] = json.loads((out / "smoke.json").read_text())
    return document


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def test_floor_and_agenticraft_on_every_protocol(smoke: dict[str, Any]) -> None:
    expected = {f"{client}/{protocol}" for client in ("floor", "agenticraft") for protocol in PROTOCOLS}
    assert set(smoke["results"]) == expected
    assert smoke["skipped"] == {}
    assert smoke["meta"]["mode"] == "smoke"
    assert smoke["meta"]["versions"]["agenticraft"]
    assert smoke["meta"]["machine"]["cores"]


def test_every_figure_is_present_and_counted_right(smoke: dict[str, Any]) -> None:
    params = smoke["meta"]["params"]
    for key, row in smoke["results"].items():
        for figure in FIGURES:
            data = row[figure]
            assert "error" not in data, (key, figure, data)
        assert row["cpu"]["counts"] == [params["cpu"]["chunks"]] * params["cpu"]["reps"], key
        assert _finite(row["cpu"]["us_per_chunk"]) and row["cpu"]["us_per_chunk"] > 0
        assert row["latency"]["counts"] == [params["latency"]["chunks"]] * params["latency"]["reps"], key
        assert _finite(row["latency"]["p50_ms"]) and row["latency"]["p99_ms"] >= row["latency"]["p50_ms"]
        assert row["ttfc"]["completed"] == params["ttfc"]["requests"], key
        assert _finite(row["ttfc"]["p50_ms"])
        concurrency = row["concurrency"]
        assert concurrency["completed"] == params["concurrency"]["runs"], (key, concurrency["errors"])
        assert _finite(concurrency["chunks_per_s"]) and _finite(concurrency["peak_rss_mb"])
        tool = row["tool"]
        assert tool["counts"] == [params["tool"]["chunks"]] * params["tool"]["runs"], key
        assert tool["tool_calls"] == params["tool"]["runs"], key
        assert row["startup"]["count"] == params["startup"]["chunks"], key
        assert (
            _finite(row["startup"]["import_ms"])
            and row["startup"]["first_run_ms"] >= row["startup"]["import_ms"]
        )


def test_summary_has_ratios_targets_and_no_problems(smoke: dict[str, Any]) -> None:
    summary = smoke["summary"]
    assert summary["sanity"] == {key: [] for key in smoke["results"]}
    assert summary["ratios"]["floor/openai"]["cpu.us_per_chunk"]["floor"] == pytest.approx(1.0)
    assert summary["ratios"]["agenticraft/openai"]["cpu.us_per_chunk"]["floor"] > 0
    names = [t["target"] for t in summary["targets"]]
    assert any("1.5x the floor" in n for n in names) and any("150 ms" in n for n in names)
    met = {t["target"]: t["met"] for t in summary["targets"]}
    assert met["all concurrent runs complete"] is True
