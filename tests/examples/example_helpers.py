"""Running an example script as a user would: a fresh interpreter, no API keys, real
providers blocked (the examples talk only to agenticraft.testing's local servers)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_example(name: str) -> list[str]:
    """The stdout lines of ``examples/<name>``; a failure shows its stderr."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AGENTICRAFT_BLOCK_REAL_PROVIDERS"] = "1"
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()
