import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_example_runs_offline() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = out.splitlines()
    assert lines[0] == "[calling get_weather {'city': 'Paris'}]"
    assert lines[1] == "It is 18 degrees celsius in Paris."
    assert lines[2].startswith("usage: ") and "trace:" in lines
    assert "tool get_weather({'city': 'Paris'}) -> '18 degrees celsius in Paris'" in out
