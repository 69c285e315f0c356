"""Error answers as gateways, proxies and compatible servers really send them, over real HTTP:
every one a typed error with provider, status, body and a readable message, and no connection
left open afterwards."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from agenticraft.core.errors import (
    BadRequestError,
    NotFoundError,
    ProviderError,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.messages import Message
from agenticraft.core.provider import ModelRequest
from agenticraft.providers._http import RetryPolicy, close_shared_clients
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedResponse, ScriptedServer

HTML = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    + b"x" * 5000
    + b"</body></html>"
)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as s:
        yield s


def _providers(server: ScriptedServer, retries: int = 0) -> list[Any]:
    retry = RetryPolicy(max_retries=retries, initial_delay=0.001, max_delay=0.001)
    return [
        OpenAIProvider("gpt-4o-mini", base_url=server.url + "/v1", api_key="sk-test", retry=retry),
        AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="sk-ant-test", retry=retry),
        OllamaProvider("llama3.2", base_url=server.url, retry=retry),
    ]


async def _fail(provider: Any) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await provider.complete(ModelRequest([Message.user("hi")]))
    return info.value


def _raw(status: int, content_type: str, body: bytes) -> ScriptedResponse:
    return ScriptedResponse(status, {"content-type": content_type}, [body], chunked=False)


async def test_html_error_page_is_kept_in_the_body_not_the_message(server: ScriptedServer) -> None:
    for provider in _providers(server):
        server.add(_raw(502, "text/html", HTML))
        error = await _fail(provider)
        assert isinstance(error, ServerError)
        assert (error.provider, error.status_code) == (provider.name, 502)
        assert error.message == "HTTP 502 Bad Gateway"
        assert error.body == HTML.decode()


async def test_long_plain_text_error_is_cut_short_in_the_message(server: ScriptedServer) -> None:
    text = "upstream failed: " + "y" * 2000
    server.add(_raw(500, "text/plain", text.encode()))
    error = await _fail(_providers(server)[0])
    assert error.message.startswith("upstream failed: yyy") and len(error.message) < 600
    assert error.body == text


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message"),
    [
        # FastAPI servers (vLLM, at a wrong path): {"detail": "Not Found"}
        (404, {"detail": "Not Found"}, NotFoundError, "Not Found"),
        # FastAPI validation errors
        (
            422,
            {"detail": [{"loc": ["body", "model"], "msg": "field required", "type": "missing"}]},
            BadRequestError,
            "field required",
        ),
        # Gemini's OpenAI-compatible endpoint wraps its error in a list
        (
            400,
            [{"error": {"code": 400, "message": "Invalid JSON payload", "status": "INVALID_ARGUMENT"}}],
            BadRequestError,
            "Invalid JSON payload",
        ),
        (500, None, ServerError, "HTTP 500 Internal Server Error"),
        (400, {"error": ["not", "a", "dict"]}, BadRequestError, "HTTP 400 Bad Request"),
    ],
)
async def test_odd_error_bodies_give_their_message(
    server: ScriptedServer, status: int, body: Any, error_class: type[ProviderError], message: str
) -> None:
    for provider in _providers(server):
        server.add(_raw(status, "application/json", json.dumps(body).encode()))
        error = await _fail(provider)
        assert type(error) is error_class
        assert (error.provider, error.status_code, error.body) == (provider.name, status, body)
        assert error.message == message


async def test_a_web_page_answered_with_200_is_a_protocol_error_not_retried(server: ScriptedServer) -> None:
    # Was: read as an empty stream, a "connection cut" error that was retried and fell back,
    # hiding a base URL that points at a web UI instead of the API.
    for provider in _providers(server, retries=2):
        before = len(server.requests)
        server.add(_raw(200, "text/html; charset=utf-8", HTML))
        error = await _fail(provider)
        assert isinstance(error, StreamProtocolError)
        assert not error.is_transient
        assert "HTML" in error.message and error.body == HTML.decode()
        assert len(server.requests) == before + 1
    await close_shared_clients()
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_no_connection_stays_open_after_any_error_answer(server: ScriptedServer) -> None:
    cut = ScriptedResponse(200, {"content-type": "text/event-stream"}, [b"data: {", b"more"], cut_after=1)
    for provider in _providers(server, retries=1):
        # each call is tried twice: 429 then 503; a cut before any event, twice
        server.add(
            _raw(429, "application/json", b'{"error": {"message": "slow down"}}'),
            _raw(503, "text/html", HTML),
        )
        server.add(cut, cut)
        first = await _fail(provider)
        second = await _fail(provider)
        assert (first.status_code, second.status_code) == (503, None)
    await close_shared_clients()
    assert await server.await_until(lambda: server.open_connections == 0)
    assert server.pending == 0


@pytest.mark.parametrize("status", [301, 307, 308])
async def test_a_redirect_is_an_error_naming_the_new_place_not_retried(
    server: ScriptedServer, status: int
) -> None:
    # Was: read as an empty stream, a "connection cut" error, retried against the same place.
    for provider in _providers(server, retries=2):
        before = len(server.requests)
        server.add(
            ScriptedResponse(status, {"location": "https://elsewhere.example/v1/x"}, [b""], chunked=False)
        )
        error = await _fail(provider)
        assert (error.provider, error.status_code) == (provider.name, status)
        assert "https://elsewhere.example/v1/x" in error.message
        assert not error.is_transient
        assert len(server.requests) == before + 1  # neither retried nor followed
