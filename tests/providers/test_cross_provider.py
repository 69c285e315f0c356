"""Conversations move between providers (issue point 6).

A multi-turn tool run happens on one provider (OpenAI Chat Completions or Responses,
Anthropic, Ollama); ``agent.set_provider(...)`` switches to another
and the conversation goes on. Every request the target's local server recorded must be valid
for the target's protocol: checked against the official SDKs' request types and against the
rules each API enforces (roles, tool call / result pairing, ids, signed thinking only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anthropic.types
import ollama
import openai.types.chat
import openai.types.responses.response_create_params as responses_params
import pydantic
import pytest

from agenticraft import Agent, tool
from agenticraft.core.messages import ThinkingPart
from agenticraft.core.provider import ModelSettings, StreamingProvider
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.fallback import FallbackProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.providers.openai_responses import OpenAIResponsesProvider
from agenticraft.testing.servers import RecordedRequest, ScriptedServer
from agenticraft.testing.servers.anthropic import AnthropicServer, Thinking, ToolUse
from agenticraft.testing.servers.ollama import OllamaServer, OllamaToolCall
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall
from agenticraft.testing.servers.openai_responses import ENCRYPTED, Call, OpenAIResponsesServer, Reasoning

SIGNATURE = "EqQBCgIYAhIMsignature/+=="
NO_RETRY = RetryPolicy(max_retries=0)


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


# -- validity of a recorded request, per protocol ----------------------------------------------

_ANTHROPIC_MESSAGES = pydantic.TypeAdapter(list[anthropic.types.MessageParam])
_OPENAI_MESSAGES = pydantic.TypeAdapter(list[openai.types.chat.ChatCompletionMessageParam])
_ANTHROPIC_ID = re.compile(r"^[a-zA-Z0-9_-]+$")


def valid_for_anthropic(body: dict[str, Any]) -> None:
    """The rules the Messages API enforces on a conversation."""
    messages = body["messages"]
    for message in _ANTHROPIC_MESSAGES.validate_python(messages):
        list(message["content"])  # the block types are checked lazily, as they are iterated
    assert isinstance(body.get("system", ""), str) and body["max_tokens"] > 0
    assert [m["role"] for m in messages] == ["user", "assistant"] * (len(messages) // 2) + ["user"] * (
        len(messages) % 2
    ), "roles must alternate, starting with the user"
    seen_ids: set[str] = set()
    if (
        body.get("thinking", {}).get("type") == "enabled"
        and messages[-1]["content"][0]["type"] == "tool_result"
    ):
        # "a final assistant message must start with a thinking block" inside a tool loop
        assert messages[-2]["content"][0]["type"] in ("thinking", "redacted_thinking")
    for position, message in enumerate(messages):
        blocks = message["content"]
        assert blocks, "no empty messages"
        for block in blocks:
            assert block["type"] != "text" or block["text"], "no empty text blocks"
            if block["type"] == "thinking":
                assert block["signature"] == SIGNATURE, "only Anthropic's own signed thinking goes back"
            if block["type"] == "tool_use":
                assert _ANTHROPIC_ID.match(block["id"]) and block["id"] not in seen_ids
                assert isinstance(block["input"], dict)
                seen_ids.add(block["id"])
        uses = [b["id"] for b in blocks if b["type"] == "tool_use"]
        if uses:  # answered, first thing, by the next user message
            following = messages[position + 1]["content"]
            results = [b["tool_use_id"] for b in following[: len(uses)] if b["type"] == "tool_result"]
            assert results == uses
        if message["role"] == "user":
            kinds = [b["type"] for b in blocks]
            assert kinds == sorted(kinds, key=lambda k: k != "tool_result"), "tool results come first"


def valid_for_openai(body: dict[str, Any]) -> None:
    """The rules Chat Completions enforces on a conversation."""
    messages = body["messages"]
    _OPENAI_MESSAGES.validate_python(messages)
    pending: list[str] = []
    for message in messages:
        assert set(message) <= {"role", "content", "tool_calls", "tool_call_id", "name"}, message
        if message["role"] == "tool":
            assert message["tool_call_id"] == pending.pop(0), "results answer the calls, in order"
            continue
        assert not pending, "every tool call is answered before the conversation goes on"
        for call in message.get("tool_calls", ()):
            assert isinstance(json.loads(call["function"]["arguments"]), dict)
            pending.append(call["id"])
        if message["role"] == "assistant":
            assert message.get("content") or message.get("tool_calls")
    assert not pending


_RESPONSES_BODY = pydantic.TypeAdapter(responses_params.ResponseCreateParamsStreaming)


def valid_for_responses(body: dict[str, Any]) -> None:
    """What the Responses API accepts: the SDK's request type, calls answered by call_id, only
    this provider's encrypted reasoning sent back, and a reasoning item sent with its id
    followed by items with theirs (the API pairs them by id)."""
    items = body["input"]
    _RESPONSES_BODY.validate_python(body)
    for position, item in enumerate(items):
        if item.get("type") == "reasoning":
            assert item["encrypted_content"] == ENCRYPTED, item
            assert item["summary"] == [{"type": "summary_text", "text": "responses reasons"}]
            assert item["id"].startswith("rs_") and items[position + 1]["id"][:3] in ("msg", "fc_")
    pending: list[str] = []
    for item in items:
        kind = item.get("type", "message")
        assert set(item) <= {
            *("type", "role", "content", "call_id", "name", "arguments", "output"),
            *("summary", "encrypted_content", "id", "status"),
        }, item
        if kind == "function_call_output":
            assert item["call_id"] == pending.pop(0), "results answer the calls, in order"
            continue
        if kind == "function_call":
            assert isinstance(json.loads(item["arguments"]), dict)
            pending.append(item["call_id"])
            continue
        assert not pending, "every call is answered before the conversation goes on"
        if kind == "message":
            assert item["role"] in ("user", "assistant") and item["content"]
    assert not pending


def valid_for_ollama(body: dict[str, Any]) -> None:
    """What Ollama's chat endpoint accepts."""
    calls: dict[str, str] = {}
    for message in body["messages"]:
        ollama.Message.model_validate(message)
        assert message["role"] in ("system", "user", "assistant", "tool")
        assert isinstance(message["content"], str)
        for call in message.get("tool_calls", ()):
            assert isinstance(call["function"]["arguments"], dict)
            calls[call["id"]] = call["function"]["name"]
        if message["role"] == "tool":
            assert calls[message["tool_call_id"]] == message["tool_name"]
        if "thinking" in message:
            assert message["thinking"] == "ollama thinks", "only Ollama's own thinking goes back"


