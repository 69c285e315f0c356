"""Typed output over the local OpenAI, Anthropic and Ollama servers: what each mode puts on
the wire (checked against the official SDKs' request types) and what comes back validated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import anthropic.types
import anthropic.types.message_create_params as anthropic_params
import ollama._types as ollama_types
import openai.types.chat.completion_create_params as openai_params
import pydantic
import pytest
from pydantic import BaseModel, Field

from agenticraft import Agent, tool
from agenticraft.core.provider import ModelSettings
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.anthropic import AnthropicServer, Text, ToolUse
from agenticraft.testing.servers.ollama import OllamaServer, OllamaToolCall
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

NO_RETRY = RetryPolicy(max_retries=0)


class City(BaseModel):
    """A city and its population."""

    name: str
    country: str
    population: int = Field(gt=0)


class Tagged(BaseModel):
    name: str
    tags: list[str] = []


PARIS = {"name": "Paris", "country": "France", "population": 2102650}

_OPENAI_BODY = pydantic.TypeAdapter(openai_params.CompletionCreateParamsStreaming)
_ANTHROPIC_BODY = pydantic.TypeAdapter(anthropic_params.MessageCreateParamsStreaming)


@tool
def lookup(city: str) -> str:
    """Facts about a city."""
    return f"{city}: capital of France"


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as s:
        yield s


@pytest.fixture
def ollama_server() -> Iterator[OllamaServer]:
    with OllamaServer() as s:
        yield s


def openai_agent(server: OpenAIServer, **options: Any) -> Agent[None]:
    provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="sk-test", retry=NO_RETRY)
    return Agent(model=provider, **options)


def anthropic_agent(server: AnthropicServer, **options: Any) -> Agent[None]:
    provider = AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k", retry=NO_RETRY)
    return Agent(model=provider, **options)


def ollama_agent(server: OllamaServer, **options: Any) -> Agent[None]:
    return Agent(model=OllamaProvider("llama3.2", base_url=server.url, retry=NO_RETRY), **options)


# -- OpenAI ------------------------------------------------------------------------------------


async def test_openai_native_sends_a_strict_json_schema_response_format(openai_server: OpenAIServer) -> None:
    openai_server.add_stream(json.dumps(PARIS))
    agent = openai_agent(openai_server, output_type=City)  # native is OpenAI's default
    response = await agent.arun("The largest city in France?")
    assert response.output == City(**PARIS)
    assert response.content == json.dumps(PARIS)  # the raw text is kept
    body = openai_server.requests[0].json()
    _OPENAI_BODY.validate_python(body)
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "City" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["description"] == "A city and its population."
    schema = openai_server.output_schemas[0]
    assert schema is not None and schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "country", "population"}
    assert schema["properties"]["population"]["exclusiveMinimum"] == 0
    assert "tools" not in body and "tool_choice" not in body


async def test_openai_native_with_an_optional_field_is_not_strict(openai_server: OpenAIServer) -> None:
    openai_server.add_stream('{"name": "x"}')
    response = await openai_agent(openai_server, output_type=Tagged).arun("Tag it")
    assert response.output == Tagged(name="x")
    assert openai_server.requests[0].json()["response_format"]["json_schema"]["strict"] is False


async def test_openai_tool_mode_offers_the_output_tool_and_requires_a_call(
    openai_server: OpenAIServer,
) -> None:
    openai_server.add_stream(tool_calls=[ScriptedToolCall("lookup", {"city": "Paris"})])
    openai_server.add_stream(tool_calls=[ScriptedToolCall("final_result", PARIS)])
    agent = openai_agent(openai_server, output_type=City, output_mode="tool", tools=[lookup])
    response = await agent.arun("The largest city in France?")
    assert response.output == City(**PARIS)
    for request in openai_server.requests:
        body = request.json()
        _OPENAI_BODY.validate_python(body)
        assert [t["function"]["name"] for t in body["tools"]] == ["lookup", "final_result"]
        assert body["tool_choice"] == "required" and "response_format" not in body
    output_tool = openai_server.requests[0].json()["tools"][1]["function"]
    assert output_tool["description"] == "A city and its population."
    assert output_tool["parameters"]["required"] == ["name", "country", "population"]
    # the run ends with the output call answered, so the conversation can go on
    assert [m.role for m in response.messages] == ["user", "assistant", "tool", "assistant", "tool"]
    assert response.messages[-1].results[0].content == "Final result processed."


async def test_openai_prompted_mode_puts_the_schema_in_the_system_message(
    openai_server: OpenAIServer,
) -> None:
    openai_server.add_stream('```json\n{"result": 42}\n```')
    agent = openai_agent(openai_server, output_type=int, output_mode="prompted", instructions="Be exact.")
    response = await agent.arun("Six times seven?")
    assert response.output == 42
    body = openai_server.requests[0].json()
    _OPENAI_BODY.validate_python(body)
    system = body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("Be exact.")
    assert '"result":{"type":"integer"}' in system["content"]
    assert "response_format" not in body and "tools" not in body


# -- Anthropic ---------------------------------------------------------------------------------


async def test_anthropic_tool_mode_is_its_default_and_forces_a_tool_call(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.add_stream([ToolUse("final_result", [json.dumps(PARIS)[:20], json.dumps(PARIS)[20:]])])
    response = await anthropic_agent(anthropic_server, output_type=City).arun("Largest city in France?")
    assert response.output == City(**PARIS)
    body = anthropic_server.requests[0].json()
    _ANTHROPIC_BODY.validate_python(body)
    assert body["tool_choice"] == {"type": "any"}
    assert body["tools"][0]["name"] == "final_result"
    assert body["tools"][0]["input_schema"]["properties"]["population"]["exclusiveMinimum"] == 0
    assert "output_config" not in body


async def test_anthropic_tool_mode_with_thinking_asks_without_forcing(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.add_stream([ToolUse("final_result", [json.dumps(PARIS)])])
    agent = anthropic_agent(anthropic_server, output_type=City, settings=ModelSettings(thinking_budget=2048))
    assert (await agent.arun("Largest city?")).output == City(**PARIS)
    body = anthropic_server.requests[0].json()
    assert "tool_choice" not in body  # the API refuses forced tool use with thinking on


async def test_anthropic_native_sends_output_config_with_a_closed_schema(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.add_stream([Text([json.dumps(PARIS)[:11], json.dumps(PARIS)[11:]])])
    agent = anthropic_agent(anthropic_server, output_type=City, output_mode="native")
    response = await agent.arun("Largest city in France?")
    assert response.output == City(**PARIS)
    body = anthropic_server.requests[0].json()
    _ANTHROPIC_BODY.validate_python(body)
    pydantic.TypeAdapter(anthropic.types.OutputConfigParam).validate_python(body["output_config"])
    schema = anthropic_server.output_schemas[0]
    assert schema is not None and schema["additionalProperties"] is False
    population = schema["properties"]["population"]
    assert "exclusiveMinimum" not in population  # not enforced there: told, and validated by us
    assert "exclusiveMinimum: 0" in population["description"]
    assert "tools" not in body and "tool_choice" not in body


async def test_anthropic_union_output_lets_the_model_choose_its_tool(
    anthropic_server: AnthropicServer,
) -> None:
    class Refusal(BaseModel):
        reason: str

    anthropic_server.add_stream([ToolUse("final_result_Refusal", ['{"reason": "no data"}'])])
    response = await anthropic_agent(anthropic_server, output_type=City | Refusal).arun(
        "Largest city on Mars?"
    )
    assert response.output == Refusal(reason="no data")
    names = [t["name"] for t in anthropic_server.requests[0].json()["tools"]]
    assert names == ["final_result_City", "final_result_Refusal"]


# -- Ollama ------------------------------------------------------------------------------------


async def test_ollama_native_sends_the_schema_as_format(ollama_server: OllamaServer) -> None:
    text = json.dumps({"result": ["positive", "negative"]})
    ollama_server.add_stream([text[:9], text[9:]])
    agent = ollama_agent(ollama_server, output_type=list[Literal["positive", "negative"]])
    response = await agent.arun("Classify: 'great', 'awful'")
    assert response.output == ["positive", "negative"]
    body = ollama_server.requests[0].json()
    ollama_types.ChatRequest.model_validate(body)
    schema = ollama_server.output_schemas[0]
    assert schema == {
        "type": "object",
        "properties": {
            "result": {"type": "array", "items": {"type": "string", "enum": ["positive", "negative"]}}
        },
        "required": ["result"],
    }


async def test_ollama_tool_mode_offers_the_output_tool(ollama_server: OllamaServer) -> None:
    ollama_server.add_stream(tool_calls=[OllamaToolCall("final_result", PARIS)])
    response = await ollama_agent(ollama_server, output_type=City, output_mode="tool").arun("Largest city?")
    assert response.output == City(**PARIS)
    body = ollama_server.requests[0].json()
    ollama_types.ChatRequest.model_validate(body)
    assert [t["function"]["name"] for t in body["tools"]] == ["final_result"]
    assert "format" not in body


@pytest.mark.parametrize("mode", ["tool", "native", "prompted"])
async def test_a_wrong_output_is_explained_and_fixed_over_the_wire(
    openai_server: OpenAIServer, mode: Literal["tool", "native", "prompted"]
) -> None:
    wrong = {"name": "Paris", "country": "France", "population": -1}
    for value in (wrong, PARIS):
        if mode == "tool":
            openai_server.add_stream(tool_calls=[ScriptedToolCall("final_result", value)])
        else:
            openai_server.add_stream(json.dumps(value))
    response = await openai_agent(openai_server, output_type=City, output_mode=mode).arun("Largest city?")
    assert response.output == City(**PARIS)
    second = openai_server.requests[1].json()["messages"]
    _OPENAI_BODY.validate_python(openai_server.requests[1].json())
    told = second[-1]
    assert told["role"] == ("tool" if mode == "tool" else "user")
    assert "population: Input should be greater than 0 (got -1)" in told["content"]
