"""Mid-stream fallback over real HTTP: a cut answer continued by the next model.

OpenAI is cut and Anthropic continues from an assistant prefill; Anthropic is cut and OpenAI
continues after an explicit instruction; Anthropic overloaded midway and Ollama continues; a
cut inside a tool call's arguments restarts the turn instead. Each test reads what both
servers received.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError, ProviderConnectionError
from agenticraft.core.events import RunEvent, chunk_from_dict
from agenticraft.core.messages import Usage
from agenticraft.core.response import ExtensionStep, TurnStep
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.fallback import CONTINUE_INSTRUCTION, FallbackChunk, FallbackProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.anthropic import AnthropicServer, ErrorEvent, Text
from agenticraft.testing.servers.ollama import OllamaServer
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events


@pytest.fixture
def openai() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


@pytest.fixture
def anthropic() -> Iterator[AnthropicServer]:
    with AnthropicServer() as s:
        yield s


def _openai(server: OpenAIServer) -> OpenAIProvider:
    return OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="k", retry=NO_RETRY)


def _anthropic(server: AnthropicServer) -> AnthropicProvider:
    return AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k", retry=NO_RETRY)


async def _run(agent: Agent, prompt: str = "What is the capital of France?") -> tuple[list[RunEvent], Any]:
    events: list[RunEvent] = []
    async with agent.stream(prompt) as stream:
        async for chunk in stream:
            events.append(chunk)
    return events, stream.response


async def test_a_cut_openai_answer_is_continued_by_anthropic_from_a_prefill(
    openai: OpenAIServer, anthropic: AnthropicServer
) -> None:
    openai.add_stream(["The capital ", "of France ", "is "], cut_after=4)  # role + three pieces
    anthropic.add_stream([" Paris", ", on the Seine."])
    agent = Agent(model=[_openai(openai), _anthropic(anthropic)], fallback="continue")
    events, response = await _run(agent)

    texts = [e.content for e in events if e.type == "text"]
    assert texts == ["The capital ", "of France ", "is ", "Paris", ", on the Seine."]
    assert response.content == "The capital of France is Paris, on the Seine."
    switches = [e for e in events if isinstance(e, FallbackChunk)]
    assert len(switches) == 1 and switches[0].mode == "continue"
    assert switches[0].payload["from"] == "openai:gpt-4o-mini"
    assert switches[0].payload["to"] == "anthropic:claude-sonnet-4-6"
    assert switches[0].payload["partial_text"] == "The capital of France is "
    # both providers asked as expected: OpenAI the question, Anthropic the question + prefill
    assert [m["role"] for m in openai.requests[0].json()["messages"]] == ["user"]
    sent = anthropic.requests[0].json()["messages"]
    assert sent[-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "The capital of France is"}],
    }
    assert sent[:-1] == [
        {"role": "user", "content": [{"type": "text", "text": "What is the capital of France?"}]}
    ]
    # one assistant message in memory, the whole answer
    assert [(m.role, m.text) for m in agent.history] == [
        ("user", "What is the capital of France?"),
        ("assistant", "The capital of France is Paris, on the Seine."),
    ]
    # the trace holds the cut attempt and the turn that finished it
    assert [type(s) for s in response.trace.steps] == [ExtensionStep, TurnStep]
    assert response.trace.steps[0].payload["mode"] == "continue"
    assert isinstance(agent.provider, FallbackProvider)
    assert [type(e) for e in agent.provider.errors] == [ProviderConnectionError]


async def test_a_cut_anthropic_answer_is_continued_by_openai_after_an_instruction(
    openai: OpenAIServer, anthropic: AnthropicServer
) -> None:
    # message_start (usage held), ping-less text start, two deltas, then the connection drops
    anthropic.add_stream([Text(["Paris is the ", "capital"]), "unsent"], ping=False, cut_after=4)
    openai.add_stream(" of France.", usage=(40, 4))
    agent = Agent(model=[_anthropic(anthropic), _openai(openai)], fallback="continue")
    events, response = await _run(agent)

    assert response.content == "Paris is the capital of France."
    sent = openai.requests[0].json()["messages"]
    assert sent == [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris is the capital"},
        {"role": "user", "content": CONTINUE_INSTRUCTION},
    ]
    assert len(anthropic.requests) == 1
    # usage counts both: Anthropic's input from message_start, OpenAI's whole turn
    assert response.usage == Usage(25 + 40, 1 + 4)
    switch = next(e for e in events if isinstance(e, FallbackChunk))
    assert switch.payload["usage"] == {"input_tokens": 25, "output_tokens": 1}
    assert [(m.role, m.text) for m in agent.history][-1] == ("assistant", "Paris is the capital of France.")


async def test_an_overloaded_error_midway_is_continued_on_ollama(anthropic: AnthropicServer) -> None:
    anthropic.add_stream(
        [Text(["Three primary ", "colours: red, "]), ErrorEvent("overloaded_error", "Overloaded")]
    )
    with OllamaServer() as ollama:
        ollama.add_stream(["yellow", " and blue."])
        ollama_provider = OllamaProvider("llama3.2", base_url=ollama.url, retry=NO_RETRY)
        agent = Agent(model=[_anthropic(anthropic), ollama_provider], fallback="continue")
        events, response = await _run(agent, "Name the primary colours.")
        sent = ollama.requests[0].json()["messages"]
    # the partial ended in a space: the prefill leaves it out, and the continuation's leading
    # whitespace (none here) would be dropped; the user sees one answer
    assert sent[-1] == {"role": "assistant", "content": "Three primary colours: red,"}
    assert response.content == "Three primary colours: red, yellow and blue."
    assert sum(isinstance(e, FallbackChunk) for e in events) == 1


async def test_leading_whitespace_of_a_continuation_after_a_seen_space_is_dropped(
    openai: OpenAIServer, anthropic: AnthropicServer
) -> None:
    openai.add_stream(["It is ", "18 degrees "], cut_after=3)
    anthropic.add_stream(["  ", " in Paris."])
    agent = Agent(model=[_openai(openai), _anthropic(anthropic)], fallback="continue")
    _, response = await _run(agent)
    assert response.content == "It is 18 degrees in Paris."


async def test_a_cut_inside_tool_arguments_restarts_the_turn_on_the_next_model(
    openai: OpenAIServer, anthropic: AnthropicServer
) -> None:
    call = ScriptedToolCall("get_weather", {"city": "Paris"}, id="call_w", fragment_size=4)
    pieces = openai_stream_events("Checking. ", tool_calls=[call])
    at = next(i for i, p in enumerate(pieces) if b"call_w" in p) + 3  # two fragments in
    openai.add_stream("Checking. ", tool_calls=[call], cut_after=at)
    anthropic.add_stream(["It is sunny in Paris."])

    def get_weather(city: str) -> str:
        """Weather."""
        raise AssertionError("a call cut midway must never run")

    agent = Agent(model=[_openai(openai), _anthropic(anthropic)], tools=[get_weather], fallback="continue")
    events, response = await _run(agent)

    switch = next(e for e in events if isinstance(e, FallbackChunk))
    assert switch.mode == "restart" and switch.restarts_turn
    assert switch.payload["partial_text"] == "Checking. "
    # the next model got the original request, no prefill
    sent = anthropic.requests[0].json()["messages"]
    assert sent == [{"role": "user", "content": [{"type": "text", "text": "What is the capital of France?"}]}]
    assert response.content == "It is sunny in Paris."
    assert response.tool_calls == []
    assert [(m.role, m.text, m.tool_calls) for m in agent.history] == [
        ("user", "What is the capital of France?", []),
        ("assistant", "It is sunny in Paris.", []),
    ]
    assert response.trace.steps[-1].text == "It is sunny in Paris."  # type: ignore[union-attr]


async def test_without_the_option_a_cut_answer_surfaces_as_before(
    openai: OpenAIServer, anthropic: AnthropicServer
) -> None:
    openai.add_stream(["half an ", "answer"], cut_after=2)
    agent = Agent(model=[_openai(openai), _anthropic(anthropic)])
    with pytest.raises(ProviderConnectionError) as caught:
        await agent.arun("hi")
    assert caught.value.partial_text == "half an "
    assert anthropic.requests == []


def test_continue_needs_a_list_of_models(openai: OpenAIServer) -> None:
    agent = Agent(model=_openai(openai), fallback="continue")
    with pytest.raises(ConfigurationError, match="list of models"):
        agent.stream("hi")
    with pytest.raises(ConfigurationError, match="fallback"):
        Agent(fallback="later")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="mid_stream"):
        FallbackProvider([_openai(openai)], mid_stream="never")  # type: ignore[arg-type]


def test_the_switch_event_round_trips() -> None:
    chunk = FallbackChunk("fallback", {"mode": "restart", "restart_turn": True}, turn=1)
    back = chunk_from_dict(chunk.to_dict())
    assert isinstance(back, FallbackChunk) and back == chunk and back.restarts_turn


async def test_a_next_model_that_cannot_start_passes_the_continuation_on(
    openai: OpenAIServer, anthropic: AnthropicServer
) -> None:
    openai.add_stream(["Once upon ", "a time"], cut_after=3)
    anthropic.add_error(529, "Overloaded")  # before its first token: the next one is asked
    with OllamaServer() as ollama:
        ollama.add_stream([", there was a fox."])
        models = [
            _openai(openai),
            _anthropic(anthropic),
            OllamaProvider("llama3.2", base_url=ollama.url, retry=NO_RETRY),
        ]
        agent = Agent(model=models, fallback="continue")
        events, response = await _run(agent, "Tell a story.")
        sent = ollama.requests[0].json()["messages"]
    assert response.content == "Once upon a time, there was a fox."
    # Anthropic was asked to continue too, and Ollama got the continuation built for it
    assert anthropic.requests[0].json()["messages"][-1]["role"] == "assistant"
    assert sent[-1] == {"role": "assistant", "content": "Once upon a time"}
    assert sum(isinstance(e, FallbackChunk) for e in events) == 1
