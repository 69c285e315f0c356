"""``agenticraft chat``: an interactive streamed conversation.

One event loop lives for the whole session, so the provider's connection pool is reused
between answers. The prompt is read with plain ``input()`` (readline editing and history),
outside the loop; while an answer streams, Ctrl-C stops that answer only. Ctrl-D leaves.
"""

from __future__ import annotations

import asyncio
import contextlib

from agenticraft.core.agent import Agent
from agenticraft.core.errors import AgentiCraftError

from .session import EXIT_OK, describe_error, partial_note, stream_answer

__all__ = ["run_chat"]

_HELP = "Ctrl-C stops an answer · Ctrl-D or /exit leaves · /clear forgets the conversation"


def run_chat(agent: Agent, *, model_source: str = "") -> int:
    """Chat until Ctrl-D (or ``/exit``); returns the exit code."""
    from rich.console import Console
    from rich.markup import escape

    from .render import RichRenderer

    with contextlib.suppress(ImportError):  # line editing where the platform has it
        import readline  # noqa: F401

    console = Console(highlight=False)
    source = f" (from {model_source})" if model_source else ""
    console.print(f"[bold]agenticraft chat[/bold] · {agent.model_label}{source}")
    if agent.tools:
        console.print(f"[dim]tools: {', '.join(agent.tools)}[/dim]")
    console.print(f"[dim]{_HELP}[/dim]")
    loop = asyncio.new_event_loop()
    entered = False
    try:
        if agent.toolsets:  # --mcp servers: started once for the whole chat
            loop.run_until_complete(agent.__aenter__())
            entered = True
        while True:
            try:
                prompt = input("\n> ")
            except EOFError:
                console.print()
                break
            except KeyboardInterrupt:
                console.print("\n[dim](Ctrl-D leaves the chat)[/dim]")
                continue
            command = prompt.strip()
            if not command:
                continue
            if command in ("/exit", "/quit"):
                break
            if command == "/clear":
                agent.clear_memory()
                console.print("[dim]conversation cleared[/dim]")
                continue
            if command == "/help":
                console.print(f"[dim]{_HELP}[/dim]")
                continue
            console.print()
            try:
                loop.run_until_complete(stream_answer(agent, prompt, RichRenderer(console)))
            except AgentiCraftError as exc:
                # the chat goes on: the user may fix the server, or Ctrl-D
                message = escape(describe_error(exc, agent.model_label))
                console.print(f"[red]error:[/red] {message}")
                note = partial_note(exc)
                if note:
                    console.print(f"[dim]{note}[/dim]")
            except KeyboardInterrupt:  # Ctrl-C before the answer's handler was in place
                console.print("\n[yellow]⏹ interrupted[/yellow]")
    finally:
        try:
            # leaving the agent stops its MCP servers and closes the provider's connections
            loop.run_until_complete(agent.aclose() if entered else agent.provider.aclose())
            # the providers' connection pools close with the loop's async generators
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
    return EXIT_OK