# -- one side of the conversation per provider ------------------------------------------------


@dataclass
class Side:
    """A provider, its server, how to script one tool run on it, and its validity rules."""

    name: str
    server: ScriptedServer
    provider: Callable[[], StreamingProvider]
    script: Callable[[str], None]
    valid: Callable[[dict[str, Any]], None]


def _openai_side(server: OpenAIServer) -> Side:
    def script(city: str) -> None:
        call = ScriptedToolCall("get_weather", {"city": city}, f"call_oa_{city}")
        server.add_stream("Checking. ", tool_calls=[call], reasoning="openai reasons")
        server.add_stream(f"Sunny in {city}.")

    return Side(
        "openai",
        server,
        lambda: OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", retry=NO_RETRY),
        script,
        valid_for_openai,
    )


def _anthropic_side(server: AnthropicServer) -> Side:
    def script(city: str) -> None:
        use = ToolUse("get_weather", [json.dumps({"city": city})], id=f"toolu_{city}")
        server.add_stream([Thinking(["anthropic thinks"], signature=SIGNATURE), "Checking. ", use])
        server.add_stream([f"Sunny in {city}."])

    return Side(
        "anthropic",
        server,
        lambda: AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k", retry=NO_RETRY),
        script,
        valid_for_anthropic,
    )


def _ollama_side(server: OllamaServer) -> Side:
    def script(city: str) -> None:
        server.add_stream(
            ["Checking. "],
            thinking=["ollama thinks"],
            tool_calls=[OllamaToolCall("get_weather", {"city": city})],
        )
        server.add_stream([f"Sunny in {city}."])

    return Side(
        "ollama",
        server,
        lambda: OllamaProvider("llama3.2", base_url=server.url, retry=NO_RETRY),
        script,
        valid_for_ollama,
    )


def _responses_side(server: OpenAIResponsesServer) -> Side:
    def script(city: str) -> None:
        call = Call("get_weather", {"city": city}, call_id=f"call_rs_{city}")
        server.add_stream([Reasoning(["responses reasons"]), "Checking. ", call])
        server.add_stream([f"Sunny in {city}."])

    return Side(
        "openai-responses",
        server,
        lambda: OpenAIResponsesProvider("gpt-5-mini", base_url=server.base_url, api_key="k", retry=NO_RETRY),
        script,
        valid_for_responses,
    )


@pytest.fixture(scope="module")
def sides() -> Iterator[dict[str, Side]]:
    with OpenAIServer() as oa, AnthropicServer() as an, OllamaServer() as ol, OpenAIResponsesServer() as rs:
        yield {
            s.name: s for s in (_openai_side(oa), _anthropic_side(an), _ollama_side(ol), _responses_side(rs))
        }


def _new_requests(side: Side, before: int) -> list[RecordedRequest]:
    return side.server.requests[before:]


