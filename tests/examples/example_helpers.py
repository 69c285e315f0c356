"""Running an example script as a user would: a fresh interpreter, no API keys, real
providers blocked (the examples talk only to agenticraft.testing's local servers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python examples/<name> ARGS...`` in a fresh interpreter, whatever way it ends."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AGENTICRAFT_BLOCK_REAL_PROVIDERS"] = "1"
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def run_example(name: str) -> list[str]:
    """The stdout lines of ``examples/<name>``; a failure shows its stderr."""
    done = run_script(name)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()
