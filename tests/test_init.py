"""Tests."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_cheap_and_loads_no_heavy_module() -> None:
    code = (
        "import sys, agenticraft\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'httpx2', 'httpx', 'rich', 'mcp', 'opentelemetry', 'openai', 'anthropic')"
        " or m.startswith(('agenticraft.providers', 'agenticraft.cli', 'agenticraft.core.'))]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    code_agent = (
        "import sys\nfrom agenticraft import Agent, tool\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'httpx2', 'rich') "
        "or m.startswith('agenticraft.providers')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code_agent], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
