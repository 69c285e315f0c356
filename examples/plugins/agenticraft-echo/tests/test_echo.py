"""The echo plugin's own tests (installed: pip install -e '.[dev]'), offline."""

from __future__ import annotations

from agenticraft_echo import EchoProvider, echo_tools

from agenticraft import Agent
from agenticraft.plugins import plugins, toolset


def test_the_model_string_makes_the_echo_provider() -> None:
    agent = Agent(model="echo:parrot")
    assert isinstance(agent.provider, EchoProvider) and agent.provider.label == "echo:parrot"


def test_the_prompt_comes_back() -> None:
    response = Agent(model="echo:parrot").run("hello there")
    assert response.content == "hello there"
    assert response.stop_reason == "end_turn" and response.usage.output_tokens == 2


async def test_it_streams_a_word_per_event() -> None:
    pieces = [c.content async for c in Agent(model="echo:parrot").stream("one two three") if c.content]
    assert pieces == ["one", " two", " three"]


def test_a_slash_prompt_calls_the_tool_and_answers_with_its_result() -> None:
    agent = Agent(model="echo:parrot", toolsets=[toolset("echo-tools", suffix="?!")])
    response = agent.run("/shout hello")
    assert [r.content for r in response.tool_results] == ["HELLO?!"]
    assert response.content == "HELLO?!"


def test_without_the_tool_a_slash_prompt_is_echoed() -> None:
    assert Agent(model="echo:parrot").run("/shout hello").content == "/shout hello"


def test_the_toolset_reverses() -> None:
    agent = Agent(model="echo:parrot", toolsets=[echo_tools()])
    assert agent.run("/reverse abc").content == "cba"


def test_the_plugin_reports_what_it_registered() -> None:
    [info] = [p for p in plugins() if p.name == "echo"]
    assert info.status == "loaded" and info.errors == []
    assert info.registered == {"providers": ["echo"], "toolsets": ["echo-tools"], "commands": ["echo"]}
