"""``agenticraft demo``: the framework at work in one minute, offline, without any key.

The same demo model serves ``chat --offline``, ``run --offline`` and ``agenticraft serve``
(:func:`demo_server`, :class:`DemoProvider`).

Four short scenes with one agent: a streamed run with a tool call, memory across two turns,
the reasoning trace of the first run and a Chain of Thought with a majority vote, and an
answer interrupted midway whose partial text stays in the conversation. Everything goes over
real HTTP to a local server speaking the OpenAI streaming protocol.

The model is played by a small script (:func:`demo_reply`) that decides each turn from the
conversation it is sent, so the memory scene is real: the second answer is computed from the
history that went over the wire.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2

from agenticraft.core.agent import Agent
from agenticraft.core.messages import ToolCall
from agenticraft.core.tools import tool
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import RecordedRequest, ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events

from .session import EXIT_OK, Answer, stream_answer

__all__ = ["DEMO_MODEL", "DemoProvider", "DemoTurn", "demo_reply", "demo_server", "get_weather", "run_demo"]

#: the model name the demo server answers to (any name works; this one is shown)
DEMO_MODEL = "agenticraft-demo"

_WEATHER = {"paris": "18°C and sunny", "london": "12°C with light rain", "tokyo": "22°C and clear"}

STORY = (
    "The lighthouse keeper of Ouessant kept a logbook of every ship that passed. "
    "For forty years he wrote the same three lines each night: the wind, the sea, the light. "
    "Then one winter a ship passed that was not on any chart, and the light went out for exactly "
    "one minute, and in the logbook that night he wrote a fourth line, which nobody has ever "
    "been able to read."
)

TRIP_TASK = "A train leaves at 14:10 and arrives at 17:45 the same day. How many minutes is the trip?"
TRIP_CHAIN = (
    "Step 1: 14:10 to 17:10 is 180 minutes.\nStep 2: 17:10 to 17:45 adds 35: 215.\nAnswer: 215 minutes"
)
#: every third sample slips (it ignores the minutes), so the vote has something to outvote
TRIP_SLIP = "Step 1: 14 to 17 is 3 hours, 180 minutes.\nAnswer: 180 minutes"

#: the interruption scene stops the story after this many characters, as Ctrl-C would
INTERRUPT_AFTER = 90


@tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
    """
    return _WEATHER.get(city.strip().lower(), "15°C and cloudy")


@dataclass(slots=True)
class DemoTurn:
    """One model turn of the demo script."""

    text: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def demo_reply(messages: Sequence[dict[str, Any]], call: int = 0) -> DemoTurn:
    """The demo model: the next turn for a conversation of OpenAI-style message dicts
    (``call`` numbers the requests, so the Chain of Thought samples can differ)."""
    last = messages[-1]
    if last.get("role") == "tool":
        result = _text(last.get("content"))
        city = next(
            (
                str(call["function"]["arguments"])
                for m in reversed(messages)
                for call in m.get("tool_calls") or ()
            ),
            "",
        )
        name = re.search(r'"city"\s*:\s*"([^"]+)"', city)
        where = name.group(1) if name else "that city"
        return DemoTurn(text=f"It is **{result}** in {where} right now. A good day for a walk.")
    prompt = _text(last.get("content")).lower()
    attached = [p for p in last.get("content") or () if isinstance(p, dict) and p.get("type") != "text"]
    if attached:  # --attach: the demo model cannot see, but it says what came
        kinds = ", ".join(str(p.get("type")) for p in attached)
        return DemoTurn(
            text=f"I received {len(attached)} attachment(s) ({kinds}); "
            "I am the demo model and cannot see them."
        )
    if "think step by step" in prompt:  # a Chain of Thought sample
        return DemoTurn(text=TRIP_SLIP if call % 3 == 2 else TRIP_CHAIN)
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    if "weather" in prompt:
        match = re.search(r"in ([A-Z][a-z]+)", _text(last.get("content")))
        city = match.group(1) if match else "Paris"
        return DemoTurn(
            thinking=f"The user wants the current weather in {city}; get_weather knows it.",
            tool_calls=[ToolCall("get_weather", {"city": city}, "call_weather_1")],
        )
    if "which city" in prompt:
        earlier = [u for u in users[:-1] if "weather" in u.lower()]
        if not earlier:
            return DemoTurn(text="You have not asked me about any city yet.")
        match = re.search(r"in ([A-Z][a-z]+)", earlier[-1])
        return DemoTurn(text=f"You asked about **{match.group(1) if match else 'a city'}**.")
    if "go on" in prompt:
        cut = next((_text(m.get("content")) for m in reversed(messages) if m.get("role") == "assistant"), "")
        rest = STORY[len(cut) :] if STORY.startswith(cut) else STORY
        return DemoTurn(text=f"(continuing after “…{cut[-24:]}”) {rest}")
    if "story" in prompt:
        return DemoTurn(text=STORY)
    return DemoTurn(text="I am the demo model: ask me about the weather, or for a story.")


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _respond(request: RecordedRequest, call: int, delay: float) -> ScriptedResponse:
    """The local server's answer: the demo script's turn, as OpenAI streaming bytes."""
    messages = request.json()["messages"]
    turn = demo_reply(messages, call)
    calls = [ScriptedToolCall(c.name, c.arguments, c.id) for c in turn.tool_calls]
    prompt_tokens = _estimate_tokens(" ".join(_text(m.get("content")) for m in messages))
    output_tokens = _estimate_tokens(turn.text + turn.thinking) + 8 * len(calls)
    events = openai_stream_events(
        turn.text,
        reasoning=turn.thinking or None,
        tool_calls=calls,
        usage=(prompt_tokens, output_tokens),
        model=DEMO_MODEL,
        text_piece=6,
    )
    return ScriptedResponse(200, {"content-type": "text/event-stream"}, events, delay=delay)


