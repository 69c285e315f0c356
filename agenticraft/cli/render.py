"""Showing a run in the terminal: live Markdown, tool calls, dimmed thinking, usage and speed.

Three renderers share one small interface (``chunk`` for every event, ``close`` at the end):

- :class:`RichRenderer` for a terminal: the answer is re-rendered as Markdown while it
  streams, thinking is dimmed, tool calls get a line when they start and when they finish;
- :class:`PlainRenderer` when stdout is piped: the answer text goes to stdout untouched and
  everything else to stderr, so ``agenticraft run "..." > answer.md`` keeps only the answer;
- :class:`JsonRenderer` for ``--json``: every event as one JSON line.

A fallback to the next model (:class:`~agenticraft.providers.fallback.FallbackChunk`) is always
shown, as a dim line: the answer may change voice or start over. An eager tool start
(:class:`~agenticraft.core.eager.EagerStartChunk`) is shown only with ``verbose``: the call's
result line follows anyway, and that it began early is a detail of speed, not of the answer.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, assert_never

from agenticraft.core.eager import EagerStartChunk
from agenticraft.core.events import (
    ApprovalRequiredChunk,
    DoneChunk,
    ExtensionChunk,
    OutputChunk,
    RunEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.fold import RunFold
from agenticraft.providers.fallback import FallbackChunk
from agenticraft.reasoning.steps import ReasoningStepChunk, reasoning_steps

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

__all__ = [
    "JsonRenderer",
    "PlainRenderer",
    "Renderer",
    "RichRenderer",
    "eager_text",
    "fallback_text",
    "format_stats",
    "preview",
]

#: at most this many Markdown re-renders a second; text arriving in between is not lost,
#: the next render shows the whole buffer
_REFRESH_INTERVAL = 1 / 20


class Renderer(Protocol):
    """Receives every event of a run, then ``close`` once (also after a failure)."""

    def chunk(self, chunk: RunEvent) -> None: ...

    def close(self, folded: RunFold | None, *, interrupted: bool) -> None: ...


def preview(value: Any, limit: int = 60) -> str:
    """A one-line, shortened repr-like text of a tool argument or result."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _call_text(name: str, arguments: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={preview(v, 30)}" for k, v in arguments.items())
    return f"{name}({args})"


def _step_text(chunk: ReasoningStepChunk) -> str:
    step = chunk.step
    confidence = f" (confidence {step.confidence:.2f})" if step.confidence is not None else ""
    # concurrent samples interleave their steps: say which sample each one belongs to
    sample = step.data.get("sample")
    where = f"sample {sample + 1} · " if isinstance(sample, int) and step.data.get("kind") != "vote" else ""
    return f"{step.number}: {where}{preview(step.description, 100)}{confidence}"


def fallback_text(chunk: FallbackChunk) -> str:
    """``falling back to B: why`` (``, starting the answer over`` when it restarts)."""
    payload = chunk.payload
    again = ", starting the answer over" if chunk.mode == "restart" else ""
    error = preview(str(payload.get("error", "")), 100)
    return f"falling back to {payload.get('to', '?')}{again}: {error}"


def eager_text(chunk: EagerStartChunk) -> str:
    return f"{chunk.payload.get('name', '?')} started early, while the model is still streaming"


def format_stats(folded: RunFold, *, interrupted: bool, conversation: bool = True) -> str:
    """The line shown after an answer: tokens, time, speed, model. ``conversation``: whether
    the answer stays in a conversation that goes on (``chat``), so a partial one is kept."""
    parts: list[str] = []
    usage = folded.usage
    if usage.total_tokens:
        parts.append(f"{usage.input_tokens} in · {usage.output_tokens} out tokens")
    parts.append(f"{folded.duration:.2f} s")
    speed = folded.tokens_per_second
    if reasoning_steps(folded.trace.steps) and usage.output_tokens:
        # a reasoning pattern streams its answer only at the end: rate the whole run instead
        speed = usage.output_tokens / folded.duration if folded.duration > 0 else None
    if speed is not None and usage.output_tokens and not interrupted:
        parts.append(f"{speed:.1f} tok/s")
    if folded.model:
        parts.append(folded.model)
    if interrupted:
        kept = " (kept in the conversation)" if conversation else ""
        parts.insert(0, f"interrupted after {len(folded.text)} characters{kept}")
    return " · ".join(parts)


