"""``/v1/chat/completions`` and ``/v1/models`` over real HTTP, with the official ``openai`` SDK
as the client: streamed and not, tool-using answers, usage, errors in OpenAI's shape; and an
AgentiCraft agent using a served agent as its model."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from serve_helpers import THINKING, get_weather, weather_agent

from agenticraft import Agent
from agenticraft.core.messages import ToolCall
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel
from agenticraft.testing.servers import OpenAIServer
from agenticraft.testing.servers.openai import ScriptedToolCall

ANSWER = "It is 18°C and sunny in Paris. A good day for a walk."


@pytest.fixture
def served() -> Iterator[tuple[BackgroundServer, Agent]]:
    agent = weather_agent()
    with BackgroundServer(create_app(agent)) as server:
        yield server, agent


def _client(server: BackgroundServer, **options: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, **options)  # type: ignore[arg-type]


def test_the_sdk_streams_a_tool_using_answer_with_usage_and_done(
    served: tuple[BackgroundServer, Agent],
) -> None:
    server, agent = served
    chunks = list(
        _client(server).chat.completions.create(
            model="support_agent",
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ANSWER
    assert chunks[0].choices[0].delta.role == "assistant"
    # the thinking rides along as reasoning_content, which a strict client ignores
    thinking = "".join(
        getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices
    )
    assert thinking == THINKING
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert not any(c.choices and c.choices[0].delta.tool_calls for c in chunks)  # tools ran on the server
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None and last.usage.total_tokens > 0
    assert {c.id for c in chunks} == {chunks[0].id} and chunks[0].model == "support_agent"
    # stateless: nothing of the request was kept in the server's memory
    assert agent.history == []


def test_without_include_usage_no_usage_chunk_is_sent(served: tuple[BackgroundServer, Agent]) -> None:
    server, _ = served
    chunks = list(
        _client(server).chat.completions.create(
            model="support_agent", messages=[{"role": "user", "content": "Weather in Rome?"}], stream=True
        )
    )
    assert all(c.usage is None for c in chunks) and all(c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks).startswith(
        "It is 18°C and sunny in Rome"
    )


def test_the_sdk_gets_a_whole_completion_when_not_streaming(served: tuple[BackgroundServer, Agent]) -> None:
    server, _ = served
    completion = _client(server).chat.completions.create(
        model="support_agent", messages=[{"role": "user", "content": "What is the weather in Paris?"}]
    )
    assert completion.object == "chat.completion"
    choice = completion.choices[0]
    assert choice.message.content == ANSWER and choice.message.role == "assistant"
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_the_request_messages_are_the_conversation(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    seen: list[list[str]] = []

    def echo(messages, tools):  # type: ignore[no-untyped-def]
        seen.append([f"{m.role}:{m.text}" for m in messages])
        return "ok"

    agent.set_provider(FunctionModel(echo))
    _client(server).chat.completions.create(
        model="support_agent",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": [{"type": "text", "text": "Again"}]},
        ],
    )
    assert seen == [["system:Be brief.", "user:Hi", "assistant:Hello!", "user:Again"]]


def test_a_conversation_id_header_uses_the_servers_memory(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    client = _client(server, default_headers={"X-Conversation-Id": "c-42"})
    for city in ("Paris", "Oslo"):
        client.chat.completions.create(
            model="support_agent", messages=[{"role": "user", "content": f"Weather in {city}?"}]
        )
    kept = agent.conversation("c-42")
    assert [m.role for m in kept] == ["user", "assistant", "tool", "assistant"] * 2
    assert kept[-1].text.startswith("It is 18°C and sunny in Oslo")
    assert agent.history == []  # the default conversation is untouched


def test_models_lists_the_served_agents_and_an_unknown_model_is_a_404() -> None:
    agents = [weather_agent("support_agent"), weather_agent("billing_agent")]
    with BackgroundServer(create_app(agents)) as server:
        client = _client(server)
        assert [m.id for m in client.models.list()] == ["support_agent", "billing_agent"]
        with pytest.raises(openai.NotFoundError) as caught:
            client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "Hi"}])
        assert caught.value.code == "model_not_found"
        assert "support_agent, billing_agent" in str(caught.value)
        answer = client.chat.completions.create(
            model="billing_agent", messages=[{"role": "user", "content": "Weather in Lima?"}]
        )
        assert "Lima" in (answer.choices[0].message.content or "")


def test_bad_requests_are_openai_errors_the_sdk_raises(served: tuple[BackgroundServer, Agent]) -> None:
    server, _ = served
    client = _client(server)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="support_agent", messages=[])
    assert caught.value.message.endswith("body.messages must hold at least one message")
    assert caught.value.code == "invalid_request_error"
    with pytest.raises(openai.BadRequestError, match="the last message must be the user's"):
        client.chat.completions.create(
            model="support_agent", messages=[{"role": "assistant", "content": "Hi"}]
        )
    response = httpx.post(server.url + "/v1/chat/completions", json={"model": 3, "messages": []})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "body.model must be a string, not a number",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_request_error",
    }


def test_a_tool_needing_approval_is_a_clear_error(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    agent.tools["get_weather"].requires_approval = True
    client = _client(server)
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(
            model="support_agent", messages=[{"role": "user", "content": "Weather?"}]
        )
    assert caught.value.status_code == 409 and caught.value.code == "approval_required"
    assert "get_weather" in caught.value.message and "/api/chat" in caught.value.message
    with pytest.raises(openai.APIError, match="approval of get_weather"):
        list(
            client.chat.completions.create(
                model="support_agent", messages=[{"role": "user", "content": "Weather?"}], stream=True
            )
        )


def test_an_agent_on_the_local_openai_server_is_served_and_runs_its_tools() -> None:
    """The served agent's own model is a real OpenAI-protocol server over HTTP."""
    with OpenAIServer() as upstream:
        upstream.add_stream(tool_calls=[ScriptedToolCall("get_weather", {"city": "Paris"}, "call_up")])
        upstream.add_stream("Sunny, 18°C, in Paris.", usage=(30, 8))
        agent = Agent(
            name="support_agent",
            model=OpenAIProvider("gpt-4o-mini", base_url=upstream.base_url, api_key="sk-upstream-secret"),
            tools=[get_weather],
        )
        with BackgroundServer(create_app(agent)) as server:
            chunks = list(
                _client(server).chat.completions.create(
                    model="support_agent",
                    messages=[{"role": "user", "content": "Weather in Paris?"}],
                    stream=True,
                    stream_options={"include_usage": True},
                )
            )
        assert (
            "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Sunny, 18°C, in Paris."
        )
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens >= 8
        second = upstream.requests[1].json()["messages"]
        assert second[-1] == {"role": "tool", "tool_call_id": "call_up", "content": "18°C and sunny in Paris"}


