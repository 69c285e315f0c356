"""``examples/serving.py`` runs offline: the agent is served on a local port, a plain HTTP
client reads the OpenAI stream, and an AgentiCraft agent uses the served agent as its model."""

from __future__ import annotations

from example_helpers import run_example


def test_serving_example_streams_and_answers_through_the_api() -> None:
    assert run_example("serving.py") == [
        "routes: ['/v1/chat/completions', '/api/chat', '/ag-ui']",
        "streamed: It is 18C and sunny in Paris.",
        "through the API: It is 18C and sunny in Oslo.",
    ]
