"""``examples/structured_output.py`` runs offline over real HTTP: the snapshots grow, the final
value is the three validated cities, and the schema went on the wire."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_structured_output_example_streams_snapshots_and_a_typed_answer() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AGENTICRAFT_BLOCK_REAL_PROVIDERS"] = "1"
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "structured_output.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    ).stdout.splitlines()
    assert out[:3] == [
        "1 cities so far: ['Tokyo']",
        "2 cities so far: ['Tokyo', 'Osaka']",
        "3 cities so far: ['Tokyo', 'Osaka', 'Kyoto']",
    ]
    assert out[3].startswith("final: [City(name='Tokyo', country='Japan', population=13960000)")
    assert out[4].startswith('schema sent: {"')
