"""MCP: use any MCP server's tools, resources and prompts, and serve an agent over MCP.

Built on the official ``mcp`` SDK (``pip install 'agenticraft[mcp]'``), which is imported only
when one of these names is first used::

    from agenticraft import Agent
    from agenticraft.mcp import MCPServerHTTP, MCPServerStdio

    git = MCPServerStdio("python", ["-m", "mcp_server_git", "--repository", "."], prefix="git")
    agent = Agent(model="anthropic:claude-sonnet-4-6", toolsets=[git])

:func:`agent_server` goes the other way: an agent as the SDK's MCP server object
(``agenticraft mcp serve module:agent`` on the command line). See ``docs/mcp.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenticraft.mcp.results import ResourceContent
    from agenticraft.mcp.serve import agent_server
    from agenticraft.mcp.toolset import (
        DEFAULT_TIMEOUT,
        Elicitation,
        ElicitationHandler,
        MCPServerHTTP,
        MCPServerStdio,
        MCPToolset,
    )

__all__ = [
    "DEFAULT_TIMEOUT",
    "Elicitation",
    "ElicitationHandler",
    "MCPServerHTTP",
    "MCPServerStdio",
    "MCPToolset",
    "ResourceContent",
    "agent_server",
]

_LAZY = {
    "DEFAULT_TIMEOUT": "agenticraft.mcp.toolset",
    "Elicitation": "agenticraft.mcp.toolset",
    "ElicitationHandler": "agenticraft.mcp.toolset",
    "MCPServerHTTP": "agenticraft.mcp.toolset",
    "MCPServerStdio": "agenticraft.mcp.toolset",
    "MCPToolset": "agenticraft.mcp.toolset",
    "ResourceContent": "agenticraft.mcp.results",
    "agent_server": "agenticraft.mcp.serve",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.mcp' has no attribute {name!r}")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] in ("mcp", "mcp_types"):
            from agenticraft.core.errors import ConfigurationError

            raise ConfigurationError(
                "MCP needs the official MCP SDK: pip install 'agenticraft[mcp]'"
            ) from exc
        raise
