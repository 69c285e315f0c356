"""``agenticraft demo``: the framework at work in one minute, offline, without any key.

Four short scenes with one agent: a streamed run with a tool call, memory across two turns,
the reasoning trace of the first run, and an answer interrupted midway whose partial text
stays in the conversation. The model is played by a small script (:func:`demo_reply`) that
decides each turn from the conversation it is sent, so the memory scene is real: the second
answer is computed from the history that went over the wire.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agenticraft.core.agent import Agent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.tools import tool

from .session import EXIT_OK, Answer, stream_answer

__all__ = ["DemoTurn", "demo_reply", "get_weather", "run_demo"]

_WEATHER = {"paris": "18°C and sunny", "london": "12°C with light rain", "tokyo": "22°C and clear"}

STORY = (
    "The lighthouse keeper of Ouessant kept a logbook of every ship that passed. "
    "For forty years he wrote the same three lines each night: the wind, the sea, the light. "
    "Then one winter a ship passed that was not on any chart, and the light went out for exactly "
    "one minute, and in the logbook that night he wrote a fourth line, which nobody has ever "
    "been able to read."
)

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


def demo_reply(messages: Sequence[dict[str, Any]]) -> DemoTurn:
    """The demo model: the next turn for a conversation of OpenAI-style message dicts."""
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


def _as_openai_dicts(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Our messages as the OpenAI-style dicts :func:`demo_reply` reads."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            out.extend(
                {"role": "tool", "content": r.content, "tool_call_id": r.tool_call_id} for r in m.results
            )
            continue
        item: dict[str, Any] = {"role": m.role, "content": m.text}
        if m.tool_calls:
            import json

            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        out.append(item)
    return out


def _in_process_model(delay: float) -> Any:
    """Interim transport: the demo script in a FunctionModel (no HTTP)."""
    from agenticraft.testing.models import FunctionModel, ScriptedTurn

    def play(messages: list[Message], tools: object) -> ScriptedTurn:
        turn = demo_reply(_as_openai_dicts(messages))
        return ScriptedTurn(text=turn.text, thinking=turn.thinking, tool_calls=turn.tool_calls)

    return FunctionModel(play, chunk_size=6, delay=delay, model="demo")


def run_demo(*, delay: float = 0.02) -> int:
    """Play the four scenes; returns the exit code."""
    from rich.console import Console

    console = Console(highlight=False)
    return asyncio.run(_scenes(console, delay))


async def _scenes(console: Any, delay: float) -> int:
    from rich.rule import Rule

    from .render import RichRenderer

    agent = Agent(
        name="demo",
        instructions="You are a concise assistant.",
        model=_in_process_model(delay),
        tools=[get_weather],
    )
    where = "an in-process model (no HTTP)"

    def scene(number: int, title: str, note: str) -> None:
        console.print()
        console.print(Rule(f"[bold]{number}. {title}[/bold]", align="left"))
        console.print(f"[dim]{note}[/dim]")

    async def ask(prompt: str, **options: Any) -> Answer:
        console.print(f"\n[bold green]you >[/bold green] {prompt}")
        return await stream_answer(agent, prompt, RichRenderer(console), **options)

    console.print(f"[bold]AgentiCraft demo[/bold] · offline, no API key · model played by {where}")
    try:
        scene(
            1, "Streaming with a tool call", "The answer streams; the tool call shows as it starts and ends."
        )
        first = await ask("What is the weather in Paris?")

        scene(2, "Memory across turns", "The second question only makes sense with the first one in memory.")
        await ask("Which city did I just ask you about?")

        scene(3, "The reasoning trace", "Every model turn and tool call of the first run, in order.")
        console.print(first.response.reasoning.render(), highlight=False)
        if first.response.thinking:
            console.print(f"[dim italic]thinking: {first.response.thinking}[/dim italic]")

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
        await agent.provider.aclose()
    console.print()
    console.print(Rule("[bold]next[/bold]", align="left"))
    console.print("agenticraft providers            which providers are configured here")
    console.print('agenticraft run "Hi" --model …   one answer (add --json for the event stream)')
    console.print("agenticraft chat                 an interactive chat; Ctrl-C stops an answer")
    console.print("agenticraft new my-agent         a project with an agent, a tool and passing tests")
    return EXIT_OK
