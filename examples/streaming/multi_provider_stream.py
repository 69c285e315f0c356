"""The provider comparison tool: one prompt streamed from every configured provider at once.

    python examples/streaming/multi_provider_stream.py            # OpenAI / Anthropic / Ollama, as set up
    python examples/streaming/multi_provider_stream.py --offline  # local servers of all four protocols
    python examples/streaming/multi_provider_stream.py --model openai:gpt-4o --model ollama:qwen3

Each provider streams side by side (live lines on a terminal, a summary when piped), then a
table compares time to first token, tokens per second, usage and total time. A provider that
fails shows its error; the others carry on. Offline, each provider's real adapter talks HTTP to
a local server of its own protocol (from :mod:`agenticraft.testing.servers`), each scripted
with a different pace.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from agenticraft import Agent, AgentiCraftError, RunFold
from agenticraft.core.provider import StreamingProvider

PROMPT = "In two sentences: why do streaming APIs matter for chat interfaces?"
ANSWER = (
    "Streaming lets the interface show words as soon as the model produces them, so people "
    "start reading in milliseconds instead of waiting for the whole answer. It also lets them "
    "stop a reply that is going the wrong way, which saves time and tokens."
)


@dataclass
class Lane:
    """One provider's run: what it streamed and how fast."""

    label: str
    provider: StreamingProvider
    folded: RunFold = field(default_factory=RunFold)
    thinking: list[str] = field(default_factory=list)  # the reasoning it showed, if any
    error: str | None = None
    done: bool = False


def ollama_running() -> bool:
    host = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434").split("://")[-1].rstrip("/")
    name, _, port = host.rpartition(":") if ":" in host else (host, "", "11434")
    try:
        with socket.create_connection((name or "127.0.0.1", int(port or 11434)), timeout=0.3):
            return True
    except (OSError, ValueError):
        return False


def configured_models() -> list[str]:
    models = []
    if os.environ.get("OPENAI_API_KEY"):
        models.append("openai:gpt-4o-mini")
        models.append("openai-responses:gpt-5-mini")
    if os.environ.get("ANTHROPIC_API_KEY"):
        models.append("anthropic:claude-haiku-4-5")
    if ollama_running():
        models.append("ollama:llama3.2")
    return models


def words(text: str) -> list[str]:
    """The answer cut into word-sized pieces, as a model streams it."""
    pieces = text.split(" ")
    return [p + " " for p in pieces[:-1]] + pieces[-1:]


def offline_lanes(servers: list[Any]) -> list[Lane]:
    """Start a local server per protocol (skipping any that is not available) and point the
    real adapters at them."""
    from agenticraft.providers import OpenAIProvider
    from agenticraft.testing.servers.openai import OpenAIServer

    lanes: list[Lane] = []
    openai_server = OpenAIServer().start()
    servers.append(openai_server)
    openai_server.add_stream(words(ANSWER), usage=(31, 52), delay=0.01)
    provider = OpenAIProvider("gpt-4o-mini", base_url=openai_server.base_url, api_key="offline")
    lanes.append(Lane("openai:gpt-4o-mini (local)", provider))
    from agenticraft.providers import OpenAIResponsesProvider
    from agenticraft.testing.servers.openai_responses import OpenAIResponsesServer, Reasoning, Text

    responses_server = OpenAIResponsesServer().start()
    servers.append(responses_server)
    summary = words("The user wants two sentences on streaming: speed and control.")
    responses_server.add_stream(
        [Reasoning([summary]), Text(words(ANSWER))], usage=(35, 70), reasoning_tokens=18, delay=0.012
    )
    reasoner = OpenAIResponsesProvider("gpt-5-mini", base_url=responses_server.base_url, api_key="offline")
    lanes.append(Lane("openai-responses:gpt-5-mini (local)", reasoner))
    try:
        from agenticraft.providers import AnthropicProvider
        from agenticraft.testing.servers.anthropic import AnthropicServer
        from agenticraft.testing.servers.anthropic import Text as AnthropicText

        anthropic_server = AnthropicServer().start()
        servers.append(anthropic_server)
        anthropic_server.add_stream(
            [AnthropicText(words(ANSWER))], input_tokens=33, output_tokens=50, delay=0.015
        )
        claude = AnthropicProvider("claude-haiku-4-5", base_url=anthropic_server.url, api_key="offline")
        lanes.append(Lane("anthropic:claude-haiku-4-5 (local)", claude))
    except ImportError as exc:  # the Anthropic pieces are optional here
        print(f"(anthropic offline server unavailable: {exc})", file=sys.stderr)
    try:
        from agenticraft.providers import OllamaProvider
        from agenticraft.testing.servers.ollama import OllamaServer

        ollama_server = OllamaServer().start()
        servers.append(ollama_server)
        ollama_server.add_stream(words(ANSWER), prompt_eval_count=29, eval_count=54, delay=0.02)
        lanes.append(Lane("ollama:llama3.2 (local)", OllamaProvider("llama3.2", base_url=ollama_server.url)))
    except ImportError as exc:
        print(f"(ollama offline server unavailable: {exc})", file=sys.stderr)
    return lanes


