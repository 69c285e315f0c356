"""A request that is not streamed, whose client goes away before the answer: the run stops
(its provider stream is closed) and memory keeps the consistent part, as for a streamed one."""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from agenticraft import Agent
from agenticraft.core.messages import Message
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel

BODIES: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {
        "model": "support_agent",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
    },
    # of the built-in protocols only OpenAI's answers a request that is not streamed
}


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


def _post_and_leave(url: str, path: str, body: dict[str, Any], headers: dict[str, str], leave: Any) -> None:
    """POST ``body`` on a raw socket, wait until ``leave()`` is true, then close the socket."""
    where = urlsplit(url)
    data = json.dumps(body).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {where.netloc}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(data)}")
    with socket.create_connection((where.hostname, where.port)) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        _wait(leave, "the run to start")
    # the socket is closed here, before any answer came back


@pytest.mark.parametrize("path", list(BODIES))
def test_a_client_that_leaves_a_drained_request_interrupts_the_run(path: str) -> None:
    model = FunctionModel(lambda m, t: "word " * 400, chunk_size=5, delay=0.01)
    agent = Agent(name="support_agent", model=model)
    with BackgroundServer(create_app(agent)) as server:
        headers = {"x-conversation-id": "left"}
        _post_and_leave(server.url, path, BODIES[path], headers, lambda: model.open_streams == 1)
        _wait(lambda: model.open_streams == 0 and len(agent.conversation("left")) == 2, "the run to stop")
        user, partial = agent.conversation("left")
        assert user == Message.user("Weather in Paris?")
        assert partial.interrupted and partial.text.startswith("word")
        assert len(partial.text) < len("word " * 400)  # stopped, not run to the end
        # the conversation is free again and goes on from what was kept
        agent.set_provider(FunctionModel(lambda m, t: f"{len(m)} messages"))
        again = httpx.post(server.url + path, json=BODIES[path], headers=headers)
        assert again.json()["choices"][0]["message"]["content"] == "3 messages"


def test_a_drained_request_whose_client_stays_gets_the_whole_answer() -> None:
    model = FunctionModel(lambda m, t: "word " * 40, chunk_size=5)
    agent = Agent(name="support_agent", model=model)
    with BackgroundServer(create_app(agent)) as server:
        response = httpx.post(server.url + "/v1/chat/completions", json=BODIES["/v1/chat/completions"])
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "word " * 40
    assert response.json()["choices"][0]["finish_reason"] == "stop"
