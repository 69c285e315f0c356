"""One JSON POST over the providers' transport: errors typed, transient ones retried, the test
guard applied."""

from __future__ import annotations

import socket

import pytest

from agenticraft.core.errors import (
    BadRequestError,
    ProviderConnectionError,
    RateLimitError,
    RealProviderCallBlocked,
    ServerError,
)
from agenticraft.core.network_guard import block_real_providers
from agenticraft.providers._http import RetryAttempt, RetryPolicy
from agenticraft.providers.json_post import post_json
from agenticraft.testing.servers import ScriptedResponse, ScriptedServer

FAST = RetryPolicy(max_retries=2, initial_delay=0.0, jitter=0.0)


async def test_the_answer_and_what_was_sent() -> None:
    with ScriptedServer() as server:
        server.add(ScriptedResponse.json_body(200, {"ok": True}))
        answer = await post_json(server.url + "/x", {"a": "é"}, provider="p", headers={"x-k": "1"})
        sent = server.requests[0]
    assert answer == {"ok": True}
    assert sent.json() == {"a": "é"} and sent.headers["x-k"] == "1"
    assert sent.headers["content-type"] == "application/json"


async def test_transient_errors_are_retried_and_others_are_not() -> None:
    retries: list[RetryAttempt] = []
    policy = RetryPolicy(max_retries=2, initial_delay=0.0, jitter=0.0, on_retry=retries.append)
    with ScriptedServer() as server:
        server.add(
            ScriptedResponse.json_body(429, {"error": {"message": "slow down"}}, {"retry-after": "0"}),
            ScriptedResponse.json_body(503, {"error": "busy"}),
            ScriptedResponse.json_body(200, {"ok": 1}),
        )
        assert await post_json(server.url, {}, provider="p", retry=policy) == {"ok": 1}
        assert [type(r.error) for r in retries] == [RateLimitError, ServerError]
        server.add(ScriptedResponse.json_body(400, {"error": {"message": "bad input"}}))
        with pytest.raises(BadRequestError, match="bad input"):
            await post_json(server.url, {}, provider="p", retry=FAST)
        server.add(*[ScriptedResponse.json_body(500, "<html>oops</html>")] * 3)
        with pytest.raises(ServerError, match="HTTP 500") as caught:
            await post_json(server.url, {}, provider="p", retry=FAST)
        assert caught.value.body == "<html>oops</html>"
        server.add(ScriptedResponse(502, {"content-type": "text/plain"}, [b"gateway down"], chunked=False))
        with pytest.raises(ServerError, match="gateway down"):
            await post_json(server.url, {}, provider="p", retry=RetryPolicy(max_retries=0))


async def test_a_refused_connection_and_the_guard() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProviderConnectionError, match=f"127.0.0.1:{port}"):
        await post_json(f"http://127.0.0.1:{port}/v1", {}, provider="p", retry=RetryPolicy(max_retries=0))
    with block_real_providers(), pytest.raises(RealProviderCallBlocked):
        await post_json("https://api.example.com/v1/embeddings", {}, provider="openai")
