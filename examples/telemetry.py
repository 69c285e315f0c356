"""Telemetry offline: an agent on the local OpenAI-protocol server calls a tool and answers,
and the OpenTelemetry spans it made (GenAI semantic conventions) print as a tree, with the
token counts the server reported.

No SDK and no collector: :class:`~agenticraft.telemetry.SpanRecorder` is a tracer provider that
keeps the spans in memory (only ``opentelemetry-api``, the ``otel`` extra). In production pass
your SDK's ``TracerProvider`` to ``instrument()`` instead; see docs/telemetry.md.

    python examples/telemetry.py
"""

from __future__ import annotations

import asyncio

from agenticraft import Agent, tool
from agenticraft.telemetry import SpanRecorder, instrument, uninstrument
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@tool
def weather(city: str) -> str:
    """The weather in a city."""
    return f"18C and sunny in {city}"


async def main() -> None:
    recorder = SpanRecorder()
    instrument(tracer_provider=recorder)  # every agent from now on
    try:
        with OpenAIServer() as server:
            # the server plays the model: a tool call, then the answer from its result
            server.add_stream(
                tool_calls=[ScriptedToolCall("weather", {"city": "Paris"}, "call_1")], usage=(40, 9)
            )
            server.add_stream("It is 18C and sunny in Paris.", usage=(61, 11))
            agent = Agent(
                name="forecaster",
                model="openai:gpt-4o-mini",
                base_url=server.base_url,
                api_key="local",
                tools=[weather],
            )
            response = await agent.arun("Weather in Paris?")
            await agent.provider.aclose()
    finally:
        uninstrument()
    print("answer:", response.content)
    print(recorder.render(attributes=("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")))


if __name__ == "__main__":
    asyncio.run(main())
