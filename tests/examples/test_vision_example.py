"""examples/vision_agent.py runs offline: an image and a PDF in a prompt, a tool returning one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vision_example_runs_offline() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "vision_agent.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert out == [
        "I received 2 parts: image image/png (68 bytes); document application/pdf (109 bytes).",
        # the conversation still holds the first question's parts: they are sent again
        "I received 3 parts: image image/png (68 bytes); document application/pdf (109 bytes); "
        "image image/png (68 bytes, from tool call toolu_01).",
        "tool parts: ['page.png']",
    ]


def test_a_missing_file_is_one_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "vision_agent.py"),
            "anthropic:claude-sonnet-4-6",
            "nope.png",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.strip() == "error: no such file: 'nope.png'"