async def run_lane(lane: Lane, prompt: str) -> None:
    agent = Agent(name=lane.label, model=lane.provider)
    try:
        async with agent.stream(prompt) as stream:
            async for chunk in stream:
                lane.folded.add(chunk)
                if chunk.type == "thinking":
                    lane.thinking.append(chunk.thinking)
    except Exception as exc:  # one provider failing must not stop the comparison
        lane.error = f"{type(exc).__name__}: {exc}"
    finally:
        lane.done = True


def live_line(lane: Lane, width: int) -> str:
    state = "error" if lane.error else ("done" if lane.done else "...")
    text = " ".join(lane.folded.text.split())
    room = max(10, width - 44)
    return f"{lane.label[:34]:<34} {state:>5} | {text[-room:]}"


async def watch(lanes: list[Lane], stop: asyncio.Event) -> None:
    """Redraw one line per provider while they stream (terminals only)."""
    width = min(160, os.get_terminal_size().columns if sys.stdout.isatty() else 100)
    print("\n" * (len(lanes) - 1))
    while True:
        sys.stdout.write(f"\x1b[{len(lanes)}F")  # back to the first lane's line
        for lane in lanes:
            sys.stdout.write("\x1b[2K" + live_line(lane, width) + "\n")
        sys.stdout.flush()
        if stop.is_set():
            return
        await asyncio.sleep(0.05)


def table(lanes: list[Lane]) -> str:
    head = f"{'provider':<36} {'first token':>11} {'tokens/s':>9} {'in':>6} {'out':>6} {'total':>8}"
    rows = [head, "-" * len(head)]
    for lane in lanes:
        f = lane.folded
        if lane.error is not None:
            rows.append(f"{lane.label:<36} error: {lane.error[:120]}")
            continue
        ttft = f"{f.time_to_first_token * 1000:.0f} ms" if f.time_to_first_token is not None else "-"
        speed = f"{f.tokens_per_second:.1f}" if f.tokens_per_second else "-"
        rows.append(
            f"{lane.label:<36} {ttft:>11} {speed:>9} {f.usage.input_tokens:>6} "
            f"{f.usage.output_tokens:>6} {f.duration:>7.2f}s"
        )
    return "\n".join(rows)


async def main(lanes: list[Lane], prompt: str) -> None:
    print(f"prompt: {prompt}\n")
    started = time.perf_counter()
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch(lanes, stop)) if sys.stdout.isatty() else None
    await asyncio.gather(*(run_lane(lane, prompt) for lane in lanes))
    stop.set()
    if watcher is not None:
        await watcher
    else:
        for lane in lanes:
            print(f"[{lane.label}]")
            thought = " ".join("".join(lane.thinking).split())
            if thought and not lane.error:
                print(f"(thinking: {thought})")
            print(lane.error if lane.error else lane.folded.text)
            print()
    print(table(lanes))
    print(f"\nall providers done in {time.perf_counter() - started:.2f}s")


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stream one prompt from several providers side by side.")
    parser.add_argument("--offline", action="store_true", help="use local servers of all four protocols")
    parser.add_argument("--model", action="append", default=[], help="a model string (repeatable)")
    parser.add_argument("--prompt", default=PROMPT)
    args = parser.parse_args(argv)
    servers: list[Any] = []
    if args.offline:
        lanes = offline_lanes(servers)
    else:
        from agenticraft.providers import resolve_model

        models = args.model or configured_models()
        if not models:
            print(
                "no OPENAI_API_KEY, ANTHROPIC_API_KEY or local Ollama found: running offline", file=sys.stderr
            )
            lanes = offline_lanes(servers)
        else:
            lanes = [Lane(m, resolve_model(m)) for m in models]
    try:
        asyncio.run(main(lanes, args.prompt))
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    try:
        cli()
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        sys.exit(f"error: {exc}")