async def test_an_agenticraft_agent_uses_a_served_agent_as_its_model() -> None:
    served_agent = weather_agent()
    with BackgroundServer(create_app(served_agent)) as server:
        client_agent = Agent(model="openai:support_agent", base_url=server.url + "/v1", api_key="any")
        try:
            response = await client_agent.arun("What is the weather in Paris?")
            again = await client_agent.arun("And in Oslo?")
        finally:
            await client_agent.aclose()
    assert response.content == ANSWER
    assert response.thinking == THINKING  # reasoning_content came back as thinking
    assert response.usage.output_tokens > 0 and response.tool_calls == []
    assert again.content.startswith("It is 18°C and sunny in Oslo")


def test_typed_output_comes_as_the_answers_json(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    agent.output_type = City
    agent.set_provider(FunctionModel(lambda m, t: {"name": "Paris", "population": 2100000}))
    completion = _client(server).chat.completions.create(
        model="support_agent", messages=[{"role": "user", "content": "Paris?"}]
    )
    assert City.model_validate_json(completion.choices[0].message.content or "") == City(
        name="Paris", population=2100000
    )


def test_tool_call_history_from_the_client_is_read(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    seen = []

    def look(messages, tools):  # type: ignore[no-untyped-def]
        seen.extend(messages)
        return "done"

    agent.set_provider(FunctionModel(look))
    _client(server).chat.completions.create(
        model="support_agent",
        messages=[
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "cold"},
            {"role": "user", "content": "Thanks"},
        ],
    )
    assert seen[1].tool_calls == [ToolCall("get_weather", {"city": "Oslo"}, "c1")]
    assert seen[2].results[0].content == "cold" and seen[2].results[0].name == "get_weather"
