"""Handoffs and agents as tools on a real provider adapter over real HTTP (the local
OpenAI-protocol server): every request the server recorded is a valid chat request, checked
with the official SDK's types."""

from __future__ import annotations

from typing import Any

import openai.types.chat
import pydantic

from agenticraft import Agent
from agenticraft.core.events import NestedChunk
from agenticraft.providers import OpenAIProvider
from agenticraft.testing.servers import OpenAIServer
from agenticraft.testing.servers.openai import ScriptedToolCall

_MESSAGES = pydantic.TypeAdapter(list[openai.types.chat.ChatCompletionMessageParam])


def invoice_total(number: str) -> str:
    """The total of an invoice."""
    return f"invoice {number}: 42 EUR"


def _valid(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = body["messages"]
    _MESSAGES.validate_python(messages)
    return messages


async def test_a_handoff_over_http_is_answered_by_the_target_with_its_tool() -> None:
    with OpenAIServer() as server:
        server.add_stream(
            "", tool_calls=[ScriptedToolCall("transfer_to_billing", {}, id="call_t")], usage=(10, 2)
        )
        server.add_stream("", tool_calls=[ScriptedToolCall("invoice_total", {"number": "7"}, id="call_i")])
        server.add_stream("Your invoice 7 comes to 42 EUR.")
        provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="test")
        try:
            billing = Agent(
                name="billing", instructions="You are billing.", model=provider, tools=[invoice_total]
            )
            triage = Agent(name="triage", instructions="Route.", model=provider, handoffs=[billing])
            response = await triage.arun("What is on invoice 7?")
        finally:
            await provider.aclose()
    assert response.agent == "billing" and response.content == "Your invoice 7 comes to 42 EUR."
    first, second, third = (r.json() for r in server.requests)
    assert [t["function"]["name"] for t in first["tools"]] == ["transfer_to_billing"]
    assert [t["function"]["name"] for t in second["tools"]] == ["invoice_total"]
    messages = _valid(second)
    assert messages[0] == {"role": "system", "content": "You are billing."}
    assert messages[-1]["role"] == "tool" and messages[-1]["content"] == "Transferred to billing."
    assert _valid(third)[-1]["content"] == "invoice 7: 42 EUR"


async def test_an_agent_as_tool_over_http_nests_its_events_and_adds_its_usage() -> None:
    with OpenAIServer() as server:
        server.add_stream(
            "", tool_calls=[ScriptedToolCall("writer", {"request": "one line"}, id="call_w")], usage=(10, 3)
        )
        server.add_stream("A crisp line.", usage=(7, 4))
        server.add_stream("Here it is: A crisp line.", usage=(20, 6))
        provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="test")
        try:
            writer = Agent(name="writer", instructions="Write.", model=provider)
            lead = Agent(name="lead", model=provider, tools=[writer.as_tool()])
            events = []
            async with lead.stream("Write me a line") as handle:
                async for event in handle:
                    events.append(event)
        finally:
            await provider.aclose()
    response = handle.response
    assert response.content == "Here it is: A crisp line."
    assert (response.usage.input_tokens, response.usage.output_tokens) == (37, 13)
    nested = [e for e in events if isinstance(e, NestedChunk)]
    assert "".join(e.event.content for e in nested if e.event is not None) == "A crisp line."
    inner = _valid(server.requests[1].json())
    assert inner == [{"role": "system", "content": "Write."}, {"role": "user", "content": "one line"}]
