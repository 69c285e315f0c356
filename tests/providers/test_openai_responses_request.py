"""What the Responses adapter sends: a tool-using reasoning run over the local server (the
second request carries the reasoning item and the ``function_call_output``), the options,
typed output through ``text.format``, chaining with ``previous_response_id``, model strings.
Every body is checked against the official SDK's request type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai.types.responses.response_create_params as responses_params
import pydantic
import pytest
from pydantic import BaseModel

from agenticraft import Agent, tool
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.messages import (
    Message,
    OpaquePart,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolCallPart,
    ToolResult,
)
from agenticraft.core.provider import ModelRequest, ModelSettings, ToolDefinition
from agenticraft.providers import OpenAIProvider, resolve_model
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai_responses import (
    OpenAIResponsesProvider,
    build_request_body,
    is_reasoning_model,
    to_responses_input,
)
from agenticraft.testing.servers.openai_responses import (
    ENCRYPTED,
    Call,
    OpenAIResponsesServer,
    Reasoning,
    Text,
)

_BODY = pydantic.TypeAdapter(responses_params.ResponseCreateParamsStreaming)
NO_RETRY = RetryPolicy(max_retries=0)


def valid(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` checked against the SDK's request type (a reasoning item sent without its id,
    when the ids no longer pair up, is checked apart: the type asks for an id)."""
    idless = [i for i in body["input"] if i.get("type") == "reasoning" and "id" not in i]
    for item in idless:
        assert set(item) <= {"type", "summary", "encrypted_content", "content"} and item["encrypted_content"]
    _BODY.validate_python({**body, "input": [i for i in body["input"] if i not in idless]})
    return body


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"18 degrees in {city}"


@tool
def get_time(zone: str, twelve_hour: bool = False) -> str:
    """The time in a zone."""
    return f"10:00 in {zone}"


@pytest.fixture
def server() -> Iterator[OpenAIResponsesServer]:
    with OpenAIResponsesServer() as s:
        yield s


def _provider(server: OpenAIResponsesServer, **options: Any) -> OpenAIResponsesProvider:
    return OpenAIResponsesProvider(
        "gpt-5-mini", base_url=server.base_url, api_key="k", retry=NO_RETRY, **options
    )


async def test_a_tool_run_with_reasoning_carries_the_reasoning_and_the_output_back(
    server: OpenAIResponsesServer,
) -> None:
    server.add_stream(
        [
            Reasoning([["I need ", "the weather"], ["and the time."]]),
            Call("get_weather", {"city": "Kyoto"}, call_id="call_w"),
            Call("get_time", {"zone": "Asia/Tokyo"}, call_id="call_t"),
        ],
        reasoning_tokens=12,
    )
    server.add_stream([Reasoning(["Both known."]), Text(["Sunny, ", "18 degrees, 10:00."])])
    agent = Agent(
        instructions="Be brief.",
        model=_provider(server),
        tools=[get_weather, get_time],
        reasoning_effort="low",
    )
    kinds: list[str] = []
    async for chunk in agent.stream("Weather and time in Kyoto?"):
        kinds.append(chunk.type)
    assert (
        kinds.index("thinking") < kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("text")
    )
    assert agent.history[-1].text == "Sunny, 18 degrees, 10:00."

    first, second = (valid(r.json()) for r in server.requests)
    assert first["instructions"] == "Be brief."
    assert first["reasoning"] == {"effort": "low", "summary": "auto"}
    assert first["include"] == ["reasoning.encrypted_content"]
    assert first["store"] is False
    assert first["input"] == [{"role": "user", "content": "Weather and time in Kyoto?"}]
    # the second request: the reasoning item verbatim, both calls with the ids that pair them
    # with it, both outputs by call_id
    calls_turn = agent.history[1]
    reasoning_id = json.loads(calls_turn.parts[0].signature or "")["id"]  # type: ignore[union-attr]
    [state] = [p.data for p in calls_turn.parts if isinstance(p, OpaquePart)]
    weather_id, time_id = state["call_ids"]["call_w"], state["call_ids"]["call_t"]
    assert reasoning_id.startswith("rs_") and weather_id.startswith("fc_") and time_id.startswith("fc_")
    assert second["input"] == [
        {"role": "user", "content": "Weather and time in Kyoto?"},
        {
            "id": reasoning_id,
            "type": "reasoning",
            "summary": [
                {"type": "summary_text", "text": "I need the weather"},
                {"type": "summary_text", "text": "and the time."},
            ],
            "encrypted_content": ENCRYPTED,
        },
        {
            "type": "function_call",
            "call_id": "call_w",
            "name": "get_weather",
            "arguments": '{"city": "Kyoto"}',
            "id": weather_id,
        },
        {
            "type": "function_call",
            "call_id": "call_t",
            "name": "get_time",
            "arguments": '{"zone": "Asia/Tokyo"}',
            "id": time_id,
        },
        {"type": "function_call_output", "call_id": "call_w", "output": "18 degrees in Kyoto"},
        {"type": "function_call_output", "call_id": "call_t", "output": "10:00 in Asia/Tokyo"},
    ]
    # strict where the schema allows: get_time has an optional argument
    strict = {t["name"]: t["strict"] for t in second["tools"]}
    assert strict == {"get_weather": True, "get_time": False}
    assert second["tools"][0]["parameters"]["additionalProperties"] is False


