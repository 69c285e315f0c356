"""The quick start: one agent, one tool, run / arun / stream, then the reasoning trace.

Runs offline on a FunctionModel that behaves like a tool-calling model. Pass a model string
(e.g. ``python examples/quickstart.py openai:gpt-4o-mini``) to use a real provider instead.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Literal

from agenticraft import Agent, AgentiCraftError, tool
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel, ToolCall


@tool
def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
        unit: Temperature unit.
    """
    return f"18 degrees {unit} in {city}"


def offline_model(messages: list[Message], tools: list[ToolDefinition]) -> str | list[ToolCall]:
    """Asks for the weather once, then answers with what the tool said."""
    last = messages[-1]
    if last.role == "tool":
        return f"It is {last.results[0].content}."
    return [ToolCall("get_weather", {"city": "Paris"})]


async def main(model: str | None) -> None:
    agent = Agent(
        name="Ada",
        instructions="Be concise.",
        model=model or FunctionModel(offline_model, chunk_size=3, delay=0.02),
        tools=[get_weather],
    )
    async with agent.stream("Weather in Paris?") as stream:
        async for chunk in stream:
            if chunk.type == "tool_call":
                print(f"[calling {chunk.name} {chunk.arguments}]")
            print(chunk.content, end="", flush=True)
    print()
    response = stream.response
    print(f"usage: {response.usage.input_tokens} in, {response.usage.output_tokens} out")
    print("trace:")
    print(response.reasoning.render())


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        sys.exit(f"error: {exc}")
