"""``examples/eager_tools.py`` runs offline over real HTTP: each tool starts right after its own
call is complete, before the model's turn ends (the order of events, not a timing)."""

from __future__ import annotations

from example_helpers import run_example


def test_eager_tools_example_starts_each_call_before_the_turn_ends() -> None:
    assert run_example("eager_tools.py") == [
        "call complete: lookup {'city': 'Kyoto'}",
        "started early: lookup (call_1)",
        "call complete: lookup {'city': 'Osaka'}",
        "started early: lookup (call_2)",
        "the model's turn ended (tool_use)",
        "result: call_1 -> 1.46 million",
        "result: call_2 -> 2.75 million",
        "the model's turn ended (end_turn)",
        "answer: Kyoto has 1.46 million people, Osaka 2.75 million.",
    ]