def _agent(first: Side) -> Agent:
    return Agent(
        instructions="Be brief.",
        model=first.provider(),
        tools=[get_weather],
        settings=ModelSettings(thinking_budget=1024),
    )


NAMES = ("openai", "anthropic", "ollama", "openai-responses")
PAIRS = [(a, b) for a in NAMES for b in NAMES if a != b]


@pytest.mark.parametrize(("source", "target"), PAIRS)
async def test_history_of_a_tool_run_is_accepted_by_the_other_provider(
    sides: dict[str, Side], source: str, target: str
) -> None:
    first, second = sides[source], sides[target]
    agent = _agent(first)
    first.script("Paris")
    assert (await agent.arun("Weather in Paris?")).content == "Checking. Sunny in Paris."

    agent.set_provider(second.provider())
    before = len(second.server.requests)
    second.script("Rome")
    assert (await agent.arun("And in Rome?")).content == "Checking. Sunny in Rome."
    requests = _new_requests(second, before)
    assert len(requests) == 2
    for request in requests:
        second.valid(request.json())
    # the whole conversation went: both tool runs, in order, with their results
    text = json.dumps(requests[-1].json())
    assert (
        text.index("Paris") < text.index("Sunny in Paris") < text.index("Rome") < text.index("Sunny in Rome")
    )


async def test_one_conversation_around_all_four_protocols(sides: dict[str, Side]) -> None:
    order = ["anthropic", "openai-responses", "ollama", "openai", "openai-responses", "anthropic", "ollama"]
    agent = _agent(sides[order[0]])
    for turn, name in enumerate(order):
        side = sides[name]
        if turn:
            agent.set_provider(side.provider())
        before = len(side.server.requests)
        city = f"City{turn}"
        side.script(city)
        assert (await agent.arun(f"Weather in {city}?")).content == f"Checking. Sunny in {city}."
        for request in _new_requests(side, before):
            side.valid(request.json())
    ids = [call.id for message in agent.history for call in message.tool_calls]
    assert len(ids) == len(set(ids)) == len(order)


async def test_fallback_to_anthropic_in_the_middle_of_a_tool_loop(sides: dict[str, Side]) -> None:
    openai_side, anthropic_side = sides["openai"], sides["anthropic"]
    oa_server = openai_side.server
    assert isinstance(oa_server, OpenAIServer)
    call = ScriptedToolCall("get_weather", {"city": "Oslo"}, "call_oa_Oslo")
    oa_server.add_stream("Checking. ", tool_calls=[call])
    oa_server.add_error(503, "unavailable")  # the second turn falls back to Anthropic
    anthropic_side.server.add_stream([Thinking(["anthropic thinks"], signature=SIGNATURE), "Sunny in Oslo."])
    before = len(anthropic_side.server.requests)
    agent = Agent(
        model=FallbackProvider([openai_side.provider(), anthropic_side.provider()]),
        tools=[get_weather],
        settings=ModelSettings(thinking_budget=1024),
    )
    assert (await agent.arun("Weather in Oslo?")).content == "Checking. Sunny in Oslo."
    (request,) = _new_requests(anthropic_side, before)
    body = request.json()
    valid_for_anthropic(body)
    assert "thinking" not in body  # the loop was OpenAI's: thinking is off for this request
    # the answer's thinking is known as Anthropic's (not the first provider's), so it can go back
    thinking = [p for p in agent.history[-1].parts if isinstance(p, ThinkingPart)]
    assert [(p.provider, p.signature) for p in thinking] == [("anthropic", SIGNATURE)]


async def test_responses_reasoning_goes_back_to_it_after_a_detour(sides: dict[str, Side]) -> None:
    """Reasoning items of the Responses API are dropped by the others, and still sent back
    (verbatim, without their id) when the conversation comes back."""
    responses, anthropic_side = sides["openai-responses"], sides["anthropic"]
    agent = _agent(responses)
    responses.script("Lima")
    await agent.arun("Weather in Lima?")
    agent.set_provider(anthropic_side.provider())
    anthropic_side.script("Quito")
    await agent.arun("And Quito?")
    agent.set_provider(responses.provider())
    before = len(responses.server.requests)
    responses.script("Bogota")
    await agent.arun("And Bogota?")
    body = _new_requests(responses, before)[0].json()
    valid_for_responses(body)
    kinds = [i.get("type", "message") for i in body["input"]]
    # Lima's tool turn kept its reasoning (before its call); Quito's thinking was Anthropic's
    assert kinds.count("reasoning") == 1
    assert "anthropic thinks" not in json.dumps(body)
    first_call = kinds.index("function_call")
    assert kinds[first_call - 2 : first_call] == ["reasoning", "message"]