class RichRenderer:
    """Live rendering for a terminal (rich must be installed: the ``cli`` extra)."""

    def __init__(
        self, console: Console, *, show_stats: bool = True, conversation: bool = True, verbose: bool = False
    ) -> None:
        self.console = console
        self.show_stats = show_stats
        self.conversation = conversation
        self.verbose = verbose
        self._live: Live | None = None
        self._kind: Literal["text", "thinking"] | None = None
        self._buffer: list[str] = []
        self._last_refresh = 0.0
        self._pending: asyncio.TimerHandle | None = None

    # -- segments: one live region per run of text or of thinking -------------------------
    def _renderable(self) -> RenderableType:
        from rich.markdown import Markdown
        from rich.text import Text

        content = "".join(self._buffer)
        if self._kind == "thinking":
            return Text(content, style="dim italic")
        return Markdown(content)

    def _open(self, kind: Literal["text", "thinking"]) -> None:
        from rich.live import Live

        self._end_segment()
        self._kind = kind
        self._buffer = []
        # auto_refresh off: we refresh from the event loop, so no thread races our updates
        self._live = Live(console=self.console, auto_refresh=False, transient=False)
        self._live.start()

    def _append(self, kind: Literal["text", "thinking"], text: str) -> None:
        if self._kind != kind or self._live is None:
            self._open(kind)
        self._buffer.append(text)
        now = time.perf_counter()
        due = self._last_refresh + _REFRESH_INTERVAL
        if now >= due:
            self._refresh()
        elif self._pending is None:
            # throttled: paint the rest soon even if nothing else arrives (a slow or stalled
            # stream must still show every character received)
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._refresh()
            else:
                self._pending = loop.call_later(due - now, self._refresh)

    def _refresh(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self._live is not None:
            self._last_refresh = time.perf_counter()
            self._live.update(self._renderable(), refresh=True)

    def _end_segment(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self._live is not None:
            if "".join(self._buffer).strip():
                self._live.update(self._renderable(), refresh=True)
            else:
                from rich.text import Text

                self._live.update(Text(""), refresh=True)
            self._live.stop()
            if not self.console.is_terminal:  # rich ends the block with a newline only on terminals
                self.console.line()
        self._live = None
        self._kind = None
        self._buffer = []

    # -- events ------------------------------------------------------------------------
    def chunk(self, chunk: RunEvent) -> None:
        match chunk:
            case TextChunk():
                if chunk.content:
                    self._append("text", chunk.content)
            case ThinkingChunk():
                if chunk.thinking:
                    self._append("thinking", chunk.thinking)
            case ToolCallStartChunk():
                self._end_segment()
                self.console.print(f"[cyan]⚙ {chunk.name}[/cyan] [dim]started[/dim]", highlight=False)
            case ToolCallChunk():
                if chunk.arguments_error is not None:
                    self.console.print(
                        f"[yellow]⚙ {chunk.name}: bad arguments ({chunk.arguments_error})[/yellow]",
                        highlight=False,
                        markup=True,
                    )
            case ToolResultChunk():
                self._end_segment()
                self._print_tool_result(chunk)
            case ApprovalRequiredChunk():
                self._end_segment()
                names = ", ".join(c.name for c in chunk.calls)
                self.console.print(f"[yellow]⏸ waiting for approval: {names}[/yellow]", highlight=False)
            case ExtensionChunk():
                if isinstance(chunk, ReasoningStepChunk):
                    self._end_segment()
                    self.console.print(
                        f"◆ {_step_text(chunk)}", style="magenta", markup=False, highlight=False
                    )
                elif isinstance(chunk, FallbackChunk):
                    self._end_segment()
                    self.console.print(
                        f"↻ {fallback_text(chunk)}", style="dim", markup=False, highlight=False
                    )
                elif isinstance(chunk, EagerStartChunk) and self.verbose:
                    self._end_segment()
                    self.console.print(f"⚡ {eager_text(chunk)}", style="dim", markup=False, highlight=False)
            case ToolCallDeltaChunk() | UsageChunk() | TurnEndChunk() | OutputChunk() | DoneChunk():
                pass  # a typed output is printed whole at the end
            case _:
                assert_never(chunk)

    def _print_tool_result(self, chunk: ToolResultChunk) -> None:
        from rich.text import Text

        line = Text()
        millis = chunk.duration * 1000
        if chunk.error is None:
            line.append("✓ ", style="green")
            line.append(_call_text(chunk.name, chunk.arguments), style="cyan")
            line.append(f" → {preview(chunk.result or '')}")
        else:
            line.append("✗ ", style="red")
            line.append(_call_text(chunk.name, chunk.arguments), style="cyan")
            line.append(f" failed: {preview(chunk.error, 100)}", style="red")
        line.append(f"  ({millis:.0f} ms)", style="dim")
        self.console.print(line)

    def close(self, folded: RunFold | None, *, interrupted: bool) -> None:
        self._end_segment()
        if interrupted:
            self.console.print("[yellow]⏹ interrupted[/yellow]", highlight=False)
        if self.show_stats and folded is not None:
            stats = format_stats(folded, interrupted=interrupted, conversation=self.conversation)
            self.console.print(stats, style="dim", highlight=False)


class PlainRenderer:
    """For pipes: answer text to ``out`` as it arrives; tools, thinking and stats to ``info``.
    Used by ``run``, which keeps no conversation (``conversation`` as in :func:`format_stats`)."""

    def __init__(
        self,
        out: IO[str],
        info: IO[str],
        *,
        show_stats: bool = True,
        conversation: bool = False,
        verbose: bool = False,
    ) -> None:
        self.out = out
        self.info = info
        self.show_stats = show_stats
        self.conversation = conversation
        self.verbose = verbose
        self._thinking = False

    def _end_thinking(self) -> None:
        if self._thinking:
            self.info.write("\n")
            self._thinking = False

    def chunk(self, chunk: RunEvent) -> None:
        match chunk:
            case TextChunk():
                self._end_thinking()
                self.out.write(chunk.content)
                self.out.flush()
            case ThinkingChunk():
                if chunk.thinking:
                    self._thinking = True
                    self.info.write(chunk.thinking)
                    self.info.flush()
            case ToolCallStartChunk():
                self._end_thinking()
                self.info.write(f"[tool {chunk.name} started]\n")
            case ToolResultChunk():
                call = _call_text(chunk.name, chunk.arguments)
                if chunk.error is None:
                    self.info.write(f"[tool {call} -> {preview(chunk.result or '')}]\n")
                else:
                    self.info.write(f"[tool {call} failed: {preview(chunk.error, 100)}]\n")
                self.info.flush()
            case ApprovalRequiredChunk():
                calls = ", ".join(_call_text(c.name, c.arguments) for c in chunk.calls)
                self.info.write(f"[waiting for approval: {calls}]\n")
                self.info.flush()
            case ExtensionChunk():
                if isinstance(chunk, ReasoningStepChunk):
                    self.info.write(f"[step {_step_text(chunk)}]\n")
                elif isinstance(chunk, FallbackChunk):
                    self._end_thinking()
                    self.info.write(f"[{fallback_text(chunk)}]\n")
                elif isinstance(chunk, EagerStartChunk) and self.verbose:
                    self._end_thinking()
                    self.info.write(f"[tool {eager_text(chunk)}]\n")
                self.info.flush()
            case (
                ToolCallChunk()
                | ToolCallDeltaChunk()
                | UsageChunk()
                | TurnEndChunk()
                | OutputChunk()
                | DoneChunk()
            ):
                pass
            case _:
                assert_never(chunk)

    def close(self, folded: RunFold | None, *, interrupted: bool) -> None:
        if folded is not None and folded.text and not folded.text.endswith("\n"):
            self.out.write("\n")
        self.out.flush()
        self._end_thinking()
        if self.show_stats and folded is not None:
            stats = format_stats(folded, interrupted=interrupted, conversation=self.conversation)
            self.info.write(stats + "\n")
        self.info.flush()


class JsonRenderer:
    """``--json``: each event as ``json.dumps(chunk.to_dict())`` on its own line, flushed.

    A run stopped by Ctrl-C has no ``done`` event; it ends with ``{"type": "interrupted",
    "response": ...}`` instead (the partial response, shaped as ``done``'s), so a reader can
    tell a stopped run from a cut pipe.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def chunk(self, chunk: RunEvent) -> None:
        self._line(chunk.to_dict())

    def _line(self, data: dict[str, Any]) -> None:
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.out.flush()

    def close(self, folded: RunFold | None, *, interrupted: bool) -> None:
        if interrupted and folded is not None:
            partial = folded.to_response(interrupted=True, stop_reason="interrupted")
            self._line({**DoneChunk(partial).to_dict(), "type": "interrupted"})
        self.out.flush()
