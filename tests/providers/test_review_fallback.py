"""One ``base_url`` / ``api_key`` given for a fallback list that names several providers.

They apply to every model string, so the OpenAI key used to go to Anthropic (as ``x-api-key``)
the moment the first model failed, at OpenAI's base URL too. Such a list is now refused before
anything is sent; a list of one provider's models still shares them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.fallback import FallbackProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.openai import OpenAIServer


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


async def test_one_key_for_several_providers_is_refused_before_sending(server: OpenAIServer) -> None:
    server.add_error(503, "busy")
    agent = Agent(
        model=["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-6"],
        base_url=server.base_url,
        api_key="sk-openai",
    )
    with pytest.raises(ConfigurationError, match="anthropic, openai"):
        await agent.arun("hi")
    assert server.requests == []


async def test_one_providers_models_share_the_key_and_host(server: OpenAIServer) -> None:
    for _ in range(3):  # the first model's try and its two retries, without waiting
        server.add_error(503, "busy", retry_after=0)
    server.add_stream("from the second")
    agent = Agent(model=["openai:gpt-a", "openai:gpt-b"], base_url=server.base_url, api_key="sk-openai")
    assert (await agent.arun("hi")).content == "from the second"
    assert [r.json()["model"] for r in server.requests] == ["gpt-a"] * 3 + ["gpt-b"]
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer sk-openai"}


async def test_provider_objects_keep_their_own_keys(server: OpenAIServer) -> None:
    with AnthropicServer() as anthropic_server:
        server.add_error(503, "busy")
        anthropic_server.add_stream(["from claude"])
        fallback = FallbackProvider(
            [
                OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-openai", retry=NO_RETRY),
                AnthropicProvider("claude-sonnet-4-6", base_url=anthropic_server.url, api_key="sk-ant"),
            ]
        )
        assert (await Agent(model=fallback).arun("hi")).content == "from claude"
        assert anthropic_server.requests[0].headers["x-api-key"] == "sk-ant"
