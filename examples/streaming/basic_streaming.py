"""Stream an answer token by token, with a tool call, then print the run's metrics.

    python examples/streaming/basic_streaming.py                  # a real provider if one is set up
    python examples/streaming/basic_streaming.py --offline        # a local OpenAI-protocol server
    python examples/streaming/basic_streaming.py --model anthropic:claude-sonnet-4-6

Without ``--model`` it picks the first of: ``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, a local
Ollama. When none is there it says so and runs offline. Offline, the very same provider code
talks HTTP to :class:`agenticraft.testing.servers.OpenAIServer` on 127.0.0.1, which plays a
scripted answer; only the server is pretend.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from typing import Any

from agenticraft import Agent, AgentiCraftError, tool
from agenticraft.core.events import TextChunk, ToolCallChunk, ToolResultChunk

PROMPT = "What's the weather in Paris? Answer in one short sentence."


@tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
    """
    return f"18 degrees celsius and sunny in {city}"


def ollama_running() -> bool:
    """Whether a local Ollama answers on OLLAMA_HOST (or localhost:11434)."""
    host = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434").split("://")[-1].rstrip("/")
    name, _, port = host.rpartition(":") if ":" in host else (host, "", "11434")
    try:
        with socket.create_connection((name or "127.0.0.1", int(port or 11434)), timeout=0.3):
            return True
    except (OSError, ValueError):
        return False


def pick_real_model() -> str | None:
    if os.environ.get("OPENAI_API_KEY"):
        return "openai:gpt-4o-mini"
    if os.environ.get("ANTHROPIC_API_KEY"):
        return "anthropic:claude-haiku-4-5"
    if ollama_running():
        return "ollama:llama3.2"
    return None


def start_offline_server() -> Any:
    """A local OpenAI-protocol server scripted to call the tool, then answer."""
    from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

    server = OpenAIServer().start()
    server.add_stream(
        tool_calls=[ScriptedToolCall("get_weather", {"city": "Paris"}, "call_weather_1")],
        usage=(84, 16),
        delay=0.01,
    )
    server.add_stream(
        "It is 18 degrees celsius and sunny in Paris.", text_piece=3, usage=(121, 12), delay=0.03
    )
    return server


async def main(model: Any) -> None:
    agent = Agent(name="weather", instructions="Be brief.", model=model, tools=[get_weather])
    print(f"model: {agent.model_label}")
    async with agent.stream(PROMPT) as stream:
        async for chunk in stream:
            match chunk:
                case TextChunk(content=text):
                    print(text, end="", flush=True)
                case ToolCallChunk(name=name, arguments=arguments):
                    print(f"[calling {name}({arguments})]")
                case ToolResultChunk(name=name, result=result):
                    print(f"[{name} -> {result}]")
    print()
    response = stream.response
    metrics = response.metrics
    ttft = f"{metrics.time_to_first_token * 1000:.0f} ms" if metrics.time_to_first_token else "n/a"
    speed = f"{metrics.tokens_per_second:.1f} tokens/s" if metrics.tokens_per_second else "n/a"
    usage = response.usage
    print(f"time to first token: {ttft}; speed: {speed}; chunks: {metrics.chunk_count}")
    print(f"usage: {usage.input_tokens} in, {usage.output_tokens} out; stop: {response.stop_reason}")


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--offline", action="store_true", help="use the local scripted server")
    parser.add_argument("--model", help="a model string, e.g. openai:gpt-4o-mini")
    args = parser.parse_args(argv)
    model: Any = None if args.offline else (args.model or pick_real_model())
    server = None
    if model is None:
        if not args.offline:
            print(
                "no OPENAI_API_KEY, ANTHROPIC_API_KEY or local Ollama found: running offline", file=sys.stderr
            )
        from agenticraft.providers import OpenAIProvider

        server = start_offline_server()
        model = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="offline")
    try:
        asyncio.run(main(model))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    try:
        cli()
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        sys.exit(f"error: {exc}")
