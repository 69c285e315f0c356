"""What the terminal renderers show for a fallback to the next model and for an eager tool
start, fed the events of real runs (a cut OpenAI stream over HTTP; an eager tool call)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from cli_helpers import run_cli
from rich.console import Console

from agenticraft import Agent, tool
from agenticraft.cli.render import PlainRenderer, RichRenderer
from agenticraft.core.events import RunEvent
from agenticraft.core.messages import ToolCall
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.fallback import FallbackChunk
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing import ScriptedModel
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events


def _events(agent: Agent, prompt: str = "go") -> list[RunEvent]:
    async def main() -> list[RunEvent]:
        async with agent.stream(prompt) as stream:
            return [e async for e in stream]

    return asyncio.run(main())


def _fallback_events(mode: str) -> list[RunEvent]:
    with OpenAIServer() as first, OpenAIServer() as second:
        first.add_stream(["The capital ", "of France "], cut_after=3)
        second.add_stream(["is Paris."] if mode == "continue" else ["Paris."])
        providers = [
            OpenAIProvider(name, base_url=s.base_url, api_key="k", retry=NO_RETRY)
            for name, s in (("first", first), ("second", second))
        ]
        return _events(Agent(model=providers, fallback=mode))  # type: ignore[arg-type]


def _eager_events() -> list[RunEvent]:
    @tool(eager=True)
    def lookup(q: str) -> str:
        """Look up."""
        return q.upper()

    return _events(
        Agent(model=ScriptedModel([[ToolCall("lookup", {"q": "a"}, "c1")], "done"]), tools=[lookup])
    )


def _plain(events: list[RunEvent], *, verbose: bool = False) -> tuple[str, str]:
    out, info = io.StringIO(), io.StringIO()
    renderer = PlainRenderer(out, info, show_stats=False, verbose=verbose)
    for event in events:
        renderer.chunk(event)
    renderer.close(None, interrupted=False)
    return out.getvalue(), info.getvalue()


def _rich(events: list[RunEvent], *, verbose: bool = False) -> str:
    buffer = io.StringIO()
    renderer = RichRenderer(Console(file=buffer, width=100), show_stats=False, verbose=verbose)
    for event in events:
        renderer.chunk(event)
    renderer.close(None, interrupted=False)
    return buffer.getvalue()


def test_a_fallback_that_continues_is_one_line_naming_the_next_model_and_why() -> None:
    events = _fallback_events("continue")
    assert any(isinstance(e, FallbackChunk) for e in events)
    out, info = _plain(events)
    assert out == "The capital of France is Paris."  # the line never enters the answer
    (line,) = [x for x in info.splitlines() if "falling back" in x]
    assert line.startswith("[falling back to openai:second: ") and "starting" not in line
    assert "↻ falling back to openai:second: " in _rich(events)


def test_a_fallback_that_restarts_says_the_answer_starts_over() -> None:
    # a cut inside a tool call's arguments starts the turn over on the next model
    call = ScriptedToolCall("get_weather", {"city": "Paris"}, id="call_w", fragment_size=4)
    at = next(
        i for i, p in enumerate(openai_stream_events("Checking. ", tool_calls=[call])) if b"call_w" in p
    )
    with OpenAIServer() as first, OpenAIServer() as second:
        first.add_stream("Checking. ", tool_calls=[call], cut_after=at + 3)
        second.add_stream(["Sunny."])
        providers = [
            OpenAIProvider("m", base_url=s.base_url, api_key="k", retry=NO_RETRY) for s in (first, second)
        ]

        def get_weather(city: str) -> str:
            """Weather."""
            return "never"

        agent = Agent(model=providers, tools=[get_weather], fallback="continue")  # type: ignore[arg-type]
        events = _events(agent)
    switch = next(e for e in events if isinstance(e, FallbackChunk))
    assert switch.mode == "restart"
    _, info = _plain(events)
    assert "starting the answer over" in info
    assert "starting the answer over" in _rich(events)


def test_an_eager_start_is_shown_only_when_verbose() -> None:
    events = _eager_events()
    assert any(e.type == "extension" and e.payload.get("name") == "lookup" for e in events)  # type: ignore[attr-defined]
    _, quiet = _plain(events)
    _, loud = _plain(events, verbose=True)
    assert "started early" not in quiet
    assert "[tool lookup started early, while the model is still streaming]" in loud
    assert "started early" not in _rich(events)
    assert "⚡ lookup started early" in _rich(events, verbose=True)


EAGER_TOOLS = '''
from agenticraft import tool


@tool(eager=True)
def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()
'''


def test_run_verbose_shows_the_eager_start(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "eagertools.py").write_text(EAGER_TOOLS)
    args = ["--tool", "eagertools:shout", "--model", "openai:m", "--base-url", openai_server.base_url]
    for verbose in (False, True):
        openai_server.add_stream(tool_calls=[ScriptedToolCall("shout", {"text": "hi"}, "call_1")])
        openai_server.add_stream("HI")
        result = run_cli(["run", "Shout", *args, *(["--verbose"] if verbose else [])], cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "HI\n"
        assert ("shout started early" in result.stderr) is verbose, result.stderr
