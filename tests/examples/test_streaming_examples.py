"""The streaming examples run end to end offline, each in a fresh interpreter, against the
local wire-protocol servers (the real-provider guard is on, so they cannot reach a network)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(AGENTICRAFT_BLOCK_REAL_PROVIDERS="1", OLLAMA_HOST="127.0.0.1:9")
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "streaming" / script), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    ).stdout


def test_basic_streaming_offline() -> None:
    lines = _run("basic_streaming.py", "--offline").splitlines()
    assert lines[0] == "model: openai:gpt-4o-mini"
    assert lines[1] == "[calling get_weather({'city': 'Paris'})]"
    assert lines[2] == "[get_weather -> 18 degrees celsius and sunny in Paris]"
    assert lines[3] == "It is 18 degrees celsius and sunny in Paris."
    assert re.fullmatch(r"time to first token: \d+ ms; speed: [\d.]+ tokens/s; chunks: \d+", lines[4])
    assert lines[5] == "usage: 205 in, 28 out; stop: end_turn"  # the two turns' usage, summed


def test_basic_streaming_without_any_provider_falls_back_to_offline() -> None:
    out = _run("basic_streaming.py")
    assert "It is 18 degrees celsius and sunny in Paris." in out


def test_multi_provider_stream_offline_compares_all_four_protocols() -> None:
    out = _run("multi_provider_stream.py", "--offline")
    answer = "Streaming lets the interface show words as soon as the model produces them"
    thought = "(thinking: The user wants two sentences on streaming: speed and control.)\n"
    assert out.split("[openai-responses:gpt-5-mini (local)]\n", 1)[1].startswith(thought)
    for label, usage in [
        ("openai:gpt-4o-mini (local)", r"31\s+52"),
        ("openai-responses:gpt-5-mini (local)", r"35\s+70"),
        ("anthropic:claude-haiku-4-5 (local)", r"33\s+50"),
        ("ollama:llama3.2 (local)", r"29\s+54"),
    ]:
        section = out.split(f"[{label}]\n", 1)[1].removeprefix(thought)
        assert section.startswith(answer), label
        row = next(line for line in out.splitlines() if line.startswith(label) and " ms " in line)
        assert re.search(r"\d+ ms\s+[\d.]+\s+" + usage + r"\s+[\d.]+s$", row), row
    assert "all providers done in" in out


def test_basic_streaming_with_a_real_model_and_no_key_says_so_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(AGENTICRAFT_BLOCK_REAL_PROVIDERS="1", OLLAMA_HOST="127.0.0.1:9")
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples/streaming/basic_streaming.py"), "--model", "openai:gpt-4o"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1
    [line] = done.stderr.splitlines()  # one line, no traceback
    assert line.startswith("error: no API key for openai") and "OPENAI_API_KEY" in line
