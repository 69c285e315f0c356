"""Serving offline: an agent with a tool behind the OpenAI Chat Completions API, the Vercel AI
SDK stream and AG-UI, on a local port; then two clients of it.

- a plain HTTP client reads the OpenAI-compatible stream (``data: {...}`` lines, ``[DONE]``);
- another AgentiCraft agent uses the served agent as its model, as any OpenAI client would.

The served agent's model is a scripted one (``FunctionModel``): it calls the tool, then answers
from its result, so nothing leaves the machine. In production: ``agenticraft serve
myapp.agents:support`` or ``uvicorn`` on ``create_app(agent)``; see docs/serving.md.

    python examples/serving.py
"""

from __future__ import annotations

import asyncio
import json

import httpx

from agenticraft import Agent, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"18C and sunny in {city}"


def model(messages: list[Message], tools: object) -> ToolCall | str:
    last = messages[-1]
    if last.role == "tool":  # the tool answered: answer from its result
        return f"It is {last.results[0].content}."
    city = last.text.rstrip("?").rsplit(" ", 1)[-1]
    return ToolCall("get_weather", {"city": city}, "call_1")


async def main() -> None:
    agent = Agent(name="support_agent", model=FunctionModel(model), tools=[get_weather])
    app = create_app(agent)  # an ASGI app: uvicorn, hypercorn, or BackgroundServer here
    protocols = ("/v1/chat/completions", "/api/chat", "/ag-ui")
    print("routes:", [r.path for r in app.routes if getattr(r, "path", "") in protocols])
    with BackgroundServer(app) as server:
        body = {
            "model": "support_agent",
            "stream": True,
            "messages": [{"role": "user", "content": "Weather in Paris?"}],
        }
        text = []
        async with (
            httpx.AsyncClient() as client,
            client.stream("POST", server.url + "/v1/chat/completions", json=body) as response,
        ):
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    delta = json.loads(line[6:])["choices"][0]["delta"]
                    text.append(delta.get("content") or "")
        print("streamed:", "".join(text))  # the tool ran on the server; only the answer came

        # any OpenAI client works: here an AgentiCraft agent whose model is the served agent
        client_agent = Agent(model="openai:support_agent", base_url=server.url + "/v1", api_key="unused")
        answer = await client_agent.arun("Weather in Oslo?")
        await client_agent.provider.aclose()
        print("through the API:", answer.content)


if __name__ == "__main__":
    asyncio.run(main())
