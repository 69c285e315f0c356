"""Agents to serve in the tests, and small readers of what the server streams."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agenticraft import Agent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel, ScriptedTurn

THINKING = "The user wants the weather; get_weather knows it."


def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
    """
    return f"18°C and sunny in {city}"


def weather_reply(messages: list[Message], tools: list[ToolDefinition]) -> ScriptedTurn | str:
    """Thinks, calls get_weather for the city named last, then answers from its result."""
    last = messages[-1]
    if last.role == "tool":
        return f"It is {last.results[0].content}. A good day for a walk."
    city = last.text.rsplit(" ", 1)[-1].strip("?.!") or "Paris"
    return ScriptedTurn(
        thinking=THINKING, tool_calls=[ToolCall("get_weather", {"city": city}, f"call_{city}")]
    )


def weather_agent(name: str = "support_agent", **model_options: Any) -> Agent:
    return Agent(name=name, model=FunctionModel(weather_reply, **model_options), tools=[get_weather])


def sse_data(text: str) -> Iterator[str]:
    """The ``data:`` payloads of a server-sent event stream, in order."""
    for frame in text.split("\n\n"):
        for line in frame.splitlines():
            if line.startswith("data: "):
                yield line[len("data: ") :]


def sse_json(text: str) -> list[dict[str, Any]]:
    """The JSON events of a stream (``[DONE]`` left out)."""
    return [json.loads(d) for d in sse_data(text) if d != "[DONE]"]
