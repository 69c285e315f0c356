"""The server around the protocols: auth, CORS, the body limit, malformed input, no leaks;
a client that disconnects mid-answer; 200 concurrent conversations; plugin encoders."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import openai
import pytest
from serve_helpers import weather_agent

from agenticraft import Agent
from agenticraft.core.events import RunEvent, TextChunk
from agenticraft.core.messages import Message
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.serve import BackgroundServer, Encoder, RunRequest, create_app, sse
from agenticraft.serve.shapes import field, object_
from agenticraft.testing import FunctionModel
from agenticraft.testing.servers import OpenAIServer

CHAT = {"model": "support_agent", "messages": [{"role": "user", "content": "Weather in Paris?"}]}
ROUTES = ["/v1/chat/completions", "/api/chat", "/ag-ui"]


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(
        create_app(weather_agent(), api_keys=["key-one", "key-two"], max_body_bytes=2000)
    ) as s:
        yield s


def test_a_bearer_key_is_required_when_keys_are_set(server: BackgroundServer) -> None:
    url = server.url + "/v1/chat/completions"
    for headers in ({}, {"authorization": "Bearer nope"}, {"authorization": "Basic key-one"}):
        response = httpx.post(url, json=CHAT, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"
        assert "key-one" not in response.text
    assert httpx.post(url, json=CHAT, headers={"authorization": "Bearer key-two"}).status_code == 200
    assert httpx.get(server.url + "/v1/models").status_code == 401
    assert httpx.get(server.url + "/api/conversations/x").status_code == 401
    assert httpx.get(server.url + "/").status_code == 200  # the page asks for the key itself
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0).models.list()
    models = openai.OpenAI(base_url=server.url + "/v1", api_key="key-one", max_retries=0).models.list()
    assert [m.id for m in models] == ["support_agent"]


def test_cors_is_off_by_default_and_allows_only_the_origins_given() -> None:
    preflight = {
        "origin": "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,authorization",
    }
    with BackgroundServer(create_app(weather_agent())) as closed:
        response = httpx.options(closed.url + "/api/chat", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
        response = httpx.post(
            closed.url + "/api/chat", json={"messages": []}, headers={"origin": "https://app.example"}
        )
        assert "access-control-allow-origin" not in response.headers
    with BackgroundServer(create_app(weather_agent(), cors_origins=["https://app.example"])) as open_:
        response = httpx.options(open_.url + "/api/chat", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        evil = httpx.options(open_.url + "/api/chat", headers={**preflight, "origin": "https://evil.example"})
        assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers


def test_a_body_over_the_limit_is_a_413(server: BackgroundServer) -> None:
    auth = {"authorization": "Bearer key-one"}
    big = {**CHAT, "messages": [{"role": "user", "content": "x" * 5000}]}
    response = httpx.post(server.url + "/v1/chat/completions", json=big, headers=auth)
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"

    def chunked() -> Iterator[bytes]:  # no content-length: counted as it arrives
        yield b'{"model": "support_agent", "messages": ['
        for _ in range(100):
            yield b'{"role": "user", "content": "xxxxxxxxxxxxxxxxxxxx"},'
        yield b"]}"

    response = httpx.post(server.url + "/api/chat", content=chunked(), headers=auth)
    assert response.status_code == 413


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b"\xff\xfe\x00",
        b"null",
        b"42",
        b'"text"',
        b"[]",
        b"{}",
        b'{"messages": "hi"}',
        b'{"messages": [null]}',
        b'{"messages": [{"role": 1}]}',
        b'{"model": "support_agent", "threadId": "t", "messages": [{"role": "user", "content": {"a": 1}}]}',
        b'{"model": "support_agent", "threadId": "t",'
        b' "messages": [{"role": "user", "parts": "x", "content": 3}]}',
        b'{"model": "support_agent", "threadId": "t",'
        b' "messages": [{"role": "user", "content": "x", "parts": []}],'
        b' "stream": "yes", "conversation_id": 5}',
    ],
)
def test_malformed_input_is_a_4xx_with_a_message_never_a_traceback(
    server: BackgroundServer, route: str, body: bytes
) -> None:
    response = httpx.post(
        server.url + route,
        content=body,
        headers={"authorization": "Bearer key-one", "content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["message"] and error["type"] == "invalid_request_error"
    assert "Traceback" not in response.text and "/work" not in response.text and ".py" not in response.text


def test_unknown_routes_and_methods_are_json_errors(server: BackgroundServer) -> None:
    missing = httpx.get(server.url + "/etc/passwd")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "no such route"
    wrong = httpx.get(server.url + "/v1/chat/completions")
    assert wrong.status_code == 405 and "error" in wrong.json()


def test_a_failing_provider_tells_its_kind_not_its_key_or_address() -> None:
    agent = Agent(
        name="support_agent",
        model=OpenAIProvider("gpt-4o-mini", base_url="http://127.0.0.1:9/v1", api_key="sk-very-secret"),
    )
    with BackgroundServer(create_app(agent)) as server:
        response = httpx.post(server.url + "/v1/chat/completions", json=CHAT)
        streamed = httpx.post(
            server.url + "/api/chat",
            json={"messages": [{"role": "user", "parts": [{"type": "text", "text": "Hi"}]}]},
        )
    assert response.status_code == 502
    assert response.json()["error"]["message"].startswith(
        "the agent's model provider failed: ProviderConnectionError"
    )
    for text in (response.text, streamed.text):
        assert "sk-very-secret" not in text and "127.0.0.1:9" not in text and "Traceback" not in text
    assert streamed.status_code == 502


def _slow_agent() -> tuple[Agent, FunctionModel]:
    model = FunctionModel(lambda m, t: "word " * 400, chunk_size=5, delay=0.01)
    return Agent(name="support_agent", model=model), model


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("route", ROUTES)
def test_a_client_that_disconnects_mid_answer_interrupts_the_run(route: str) -> None:
    agent, model = _slow_agent()
    bodies = {
        "/v1/chat/completions": {**CHAT, "stream": True},
        "/api/chat": {
            "messages": [{"role": "user", "parts": [{"type": "text", "text": "Weather in Paris?"}]}]
        },
        "/ag-ui": {
            "threadId": "t",
            "messages": [{"id": "u", "role": "user", "content": "Weather in Paris?"}],
        },
    }
    with BackgroundServer(create_app(agent)) as server:
        headers = {"x-conversation-id": "cut"}
        with httpx.stream("POST", server.url + route, json=bodies[route], headers=headers) as response:
            received = b""
            for piece in response.iter_bytes():
                received += piece
                if received.count(b"word") >= 5:
                    break  # the client goes away mid-answer
        # the provider stream is closed, and memory holds the consistent part, marked
        _wait(lambda: model.open_streams == 0 and len(agent.conversation("cut")) == 2, "the run to stop")
        user, partial = agent.conversation("cut")
        assert user == Message.user("Weather in Paris?")
        assert partial.interrupted and partial.text.startswith("word word word word word")
        assert len(partial.text) < len("word " * 400)
        # the conversation is free again, and continues from what was kept
        agent.set_provider(FunctionModel(lambda m, t: f"{len(m)} messages"))
        again = httpx.post(server.url + "/v1/chat/completions", json=CHAT, headers=headers)
        assert again.json()["choices"][0]["message"]["content"] == "3 messages"


def test_a_second_run_on_a_busy_conversation_is_a_409() -> None:
    agent, _ = _slow_agent()
    with BackgroundServer(create_app(agent)) as server:
        headers = {"x-conversation-id": "busy"}
        with httpx.stream(
            "POST", server.url + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers
        ) as first:
            pieces = first.iter_bytes()  # kept: a dropped iterator closes the connection
            next(pieces)
            second = httpx.post(server.url + "/v1/chat/completions", json=CHAT, headers=headers)
            assert second.status_code == 409 and second.json()["error"]["code"] == "conversation_busy"


class PlainText(Encoder):
    """A plugin protocol: the answer as plain text lines."""

    name = "plain"
    path = "/plain"
    media_type = "text/plain"

    @classmethod
    def read_request(cls, body: Any, headers: Mapping[str, str]) -> RunRequest:
        prompt = field(object_(body, "body"), "prompt", str, "body")
        return RunRequest(Message.user(prompt), history=[])

    def encode(self, event: RunEvent) -> list[bytes]:
        return [event.content.encode()] if type(event) is TextChunk else []

    def error(self, message: str, code: str) -> list[bytes]:
        return [f"\nerror: {message}".encode()]


def test_a_plugin_encoder_is_served_beside_the_built_in_ones() -> None:
    from agenticraft.serve import encoders

    with BackgroundServer(create_app(weather_agent(), protocols=[*encoders(), PlainText])) as server:
        response = httpx.post(server.url + "/plain", json={"prompt": "Weather in Oslo?"})
        assert response.text == "It is 18°C and sunny in Oslo. A good day for a walk."
        assert (
            httpx.post(server.url + "/plain", json={}).json()["error"]["message"] == "body.prompt is required"
        )
    assert sse({"a": "é"}) == 'data: {"a": "é"}\n\n'.encode()
    # a lone surrogate (a file name that is not UTF-8, say) is mended, not a failed stream
    assert sse({"a": "x\ud800"}) == 'data: {"a": "x\ufffd"}\n\n'.encode()


def test_create_app_refuses_what_it_cannot_serve() -> None:
    from agenticraft.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="two served agents"):
        create_app([weather_agent(), weather_agent()])
    with pytest.raises(ConfigurationError, match="takes an Agent"):
        create_app([])
    with pytest.raises(ConfigurationError, match="max_body_bytes"):
        create_app(weather_agent(), max_body_bytes=0)
    with pytest.raises(ConfigurationError, match="api_keys"):
        create_app(weather_agent(), api_keys=[""])


def test_import_agenticraft_loads_neither_starlette_nor_uvicorn() -> None:
    code = (
        "import json, sys, agenticraft; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_a_disconnect_closes_the_agents_own_stream_to_its_provider() -> None:
    """The served agent's model is a real OpenAI-protocol server: when the client leaves, the
    server's request to it is dropped mid-stream too, and memory keeps the partial answer."""
    with OpenAIServer() as upstream:
        upstream.add_stream("word " * 300, delay=0.01)
        agent = Agent(name="support_agent", model=OpenAIProvider("gpt-4o-mini", base_url=upstream.base_url))
        with BackgroundServer(create_app(agent)) as server:
            headers = {"x-conversation-id": "upstream-cut"}
            with httpx.stream(
                "POST", server.url + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers
            ) as response:
                received = b""
                for piece in response.iter_bytes():
                    received += piece
                    if received.count(b"word") >= 3:
                        break
            _wait(
                lambda: upstream.exchanges and upstream.exchanges[0].client_disconnected, "the upstream cut"
            )
            _wait(lambda: len(agent.conversation("upstream-cut")) == 2, "the commit")
        exchange = upstream.exchanges[0]
        assert not exchange.completed and exchange.pieces_sent < 300
        partial = agent.conversation("upstream-cut")[-1]
        assert partial.interrupted and partial.text.startswith("word word")
