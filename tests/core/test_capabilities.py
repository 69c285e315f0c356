"""Capabilities bundle toolsets, hooks, instructions and settings, applied in order."""

from __future__ import annotations

from typing import Any

from agenticraft import Agent, Capability, RunContext, RunHooks, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ModelRequest, ModelSettings, ToolDefinition
from agenticraft.core.toolsets import FunctionToolset
from agenticraft.testing import FunctionModel


@tool
def search(q: str) -> str:
    """Search."""
    return f"found {q}"


def test_a_capability_adds_tools_hooks_instructions_and_settings_in_order() -> None:
    seen: list[ModelRequest] = []

    class Spy(RunHooks):
        def __init__(self, name: str) -> None:
            self.name = name

        async def on_turn_start(self, ctx: RunContext[Any], request: ModelRequest) -> None:
            seen.append(request)
            order.append(self.name)

    order: list[str] = []

    def model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        return ToolCall("search", {"q": "x"}, "c1") if messages[-1].role == "user" else "done"

    research = Capability(
        toolsets=[FunctionToolset([search], label="research")],
        hooks=[Spy("research")],
        instructions=["Cite sources."],
        settings=ModelSettings(temperature=0.1, max_tokens=50),
    )
    style = Capability(
        hooks=[Spy("style")], instructions=[lambda: "Be short."], settings=ModelSettings(temperature=0.7)
    )
    agent = Agent(
        instructions="You help.",
        model=FunctionModel(model),
        hooks=[Spy("agent")],
        capabilities=[research, style],
        settings=ModelSettings(top_p=0.9),
    )
    response = agent.run("find x")
    assert response.tool_results[0].content == "found x"
    assert order[:3] == ["agent", "research", "style"]
    request = seen[0]
    assert request.messages[0].text == "You help.\n\nCite sources.\n\nBe short."
    assert [t.name for t in request.tools] == ["search"]
    assert (request.settings.temperature, request.settings.max_tokens, request.settings.top_p) == (
        0.7,
        50,
        0.9,
    )
