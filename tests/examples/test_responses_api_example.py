"""``examples/responses_api.py`` runs offline: the reasoning summary streams, the tool runs,
and the encrypted reasoning goes back verbatim with the tool result (store=False)."""

from __future__ import annotations

from example_helpers import run_example


def test_responses_api_example_streams_reasoning_and_returns_it() -> None:
    assert run_example("responses_api.py") == [
        "thought: I need the weather in Kyoto.",
        "tool: get_weather -> 18 degrees and sunny in Kyoto",
        "answer: It is 18 degrees and sunny in Kyoto.",
        "reasoning tokens: 24",
        "asked for: {'effort': 'low', 'summary': 'auto'} ['reasoning.encrypted_content'] store = False",
        "sent back: ['message', 'reasoning', 'function_call', 'function_call_output']",
        "encrypted reasoning returned verbatim: True",
    ]
