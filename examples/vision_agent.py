"""An agent that reads an image and a PDF, and a tool that returns a screenshot.

Runs offline against the local Anthropic wire server, scripted to say which parts it received
(the real request bytes go over HTTP). Pass a model string and files to ask a real model:
``python examples/vision_agent.py anthropic:claude-sonnet-4-6 chart.png invoice.pdf``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from agenticraft import Agent, AgentiCraftError, Image, tool
from agenticraft.core.media import part_from_path

TINY_PNG = b"\x89PNG\r\n\x1a\n" + bytes(60)


@tool
def screenshot(url: str) -> list[object]:
    """A screenshot of a web page, with its title.

    Args:
        url: The page to capture.
    """
    return [f"Screenshot of {url}", Image.from_bytes(TINY_PNG, name="page.png")]


async def ask(
    agent: Agent[None], files: list[Path], before_tool_turn: Callable[[], None] = lambda: None
) -> None:
    parts = [part_from_path(f) for f in files]  # read now: a missing file fails here
    response = await agent.arun(["What do these show?", *parts])
    print(response.content)
    before_tool_turn()
    response = await agent.arun("Take a screenshot of example.com and describe it.")
    print(response.content)
    print("tool parts:", [p.name for r in response.tool_results for p in r.parts])


async def offline() -> None:
    from agenticraft.providers import AnthropicProvider
    from agenticraft.testing.servers.anthropic import AnthropicServer, ToolUse

    folder = Path(tempfile.mkdtemp())
    (folder / "chart.png").write_bytes(TINY_PNG)
    (folder / "invoice.pdf").write_bytes(b"%PDF-1.7\n" + bytes(100))
    with AnthropicServer() as server:
        server.answer_about_parts()  # every turn not otherwise scripted says what it received

        def call_the_tool() -> None:  # the second question: the model calls the tool first
            server.add_stream([ToolUse("screenshot", ['{"url": "example.com"}'], id="toolu_01")])

        model = AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="offline")
        await ask(
            Agent(model=model, tools=[screenshot]),
            [folder / "chart.png", folder / "invoice.pdf"],
            call_the_tool,
        )


if __name__ == "__main__":
    try:
        if len(sys.argv) > 2:
            asyncio.run(ask(Agent(model=sys.argv[1], tools=[screenshot]), [Path(p) for p in sys.argv[2:]]))
        else:
            asyncio.run(offline())
    except (AgentiCraftError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
