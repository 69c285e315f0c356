"""The scripted local server, driven by a plain httpx2 client over real sockets."""

from __future__ import annotations

import httpx2
import pytest

from agenticraft.testing.servers import ScriptedResponse, ScriptedServer, split_bytes


def test_plays_queued_responses_and_records_requests() -> None:
    with ScriptedServer() as server:
        server.add(
            ScriptedResponse(200, {"x-test": "1"}, [b"hel", b"lo"]),
            ScriptedResponse.json_body(429, {"error": {"message": "slow down"}}, {"retry-after": "2"}),
        )
        with httpx2.Client() as client:
            first = client.post(server.url + "/v1/chat", json={"a": "\u00e9"}, headers={"x-key": "k"})
            second = client.post(server.url + "/v1/chat", content=b"{}")
            third = client.get(server.url + "/nothing-left")
        assert (first.status_code, first.text, first.headers["x-test"]) == (200, "hello", "1")
        assert (second.status_code, second.json(), second.headers["retry-after"]) == (
            429,
            {"error": {"message": "slow down"}},
            "2",
        )
        assert third.status_code == 500
        recorded = server.requests
        assert [(r.method, r.path) for r in recorded] == [
            ("POST", "/v1/chat"),
            ("POST", "/v1/chat"),
            ("GET", "/nothing-left"),
        ]
        assert recorded[0].json() == {"a": "\u00e9"}
        assert recorded[0].headers["x-key"] == "k"
        assert [e.completed for e in server.exchanges] == [True, True, True]


def test_keep_alive_reuses_one_connection() -> None:
    with ScriptedServer(default=ScriptedResponse(200, pieces=[b"ok"])) as server, httpx2.Client() as client:
        for _ in range(5):
            assert client.post(server.url, content=b"x").text == "ok"
        assert server.open_connections == 1
    assert server.open_connections == 0


def test_cut_connection_midway_breaks_the_body() -> None:
    with ScriptedServer() as server:
        server.add(ScriptedResponse(200, pieces=[b"a", b"b", b"c"], cut_after=2))
        with httpx2.Client() as client, pytest.raises(httpx2.RemoteProtocolError):
            client.post(server.url, content=b"")
        assert server.exchanges[0].pieces_sent == 2
        assert not server.exchanges[0].completed


def test_sees_a_client_that_leaves_early() -> None:
    with ScriptedServer() as server:
        server.add(ScriptedResponse(200, pieces=[b"first"], hang=True))
        with httpx2.Client() as client, client.stream("POST", server.url, content=b"") as response:
            assert next(response.iter_raw()) == b"first"
        assert server.wait_until(lambda: server.exchanges[0].client_disconnected)
        assert server.wait_until(lambda: server.open_connections == 0)


def test_split_bytes_boundaries() -> None:
    data = "h\u00e9llo w\u00f6rld".encode()
    assert b"".join(split_bytes(data, seed=3, count=5)) == data
    assert len(split_bytes(data, seed=3, count=5)) == 6
    assert split_bytes(data, every=4) == [data[0:4], data[4:8], data[8:12], data[12:]]
    assert split_bytes(data, at=[2]) == [data[:2], data[2:]]  # inside the two-byte "\u00e9"


def test_a_handler_that_raises_answers_500_with_the_reason() -> None:
    def broken(request: object) -> ScriptedResponse:
        raise KeyError("no such route")

    with ScriptedServer(handler=broken) as server, httpx2.Client() as client:
        response = client.post(server.url, content=b"")
        assert response.status_code == 500
        assert "KeyError" in response.json()["error"]["message"]


def test_the_servers_answer_embeddings_and_route_other_paths() -> None:
    from agenticraft.testing.servers import OllamaServer, OpenAIServer

    with OpenAIServer() as server:
        server.serve_embeddings(lambda text: [float(len(text)), 1.0])
        answer = httpx2.post(server.base_url + "/embeddings", json={"model": "m", "input": "abc"}).json()
        assert answer["data"] == [{"object": "embedding", "index": 0, "embedding": [3.0, 1.0]}]
        assert answer["model"] == "m" and answer["usage"]["prompt_tokens"] == 1
        other = httpx2.post(server.url + "/v1/chat/completions", json={})
        assert other.status_code == 404 and "no route" in other.text
    with OllamaServer(handler=lambda request: ScriptedResponse.json_body(200, {"chat": True})) as server:
        server.serve_embeddings()
        answer = httpx2.post(server.url + "/api/embed", json={"model": "m", "input": ["ab", "b"]}).json()
        assert answer["embeddings"][1][:2] == [0.0, 1.0] and answer["prompt_eval_count"] == 2
        assert httpx2.post(server.url + "/api/chat", json={}).json() == {"chat": True}
