"""Toolsets: where a run's tools come from.

A :class:`Toolset` lists its tools at every model turn (so the list may change between turns, as
an MCP server's does) and runs a call by name. ``Agent(tools=[...])`` is a
:class:`FunctionToolset` of ``@tool`` functions; ``Agent(toolsets=[...])`` adds others. The run
loop applies argument checks, timeouts, retries, approval and concurrency the same way for
every toolset, from each tool's :class:`~agenticraft.core.provider.ToolDefinition`.

A toolset may hold resources (a server process, a connection): ``__aenter__`` / ``__aexit__``
are called once per run, or once for many runs inside ``async with agent:``. Two toolsets that
offer one tool name are a :class:`~agenticraft.core.errors.ConfigurationError` naming both,
before any request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any

from agenticraft.core.context import RunContext
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.tools import Tool, as_tool

__all__ = [
    "FilteredToolset",
    "FunctionToolset",
    "PrefixedToolset",
    "ResolvedTool",
    "Toolset",
    "resolve_tools",
]


class Toolset:
    """The interface of every source of tools. Subclass it and implement the two methods."""

    #: shown in errors (two toolsets with one tool name, say)
    label: str = ""

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        """The tools offered for the next model turn."""
        raise NotImplementedError

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        """Run tool ``name``; return its value (text, or anything JSON can hold) or raise.

        Raise :class:`~agenticraft.core.errors.ToolCallError` to give the model a message of
        your own; any other exception is reported to the model with its type.
        """
        raise NotImplementedError

    async def needs_approval(self, call_name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> bool:
        """Whether this call must wait for a human (beyond ``ToolDefinition.requires_approval``)."""
        return False

    async def __aenter__(self) -> Toolset:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def prefixed(self, prefix: str) -> PrefixedToolset:
        """This toolset with every tool named ``{prefix}_{name}``."""
        return PrefixedToolset(self, prefix)

    def filtered(self, keep: Callable[[RunContext[Any], ToolDefinition], bool]) -> FilteredToolset:
        """This toolset offering only the tools ``keep(ctx, definition)`` accepts."""
        return FilteredToolset(self, keep)

    def __repr__(self) -> str:
        return self.label or type(self).__name__


class FunctionToolset(Toolset):
    """Python functions as tools (each wrapped by :func:`~agenticraft.core.tools.tool`)."""

    def __init__(self, tools: Sequence[Tool | Callable[..., Any]] = (), *, label: str = "tools") -> None:
        self.label = label
        self.tools: dict[str, Tool] = {}
        for t in tools:
            self.add(t)

    def add(self, function: Tool | Callable[..., Any]) -> Tool:
        """Add a tool (or a function, made a tool); the tool."""
        wrapped = as_tool(function)
        if wrapped.name in self.tools:
            raise ConfigurationError(f"two tools are named {wrapped.name!r} in {self.label}")
        self.tools[wrapped.name] = wrapped
        return wrapped

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        return [t.definition() for t in self.tools.values()]

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        return await self.tools[name].invoke(arguments, ctx)


class _WrapperToolset(Toolset):
    def __init__(self, inner: Toolset) -> None:
        self.inner = inner
        self.label = inner.label or type(inner).__name__

    async def __aenter__(self) -> Toolset:
        await self.inner.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.inner.__aexit__(exc_type, exc, tb)


class PrefixedToolset(_WrapperToolset):
    """Another toolset's tools, each named ``{prefix}_{name}``."""

    def __init__(self, inner: Toolset, prefix: str) -> None:
        super().__init__(inner)
        self.prefix = prefix
        self.label = f"{self.label} (prefix {prefix!r})"

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        return [replace(d, name=f"{self.prefix}_{d.name}") for d in await self.inner.list_tools(ctx)]

    def _inner_name(self, name: str) -> str:
        return name.removeprefix(f"{self.prefix}_")

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        return await self.inner.call_tool(self._inner_name(name), arguments, ctx)

    async def needs_approval(self, call_name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> bool:
        return await self.inner.needs_approval(self._inner_name(call_name), arguments, ctx)


class FilteredToolset(_WrapperToolset):
    """Another toolset offering only the tools a predicate keeps."""

    def __init__(self, inner: Toolset, keep: Callable[[RunContext[Any], ToolDefinition], bool]) -> None:
        super().__init__(inner)
        self.keep = keep

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        return [d for d in await self.inner.list_tools(ctx) if self.keep(ctx, d)]

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        return await self.inner.call_tool(name, arguments, ctx)

    async def needs_approval(self, call_name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> bool:
        return await self.inner.needs_approval(call_name, arguments, ctx)


class ResolvedTool:
    """One tool of a turn: its definition and the toolset that runs it."""

    __slots__ = ("definition", "toolset")

    def __init__(self, definition: ToolDefinition, toolset: Toolset) -> None:
        self.definition = definition
        self.toolset = toolset


async def resolve_tools(toolsets: Sequence[Toolset], ctx: RunContext[Any]) -> dict[str, ResolvedTool]:
    """Every toolset's tools for this turn by name; two with one name are an error naming both."""
    tools: dict[str, ResolvedTool] = {}
    for toolset in toolsets:
        for definition in await toolset.list_tools(ctx):
            other = tools.get(definition.name)
            if other is not None:
                raise ConfigurationError(
                    f"two tools are named {definition.name!r}: one from {other.toolset!r}, one from "
                    f"{toolset!r}; rename one or use toolset.prefixed(...)"
                )
            tools[definition.name] = ResolvedTool(definition, toolset)
    return tools
