"""Helpers to run the ``agenticraft`` command as a user would: a subprocess (or a
pseudo-terminal), with no API key in the environment, the real-provider guard on, and
``OLLAMA_HOST`` pointing where no Ollama runs, so discovery finds nothing it was not given."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("agenticraft")
#: the console script pip installed (``agenticraft = agenticraft.cli.main:main``)
CLI: list[str] = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "agenticraft.cli.main"]


def offline_env(**extra: str) -> dict[str, str]:
    """A newcomer's environment: no keys, no model, no Ollama; the guard on."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    for name in ("AGENTICRAFT_MODEL", "AGENTICRAFT_DEBUG", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env.update(
        AGENTICRAFT_BLOCK_REAL_PROVIDERS="1",
        OLLAMA_HOST="127.0.0.1:9",  # the discard port: nothing answers there
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``agenticraft ARGS`` to the end, stdout and stderr captured (not a terminal)."""
    return subprocess.run(
        [*CLI, *args],
        env=env if env is not None else offline_env(),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    """A user mistake: the given exit code, one readable line on stderr, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("agenticraft: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
