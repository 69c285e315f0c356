"""Reasoning patterns take prompts with images and documents: every model call they make
carries the task's parts, and the conversation keeps them once."""

from __future__ import annotations

from typing import Any

from agenticraft import Agent, Document, Image, ReasoningAgent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.reasoning import ChainOfThought, ReAct, TreeOfThoughts
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn
from agenticraft.testing.servers.anthropic import AnthropicServer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


def task() -> list[Any]:
    return [
        "What is wrong on this chart?",
        Image.from_bytes(PNG, name="chart.png"),
        Document.from_text("Q3 data"),
    ]


def parts_of_each_call(requests: list[Any]) -> list[list[str]]:
    out = []
    for request in requests:
        user = [m for m in request.messages if m.role == "user"][-1]
        out.append([p.kind for p in user.media])
    return out


async def test_chain_of_thought_samples_all_see_the_parts() -> None:
    model = ScriptedModel(["1. The axis is cut.\nFinal answer: the axis"] * 3)
    response = await ChainOfThought(samples=3).run(Agent(model=model), task())
    assert response.content == "the axis"
    assert parts_of_each_call(model.requests) == [["image", "document"]] * 3
    assert "What is wrong on this chart?" in model.requests[0].messages[-1].text  # the text, formatted
    assert response.messages[0].media == task()[1:]  # memory keeps the task's parts, once


async def test_tree_of_thoughts_proposals_and_evaluations_see_the_parts() -> None:
    seen: list[list[str]] = []

    def model(messages: list[Message], tools: list[ToolDefinition]) -> str:
        seen.append([p.kind for p in messages[-1].media])
        return "sure" if "Evaluate these steps" in messages[-1].text else "Answer: the axis"

    response = await TreeOfThoughts(k=1, beam_width=1, max_depth=1).run(
        Agent(model=FunctionModel(model)), task()
    )
    assert "the axis" in response.content
    assert len(seen) >= 2 and all(kinds == ["image", "document"] for kinds in seen)


async def test_react_and_reasoning_agent_send_the_parts() -> None:
    def look(region: str) -> str:
        """Zoom into a region."""
        return f"{region}: the y axis starts at 90"

    model = ScriptedModel(
        [
            ScriptedTurn("Thought: zoom in.", [ToolCall("look", {"region": "left"}, id="c1")]),
            "Thought: seen.\nFinal Answer: the y axis does not start at 0",
        ]
    )
    agent = ReasoningAgent(model=model, tools=[look], reasoning_pattern="react")
    response = await agent.think_and_act(task())
    assert response.content == "the y axis does not start at 0"
    assert parts_of_each_call(model.requests) == [["image", "document"]] * 2
    assert isinstance(ReAct(), ReAct)


async def test_chain_of_thought_over_http_sends_the_image_with_every_call() -> None:
    with AnthropicServer() as server:
        server.answer_about_parts(lambda parts: f"Final answer: {len(parts)} parts")
        agent = Agent(model=AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k"))
        response = await ChainOfThought(samples=2).run(agent, task())
        assert response.content == "2 parts"
        assert [[(p.kind, p.source) for p in parts] for parts in server.received_parts] == [
            [("image", "base64"), ("document", "text")]
        ] * 2
