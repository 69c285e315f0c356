"""Model strings, provider switching and fallback, over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.errors import (
    AuthenticationError,
    ConfigurationError,
    ProviderConnectionError,
    ServerError,
)
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.fallback import FallbackProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.providers.registry import parse_model_string, resolve_model
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.openai import OpenAIServer


@pytest.fixture
def first() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


@pytest.fixture
def second() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _on(server: OpenAIServer, model: str = "m", **kwargs: Any) -> OpenAIProvider:
    kwargs.setdefault("retry", NO_RETRY)
    return OpenAIProvider(model, base_url=server.base_url, api_key="sk-test", **kwargs)


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


async def test_connection_error_falls_back_to_the_next_model(second: OpenAIServer) -> None:
    down = OpenAIProvider("down", base_url=_closed_url(), api_key="k", retry=NO_RETRY)
    agent = Agent(model=[down, _on(second, "backup")])
    second.add_stream("from the backup")
    response = await agent.arun("hi")
    assert response.content == "from the backup"
    fallback = agent.provider
    assert isinstance(fallback, FallbackProvider)
    assert fallback.active.model == "backup"
    assert [type(e) for e in fallback.errors] == [ProviderConnectionError]


@pytest.mark.parametrize("status", [429, 500, 503, 529])
async def test_429_and_5xx_before_the_first_token_fall_back(
    first: OpenAIServer, second: OpenAIServer, status: int
) -> None:
    first.add_error(status, "no")
    second.add_stream("second answers")
    response = await Agent(model=[_on(first), _on(second)]).arun("hi")
    assert response.content == "second answers"
    assert (len(first.requests), len(second.requests)) == (1, 1)


async def test_after_the_first_token_the_error_surfaces_with_the_partial_text(
    first: OpenAIServer, second: OpenAIServer
) -> None:
    first.add_stream("half an ans", cut_after=4)  # role chunk + three text pieces, then cut
    second.add_stream("must never be asked")
    with pytest.raises(ProviderConnectionError) as info:
        await Agent(model=[_on(first), _on(second)]).arun("hi")
    assert info.value.partial_text == "half an ans"
    assert second.requests == []  # no silent duplication of output


async def test_errors_another_model_cannot_fix_do_not_fall_back(
    first: OpenAIServer, second: OpenAIServer
) -> None:
    first.add_error(401, "bad key", type="invalid_request_error", code="invalid_api_key")
    with pytest.raises(AuthenticationError):
        await Agent(model=[_on(first), _on(second)]).arun("hi")
    assert second.requests == []


async def test_when_all_fail_the_last_error_names_the_earlier_ones(
    first: OpenAIServer, second: OpenAIServer
) -> None:
    first.add_error(503, "first is down")
    second.add_error(500, "second is down")
    with pytest.raises(ServerError) as info:
        await Agent(model=[_on(first), _on(second)]).arun("hi")
    assert info.value.message == "second is down"
    assert any("first is down" in note for note in info.value.__notes__)


async def test_a_list_of_model_strings_builds_a_fallback(first: OpenAIServer) -> None:
    for _ in range(3):  # the first model's try and its two retries, told to retry at once
        first.add_error(429, "rate limited", retry_after=0)
    first.add_stream("the second model")
    agent = Agent(model=["openai:gpt-a", "gpt-b"], base_url=first.base_url, api_key="sk-test")
    response = await agent.arun("hi")
    assert response.content == "the second model"
    assert [r.json()["model"] for r in first.requests] == ["gpt-a"] * 3 + ["gpt-b"]


async def test_set_provider_switches_mid_conversation(first: OpenAIServer, second: OpenAIServer) -> None:
    agent = Agent(model=_on(first))
    first.add_stream("first reply")
    await agent.arun("one")
    agent.set_provider(_on(second, "other"))
    second.add_stream("second reply")
    assert (await agent.arun("two")).content == "second reply"
    sent = second.requests[0].json()
    assert sent["model"] == "other"
    assert [m["content"] for m in sent["messages"]] == ["one", "first reply", "two"]


async def test_per_call_model_override(first: OpenAIServer, second: OpenAIServer) -> None:
    agent = Agent(model=_on(first))
    second.add_stream("override")
    assert (await agent.arun("hi", model=_on(second))).content == "override"
    first.add_stream("default again")
    assert (await agent.arun("hi")).content == "default again"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai:gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("gpt-4o", ("openai", "gpt-4o")),
        ("o3-mini", ("openai", "o3-mini")),
        ("o4-mini", ("openai", "o4-mini")),
        ("claude-sonnet-4-6", ("anthropic", "claude-sonnet-4-6")),
        ("ollama:llama3.2", ("ollama", "llama3.2")),
        ("llama3.2:3b", ("ollama", "llama3.2:3b")),
        ("gpt-oss:20b", ("ollama", "gpt-oss:20b")),
        ("qwen3", ("ollama", "qwen3")),
    ],
)
def test_model_strings(model: str, expected: tuple[str, str]) -> None:
    assert parse_model_string(model) == expected


def test_unknown_model_string_fails_early() -> None:
    with pytest.raises(ConfigurationError, match="provider:model"):
        Agent(model="mystery-model")
    with pytest.raises(ConfigurationError):
        Agent(model=["gpt-4o", "mystery-model"])


def test_resolve_passes_base_url_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = resolve_model("openai:qwen2", base_url="http://127.0.0.1:8000/v1", api_key="k")
    assert isinstance(provider, OpenAIProvider)
    assert (provider.model, provider.url, provider.api_key) == (
        "qwen2",
        "http://127.0.0.1:8000/v1/chat/completions",
        "k",
    )
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:12345")
    ollama = resolve_model("ollama:llama3.2")
    assert ollama.name == "ollama"
    assert "127.0.0.1:12345" in ollama.base_url  # type: ignore[attr-defined]
    monkeypatch.delenv("OLLAMA_HOST")
    assert resolve_model("ollama:llama3.2").base_url == "http://localhost:11434"  # type: ignore[attr-defined]


def test_provider_classes_are_exposed_lazily() -> None:
    code = (
        "import sys, agenticraft, agenticraft.providers as p\n"
        "assert 'agenticraft.providers.openai' not in sys.modules\n"
        "assert 'httpx2' not in sys.modules\n"
        "from agenticraft.providers import OpenAIProvider, FallbackProvider\n"
        "assert 'agenticraft.providers.anthropic' not in sys.modules\n"
        "from agenticraft.providers import AnthropicProvider, OllamaProvider\n"
        "print(OpenAIProvider.name, AnthropicProvider.name, OllamaProvider.name, FallbackProvider.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["openai", "anthropic", "ollama", "FallbackProvider"]


async def test_concurrent_runs_on_one_fallback_each_see_their_own_active_provider() -> None:
    import asyncio

    from agenticraft import Agent
    from agenticraft.core.errors import ServerError
    from agenticraft.providers.fallback import FallbackProvider
    from agenticraft.testing import ScriptedModel, ScriptedTurn

    class Named(ScriptedModel):
        def __init__(self, name: str, turns: list[object]) -> None:
            super().__init__(turns, chunk_size=2, delay=0.002)  # type: ignore[arg-type]
            self.name = name

    first = Named("first", [ServerError("down", status_code=503), ScriptedTurn(text="from first " * 5)])
    second = Named("second", [ScriptedTurn(text="from second " * 5)])
    fallback = FallbackProvider([first, second])
    labels: dict[str, set[str]] = {}

    async def run(tag: str) -> None:
        seen = labels.setdefault(tag, set())
        async for _ in Agent(model=fallback).stream(tag):
            seen.add(fallback.name)

    await asyncio.gather(run("a"), run("b"))
    # one run failed over to "second", the other was served by "first"; neither saw the other's
    assert {frozenset(v) for v in labels.values()} == {frozenset({"first"}), frozenset({"second"})}


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
