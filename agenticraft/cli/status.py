"""``agenticraft providers``: each provider, whether it can be used here, and its default model."""

from __future__ import annotations

from .discovery import NoModelError, discover, resolve_cli_model
from .session import EXIT_OK

__all__ = ["show_providers"]


def show_providers() -> int:
    """Print the provider table and the model a command would use without ``--model``."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title="providers", title_justify="left", show_edge=False)
    table.add_column("provider", style="bold")
    table.add_column("status")
    table.add_column("default model")
    statuses = discover()
    for status in statuses:
        mark = "[green]✓[/green]" if status.available else "[dim]✗[/dim]"
        table.add_row(status.name, f"{mark} {status.detail}", status.model_string)
    console.print(table)
    try:
        resolution = resolve_cli_model(None, statuses=statuses)
    except NoModelError as exc:
        console.print(f"\n[yellow]{exc}[/yellow]")
    else:
        console.print(f"\ndefault model: [bold]{resolution.model}[/bold] (from {resolution.source})")
    console.print(
        "[dim]a local OpenAI-compatible server: --base-url http://127.0.0.1:8000/v1 or OPENAI_BASE_URL "
        "(no key needed); no key at all: --offline, or `agenticraft serve` for a local demo server[/dim]"
    )
    return EXIT_OK
