"""An agent to serve over MCP, offline (a scripted model):

    agenticraft mcp serve examples/mcp/echo_agent.py:agent                    # stdio
    agenticraft mcp serve examples/mcp/echo_agent.py:agent --http --port 8000
    agenticraft mcp serve examples/mcp/echo_agent.py:agent --expose-tools     # shout too

It answers with what it was told (and what it was told before, in the same conversation);
``shout <text>`` makes it call its tool. ``slow_agent`` uses the test MCP server's ``slow``
tool, to see a served agent's own MCP server stopped with it.
"""

from __future__ import annotations

import sys
from typing import Any

from agenticraft import Agent, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.mcp import MCPServerStdio
from agenticraft.testing import FunctionModel


@tool
def shout(text: str) -> str:
    """Say a text loudly.

    Args:
        text: What to say.
    """
    return text.upper() + "!"


def answer(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    last = messages[-1]
    if last.role == "tool":
        return f"The tool said: {last.results[0].content}"
    said = last.text
    if said.startswith("shout "):
        return ToolCall("shout", {"text": said.removeprefix("shout ")}, "call_shout")
    earlier = [m.text for m in messages[:-1] if m.role == "user"]
    return f"You said: {said}" + (f" (before: {'; '.join(earlier)})" if earlier else "")


agent = Agent(name="echo", model=FunctionModel(answer, chunk_size=3), tools=[shout])


def wait(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    if messages[-1].role == "tool":
        return f"Done: {messages[-1].results[0].content}"
    if messages[-1].text == "pid":
        return ToolCall("pid", {}, "call_pid")
    return ToolCall("slow", {"seconds": 60}, "call_slow")


slow_agent = Agent(
    name="slow",
    model=FunctionModel(wait),
    toolsets=[MCPServerStdio(sys.executable, ["-m", "agenticraft.testing.mcp_server"], timeout=None)],
)
