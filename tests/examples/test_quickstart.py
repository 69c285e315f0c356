import os
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


def test_quickstart_with_a_real_model_and_no_key_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AGENTICRAFT_BLOCK_REAL_PROVIDERS"] = "1"
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), "openai:gpt-4o-mini"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1
    [line] = done.stderr.splitlines()  # one line, no traceback
    assert line.startswith("error: no API key for openai") and "OPENAI_API_KEY" in line
