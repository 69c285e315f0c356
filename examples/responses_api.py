"""The OpenAI Responses API offline: a reasoning model's summary streams as thinking, it calls
a tool, and its encrypted reasoning goes back with the tool result on the next request
(stateless, ``store=False``), all over real HTTP to the local Responses-protocol server.

    python examples/responses_api.py
"""

from __future__ import annotations

import asyncio

from agenticraft import Agent, tool
from agenticraft.testing.servers import OpenAIResponsesServer
from agenticraft.testing.servers.openai_responses import Call, Reasoning, Text


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"18 degrees and sunny in {city}"


async def main() -> None:
    with OpenAIResponsesServer() as server:
        # the server plays the model: reasoning and a call, then the answer
        server.add_stream(
            [
                Reasoning([["I need ", "the weather ", "in Kyoto."]], encrypted_content="gAAAA-secret"),
                Call("get_weather", {"city": "Kyoto"}, call_id="call_1"),
            ],
            reasoning_tokens=24,
        )
        server.add_stream([Text(["It is 18 degrees ", "and sunny in Kyoto."])])
        agent = Agent(
            model="openai-responses:gpt-5-mini",
            base_url=server.base_url,
            api_key="local",
            reasoning_effort="low",
            tools=[get_weather],
        )
        thinking: list[str] = []
        async with agent.stream("Weather in Kyoto?") as stream:
            async for chunk in stream:
                if chunk.type == "thinking":
                    thinking.append(chunk.thinking)  # the summary, delta by delta
                elif chunk.type == "tool_result":
                    print(f"thought: {''.join(thinking).strip()}")
                    print(f"tool: {chunk.name} -> {chunk.result}")
        print("answer:", stream.response.content)
        print("reasoning tokens:", stream.response.usage.reasoning_tokens)
        first, second = (r.json() for r in server.requests)
        print("asked for:", first["reasoning"], first["include"], "store =", first["store"])
        print("sent back:", [item.get("type", "message") for item in second["input"]])
        reasoning = next(item for item in second["input"] if item.get("type") == "reasoning")
        print("encrypted reasoning returned verbatim:", reasoning["encrypted_content"] == "gAAAA-secret")
        await agent.provider.aclose()


if __name__ == "__main__":
    asyncio.run(main())
