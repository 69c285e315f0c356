"""An agent called as a tool of another agent: :func:`agent_tool` (``agent.as_tool()``).

The inner run is an ordinary run of the inner agent inside the outer run's tool call. Its
events stream through the outer stream as :class:`~agenticraft.core.events.NestedChunk`
tagged with the inner agent's name (emitted through ``ctx.emit``, the tool-event seam), so
its model turns' usage adds to the outer run's. Cancelling the outer run cancels the tool
call, and with it the inner run (whose memory stays consistent, as for any interrupted run).

Which conversation the inner run sees is ``conversation``: ``"fresh"`` (the default) an
empty one for every call, nothing remembered; ``"shared"`` a copy of the outer conversation
so far (the caller's context, nothing written back); any other string the id of a
conversation in the inner agent's own memory, kept from call to call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from agenticraft.core.context import RunContext
from agenticraft.core.errors import ConfigurationError, StreamInterruptedError
from agenticraft.core.events import NestedChunk
from agenticraft.core.messages import Message
from agenticraft.core.tools import Tool

if TYPE_CHECKING:
    from agenticraft.core.agent import Agent

__all__ = ["agent_tool", "shared_history"]


def shared_history(messages: list[Message]) -> list[Message]:
    """The outer conversation as an inner run may see it: no system message, and without the
    outer model's last turn, whose tool calls (this one among them) have no results yet."""
    kept = [m for m in messages if m.role != "system"]
    if kept and kept[-1].role == "assistant" and kept[-1].tool_calls:
        kept.pop()
    return kept


def agent_tool(
    agent: Agent[Any],
    description: str | None = None,
    name: str | None = None,
    *,
    conversation: str = "fresh",
) -> Tool:
    """A tool that runs ``agent`` on the request the calling model writes."""
    tool_name = name or re.sub(r"[^A-Za-z0-9_-]", "_", agent.name)[:64] or "agent"
    text = description or f"Ask the {agent.name} agent. It answers the request on its own."
    if not conversation:
        raise ConfigurationError("conversation= takes 'fresh', 'shared' or a conversation id")

    async def call_agent(ctx: RunContext[Any], request: str) -> Any:
        options: dict[str, Any] = {"deps": ctx.deps}
        if conversation == "fresh":
            options["history"] = []
        elif conversation == "shared":
            options["history"] = shared_history(ctx.messages)
        else:
            options["conversation_id"] = conversation
        async with agent.stream(request, **options) as handle:
            async for event in handle:
                ctx.emit(NestedChunk.of(agent.name, event))
        if not handle.finished:
            raise StreamInterruptedError(f"the {agent.name} agent stopped early", handle.response)
        return handle.response.output

    call_agent.__name__ = tool_name
    call_agent.__doc__ = f"{text}\n\nArgs:\n    request: What the {agent.name} agent should do, in full."
    return Tool(call_agent, name=tool_name, description=text)
