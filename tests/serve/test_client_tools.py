"""Client-side tools in a Chat Completions request are refused with a clear 400, never ignored
(the served agent runs its own tools; see docs/serving.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest
from serve_helpers import weather_agent

from agenticraft import Agent, tool
from agenticraft.core.errors import ProviderError
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.serve import BackgroundServer, create_app

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {"name": "get_time", "description": "The time", "parameters": {"type": "object"}},
}


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(weather_agent())) as s:
        yield s


def _client(server: BackgroundServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)


@pytest.mark.parametrize("stream", [False, True])
def test_client_tools_are_a_400_naming_the_limitation(server: BackgroundServer, stream: bool) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="support_agent",
            messages=[{"role": "user", "content": "What time is it?"}],
            tools=[WEATHER_TOOL],
            stream=stream,
        )
    error = caught.value.body
    assert isinstance(error, dict) and error["code"] == "client_tools_unsupported"
    assert error["message"].startswith("body.tools: client-side tools are not supported")


def test_legacy_functions_are_refused_too_and_an_empty_tool_list_is_fine(server: BackgroundServer) -> None:
    with pytest.raises(openai.BadRequestError, match=r"body\.functions"):
        _client(server).chat.completions.create(
            model="support_agent",
            messages=[{"role": "user", "content": "Weather in Oslo?"}],
            functions=[WEATHER_TOOL["function"]],
        )
    completion = _client(server).chat.completions.create(
        model="support_agent", messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=[]
    )
    assert "Oslo" in (completion.choices[0].message.content or "")


async def test_an_agent_with_tools_using_a_served_agent_as_its_model_gets_the_error(
    server: BackgroundServer,
) -> None:
    @tool
    def get_time() -> str:
        """The time."""
        return "noon"

    client = Agent(
        model=OpenAIProvider("support_agent", base_url=server.url + "/v1", api_key="k"), tools=[get_time]
    )
    with pytest.raises(ProviderError, match="client-side tools are not supported"):
        await client.arun("What time is it?")
