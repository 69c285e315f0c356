"""A lead agent calls a researcher and a writer as tools; their events stream nested in the
lead's stream, and their usage adds to the lead's. Runs offline on FunctionModels.

    python examples/workflows/agents_as_tools.py
"""

from __future__ import annotations

from typing import Any

from agenticraft import Agent
from agenticraft.core.events import DoneChunk, NestedChunk, TextChunk
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel


def search(query: str) -> str:
    """Search the notes.

    Args:
        query: What to look for.
    """
    return f"3 notes about {query}"


def researcher_model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    if messages[-1].role == "tool":
        return f"Found {messages[-1].results[0].content}."
    return ToolCall("search", {"query": "batteries"})


def lead_model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    results = [r for m in messages if m.role == "tool" for r in m.results]
    if not results:
        return ToolCall("researcher", {"request": "What do we know about batteries?"})
    if len(results) == 1:
        return ToolCall("writer", {"request": results[0].content})
    return f"Final: {results[-1].content}"


researcher = Agent(name="researcher", model=FunctionModel(researcher_model), tools=[search])
writer = Agent(
    name="writer",
    instructions="Write crisp summaries.",
    model=FunctionModel(lambda m, t: "Batteries: 3 notes, all good."),
)
lead = Agent(
    name="lead",
    model=FunctionModel(lead_model),
    tools=[researcher.as_tool(), writer.as_tool("Write the final text")],
)


def main() -> None:
    import asyncio

    async def run() -> None:
        async with lead.stream("Brief me on batteries.") as stream:
            async for event in stream:
                if isinstance(event, NestedChunk) and isinstance(event.event, DoneChunk):
                    print(f"  [{event.source}] {event.event.response.content}")
                elif isinstance(event, TextChunk):
                    print(event.content, end="")
        print()
        print(f"total tokens (lead and its agents): {stream.response.usage.total_tokens}")

    asyncio.run(run())


if __name__ == "__main__":
    main()
