"""``agenticraft mcp serve module:agent``: an agent as an MCP server, over stdio (the default,
for an MCP host that starts it) or Streamable HTTP (``--http``), until the client leaves or
Ctrl-C. The agent's own MCP servers are started once and always stopped on the way out.
``--mcp`` of ``run`` and ``chat`` gives their agent an MCP server's tools (:func:`mcp_toolset`)."""

from __future__ import annotations

import shlex
from typing import Any

from agenticraft.core.errors import ConfigurationError

from .session import EXIT_OK, UsageError, load_object

__all__ = ["mcp_toolset", "serve_agent"]


def mcp_toolset(spec: str) -> Any:
    """The toolset of one ``--mcp`` value: an ``http(s)://`` URL (Streamable HTTP), else a
    command line run over stdio."""
    try:
        from agenticraft.mcp import MCPServerHTTP, MCPServerStdio
    except ConfigurationError as exc:
        raise UsageError(f"--mcp needs the MCP SDK: pip install 'agenticraft[mcp]' ({exc})") from exc
    text = spec.strip()
    if text.startswith(("http://", "https://")):
        return MCPServerHTTP(text)
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"--mcp {spec!r}: {exc}") from exc
    if not words:
        raise UsageError("--mcp needs a command or a URL")
    return MCPServerStdio(words[0], words[1:])


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
