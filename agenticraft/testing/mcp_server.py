"""A small MCP server for tests and docs, built with the official SDK's ``MCPServer``.

Run it over stdio (``python -m agenticraft.testing.mcp_server``) or Streamable HTTP
(``... --http --port 0``: the URL is printed on stdout once it listens). Its tools cover what an
MCP client must handle: structured output (``add``, ``weather``, ``bad_weather`` whose content
breaks its own output schema), an image (``chart``), an embedded resource (``readme``), a tool
error (``fail``), a slow tool that records being cancelled (``slow``, ``cancellations``), a
crash (``crash``), a tool list that changes (``grow``), a question to the user (``greet``)
and the process id (``pid``). It also has resources (``note://readme``, ``img://dot``) and a
prompt (``review``). ``--extra-tool NAME`` adds a tool ``NAME`` (for name-collision tests).

The module has no ``from __future__ import annotations``: the SDK reads the tools' annotations
at run time, and the local classes they name must be real objects.
"""

import argparse
import base64
import contextlib
import os
import sys
from typing import Annotated, Any

#: a 1x1 PNG (a real one: media types are told from the bytes)
PNG_DOT = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

__all__ = ["PNG_DOT", "build_server", "main", "stdio_test_server"]


def build_server(extra_tool: str | None = None) -> Any:
    """The test server (an ``mcp.server.mcpserver.MCPServer``)."""
    import anyio
    import mcp_types as types
    from mcp.server.mcpserver import (
        AcceptedElicitation,
        Context,
        Elicit,
        ElicitationResult,
        Image,
        MCPServer,
        Resolve,
    )
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.server.mcpserver.prompts.base import AssistantMessage, UserMessage
    from pydantic import BaseModel

    class TestServer(MCPServer[Any]):
        async def _handle_call_tool(self, ctx: Any, params: Any) -> Any:
            if params.name == "bad_weather":  # past the server's own output check, on purpose
                city = (params.arguments or {}).get("city", "")
                return types.CallToolResult(
                    content=[types.TextContent(text="{}")],
                    structured_content={"city": city, "temperature": "warm"},
                )
            return await super()._handle_call_tool(ctx, params)

    server = TestServer(
        "agenticraft-test", instructions="A server for AgentiCraft's tests.", log_level="CRITICAL"
    )
    cancelled: list[str] = []

    class Weather(BaseModel):
        city: str
        temperature: float

    class Name(BaseModel):
        name: str

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.tool()
    def weather(city: str) -> Weather:
        """The weather in a city (structured)."""
        return Weather(city=city, temperature=21.5)

    @server.tool()
    def bad_weather(city: str) -> Weather:
        """Structured content that does not match the output schema (see TestServer)."""
        return Weather(city=city, temperature=0.0)

    @server.tool(structured_output=False)
    def chart() -> list[Any]:
        """A chart: a caption and a PNG image."""
        return ["The chart:", Image(data=PNG_DOT, format="png")]

    @server.tool()
    def readme() -> types.EmbeddedResource:
        """The readme, as an embedded resource."""
        return types.EmbeddedResource(
            resource=types.TextResourceContents(uri="note://readme", mime_type="text/plain", text="Read me.")
        )

    @server.tool()
    def fail(reason: str = "it broke") -> str:
        """Always fails (an isError result)."""
        raise ToolError(f"failed on purpose: {reason}")

    @server.tool()
    async def slow(seconds: float) -> str:
        """Sleeps, then answers; a cancellation is recorded."""
        try:
            await anyio.sleep(seconds)
        except anyio.get_cancelled_exc_class():
            cancelled.append("slow")
            raise
        return f"slept {seconds:g} s"

    @server.tool()
    async def cancellations(at_least: int = 0) -> int:
        """How many calls were cancelled (waiting up to 5 s for ``at_least`` of them)."""
        with anyio.move_on_after(5):
            while len(cancelled) < at_least:  # noqa: ASYNC110 (a test helper's short poll)
                await anyio.sleep(0.01)
        return len(cancelled)

    @server.tool()
    def header(name: str, ctx: Context) -> str:
        """The value of one HTTP request header (empty over stdio)."""
        return (ctx.headers or {}).get(name.lower(), "")

    @server.tool()
    def trace_context(ctx: Context) -> str:
        """The W3C ``traceparent`` the call carried in its ``_meta`` (empty when none)."""
        meta = ctx.request_context.meta or {}
        return str(meta.get("traceparent", ""))

    @server.tool()
    def pid() -> int:
        """The server's process id."""
        return os.getpid()

    @server.tool()
    def crash() -> str:
        """Ends the server process at once."""
        print("crashing on purpose", file=sys.stderr, flush=True)
        os._exit(3)

    @server.tool()
    async def grow(ctx: Context) -> str:
        """Adds the tool ``extra`` and says the tool list changed."""

        def extra() -> str:
            """Added by grow."""
            return "extra"

        server.add_tool(extra)
        await ctx.notify_tools_changed()  # 2026-era clients: the listen stream
        with contextlib.suppress(Exception):  # handshake-era clients
            await ctx.session.send_tool_list_changed()
        return "grown"

    def ask_name() -> Elicit[Name]:
        return Elicit("What is your name?", Name)

    @server.tool()
    async def greet(who: Annotated[ElicitationResult[Name], Resolve(ask_name)]) -> str:
        """Greets the user, asking for their name."""
        if isinstance(who, AcceptedElicitation):
            return f"Hello, {who.data.name}!"
        return f"No name given ({who.action})."

    if extra_tool:

        def named() -> str:
            return extra_tool

        server.add_tool(named, name=extra_tool, description="A tool named on the command line.")

    @server.resource("note://readme", mime_type="text/plain")
    def readme_note() -> str:
        """The readme."""
        return "Read me."

    @server.resource("img://dot", mime_type="image/png")
    def dot() -> bytes:
        """A one-pixel image."""
        return PNG_DOT

    @server.prompt()
    def review(code: str) -> list[Any]:
        """Ask for a code review."""
        return [UserMessage(f"Review this code:\n{code}"), AssistantMessage("Let me look.")]

    return server


def stdio_test_server(*extra_args: str, **options: Any) -> Any:
    """This server as an :class:`~agenticraft.mcp.MCPServerStdio`, run by this interpreter
    with this ``sys.path`` (so it imports the same AgentiCraft); ``options`` go to it."""
    from agenticraft.mcp import MCPServerStdio

    env = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)} | dict(options.pop("env", {}))
    return MCPServerStdio(
        sys.executable, ["-m", "agenticraft.testing.mcp_server", *extra_args], env=env, **options
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http", action="store_true", help="serve Streamable HTTP instead of stdio")
    parser.add_argument("--port", type=int, default=0, help="HTTP port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--extra-tool", help="add a tool with this name")
    args = parser.parse_args(argv)
    server = build_server(args.extra_tool)
    if not args.http:
        server.run()
        return
    from agenticraft.mcp.serve import serve_http

    serve_http(server, port=args.port)


if __name__ == "__main__":
    main()