async def test_the_next_user_turn_sends_every_earlier_reasoning_item(server: OpenAIResponsesServer) -> None:
    server.add_stream([Reasoning(["one"], encrypted_content="enc-1"), Text(["first"])])
    server.add_stream([Reasoning(["two"], encrypted_content="enc-2"), Text(["second"])])
    agent = Agent(model=_provider(server))
    await agent.arun("a")
    await agent.arun("b")
    items = valid(server.requests[1].json())["input"]
    assert [i.get("type", i.get("role")) for i in items] == ["user", "reasoning", "message", "user"]
    assert items[1]["encrypted_content"] == "enc-1" and items[1]["id"].startswith("rs_")
    assert items[2]["id"].startswith("msg_") and items[2]["role"] == "assistant"
    assert (items[2]["status"], items[2]["content"][0]["text"]) == ("completed", "first")


def _answered(*parts: Any) -> Message:
    reasoning = {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "E"}
    thinking = ThinkingPart("", json.dumps(reasoning) + "\n", "openai-responses")
    state = OpaquePart("openai-responses", {"message_ids": ["msg_1"], "call_ids": {"c1": "fc_1"}})
    return Message("assistant", [thinking, *parts, state])


def test_items_go_back_with_their_ids_only_while_they_pair_up() -> None:
    call = ToolCallPart(ToolCall("f", {}, "c1"))
    _, items = to_responses_input([_answered(TextPart("a"), call)])
    assert [i.get("id") for i in items] == ["rs_1", "msg_1", "fc_1"]
    # an edit added a text part: which item is which is no longer known, so no ids at all
    _, items = to_responses_input([_answered(TextPart("a"), TextPart("b"), call)])
    assert [i.get("id") for i in items] == [None, None, None, None]
    assert items[0] == {"type": "reasoning", "summary": [], "encrypted_content": "E"}
    # a call the response did not make (another provider's, or renamed)
    _, items = to_responses_input([_answered(TextPart("a"), ToolCallPart(ToolCall("f", {}, "c2")))])
    assert [i.get("id") for i in items] == [None, None, None]
    # and never with send_item_ids=False
    _, items = to_responses_input([_answered(TextPart("a"), call)], send_ids=False)
    assert [i.get("id") for i in items] == [None, None, None]


