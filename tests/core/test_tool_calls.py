"""Running a turn's tool calls: results past the size cap are cut and the model is told."""

from __future__ import annotations

from agenticraft import Agent, tool
from agenticraft.core.messages import ToolCall
from agenticraft.testing import FunctionModel


@tool
def dump() -> str:
    """A huge result."""
    return "x" * 50_000_000


def test_an_oversized_tool_result_is_cut_with_a_note_for_the_model() -> None:
    seen: list[int] = []

    def model(messages, tools):  # type: ignore[no-untyped-def]
        if messages[-1].role == "user":
            return ToolCall("dump", {}, "c1")
        seen.append(len(messages[-1].results[0].content))
        return "ok"

    agent = Agent(model=FunctionModel(model), tools=[dump], max_tool_result_chars=1_000)
    response = agent.run("dump it")
    content = response.tool_results[0].content
    assert (
        content.startswith("x" * 1_000) and "[truncated: the tool returned 50,000,000 characters" in content
    )
    assert seen == [len(content)] and len(content) < 1_200
    assert agent.history[2].results[0].content == content  # memory keeps the cut one, not 50 MB


def test_the_default_cap_and_none() -> None:
    from agenticraft.core.tool_calls import MAX_TOOL_RESULT_CHARS, truncate_result

    assert (
        len(truncate_result("y" * (MAX_TOOL_RESULT_CHARS + 1), MAX_TOOL_RESULT_CHARS))
        < MAX_TOOL_RESULT_CHARS + 200
    )
    assert truncate_result("y" * 10, None) == "y" * 10
