"""Ollama's native chat stream over real HTTP, with the official ``ollama`` SDK as oracle.

Every scripted stream is played once to our provider and once to ``ollama.AsyncClient().chat(
..., stream=True)``; text, thinking, tool calls, token counts, done reason and model must agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import ollama
import pytest
from parser_helpers import DEEP_JSON, edit_json, parse_pieces

from agenticraft import Agent
from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.errors import (
    BadRequestError,
    NotFoundError,
    ProviderConnectionError,
    RateLimitError,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.messages import Message, Usage
from agenticraft.core.provider import ModelRequest, ModelSettings
from agenticraft.providers._http import RetryAttempt, RetryPolicy
from agenticraft.providers.ollama import OllamaProvider, OllamaStreamParser
from agenticraft.testing.servers import ScriptedResponse, split_bytes
from agenticraft.testing.servers.ollama import OllamaServer, OllamaToolCall, ollama_stream
from agenticraft.testing.servers.openai import OpenAIServer

TRICKY = 'd\u00e9j\u00e0 vu \U0001f600 \u4e2d\u6587 <b>&amp;</b> "quoted" \\ back\nslash'


@pytest.fixture
def server() -> Iterator[OllamaServer]:
    with OllamaServer() as s:
        yield s


def _provider(server: OllamaServer, **kwargs: Any) -> OllamaProvider:
    kwargs.setdefault("retry", RetryPolicy(max_retries=0))
    return OllamaProvider("llama3.2", base_url=server.url, **kwargs)


def _play(server: OllamaServer, pieces: Sequence[bytes]) -> None:
    server.add(ScriptedResponse(200, {"content-type": "application/x-ndjson"}, pieces))


async def _ours(server: OllamaServer, pieces: Sequence[bytes], **settings: Any) -> ModelTurn:
    _play(server, pieces)
    return await _provider(server).complete(ModelRequest([Message.user("hi")], (), ModelSettings(**settings)))


async def _sdk(server: OllamaServer, pieces: Sequence[bytes]) -> dict[str, Any]:
    _play(server, pieces)
    client = ollama.AsyncClient(host=server.url)
    content: list[str] = []
    thinking: list[str] = []
    calls: list[tuple[str, dict[str, Any]]] = []
    last: Any = None
    async for part in await client.chat(
        model="llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True
    ):
        content.append(part.message.content or "")
        thinking.append(part.message.thinking or "")
        calls.extend((c.function.name, dict(c.function.arguments)) for c in part.message.tool_calls or ())
        last = part
    return {
        "text": "".join(content),
        "thinking": "".join(thinking),
        "calls": calls,
        "usage": Usage(last.prompt_eval_count or 0, last.eval_count or 0),
        "done_reason": last.done_reason,
        "model": last.model,
    }


async def _agree(server: OllamaServer, pieces: Sequence[bytes]) -> ModelTurn:
    """Play ``pieces`` to us and to the SDK; assert both assembled the same turn."""
    turn = await _ours(server, pieces)
    sdk = await _sdk(server, pieces)
    assert turn.text == sdk["text"]
    assert turn.message.thinking == sdk["thinking"]
    assert [(c.name, c.arguments) for c in turn.tool_calls] == sdk["calls"]
    assert turn.usage == sdk["usage"]
    assert turn.raw_stop_reason == sdk["done_reason"]
    assert turn.model == sdk["model"]
    return turn


async def test_text_matches_the_sdk(server: OllamaServer) -> None:
    pieces = ollama_stream(["Hel", "lo, ", TRICKY], prompt_eval_count=11, eval_count=7)
    assert b"\\u003cb\\u003e" in b"".join(pieces)  # written the way Go escapes it
    turn = await _agree(server, pieces)
    assert turn.text == "Hello, " + TRICKY
    assert (turn.stop_reason, turn.usage) == ("end_turn", Usage(11, 7))


async def test_thinking_then_text_matches_the_sdk(server: OllamaServer) -> None:
    turn = await _agree(server, ollama_stream(["The answer."], thinking=["Let me ", "think \u00e9."]))
    assert turn.message.thinking == "Let me think \u00e9."
    assert turn.message.parts[0].kind == "thinking"


async def test_tool_calls_match_the_sdk_and_get_stable_ids(server: OllamaServer) -> None:
    calls = [
        OllamaToolCall("get_weather", {"city": "Z\u00fcrich", "days": [1, 2]}),
        OllamaToolCall("get_time", {}, id="call_from_server"),
        OllamaToolCall("log", {"nested": {"a": None, "b": 1.5}}),
    ]
    turn = await _agree(server, ollama_stream(["Checking."], tool_calls=calls))
    assert turn.stop_reason == "tool_use"  # Ollama says "stop" even then
    assert [c.id for c in turn.tool_calls] == ["call_1_0", "call_from_server", "call_1_2"]
    again = await _ours(server, ollama_stream(["Checking."], tool_calls=calls))
    assert [c.id for c in again.tool_calls] == [c.id for c in turn.tool_calls]


async def test_length_maps_to_max_tokens(server: OllamaServer) -> None:
    turn = await _agree(server, ollama_stream(["cut sho"], done_reason="length"))
    assert (turn.stop_reason, turn.raw_stop_reason) == ("max_tokens", "length")


@pytest.mark.parametrize("seed", range(10))
async def test_bytes_in_random_pieces_over_http_match_the_sdk(server: OllamaServer, seed: int) -> None:
    body = b"".join(
        ollama_stream(
            ["\u00e9t\u00e9 ", TRICKY],
            thinking=[TRICKY],
            tool_calls=[OllamaToolCall("f", {"q": '\u00e9\u00e8 \U0001f600 "x"'})],
        )
    )
    whole = await _ours(server, [body])
    split = await _agree(server, split_bytes(body, seed=seed, count=60))
    assert split == whole
    assert whole.tool_calls[0].arguments == {"q": '\u00e9\u00e8 \U0001f600 "x"'}


def _parse(pieces: Sequence[bytes]) -> ModelTurn:
    return parse_pieces(OllamaStreamParser(), "ollama", pieces)


def test_a_split_at_every_position_gives_the_same_turn() -> None:
    body = b"".join(
        ollama_stream(
            ["\u4e2d\U0001f600"], thinking=["\u00e9"], tool_calls=[OllamaToolCall("f", {"k": "\u00fc"})]
        )
    )
    whole = _parse([body])
    assert (whole.text, whole.tool_calls[0].arguments) == ("\u4e2d\U0001f600", {"k": "\u00fc"})
    for cut in range(1, len(body)):
        assert _parse([body[:cut], body[cut:]]) == whole, cut
    assert _parse(split_bytes(body, every=1)) == whole


def test_last_line_without_its_newline_still_counts() -> None:
    body = b"".join(ollama_stream(["ok"]))
    assert _parse([body.rstrip(b"\n")]).usage == _parse([body]).usage != Usage()


async def test_request_body_and_headers(server: OllamaServer) -> None:
    await _ours(server, ollama_stream(["ok"]), thinking_budget=1, temperature=0.5, max_tokens=20)
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/api/chat")
    assert "authorization" not in request.headers
    body = request.json()
    assert body["model"] == "llama3.2" and body["stream"] is True and body["think"] is True
    assert body["options"] == {"temperature": 0.5, "num_predict": 20}
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_host_from_ollama_host(server: OllamaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))
    server.add_stream(["from env"])
    provider = OllamaProvider("llama3.2")
    assert (await provider.complete(ModelRequest([Message.user("hi")]))).text == "from env"


# -- failures -----------------------------------------------------------------------------------


async def test_error_line_mid_stream_keeps_the_partial_text_and_agrees_with_the_sdk(
    server: OllamaServer,
) -> None:
    message = "an error was encountered while running the model: unexpected EOF"
    pieces = ollama_stream(["partial ", "answer"], error=message)
    server.add(ScriptedResponse(200, {"content-type": "application/x-ndjson"}, pieces))
    with pytest.raises(ServerError) as info:
        await Agent(model=_provider(server, retry=RetryPolicy(max_retries=3, initial_delay=0))).arun("hi")
    assert (info.value.message, info.value.provider) == (message, "ollama")
    assert info.value.partial_text == "partial answer"
    assert len(server.requests) == 1  # after output reached the caller: never retried
    with pytest.raises(ollama.ResponseError) as sdk_info:
        await _sdk(server, pieces)
    assert sdk_info.value.error == info.value.message


async def test_error_in_the_same_read_as_the_last_text_keeps_it_and_is_not_retried(
    server: OllamaServer,
) -> None:
    body = b"".join(ollama_stream(["The first ", "half"], error="model runner crashed"))
    server.add(ScriptedResponse(200, {"content-type": "application/x-ndjson"}, [body]))  # one read
    agent = Agent(model=_provider(server, retry=RetryPolicy(max_retries=3, initial_delay=0)))
    with pytest.raises(ServerError) as info:
        await agent.arun("hi")
    assert info.value.partial_text == "The first half"
    assert len(server.requests) == 1
    assert agent.history[-1].interrupted and agent.history[-1].text == "The first half"


async def test_malformed_line_is_a_protocol_error_with_the_partial_text(server: OllamaServer) -> None:
    server.add_stream(["before the bad line"], malformed_after=1)
    with pytest.raises(StreamProtocolError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "before the bad line"


async def test_cut_connection_is_a_connection_error_with_the_partial_text(server: OllamaServer) -> None:
    server.add_stream(["one ", "two ", "three"], cut_after=2)
    with pytest.raises(ProviderConnectionError) as info:
        await Agent(model=_provider(server)).arun("hi")
    assert info.value.partial_text == "one two "


@pytest.mark.parametrize(
    ("status", "message", "error_class"),
    [
        (404, 'model "nope" not found, try pulling it first', NotFoundError),
        (400, "invalid options", BadRequestError),
    ],
)
async def test_http_errors_are_mapped_with_the_body_message(
    server: OllamaServer, status: int, message: str, error_class: type[Exception]
) -> None:
    server.add_error(status, message)
    with pytest.raises(error_class) as info:
        await _provider(server, retry=RetryPolicy(max_retries=2, initial_delay=0)).complete(
            ModelRequest([Message.user("hi")])
        )
    assert info.value.message == message  # type: ignore[attr-defined]
    assert info.value.status_code == status  # type: ignore[attr-defined]
    assert len(server.requests) == 1


async def test_server_error_is_retried_then_succeeds(server: OllamaServer) -> None:
    server.add_error(500, "llama runner process has terminated")
    server.add_stream(["recovered"])
    turn = await _provider(server, retry=RetryPolicy(max_retries=1, initial_delay=0)).complete(
        ModelRequest([Message.user("hi")])
    )
    assert turn.text == "recovered" and len(server.requests) == 2


async def test_rate_limit_retry_honours_retry_after(server: OllamaServer) -> None:
    seen: list[RetryAttempt] = []
    server.add_error(429, "too many requests", retry_after=0.02)
    server.add_stream(["ok"])
    retry = RetryPolicy(max_retries=2, initial_delay=5.0, on_retry=seen.append)
    assert (await _provider(server, retry=retry).complete(ModelRequest([Message.user("hi")]))).text == "ok"
    assert [(a.attempt, a.delay, type(a.error)) for a in seen] == [(1, 0.02, RateLimitError)]


async def test_break_mid_stream_closes_the_connection_at_once(server: OllamaServer) -> None:
    server.add_stream(["first ", "second"], hang=True)
    agent = Agent(model=_provider(server))
    async with agent.stream("hi") as stream:
        async for chunk in stream:
            if chunk.content:
                break
    assert stream.interrupted and stream.text == "first "
    assert await server.await_until(lambda: server.exchanges[0].client_disconnected)
    assert await server.await_until(lambda: server.open_connections == 0)


async def test_error_line_before_any_output_is_retried(server: OllamaServer) -> None:
    server.add_stream([], error="llama runner process no longer running")
    server.add_stream(["second try"])
    provider = _provider(server, retry=RetryPolicy(max_retries=1, initial_delay=0))
    assert (await provider.complete(ModelRequest([Message.user("hi")]))).text == "second try"
    assert len(server.requests) == 2


async def test_an_openai_protocol_server_is_named_with_the_model_string_to_use() -> None:
    # gpt-oss-* routes to Ollama on purpose; pointed at an OpenAI-compatible server, the
    # error says what answered and which model string works there
    with OpenAIServer() as openai_server:
        openai_server.add_stream("Hello")
        provider = OllamaProvider("gpt-oss-20b", base_url=openai_server.url, retry=RetryPolicy(max_retries=0))
        with pytest.raises(StreamProtocolError) as caught:
            await provider.complete(ModelRequest([Message.user("hi")]))
    message = str(caught.value)
    assert "OpenAI-protocol server" in message
    assert "'openai:gpt-oss-20b'" in message
    assert len(openai_server.requests) == 1


def test_a_line_that_is_not_sse_keeps_the_plain_malformed_message() -> None:
    with pytest.raises(StreamProtocolError, match="malformed line in the stream") as caught:
        OllamaStreamParser().feed(b"{not json\n")
    assert "openai:" not in str(caught.value)


# -- fields of the wrong type (issue 9, point 4) ------------------------------------------------


def _line(message: dict[str, Any] | None = None, **fields: Any) -> bytes:
    body = {"model": "llama3.2", "done": False, **fields}
    if message is not None:
        body["message"] = {"role": "assistant", **message}
    return json.dumps(body).encode() + b"\n"


@pytest.mark.parametrize(
    "bad",
    [
        DEEP_JSON + b"\n",
        _line({"content": 5}),
        _line({"content": "", "thinking": {"text": "x"}}),
        _line({"content": "", "tool_calls": [{"function": {"name": ["f"], "arguments": {}}}]}),
        _line({"content": "", "tool_calls": [{"id": 1.5, "function": {"name": "f", "arguments": {}}}]}),
        _line({"content": "", "tool_calls": ["f"]}),
        _line(done=True, done_reason=["stop"]),
        _line(done=True, eval_count="many"),
    ],
)
async def test_a_field_of_the_wrong_type_is_a_protocol_error_with_the_partial_text(
    server: OllamaServer, bad: bytes
) -> None:
    pieces = ollama_stream(["fine so far"])
    pieces.insert(1, bad)
    _play(server, pieces)
    agent = Agent(model=_provider(server))
    with pytest.raises(StreamProtocolError) as info:
        await agent.arun("hi")
    assert info.value.provider == "ollama"
    assert info.value.partial_text == "fine so far"
    assert len(server.requests) == 1
    server.add_stream(["next"])  # memory holds what was received, and can be sent
    assert (await agent.arun("again")).content == "next"


async def test_numeric_ids_and_counts_are_coerced_and_memory_stays_sendable(server: OllamaServer) -> None:
    from agenticraft import tool

    @tool
    def echo(text: str) -> str:
        """Echo the text."""
        return text

    def numeric(line: Any) -> None:
        for call in line["message"].get("tool_calls", ()):
            call["id"] = 7
        if line["done"]:
            line["prompt_eval_count"], line["eval_count"] = "26", 4.0

    pieces = [
        edit_json(p, numeric) for p in ollama_stream([], tool_calls=[OllamaToolCall("echo", {"text": "ok"})])
    ]
    _play(server, pieces)
    server.add_stream(["done"], prompt_eval_count=30, eval_count=2)
    agent = Agent(model=_provider(server), tools=[echo])
    response = await agent.arun("hi")
    assert response.content == "done"
    assert response.usage == Usage(56, 6)
    messages = server.requests[1].json()["messages"]
    assert messages[1]["tool_calls"][0]["id"] == "7"
    server.add_stream(["and again"])
    assert (await agent.arun("more")).content == "and again"
