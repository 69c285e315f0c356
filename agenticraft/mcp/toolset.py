"""MCP servers as toolsets: :class:`MCPServerStdio` (a local process) and
:class:`MCPServerHTTP` (Streamable HTTP).

Entering one starts the server (once for many runs inside ``async with agent:``, else once per
run; entered by several runs at once, it is shared and stopped when the last one leaves). The
tool list is fetched on entry, cached, and fetched again when the server says it changed. Each
call's arguments are checked against the tool's input schema before it is sent; the result is
mapped by :mod:`agenticraft.mcp.results`. A call broken off by a timeout or a cancelled run is
cancelled on the server too (the SDK sends ``notifications/cancelled``). A server that dies
mid-run turns its calls into tool errors with the end of its stderr, and is started again by
the next run.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

from agenticraft.core.context import RunContext
from agenticraft.core.errors import ConfigurationError, MCPServerError, ToolCallError
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.toolsets import Toolset
from agenticraft.mcp.connection import Connection
from agenticraft.mcp.results import ResourceContent, prompt_messages, resource_contents, tool_result_value

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import mcp_types
    from mcp import Client

__all__ = [
    "DEFAULT_TIMEOUT",
    "Elicitation",
    "ElicitationHandler",
    "MCPServerHTTP",
    "MCPServerStdio",
    "MCPToolset",
]

DEFAULT_TIMEOUT = 600.0
"""Seconds one MCP tool call may take by default: generous, since MCP tools build projects,
crawl sites and query warehouses; set ``timeout=`` (or per tool ``tool_timeouts=``) to change it."""

_STDERR_TAIL = 2000  # characters of a stdio server's stderr shown when it fails


@dataclass(slots=True)
class Elicitation:
    """A server asking the user for input mid-call: ``message`` and the JSON ``schema`` of the
    answer, from ``server`` (its label)."""

    server: str
    message: str
    schema: dict[str, Any]


ElicitationHandler = Callable[[Elicitation], "dict[str, Any] | Awaitable[dict[str, Any] | None] | None"]
"""Answers an :class:`Elicitation`: a dict of values accepts, ``None`` declines."""


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError("MCP needs the official MCP SDK: pip install 'agenticraft[mcp]'") from exc


def _model_schema(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """A tool's input schema as it is, with what every provider needs: an object with
    ``properties`` (a server may send ``{}`` for a tool without arguments)."""
    out = dict(schema or {})
    out.setdefault("type", "object")
    if out.get("type") == "object":
        out.setdefault("properties", {})
    return out


class MCPToolset(Toolset):
    """What both MCP server kinds share: the connection, its tools, resources and prompts.

    ``prefix`` names every tool ``{prefix}_{name}``; ``timeout`` bounds each call (seconds,
    ``None``: no bound) and ``tool_timeouts`` sets it per tool; ``connect_timeout`` bounds the
    start; ``elicitation_handler`` answers the server's questions to the user (without one they
    are declined). ``protocol="auto"`` speaks the newest protocol the server knows (the SDK
    asks it, and falls back to the initialize handshake of older servers); ``"legacy"`` goes
    straight to the handshake, for a server that mishandles the question.
    """

    def __init__(
        self,
        *,
        prefix: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        tool_timeouts: Mapping[str, float | None] | None = None,
        connect_timeout: float | None = 30.0,
        elicitation_handler: ElicitationHandler | None = None,
        protocol: str = "auto",
        label: str = "",
    ) -> None:
        _require_sdk()
        if protocol not in ("auto", "legacy"):
            raise ConfigurationError(f"protocol must be 'auto' or 'legacy', got {protocol!r}")
        self.protocol = protocol
        if prefix is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", prefix):
            raise ConfigurationError(f"prefix must be 1-40 letters, digits, '_' or '-', got {prefix!r}")
        self.prefix = prefix
        self.timeout = timeout
        self.tool_timeouts = dict(tool_timeouts or {})
        self.connect_timeout = connect_timeout
        self.elicitation_handler = elicitation_handler
        self.label = label
        self._connection: Connection | None = None
        self._users = 0
        self._lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._tools: list[mcp_types.Tool] | None = None
        self._validators: dict[str, Any] = {}
        self._stale = True

    # -- what a kind of server provides ---------------------------------------------------
    def _transport(self) -> AbstractAsyncContextManager[Any]:
        """The SDK transport to the server (not entered)."""
        raise NotImplementedError

    def _problem(self) -> str:
        """What the server said before it failed (a stdio server's stderr), or ``""``."""
        return ""

    # -- lifecycle ----------------------------------------------------------------------
    def _guard(self) -> asyncio.Lock:
        # one lock per event loop: sync ``agent.run()`` calls each run on a loop of their own
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock[0] is not loop:
            self._lock = (loop, asyncio.Lock())
        return self._lock[1]

    async def __aenter__(self) -> MCPToolset:
        async with self._guard():
            if self._connection is None:
                await self._start()
            self._users += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        async with self._guard():
            self._users -= 1
            if self._users <= 0:
                self._users = 0
                await self._stop()

    async def _start(self) -> None:
        from mcp import Client

        def make_client() -> Client:
            return Client(
                self._transport(),
                elicitation_callback=self._elicit,
                message_handler=self._on_message,
                client_info=_client_info(),
                mode=self.protocol,
            )

        connection = Connection(make_client, self._changed)
        try:
            await connection.start(self.connect_timeout)
        except TimeoutError:
            said = self._said()
            await self._stop()
            raise MCPServerError(f"{self!r} did not start within {self.connect_timeout:g} s{said}") from None
        except Exception as exc:
            said = self._said()
            await self._stop()
            raise MCPServerError(f"{self!r} could not be started: {_describe(exc)}{said}") from exc
        self._connection = connection
        self._stale = True
        try:
            await self._fetch_tools(connection.client)
        except BaseException:
            self._connection = None
            await connection.stop()
            raise

    async def _stop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.stop()

    def _said(self) -> str:
        text = self._problem().strip()
        return f"; its stderr ends with:\n{text}" if text else ""

    async def _live(self, ctx: RunContext[Any] | None) -> Client:
        """The client of a live connection; a server lost in an earlier run is started again."""
        connection = self._connection
        if connection is None:
            raise ConfigurationError(f"{self!r} is not started: use it in an agent, or `async with` it")
        if connection.lost:
            if ctx is not None and connection.lost_in_run == ctx.run_id:
                raise ToolCallError(f"{self!r} is not running (it stopped earlier in this run).")
            async with self._guard():
                if self._connection is connection:
                    await self._stop()
                    await self._start()
            assert self._connection is not None
            return self._connection.client
        return connection.client

    def _lost(self, ctx: RunContext[Any] | None, exc: BaseException) -> ToolCallError:
        connection = self._connection
        if connection is not None:
            connection.lost = True
            connection.lost_in_run = ctx.run_id if ctx is not None else None
        return ToolCallError(
            f"{self!r} stopped while handling the call ({_describe(exc)}){self._said()}. "
            "It will be started again for the next run."
        )

    # -- notifications from the server ----------------------------------------------------
    def _changed(self, kind: str) -> None:
        if kind == "tools":
            self._stale = True

    async def _on_message(self, message: Any) -> None:
        import mcp_types

        if isinstance(message, mcp_types.ServerNotification) and isinstance(
            message, mcp_types.ToolListChangedNotification
        ):
            self._stale = True

    async def _elicit(self, context: Any, params: mcp_types.ElicitRequestParams) -> Any:
        import mcp_types

        handler = self.elicitation_handler
        schema = getattr(params, "requested_schema", None)
        if handler is None or schema is None:  # no one to ask (or a URL elicitation): declined
            return mcp_types.ElicitResult(action="decline")
        answer = handler(Elicitation(repr(self), params.message, dict(schema)))
        if inspect.isawaitable(answer):
            answer = await answer
        if answer is None:
            return mcp_types.ElicitResult(action="decline")
        return mcp_types.ElicitResult(action="accept", content=dict(answer))

    # -- tools ----------------------------------------------------------------------------
    async def _fetch_tools(self, client: Client) -> list[mcp_types.Tool]:
        self._stale = False  # a change announced while fetching marks it stale again
        tools: list[mcp_types.Tool] = []
        cursor: str | None = None
        while True:
            page = await client.list_tools(cursor=cursor, cache_mode="refresh")
            tools.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
        self._tools = tools
        self._validators = {}
        return tools

    def _name(self, name: str) -> str:
        return f"{self.prefix}_{name}" if self.prefix else name

    def _server_name(self, name: str) -> str:
        return name.removeprefix(f"{self.prefix}_") if self.prefix else name

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        tools = self._tools
        connection = self._connection
        if tools is None or self._stale or (connection is not None and connection.lost):
            try:
                client = await self._live(ctx)
                tools = await self._fetch_tools(client)
            except ToolCallError:  # lost in this run: its tools stay listed, calls say why
                tools = self._tools or []
        return [
            ToolDefinition(
                self._name(t.name),
                t.description or t.title or "",
                _model_schema(t.input_schema),
                timeout=self.tool_timeouts.get(t.name, self.timeout),
            )
            for t in tools
        ]

    def _check_arguments(self, name: str, arguments: dict[str, Any]) -> None:
        validator = self._validators.get(name)
        if validator is None:
            tool = next((t for t in self._tools or () if t.name == name), None)
            if tool is None:
                return  # the server decides (it may know tools it did not list)
            from jsonschema.validators import validator_for  # type: ignore[import-untyped]

            schema = _model_schema(tool.input_schema)
            validator = self._validators[name] = validator_for(schema)(schema)
        problems = [
            f"{'.'.join(str(p) for p in e.absolute_path) or 'arguments'}: {e.message}"
            for e in validator.iter_errors(arguments)
        ]
        if problems:
            raise ToolCallError(
                f"Invalid arguments for tool {self._name(name)!r}: {'; '.join(problems)}. "
                "Correct them and call the tool again."
            )

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        server_name = self._server_name(name)
        self._check_arguments(server_name, arguments)
        return tool_result_value(name, await self.call(server_name, arguments, ctx))

    async def call(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        ctx: RunContext[Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> mcp_types.CallToolResult:
        """Call tool ``name`` (the server's own name, without the prefix); the SDK's result.
        A lost connection or a refused call raises :class:`ToolCallError`; past ``timeout``
        seconds the call is cancelled on the server and raises ``TimeoutError``. (In a run, the
        tool's timeout is applied by the run loop.)"""
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED

        client = await self._live(ctx)
        async with asyncio.timeout(timeout):  # outside the handlers: TimeoutError is an OSError
            try:
                meta = _trace_meta()
                if meta is None:
                    return await client.call_tool(name, arguments or {})
                return await client.call_tool(name, arguments or {}, meta=meta)  # type: ignore[arg-type]
            except MCPError as exc:
                if exc.code == CONNECTION_CLOSED:
                    raise self._lost(ctx, exc) from exc
                raise ToolCallError(f"{self!r} refused the call of {name!r}: {exc.message}") from exc
            except RuntimeError as exc:  # the SDK's checks: structured content against outputSchema
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ToolCallError(f"{self!r}: {first}") from exc
            except TimeoutError:
                raise
            except (OSError, EOFError) as exc:
                raise self._lost(ctx, exc) from exc

    # -- resources and prompts ---------------------------------------------------------
    @asynccontextmanager
    async def _session(self) -> AsyncIterator[Client]:
        """The live client; outside ``async with`` the server is started for this one request."""
        if self._connection is not None:
            yield await self._live(None)
            return
        async with self:
            yield await self._live(None)

    async def list_resources(self) -> list[mcp_types.Resource]:
        """The server's resources (every page)."""
        async with self._session() as client:
            out: list[mcp_types.Resource] = []
            cursor: str | None = None
            while True:
                page = await client.list_resources(cursor=cursor)
                out.extend(page.resources)
                cursor = page.next_cursor
                if cursor is None:
                    return out

    async def read_resource(self, uri: str) -> list[ResourceContent]:
        """The contents of resource ``uri``; ``content.part()`` gives each as a message part."""
        async with self._session() as client:
            return resource_contents(await client.read_resource(uri))

    async def list_prompts(self) -> list[mcp_types.Prompt]:
        """The server's prompts (every page)."""
        async with self._session() as client:
            out: list[mcp_types.Prompt] = []
            cursor: str | None = None
            while True:
                page = await client.list_prompts(cursor=cursor)
                out.extend(page.prompts)
                cursor = page.next_cursor
                if cursor is None:
                    return out

    async def get_prompt(self, name: str, arguments: Mapping[str, str] | None = None) -> list[Message]:
        """Prompt ``name`` filled with ``arguments``, as messages to run or put in a history."""
        async with self._session() as client:
            return prompt_messages(await client.get_prompt(name, dict(arguments or {})))


class MCPServerStdio(MCPToolset):
    """An MCP server run as a local process speaking over its stdin and stdout::

        git = MCPServerStdio("python", ["-m", "mcp_server_git", "--repository", "."], prefix="git")

    ``env`` is added to a minimal inherited environment (``PATH``, ``HOME``...), ``cwd`` is the
    process's directory. Its stderr is kept in a temporary file and its end is shown when it
    fails to start or dies (``stderr=`` sends it to a file of yours instead). The process is
    always ended when the toolset is left: closed stdin, then SIGTERM, then SIGKILL, also when
    the run is cancelled or the program gets Ctrl-C.
    """

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        stderr: IO[str] | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("label", "MCP server " + repr(shlex.join([command, *args])))
        super().__init__(**options)
        self.command = command
        self.args = list(args)
        self.env = dict(env) if env is not None else None
        self.cwd = os.fspath(cwd) if cwd is not None else None
        self._stderr = stderr
        self._stderr_file: IO[str] | None = None

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        errlog = self._stderr
        if errlog is None:
            if self._stderr_file is not None:
                self._stderr_file.close()
            # kept open while the server runs, closed at the next start or by the collector
            errlog = self._stderr_file = tempfile.TemporaryFile(  # noqa: SIM115
                "w+", encoding="utf-8", errors="replace"
            )
        params = StdioServerParameters(command=self.command, args=self.args, env=self.env, cwd=self.cwd)
        return stdio_client(params, errlog=cast("TextIO", errlog))

    async def _stop(self) -> None:
        try:
            await super()._stop()
        finally:
            if self._stderr_file is not None:
                self._stderr_file.close()
                self._stderr_file = None

    def _problem(self) -> str:
        f = self._stderr_file
        if f is None or f.closed:
            return ""
        try:
            f.flush()
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _STDERR_TAIL * 4))
            lines = f.read()[-_STDERR_TAIL:].splitlines()[-20:]
            return "\n".join(line.rstrip() for line in lines)
        except (OSError, ValueError):
            return ""


class MCPServerHTTP(MCPToolset):
    """An MCP server at a Streamable HTTP endpoint::

        docs = MCPServerHTTP("http://127.0.0.1:8000/mcp", headers={"Authorization": "Bearer ..."})

    ``headers`` go with every request. HTTP reads are not bounded separately: a call is bounded
    by ``timeout``.
    """

    def __init__(self, url: str, *, headers: Mapping[str, str] | None = None, **options: Any) -> None:
        options.setdefault("label", f"MCP server {url!r}")
        super().__init__(**options)
        self.url = url
        self.headers = dict(headers or {})

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        return _http_transport(self.url, self.headers)


@asynccontextmanager
async def _http_transport(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=None)) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def _client_info() -> Any:
    from mcp_types import Implementation

    from agenticraft import __version__

    return Implementation(name="agenticraft", version=__version__)


def _describe(exc: BaseException) -> str:
    """An exception in one line (an exception group: its first leaf)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _trace_meta() -> dict[str, str] | None:
    """The current trace context (W3C ``traceparent``, ``tracestate``) for a call's ``_meta``,
    so the server's spans join the run's trace; ``None`` when OpenTelemetry is not in use (it
    is looked up, never imported here: a process without telemetry pays nothing)."""
    propagate = sys.modules.get("opentelemetry.propagate")
    if propagate is None:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None
