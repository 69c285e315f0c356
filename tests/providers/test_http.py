"""The HTTP transport under the OpenAI adapter: status errors, retries, timeouts, pools, keys."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import socket
import sys
import time
import types
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from agenticraft import Agent
from agenticraft.core.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    RealProviderCallBlocked,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.messages import Message
from agenticraft.core.network_guard import block_real_providers
from agenticraft.core.provider import ModelRequest
from agenticraft.providers import _pool
from agenticraft.providers._http import (
    RetryAttempt,
    RetryPolicy,
    Timeouts,
    close_shared_clients,
    shared_client,
)
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedResponse, ScriptedServer
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.ollama import OllamaServer
from agenticraft.testing.servers.openai import OpenAIServer

REQUEST = ModelRequest([Message.user("hi")])
FAST = RetryPolicy(max_retries=2, initial_delay=0.0, jitter=0.0)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _provider(server: OpenAIServer, **kwargs: Any) -> OpenAIProvider:
    kwargs.setdefault("retry", FAST)
    return OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", **kwargs)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, BadRequestError),
        (529, OverloadedError),
    ],
)
async def test_status_errors_are_typed_with_the_body_message(
    server: OpenAIServer, status: int, error_class: type[Exception]
) -> None:
    server.add_error(status, f"message for {status}", type="some_type")
    provider = _provider(server, retry=RetryPolicy(max_retries=0))
    with pytest.raises(error_class) as info:
        await provider.complete(REQUEST)
    error = info.value
    assert type(error) is error_class
    assert (error.status_code, error.message, error.provider) == (status, f"message for {status}", "openai")  # type: ignore[attr-defined]
    assert error.body["error"]["type"] == "some_type"  # type: ignore[attr-defined]


async def test_a_non_json_error_body_becomes_the_message(server: OpenAIServer) -> None:
    server.add(ScriptedResponse(502, {"content-type": "text/plain"}, [b"upstream gone"], chunked=False))
    with pytest.raises(ServerError) as info:
        await _provider(server, retry=RetryPolicy(max_retries=0)).complete(REQUEST)
    assert (info.value.status_code, info.value.message) == (502, "upstream gone")


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
async def test_retryable_statuses_are_retried_then_succeed(server: OpenAIServer, status: int) -> None:
    server.add_error(status, "try again")
    server.add_stream("after the retry")
    turn = await _provider(server).complete(REQUEST)
    assert turn.text == "after the retry"
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body  # the same request again


async def test_retries_stop_at_max_retries_with_the_last_error(server: OpenAIServer) -> None:
    for _ in range(3):
        server.add_error(500, "still broken")
    with pytest.raises(ServerError) as info:
        await _provider(server).complete(REQUEST)
    assert info.value.message == "still broken"
    assert len(server.requests) == 3  # one try and max_retries=2


async def test_non_retryable_status_is_not_retried(server: OpenAIServer) -> None:
    server.add_error(400, "bad")
    server.add_stream("never reached")
    with pytest.raises(BadRequestError):
        await _provider(server).complete(REQUEST)
    assert len(server.requests) == 1


async def test_retry_after_is_honoured(server: OpenAIServer) -> None:
    seen: list[RetryAttempt] = []
    policy = RetryPolicy(max_retries=3, initial_delay=5.0, jitter=0.0, on_retry=seen.append)
    server.add_error(429, "slow down", type="requests", retry_after=0.02)
    server.add(ScriptedResponse.json_body(503, {"error": {"message": "busy"}}, {"retry-after-ms": "10"}))
    server.add_stream("ok")
    turn = await _provider(server, retry=policy).complete(REQUEST)
    assert turn.text == "ok"
    assert [(a.attempt, a.delay, type(a.error)) for a in seen] == [
        (1, 0.02, RateLimitError),
        (2, 0.01, ServerError),
    ]
    assert seen[0].error.retry_after == 0.02


def test_backoff_grows_exponentially_within_jitter_and_cap() -> None:
    policy = RetryPolicy(initial_delay=0.5, multiplier=2.0, max_delay=3.0, jitter=0.25)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (5, 3.0)]:
        for _ in range(50):
            assert base * 0.75 <= policy.delay(attempt) <= base
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert 0.375 <= policy.delay(1, retry_after=600.0) <= 0.5  # an absurd hint falls back to backoff


async def test_error_event_before_the_first_token_is_retried(server: OpenAIServer) -> None:
    server.add_stream("", error={"message": "overloaded", "type": "server_error"})
    server.add_stream("fine now")
    turn = await _provider(server).complete(REQUEST)
    assert turn.text == "fine now"
    assert len(server.requests) == 2


async def test_first_token_timeout(server: OpenAIServer) -> None:
    server.add_stream("late", delay=5.0)
    provider = _provider(server, retry=RetryPolicy(max_retries=0), timeouts=Timeouts(first_token=0.05))
    with pytest.raises(ProviderTimeoutError) as info:
        await provider.complete(REQUEST)
    assert "first token" in info.value.message
    assert await server.await_until(lambda: server.exchanges[0].client_disconnected)


async def test_between_chunks_timeout_keeps_the_partial_text(server: OpenAIServer) -> None:
    server.add_stream("abcdefgh", delay=0.0, hang=True, done=False)
    provider = _provider(server, timeouts=Timeouts(between_chunks=0.05))
    with pytest.raises(ProviderTimeoutError) as info:
        await Agent(model=provider).arun("hi")
    assert info.value.partial_text == "abcdefgh"
    assert len(server.requests) == 1  # after the first token: not retried


async def test_a_slow_first_token_within_its_limit_then_a_stall_between_chunks(server: OpenAIServer) -> None:
    # the first token may take longer than the between-chunks limit, and must not be cut by it
    server.add_stream("slow start", delays={0: 0.3}, hang=True, done=False)
    timeouts = Timeouts(first_token=10.0, between_chunks=0.1)
    assert (timeouts.read, timeouts.gap) == (10.0, 0.1)
    with pytest.raises(ProviderTimeoutError, match="between chunks") as info:
        await Agent(model=_provider(server, timeouts=timeouts)).arun("hi")
    assert info.value.partial_text == "slow start"


def test_timeouts_need_no_own_gap_when_httpx_enforces_it() -> None:
    assert (Timeouts().read, Timeouts().gap) == (120.0, None)
    assert (
        Timeouts(first_token=1.0, between_chunks=5.0).read,
        Timeouts(first_token=1.0, between_chunks=5.0).gap,
    ) == (5.0, None)
    assert (
        Timeouts(first_token=None, between_chunks=5.0).read,
        Timeouts(first_token=None, between_chunks=5.0).gap,
    ) == (None, 5.0)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_connection_refused_is_retried_then_typed() -> None:
    seen: list[RetryAttempt] = []
    provider = OpenAIProvider(
        "m",
        base_url=f"http://127.0.0.1:{_closed_port()}/v1",
        retry=RetryPolicy(max_retries=2, initial_delay=0.0, on_retry=seen.append),
    )
    with pytest.raises(ProviderConnectionError):
        await provider.complete(REQUEST)
    assert len(seen) == 2
    assert isinstance(seen[0].error.__cause__, httpx2.ConnectError)


async def test_one_pool_per_endpoint_shared_by_all_agents(server: OpenAIServer) -> None:
    first, second = _provider(server), _provider(server)
    assert await first.client() is await second.client()
    assert await first.client() is await shared_client(server.url + "/other/path")
    for provider in (first, second, first):
        server.add_stream("hi")
        await Agent(model=provider).arun("hello")
    assert len(server.requests) == 3
    assert server.open_connections == 1  # every turn reused the one pooled connection


async def test_a_user_client_is_used_and_left_open(server: OpenAIServer) -> None:
    async with httpx2.AsyncClient(headers={"x-proxy-tag": "mine"}) as client:
        server.add_stream("via your client")
        turn = await _provider(server, http_client=client).complete(REQUEST)
        assert turn.text == "via your client"
        assert server.requests[0].headers["x-proxy-tag"] == "mine"
        assert not client.is_closed


async def test_pools_close_when_their_event_loop_ends(server: OpenAIServer) -> None:
    server.add_stream("one")
    server.add_stream("two")

    def run_in_new_loop() -> None:
        agent = Agent(model=_provider(server))
        assert agent.run("hi").content == "one"  # asyncio.run: a loop of its own
        assert agent.run("hi").content == "two"

    await asyncio.to_thread(run_in_new_loop)
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_a_finished_event_loop_is_not_kept_alive_by_its_pool(server: OpenAIServer) -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def one_turn() -> str:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        server.add_stream("x")
        return (await _provider(server).complete(REQUEST)).text

    for _ in range(3):
        assert await asyncio.to_thread(asyncio.run, one_turn()) == "x"
    gc.collect()
    assert [ref() for ref in loops] == [None, None, None]


async def test_close_shared_clients_closes_this_loops_pools(server: OpenAIServer) -> None:
    server.add_stream("x")
    provider = _provider(server)
    await provider.complete(REQUEST)
    client = await provider.client()
    assert server.open_connections == 1
    await close_shared_clients()
    assert client.is_closed
    assert await server.await_until(lambda: server.open_connections == 0)
    server.add_stream("y")
    assert (await provider.complete(REQUEST)).text == "y"  # a fresh pool on next use


async def test_key_from_the_environment(server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    server.add_stream("ok")
    await OpenAIProvider("gpt-4o-mini", base_url=server.base_url).complete(REQUEST)
    assert server.requests[0].headers["authorization"] == "Bearer sk-from-env"


async def test_missing_key_for_openai_itself_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        await OpenAIProvider("gpt-4o-mini").complete(REQUEST)


async def test_compatible_server_needs_no_key(server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.add_stream("local")
    turn = await OpenAIProvider("llama3.2", base_url=server.base_url).complete(REQUEST)
    assert turn.text == "local"
    assert "authorization" not in server.requests[0].headers


async def test_the_test_guard_blocks_real_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with block_real_providers(), pytest.raises(RealProviderCallBlocked):
        await OpenAIProvider("gpt-4o-mini", api_key="sk-x").complete(REQUEST)


async def test_a_plain_json_error_with_status_200_is_an_error_not_a_hang(server: OpenAIServer) -> None:
    server.add(ScriptedResponse.json_body(200, {"error": "model is loading"}))
    with pytest.raises(ProviderError) as info:
        await _provider(server).complete(REQUEST)
    assert (info.value.message, info.value.status_code) == ("model is loading", 200)
    server.add(ScriptedResponse.json_body(200, {"choices": []}))
    with pytest.raises(StreamProtocolError):
        await _provider(server).complete(REQUEST)


def test_retry_after_forms() -> None:
    from email.utils import formatdate

    from agenticraft.providers._http import _retry_after

    assert _retry_after(httpx2.Headers({"retry-after": "3"})) == 3.0
    assert _retry_after(httpx2.Headers({"retry-after": "1.5", "retry-after-ms": "250"})) == 0.25
    in_a_minute = _retry_after(httpx2.Headers({"retry-after": formatdate(time.time() + 60, usegmt=True)}))
    assert in_a_minute is not None and 50 < in_a_minute <= 60
    assert _retry_after(httpx2.Headers({"retry-after": "soon"})) is None
    assert _retry_after(httpx2.Headers({})) is None


async def test_connect_timeout() -> None:
    # a listener whose accept queue is full: the kernel drops further SYNs, so connect hangs
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))  # non-blocking: returns EINPROGRESS or 0
        fillers.append(filler)
    provider = OpenAIProvider(
        "m",
        base_url=f"http://127.0.0.1:{port}/v1",
        retry=RetryPolicy(max_retries=0),
        timeouts=Timeouts(connect=0.2),
    )
    try:
        with pytest.raises(ProviderTimeoutError) as info:
            await provider.complete(REQUEST)
        assert isinstance(info.value.__cause__, httpx2.ConnectTimeout)
    finally:
        for s in [*fillers, listener]:
            s.close()


async def test_base_url_org_and_project_from_the_environment(
    server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-2")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.add_stream("from the env server")
    agent = Agent(model="openai:local-model")  # a model string: no base_url anywhere in code
    assert (await agent.arun("hi")).content == "from the env server"
    headers = server.requests[0].headers
    assert (headers["openai-organization"], headers["openai-project"]) == ("org-1", "proj-2")
    assert "max_completion_tokens" not in server.requests[0].json()


# -- base URLs: checked at construction, credentials never printed --------------------------


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("htp://localhost:8000/v1", "the scheme must be http or https, not 'htp'"),
        ("http://localhost:80a0/v1", "the port must be a number from 1 to 65535, not '80a0'"),
        ("http://localhost:99999/v1", "the port must be a number"),
        ("localhost:8000/v1", "it needs a scheme"),
        ("http:///v1", "it names no host"),
    ],
)
def test_a_malformed_base_url_is_a_configuration_error_at_construction(base_url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        OpenAIProvider("m", base_url=base_url)
    assert problem in str(caught.value) and "base_url" in str(caught.value)


def test_a_malformed_base_url_with_credentials_is_reported_without_them() -> None:
    with pytest.raises(ConfigurationError) as caught:
        OpenAIProvider("m", base_url="htp://user:sk-secret@proxy.example/v1")
    assert "sk-secret" not in str(caught.value) and "***@proxy.example" in str(caught.value)


async def test_credentials_in_base_url_are_sent_as_basic_auth_and_never_shown(
    server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    base_url = server.base_url.replace("http://", "http://user:sk-secret@")
    provider = OpenAIProvider("gpt-4o-mini", base_url=base_url, retry=FAST)
    assert "sk-secret" not in repr(provider) and "***@127.0.0.1" in repr(provider)
    server.add_stream("ok")
    server.add(ScriptedResponse(200, {"content-type": "text/html"}, [b"<html>a login page</html>"]))
    with caplog.at_level("DEBUG"):
        assert (await provider.complete(REQUEST)).text == "ok"
        with pytest.raises(StreamProtocolError) as caught:
            await provider.complete(REQUEST)
    assert "sk-secret" not in str(caught.value)
    assert "HTTP Request: POST" in caplog.text and "sk-secret" not in caplog.text
    # what httpx made of the URL's userinfo before, now explicitly
    assert server.requests[0].headers["authorization"] == "Basic dXNlcjpzay1zZWNyZXQ="


async def test_a_connection_error_names_the_address_tried() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    provider = OpenAIProvider("m", base_url=url, retry=RetryPolicy(max_retries=0))
    with pytest.raises(ProviderConnectionError) as caught:
        await provider.complete(REQUEST)
    assert f"{url}/chat/completions" in str(caught.value)


HTML = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    + b"x" * 5000
    + b"</body></html>"
)


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


# a between-chunks limit far above the drain's half second, so a timeout cannot pass for it
TIMEOUTS = Timeouts(between_chunks=30.0)


NO_RETRY = RetryPolicy(max_retries=0)


Setup = Callable[[Any], Any]


def _openai(server: OpenAIServer, **stream: Any) -> OpenAIProvider:
    server.add_stream("Hello world", usage=(5, 2), **stream)
    return OpenAIProvider(
        "gpt-4o-mini", base_url=server.base_url, api_key="k", timeouts=TIMEOUTS, retry=NO_RETRY
    )


def _anthropic(server: AnthropicServer, **stream: Any) -> AnthropicProvider:
    server.add_stream(["Hello", " world"], **stream)
    return AnthropicProvider(
        "claude-sonnet-4-6", base_url=server.url, api_key="k", timeouts=TIMEOUTS, retry=NO_RETRY
    )


def _ollama(server: OllamaServer, **stream: Any) -> OllamaProvider:
    server.add_stream(["Hello", " world"], **stream)
    return OllamaProvider("llama3.2", base_url=server.url, timeouts=TIMEOUTS, retry=NO_RETRY)


CASES: list[tuple[type[ScriptedServer], Setup]] = [
    (OpenAIServer, _openai),
    (AnthropicServer, _anthropic),
    (OllamaServer, _ollama),
]


@pytest.fixture(params=CASES, ids=["openai", "anthropic", "ollama"])
def case(request: pytest.FixtureRequest) -> Iterator[tuple[ScriptedServer, Setup]]:
    server_class, setup = request.param
    with server_class() as server:
        yield server, setup


async def test_body_left_open_after_the_end_still_completes_the_turn(
    case: tuple[ScriptedServer, Setup],
) -> None:
    server, setup = case
    agent = Agent(model=setup(server, hang=True))
    response = await agent.arun("hi")
    assert response.content == "Hello world"
    assert not response.interrupted
    # the connection that would never end was closed by us, not left open
    assert await server.await_until(lambda: server.exchanges[0].client_disconnected)
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_body_ended_at_once_goes_back_to_the_pool(case: tuple[ScriptedServer, Setup]) -> None:
    server, setup = case
    first = await Agent(model=setup(server)).arun("hi")
    second = await Agent(model=setup(server)).arun("hi")
    assert first.content == second.content == "Hello world"
    # the server marks an exchange complete just after its last bytes left: wait for it
    assert await server.await_until(lambda: all(e.completed for e in server.exchanges))
    # one kept-alive connection served both turns
    assert [e.connection for e in server.exchanges] == [1, 1]
    await close_shared_clients()
    assert await server.await_until(lambda: server.open_connections == 0)


def _open_byte_iterators() -> list[Any]:
    return [
        o
        for o in gc.get_objects()
        if isinstance(o, types.AsyncGeneratorType)
        and o.__qualname__ in ("Response.aiter_raw", "Response.aiter_bytes")
        and o.ag_frame is not None
    ]


@pytest.mark.parametrize("encoding", [None, "gzip"])
async def test_a_malformed_first_chunk_closes_the_byte_iterator_at_once(
    server: OpenAIServer, encoding: str | None
) -> None:
    body = b'data: {"choices": 5}\n\n'
    headers = {"content-type": "text/event-stream"}
    if encoding:
        body, headers["content-encoding"] = gzip.compress(body), encoding
    server.add(ScriptedResponse(200, headers, [body]))
    gc.collect()
    before = len(_open_byte_iterators())
    unraisable: list[Any] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        with pytest.raises(StreamProtocolError) as info:
            await _provider(server, retry=RetryPolicy(max_retries=0)).complete(REQUEST)
        # The error is still held, as a caller, a log or a fuzzer holds it, and its traceback
        # holds the frames that opened the body: the iterator must be closed already, not left
        # to the garbage collector (which may run after the loop ended, and then prints
        # "Exception ignored in: <async_generator Response.aiter_raw ...>").
        assert len(_open_byte_iterators()) == before
        del info
        gc.collect()
        await asyncio.sleep(0)
    finally:
        sys.unraisablehook = hook
    assert unraisable == []


@pytest.mark.parametrize(
    ("headers", "pieces", "said"),
    [
        ({"content-type": "text/plain"}, [b"<!doctype html><html><body>Welcome</body></html>"], "an HTML"),
        ({"content-encoding": "br"}, [b"\x1b\x0b\x00\xf8\xa5\x80\x05\x1c\x00"], "encoded as 'br'"),
        ({}, [], "an empty body"),
        ({"content-type": ""}, [b'{"choices": [{"message": {"content": "hi"}}]}'], "a JSON body"),
        ({"content-type": "text/plain"}, [b"Service starting, try later\n"], "not a stream"),
    ],
)
async def test_a_body_that_is_no_stream_says_what_came_and_is_not_retried(
    server: OpenAIServer, headers: dict[str, str], pieces: list[bytes], said: str
) -> None:
    server.add(ScriptedResponse(200, headers, pieces))
    with pytest.raises(StreamProtocolError) as info:
        await _provider(server).complete(REQUEST)  # two retries allowed: none is made
    assert said in info.value.message and server.base_url in info.value.message
    assert info.value.status_code == 200
    assert len(server.requests) == 1


async def test_a_stream_that_ends_after_only_a_keep_alive_is_still_a_cut_stream(server: OpenAIServer) -> None:
    for _ in range(3):
        server.add(ScriptedResponse(200, {}, [b": keep-alive\n\n"]))
    with pytest.raises(ProviderConnectionError):
        await _provider(server).complete(REQUEST)
    assert len(server.requests) == 3  # SSE came, then the stream stopped: retried


# -- the bounded pool (issue 9, point 11) -------------------------------------------------------


async def test_the_pool_keeps_32_clients_and_closes_the_least_recently_used() -> None:
    clients = [await shared_client(f"http://127.0.0.1:{2000 + i}/v1") for i in range(_pool.MAX_CLIENTS)]
    assert _pool.MAX_CLIENTS == 32 and not any(c.is_closed for c in clients)
    await shared_client("http://127.0.0.1:2000/v1")  # used again: now the most recent
    newest = await shared_client("http://127.0.0.1:3000/v1")
    assert clients[1].is_closed  # the least recently used made room
    assert not clients[0].is_closed and not newest.is_closed
    assert sum(not c.is_closed for c in clients) == _pool.MAX_CLIENTS - 1


async def test_a_client_evicted_while_streaming_closes_when_its_stream_ends(
    server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pool, "MAX_CLIENTS", 1)
    server.add_stream("one two three", text_piece=4)
    provider = _provider(server)
    client = await provider.client()
    async with contextlib.aclosing(provider.stream_turn(REQUEST)) as events:
        await anext(events)
        await shared_client("http://127.0.0.1:2000/v1")  # evicts the streaming client
        assert not client.is_closed  # never closed under its stream
        rest = [event async for event in events]
    assert rest and client.is_closed
    assert await provider.client() is not client  # a new one for the next request


async def test_idle_clients_are_closed_when_the_pool_is_next_used(
    server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add_stream("x")
    provider = _provider(server)
    await provider.complete(REQUEST)
    client = await provider.client()
    monkeypatch.setattr(_pool, "IDLE_SECONDS", 0.0)  # every unused client is now idle too long
    await shared_client("http://127.0.0.1:2000/v1")
    assert client.is_closed
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_provider_aclose_releases_its_pooled_client_not_a_users(server: OpenAIServer) -> None:
    server.add_stream("x")
    async with _provider(server) as provider:
        await provider.complete(REQUEST)
        client = await provider.client()
        assert server.open_connections == 1
    assert client.is_closed
    assert await server.await_until(lambda: server.open_connections == 0)
    server.add_stream("y")
    assert (await provider.complete(REQUEST)).text == "y"  # still usable: a new client
    async with httpx2.AsyncClient() as mine:
        await _provider(server, http_client=mine).aclose()
        assert not mine.is_closed


async def test_request_headers_go_out_and_every_attempt_is_reported(server: OpenAIServer) -> None:
    from agenticraft.core.provider import RequestAttempt

    seen: list[RequestAttempt] = []
    server.add_error(503, "busy")
    server.add_stream("ok")
    request = ModelRequest(
        [Message.user("hi")], headers={"traceparent": "00-ab-cd-01"}, on_attempt=seen.append
    )
    turn = await _provider(server).complete(request)
    assert turn.text == "ok"
    assert [r.headers["traceparent"] for r in server.requests] == ["00-ab-cd-01"] * 2
    assert [(a.attempt, a.error is None, a.retrying) for a in seen] == [
        (1, True, False),
        (1, False, True),
        (2, True, False),
    ]
    failed = seen[1].error
    assert isinstance(failed, ServerError) and failed.status_code == 503
    assert {(a.provider, a.model) for a in seen} == {("openai", "gpt-4o-mini")}
    assert seen[0].url == server.base_url + "/chat/completions"


async def test_the_last_failed_attempt_is_reported_as_not_retrying(server: OpenAIServer) -> None:
    from agenticraft.core.provider import RequestAttempt

    seen: list[RequestAttempt] = []
    server.add_error(401, "bad key")
    with pytest.raises(AuthenticationError):
        await _provider(server).complete(ModelRequest([Message.user("hi")], on_attempt=seen.append))
    assert [(a.error is None, a.retrying) for a in seen] == [(True, False), (False, False)]
