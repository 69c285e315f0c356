"""An agent served over MCP: :func:`agent_server` builds the official SDK's server object.

The agent is one tool (named after it) that takes a ``prompt`` and an optional
``conversation_id`` and returns the answer. While the answer streams, the tool reports MCP
progress notifications (``progress`` the characters so far, ``message`` the new text), so a
client can show it as it comes. Without a ``conversation_id`` a call is a conversation of its
own; with one, calls with the same id share the agent's memory. ``expose_tools=True`` also
serves the agent's own function tools. The agent's toolsets (MCP servers it uses, say) are
entered once for the server's life. ``agenticraft mcp serve module:agent`` runs it over stdio or
Streamable HTTP; ``server.streamable_http_app()`` mounts it in an existing ASGI app.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from agenticraft.core.context import RunContext
from agenticraft.core.events import TextChunk
from agenticraft.core.tools import Tool

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from agenticraft.core.agent import Agent

__all__ = ["agent_server", "serve_http", "serve_stdio"]


def _tool_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")
    return cleaned[:64] or "agent"


def agent_server(
    agent: Agent[Any],
    *,
    name: str | None = None,
    tool_name: str | None = None,
    description: str | None = None,
    expose_tools: bool = False,
) -> MCPServer[Any]:
    """``agent`` as an MCP server (an ``mcp.server.mcpserver.MCPServer``)::

        server = agent_server(support_agent)
        server.run()                          # stdio
        app = server.streamable_http_app()    # an ASGI app, to mount or run with uvicorn

    ``tool_name`` names the agent's tool (default: the agent's name); ``expose_tools`` also
    serves the agent's function tools, each under its own name.
    """
    from mcp.server.mcpserver import Context, MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[dict[str, Any]]:
        async with agent:  # its toolsets started once for all calls
            yield {}

    server: MCPServer[Any] = MCPServer(
        name or agent.name,
        instructions=f"Ask the agent {agent.name!r}.",
        lifespan=lifespan,
        log_level="ERROR",
    )

    async def ask(prompt: str, ctx: Context, conversation_id: str | None = None) -> str:
        options: dict[str, Any] = {"conversation_id": conversation_id} if conversation_id else {"history": []}
        size = 0
        try:
            async with agent.stream(prompt, **options) as stream:
                async for chunk in stream:
                    if type(chunk) is TextChunk and chunk.content:
                        size += len(chunk.content)
                        await ctx.report_progress(size, message=chunk.content)
        except Exception as exc:
            raise ToolError(f"the agent failed: {type(exc).__name__}: {exc}") from exc
        response = stream.response
        if not stream.finished:
            raise ToolError("the agent's run was stopped before it answered")
        output = getattr(response, "output", None)
        if output is not None and not isinstance(output, str):
            dump = getattr(output, "model_dump", None)
            return json.dumps(dump(mode="json") if callable(dump) else output, default=str)
        return response.content

    # real objects, not the strings of postponed annotations: the SDK resolves them
    ask.__annotations__ = {"prompt": str, "ctx": Context, "conversation_id": str | None, "return": str}
    server.add_tool(
        ask,
        name=tool_name or _tool_name(agent.name),
        description=description
        or f"Ask the agent {agent.name!r}: it answers `prompt` (pass `conversation_id` to go on "
        "with an earlier conversation).",
        structured_output=False,
    )
    if expose_tools:
        for tool in agent.tools.values():
            server.add_tool(
                _exposed(agent, tool), name=tool.name, description=tool.description, structured_output=False
            )
    return server


def _exposed(agent: Agent[Any], tool: Tool) -> Any:
    """A function the SDK can serve for one of the agent's tools: its parameters without the
    run context, its failures as tool errors."""
    from mcp.server.mcpserver.exceptions import ToolError

    from agenticraft.core.tools import _type_hints

    signature = inspect.signature(tool.function)
    parameters = list(signature.parameters.values())[1 if tool.takes_context else 0 :]
    hints = _type_hints(tool.function, signature)

    async def call(**arguments: Any) -> str:
        outcome = await tool.execute(arguments, ctx=RunContext(None, agent_name=agent.name))
        if outcome.error is not None:
            raise ToolError(outcome.error)
        return outcome.output or ""

    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(kind=p.KEYWORD_ONLY) for p in parameters], return_annotation=str
    )
    call.__annotations__ = {p.name: hints.get(p.name, Any) for p in parameters} | {"return": str}
    call.__name__ = tool.name
    call.__doc__ = tool.description
    return call


def serve_stdio(server: MCPServer[Any]) -> None:
    """Serve over stdin and stdout until the client closes them (or Ctrl-C)."""
    server.run()


def serve_http(
    server: MCPServer[Any], *, host: str = "127.0.0.1", port: int = 8000, path: str = "/mcp"
) -> None:
    """Serve Streamable HTTP at ``http://host:port/mcp`` with uvicorn until Ctrl-C; the URL is
    printed on stdout once the server listens (``port=0`` picks a free port)."""
    asyncio.run(_serve_http(server, host, port, path))


async def _serve_http(server: MCPServer[Any], host: str, port: int, path: str) -> None:
    import uvicorn

    app = server.streamable_http_app(streamable_http_path=path, host=host)
    web = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(web.serve())
    while not web.started and not task.done():  # noqa: ASYNC110 (uvicorn offers no event)
        await asyncio.sleep(0.01)
    if web.started:
        bound = web.servers[0].sockets[0].getsockname()[1]
        print(f"serving MCP at http://{host}:{bound}{path} (Ctrl-C stops)", flush=True)
    try:
        await task
    finally:
        print("stopped", file=sys.stderr, flush=True)