def test_thinking_of_other_providers_and_unencrypted_reasoning_stay_out() -> None:
    ours = ThinkingPart(
        "x", json.dumps({"type": "reasoning", "summary": [], "encrypted_content": "E"}), "openai-responses"
    )
    history = [
        Message.user("q"),
        Message(
            "assistant",
            [
                ThinkingPart("anthropic's", "sig", "anthropic"),
                ThinkingPart("unsigned", None, "openai-responses"),
                ThinkingPart("not json", "opaque==", "openai-responses"),
                ours,
                TextPart("a"),
                OpaquePart("openai-responses", {"response_id": "resp_1"}),
            ],
        ),
    ]
    _, items = to_responses_input(history)
    assert items == [
        {"role": "user", "content": "q"},
        {"type": "reasoning", "summary": [], "encrypted_content": "E"},
        {"role": "assistant", "content": "a"},
    ]


def test_adjacent_reasoning_items_in_one_part_go_back_apart() -> None:
    lines = "".join(
        json.dumps({"id": f"rs_{n}", "type": "reasoning", "summary": [], "encrypted_content": f"E{n}"}) + "\n"
        for n in (1, 2)
    )
    _, items = to_responses_input([Message("assistant", [ThinkingPart("", lines, "openai-responses")])])
    assert items == [{"type": "reasoning", "summary": [], "encrypted_content": f"E{n}"} for n in (1, 2)]


def test_options_go_on_the_wire() -> None:
    request = ModelRequest(
        [Message.system("sys"), Message.user("hi")],
        settings=ModelSettings(
            temperature=0.2,
            top_p=0.9,
            max_tokens=300,
            reasoning_effort="high",
            stop=["x"],
            extra_body={"user": "u1"},
        ),
    )
    body = valid(
        build_request_body(request, "o4-mini", reasoning_summary="detailed", service_tier="flex", store=True)
    )
    assert body["reasoning"] == {"effort": "high", "summary": "detailed"}
    assert (body["temperature"], body["top_p"], body["max_output_tokens"]) == (0.2, 0.9, 300)
    assert (body["service_tier"], body["store"], body["user"]) == ("flex", True, "u1")
    assert "stop" not in body  # the Responses API has no stop sequences


def test_reasoning_options_go_only_to_reasoning_models() -> None:
    assert [
        is_reasoning_model(m) for m in ("gpt-5", "o3", "openai/gpt-5-nano", "gpt-5-chat-latest", "gpt-4.1")
    ] == [
        True,
        True,
        True,
        False,
        False,
    ]
    plain = build_request_body(ModelRequest([Message.user("hi")]), "gpt-4.1")
    assert "reasoning" not in plain and "include" not in plain
    forced = build_request_body(ModelRequest([Message.user("hi")]), "my-local-model", reasoning=True)
    assert forced["reasoning"] == {"summary": "auto"} and forced["include"] == ["reasoning.encrypted_content"]
    quiet = build_request_body(ModelRequest([Message.user("hi")]), "gpt-5", reasoning_summary=None)
    assert "reasoning" not in quiet and quiet["include"] == ["reasoning.encrypted_content"]
    effort = build_request_body(
        ModelRequest([Message.user("hi")], settings=ModelSettings(reasoning_effort="minimal")), "gpt-4.1"
    )
    assert effort["reasoning"] == {"effort": "minimal", "summary": "auto"}


class Trip(BaseModel):
    city: str
    days: int


class Loose(BaseModel):
    city: str
    days: int = 3


async def test_native_output_goes_through_text_format(server: OpenAIResponsesServer) -> None:
    server.add_stream([Reasoning(["json"]), Text(['{"city": "Kyoto", ', '"days": 3}'])])
    agent = Agent(model=_provider(server), output_type=Trip)
    assert agent.provider.preferred_output_mode == "native"
    response = await agent.arun("Plan it")
    assert response.output == Trip(city="Kyoto", days=3)
    body = valid(server.requests[0].json())
    fmt = body["text"]["format"]
    assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", "Trip", True)
    assert server.output_schemas[0] == fmt["schema"]
    assert fmt["schema"]["additionalProperties"] is False
    server.add_stream(['{"city": "Nara"}'])
    assert (await agent.arun("Again", output_type=Loose)).output == Loose(city="Nara")
    assert server.requests[1].json()["text"]["format"]["strict"] is False  # an optional field