def demo_server(*, delay: float = 0.02, port: int = 0) -> OpenAIServer:
    """A local OpenAI-protocol server (not started) whose model is :func:`demo_reply`."""
    calls = itertools.count()
    return OpenAIServer(handler=lambda request: _respond(request, next(calls), delay), port=port)


class DemoProvider(OpenAIProvider):
    """The demo model on a local :func:`demo_server`: an OpenAI provider with a client of its
    own that reads no proxy from the environment (none may stand between us and 127.0.0.1),
    closed by :meth:`aclose`."""

    def __init__(self, server: OpenAIServer) -> None:
        super().__init__(DEMO_MODEL, base_url=server.base_url)

    async def client(self) -> httpx2.AsyncClient:
        if self.http_client is None or self.http_client.is_closed:
            self.http_client = httpx2.AsyncClient(trust_env=False, timeout=None)
        return self.http_client

    async def aclose(self) -> None:
        if self.http_client is not None:
            await self.http_client.aclose()
            self.http_client = None


def run_demo(*, delay: float = 0.02) -> int:
    """Play the four scenes; returns the exit code."""
    from rich.console import Console

    console = Console(highlight=False)
    return asyncio.run(_scenes(console, delay))


async def _scenes(console: Any, delay: float) -> int:
    from rich.rule import Rule

    from .render import RichRenderer

    server = demo_server(delay=delay).start()
    model = DemoProvider(server)
    agent = Agent(name="demo", instructions="You are a concise assistant.", model=model, tools=[get_weather])
    where = f"a local OpenAI-protocol server at {server.base_url} (real HTTP, SSE)"

    def scene(number: int, title: str, note: str) -> None:
        console.print()
        console.print(Rule(f"[bold]{number}. {title}[/bold]", align="left"))
        console.print(f"[dim]{note}[/dim]")

    async def ask(prompt: str, **options: Any) -> Answer:
        console.print(f"\n[bold green]you >[/bold green] {prompt}")
        return await stream_answer(agent, prompt, RichRenderer(console), **options)

    async def reason(task: str) -> None:
        from agenticraft.core.fold import RunFold
        from agenticraft.reasoning import ChainOfThought

        console.print(f"\n[bold green]you >[/bold green] {task}")
        renderer, folded = RichRenderer(console), RunFold()
        # remember=False: the samples are side work, not part of the conversation
        async with ChainOfThought(samples=3).stream(agent, task, remember=False) as handle:
            async for chunk in handle:
                folded.add(chunk)
                renderer.chunk(chunk)
        renderer.close(folded, interrupted=False)

    console.print(f"[bold]AgentiCraft demo[/bold] · offline, no API key · model played by\n{where}")
    try:
        scene(
            1, "Streaming with a tool call", "The answer streams; the tool call shows as it starts and ends."
        )
        first = await ask("What is the weather in Paris?")

        scene(2, "Memory across turns", "The second question only makes sense with the first one in memory.")
        await ask("Which city did I just ask you about?")

        scene(
            3,
            "The reasoning trace",
            "Every model turn and tool call of the first run, in order; then a reasoning pattern.",
        )
        console.print(first.response.reasoning.render(), highlight=False)
        if first.response.thinking:
            console.print(f"[dim italic]thinking: {first.response.thinking}[/dim italic]")
        console.print(
            "\n[dim]A reasoning pattern on the same model: Chain of Thought, 3 samples, majority vote.[/dim]"
        )
        await reason(TRIP_TASK)

        scene(
            4, "Interruption", f"The answer is stopped after {INTERRUPT_AFTER} characters, as Ctrl-C would."
        )
        cut = await ask("Tell me a story about a lighthouse.", stop_after_chars=INTERRUPT_AFTER)
        kept = agent.history[-1]
        console.print(
            f"[dim]memory now ends with the partial answer: interrupted={kept.interrupted}, "
            f"{len(kept.text)} characters (the run received {len(cut.folded.text)})[/dim]"
        )
        await ask("Please go on.")
    finally:
        await model.aclose()
        server.stop()
    console.print(f"\n[dim]{len(server.requests)} requests went over HTTP to {server.base_url}[/dim]")
    console.print()
    console.print(Rule("[bold]next[/bold]", align="left"))
    console.print("agenticraft providers            which providers are configured here")
    console.print('agenticraft run "Hi" --model …   one answer (add --json for the event stream)')
    console.print("agenticraft chat                 an interactive chat; Ctrl-C stops an answer")
    console.print("agenticraft chat --offline       the same chat with this demo model: no key, no network")
    console.print("agenticraft serve --port 8000    this demo model as a local OpenAI-protocol server")
    console.print("agenticraft new my-agent         a project with an agent, a tool and passing tests")
    return EXIT_OK
