"""Patterns on a real provider adapter over real HTTP (a local OpenAI-protocol server):
concurrent samples share the connection pool, and ReAct uses native tool calling."""

from __future__ import annotations

from agenticraft.core.agent import Agent
from agenticraft.core.tools import tool
from agenticraft.providers import OpenAIProvider
from agenticraft.reasoning import ChainOfThought, ChainOfThoughtResult, ReAct
from agenticraft.testing.servers import OpenAIServer
from agenticraft.testing.servers.openai import ScriptedToolCall


async def test_self_consistency_over_http() -> None:
    with OpenAIServer() as server:
        for answer in ("7", "7", "8"):
            server.add_stream(f"Step 1: count.\nAnswer: {answer}", usage=(10, 5))
        provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="test")
        try:
            response = await ChainOfThought(samples=3).run(Agent(model=provider), "How many?")
        finally:
            await provider.aclose()
        assert isinstance(response.result, ChainOfThoughtResult)
        assert response.result.votes == {"7": 2, "8": 1} and response.content == "7"
        assert len(server.requests) == 3 == len(response.reasoning.turns)
        assert {r.json()["temperature"] for r in server.requests} == {0.7}
        assert (response.usage.input_tokens, response.usage.output_tokens) == (30, 15)


async def test_react_uses_native_tool_calling_over_http() -> None:
    @tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return f"18 degrees in {city}"

    with OpenAIServer() as server:
        server.add_stream(
            "Thought: I need the weather.",
            tool_calls=[ScriptedToolCall("get_weather", {"city": "Paris"}, id="call_1", fragment_size=4)],
        )
        server.add_stream("Thought: got it.\nFinal Answer: 18 degrees in Paris")
        provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="test")
        try:
            response = await ReAct().run(Agent(model=provider, tools=[get_weather]), "Weather in Paris?")
        finally:
            await provider.aclose()
        assert response.content == "18 degrees in Paris"
        first = server.requests[0].json()
        assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
        assert "Final Answer" in first["messages"][0]["content"]  # the ReAct instructions
        second = server.requests[1].json()["messages"]
        assert second[-1] == {"role": "tool", "tool_call_id": "call_1", "content": "18 degrees in Paris"}
        kinds = [s.data["kind"] for s in response.reasoning_steps]
        assert kinds == ["thought", "action", "observation", "thought", "final_answer"]
