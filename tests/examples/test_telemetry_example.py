"""``examples/telemetry.py`` runs offline: the run's spans form the GenAI tree (agent, two
model calls, the tool between them) with the token counts the local server reported."""

from __future__ import annotations

import re

from example_helpers import run_example


def test_telemetry_example_prints_the_span_tree_with_tokens() -> None:
    out = run_example("telemetry.py")
    assert out[0] == "answer: It is 18C and sunny in Paris."
    tree = [re.sub(r"\s+[\d.]+ m?s\b", "", line) for line in out[1:]]  # durations vary
    assert tree == [
        "invoke_agent forecaster  input_tokens=101  output_tokens=20",
        "├── chat gpt-4o-mini  input_tokens=40  output_tokens=9",
        "├── execute_tool weather",
        "└── chat gpt-4o-mini  input_tokens=61  output_tokens=11",
    ]