async def test_tool_output_mode_requires_a_call(server: OpenAIResponsesServer) -> None:
    server.add_stream([Call("final_result", {"city": "Kyoto", "days": 2})])
    agent = Agent(model=_provider(server), output_type=Trip, output_mode="tool")
    assert (await agent.arun("Plan it")).output == Trip(city="Kyoto", days=2)
    body = valid(server.requests[0].json())
    assert body["tool_choice"] == "required" and "text" not in body


async def test_previous_response_id_chains_turns_on_the_server(server: OpenAIResponsesServer) -> None:
    server.add_stream([Call("get_weather", {"city": "Oslo"}, call_id="call_o")])
    server.add_stream([Text(["Cold."])])
    server.add_stream([Text(["Bye."])])
    agent = Agent(
        instructions="Be brief.",
        model=_provider(server, store=True, previous_response_id="auto"),
        tools=[get_weather],
    )
    await agent.arun("Weather in Oslo?")
    await agent.arun("Thanks")
    first, second, third = (valid(r.json()) for r in server.requests)
    assert "previous_response_id" not in first and first["store"] is True
    ids = [p.data["response_id"] for m in agent.history for p in m.parts if isinstance(p, OpaquePart)]
    assert len(ids) == 3 and len(set(ids)) == 3
    # only what the server has not seen, and the instructions, which a chained response drops
    assert second["previous_response_id"] == ids[0]
    assert second["input"] == [
        {"type": "function_call_output", "call_id": "call_o", "output": "18 degrees in Oslo"}
    ]
    assert second["instructions"] == "Be brief."
    assert third["previous_response_id"] == ids[1]
    assert third["input"] == [{"role": "user", "content": "Thanks"}]


def test_an_explicit_previous_response_id_starts_the_chain() -> None:
    body = build_request_body(
        ModelRequest([Message.user("hi")]), "gpt-5", previous_response_id="resp_x", store=True
    )
    assert body["previous_response_id"] == "resp_x" and body["input"] == [{"role": "user", "content": "hi"}]


def test_chaining_needs_stored_responses() -> None:
    with pytest.raises(ConfigurationError, match="store=True"):
        OpenAIResponsesProvider("gpt-5", api_key="k", previous_response_id="auto")


def test_long_call_ids_of_other_servers_are_shortened_alike() -> None:
    long_id = "functions.get_weather:0-" + "x" * 40
    history = [
        Message("assistant", [ToolCallPart(ToolCall("get_weather", {"city": "A"}, long_id))]),
        Message.tool_results([ToolResult(long_id, "get_weather", "ok")]),
    ]
    _, items = to_responses_input(history)
    assert items[0]["call_id"] == items[1]["call_id"] and len(items[0]["call_id"]) <= 40


def test_model_strings_and_the_api_option_reach_the_adapter() -> None:
    by_string = resolve_model("openai-responses:gpt-5-mini", api_key="k")
    assert type(by_string) is OpenAIResponsesProvider and by_string.url.endswith("/v1/responses")
    assert by_string.label == "openai-responses:gpt-5-mini"
    by_option = OpenAIProvider("gpt-5-mini", api="responses", api_key="k", store=True)
    assert type(by_option) is OpenAIResponsesProvider and by_option.store is True
    assert type(OpenAIProvider("gpt-5-mini", api_key="k")) is OpenAIProvider
    assert type(resolve_model("gpt-5-mini", api_key="k")) is OpenAIProvider  # bare names stay on chat
    with pytest.raises(ConfigurationError, match="api must be"):
        OpenAIProvider("gpt-5-mini", api="completions", api_key="k")


def test_tools_without_parameters_get_an_empty_object() -> None:
    body = build_request_body(
        ModelRequest([Message.user("hi")], [ToolDefinition("noop", parameters={})]), "gpt-5"
    )
    assert body["tools"][0]["parameters"]["type"] == "object"
