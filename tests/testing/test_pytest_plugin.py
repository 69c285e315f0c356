"""Tests."""

from __future__ import annotations

import pytest

from agenticraft import Agent
from agenticraft.core.errors import RealProviderCallBlocked
from agenticraft.core.network_guard import check_request_allowed, real_providers_blocked
from agenticraft.providers import AnthropicProvider, OllamaProvider, OpenAIProvider
from agenticraft.testing.servers import AnthropicServer, OllamaServer, OpenAIServer
from agenticraft.testing.servers.anthropic import Text

pytest_plugins = ["pytester"]


def test_fixture_blocks_real_providers(block_real_providers: None) -> None:
    assert real_providers_blocked()
    with pytest.raises(RealProviderCallBlocked):
        check_request_allowed("https://api.openai.com/v1/chat/completions")


def test_plugin_flag_blocks_every_test_of_a_user_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from agenticraft.core.network_guard import real_providers_blocked

        def test_blocked():
            assert real_providers_blocked()
        """
    )
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_subprocess("--agenticraft-block-real-providers")
    result.assert_outcomes(passed=1)
    unguarded = pytester.runpytest_subprocess()
    unguarded.assert_outcomes(failed=1)


async def test_openai_server_fixture(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("Hi!")
    agent = Agent(model=OpenAIProvider("gpt-4o-mini", base_url=openai_server.base_url, api_key="t"))
    assert (await agent.arun("hello")).content == "Hi!"
    assert openai_server.requests[0].path == "/v1/chat/completions"


async def test_anthropic_server_fixture(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add_stream([Text(["Bon", "jour"])])
    claude = AnthropicProvider("claude-sonnet-4-6", base_url=anthropic_server.url, api_key="t")
    assert (await Agent(model=claude).arun("hello")).content == "Bonjour"
    assert anthropic_server.requests[0].path == "/v1/messages"


async def test_ollama_server_fixture(ollama_server: OllamaServer) -> None:
    ollama_server.add_stream(["Hel", "lo"])
    agent = Agent(model=OllamaProvider("llama3.2", base_url=ollama_server.url))
    assert (await agent.arun("hi")).content == "Hello"
    assert ollama_server.requests[0].path == "/api/chat"


def test_each_test_gets_a_fresh_server(openai_server: OpenAIServer) -> None:
    assert openai_server.requests == [] and openai_server.pending == 0
