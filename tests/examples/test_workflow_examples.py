"""The workflow and multi-agent examples run end to end offline, each in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(AGENTICRAFT_BLOCK_REAL_PROVIDERS="1")
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "workflows" / script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    ).stdout


def test_report_pipeline_fans_out_merges_and_draws_the_run() -> None:
    out = _run("report.py", "sodium cells")
    lines = out.splitlines()
    assert lines[:3] == ["[start] fetch", "[end]   fetch: done", "[start] summarise"]
    assert [line.strip() for line in lines if line.endswith("answered")] == [
        f"summarise[{i}] answered" for i in range(4)
    ]
    assert "- sodium cells item 4 is promising." in lines
    assert "flowchart TD" in lines
    assert "    class fetch,summarise,merge done" in lines


def test_handoffs_example_is_answered_by_billing_with_its_tool() -> None:
    assert _run("handoffs.py").splitlines() == [
        "[handoff triage -> billing]",
        "[invoice_total({'number': 'A-7'})]",
        "Billing here: Invoice A-7 comes to 42.00 EUR.",
        "answered by: billing",
        "conversation: ['user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']",
    ]


def test_agents_as_tools_example_streams_nested_answers_and_adds_usage() -> None:
    lines = _run("agents_as_tools.py").splitlines()
    assert lines[:3] == [
        "  [researcher] Found 3 notes about batteries.",
        "  [writer] Batteries: 3 notes, all good.",
        "Final: Batteries: 3 notes, all good.",
    ]
    assert lines[3].startswith("total tokens (lead and its agents): ")
