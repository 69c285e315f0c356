"""Eager tools offline, over real HTTP: the local OpenAI-protocol server streams two tool
calls slowly, and each read-only tool starts as soon as its own call is complete, while the
model is still streaming the next one, instead of after the whole turn.

    python examples/eager_tools.py
"""

from __future__ import annotations

import asyncio

from agenticraft import Agent, tool
from agenticraft.core.eager import EagerStartChunk
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@tool(eager=True)  # read-only, safe to start early (Agent(eager_tools=True) makes every tool so)
async def lookup(city: str) -> str:
    """The population of a city."""
    return {"Kyoto": "1.46 million", "Osaka": "2.75 million"}[city]


async def main() -> None:
    with OpenAIServer() as server:
        calls = [
            ScriptedToolCall("lookup", {"city": "Kyoto"}, "call_1", fragment_size=4),
            ScriptedToolCall("lookup", {"city": "Osaka"}, "call_2", fragment_size=4),
        ]
        server.add_stream(tool_calls=calls, delay=0.01)  # a slow model: a piece every 10 ms
        server.add_stream("Kyoto has 1.46 million people, Osaka 2.75 million.")
        agent = Agent(model="openai:gpt-4o-mini", base_url=server.base_url, api_key="local", tools=[lookup])
        async with agent.stream("How many people live in Kyoto and Osaka?") as stream:
            async for chunk in stream:
                if isinstance(chunk, EagerStartChunk):
                    print(f"started early: {chunk.payload['name']} ({chunk.call_id})")
                elif chunk.type == "tool_call":
                    print(f"call complete: {chunk.name} {chunk.arguments}")
                elif chunk.type == "turn_end":
                    print(f"the model's turn ended ({chunk.stop_reason})")
                elif chunk.type == "tool_result":
                    print(f"result: {chunk.id} -> {chunk.result}")
        print("answer:", stream.response.content)
        await agent.provider.aclose()


if __name__ == "__main__":
    asyncio.run(main())
