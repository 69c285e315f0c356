"""``agenticraft mcp serve module:agent``: an agent as an MCP server, over stdio (the default,
for an MCP host that starts it) or Streamable HTTP (``--http``), until the client leaves or
Ctrl-C. The agent's own MCP servers are started once and always stopped on the way out."""

from __future__ import annotations

from agenticraft.core.errors import ConfigurationError

from .session import EXIT_OK, UsageError, load_object

__all__ = ["serve_agent"]


def serve_agent(spec: str, *, http: bool = False, port: int = 8000, expose_tools: bool = False) -> int:
    """Serve the agent named by ``spec``; returns the exit code."""
    from agenticraft.core.agent import Agent

    agent = load_object("mcp serve", spec, "agent")
    if not isinstance(agent, Agent):
        raise UsageError(f"mcp serve {spec!r}: {spec.rpartition(':')[2]!r} is not an Agent")
    try:
        from agenticraft.mcp.serve import agent_server, serve_http, serve_stdio
    except ImportError as exc:
        raise ConfigurationError("agenticraft mcp needs the MCP SDK: pip install 'agenticraft[mcp]'") from exc
    server = agent_server(agent, expose_tools=expose_tools)
    if http:
        serve_http(server, port=port)
    else:
        serve_stdio(server)
    return EXIT_OK
