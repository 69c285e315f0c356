"""A report pipeline: fetch documents, summarise each with an agent in parallel, merge, and
draw the run as a Mermaid diagram. Runs offline: the agent's model is a FunctionModel.

    python examples/workflows/report.py "solid-state batteries"
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from agenticraft import Agent
from agenticraft.core.events import NestedChunk
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel
from agenticraft.workflows import SQLiteCheckpoint, StepEndChunk, StepStartChunk, Workflow


def summarise_model(messages: list[Message], tools: list[ToolDefinition]) -> str:
    """Stands in for a real model: the first sentence of the document."""
    return messages[-1].text.split(". ")[0] + "."


writer = Agent(name="writer", instructions="Summarise in one sentence.", model=FunctionModel(summarise_model))

checkpoints = SQLiteCheckpoint(Path(tempfile.mkdtemp()) / "workflows.db")
wf = Workflow("report", checkpoint=checkpoints)


@wf.step
async def fetch(ctx: object, topic: str) -> list[str]:
    """Stands in for a search: four documents about the topic."""
    return [f"{topic} item {i} is promising. More details follow." for i in range(1, 5)]


wf.step(writer, name="summarise", depends_on=[fetch], retries=2, timeout=30)


@wf.step(depends_on=["summarise"], when=lambda summaries: len(summaries) > 3)
async def merge(ctx: object, summaries: list[str]) -> str:
    return "\n".join(f"- {s}" for s in summaries)


async def main(topic: str) -> None:
    async with wf.stream(topic=topic) as stream:
        async for event in stream:
            if isinstance(event, StepStartChunk) and "[" not in event.step:
                print(f"[start] {event.step}")
            elif isinstance(event, StepEndChunk) and "[" not in event.step:
                print(f"[end]   {event.step}: {event.payload['status']}")
            elif isinstance(event, NestedChunk) and event.event is not None and event.event.type == "done":
                print(f"        {event.source} answered")
    result = stream.result
    print(result["merge"])
    print(result.to_mermaid())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "solid-state batteries"))
