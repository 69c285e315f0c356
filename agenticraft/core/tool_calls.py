"""One turn's tool calls: run them (concurrently where allowed), in whatever toolset they live.

Each call goes through the same steps whatever its toolset: unknown names, unparsable
arguments and denied approvals become error results for the model; the rest run through the
hooks' tool-call wrappers under the tool's timeout, and every outcome is worded for the model.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from agenticraft.core.context import RunContext, enclosing_run
from agenticraft.core.events import RunEvent, ToolResultChunk
from agenticraft.core.hooks import HookChain
from agenticraft.core.messages import ToolCall
from agenticraft.core.tools import ToolOutcome, outcome_of
from agenticraft.core.toolsets import ResolvedTool

__all__ = ["MAX_TOOL_RESULT_CHARS", "execute_tool_calls", "start_tool_call", "truncate_result"]

MAX_TOOL_RESULT_CHARS = 100_000
"""The default cap on one tool result sent to the model (about 25k tokens). A result is sent
again with every later request of the conversation, so a 50 MB one would make every later run
fail or cost a fortune; past the cap it is cut, and the model is told."""


def truncate_result(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` characters, with a note for the model saying so."""
    if limit is None or len(text) <= limit:
        return text
    return (
        text[:limit] + f"\n[truncated: the tool returned {len(text):,} characters; only the first "
        f"{limit:,} are shown. Ask for less, or for a part of it.]"
    )


class _ToolAbort(Exception):
    """Carries a ``KeyboardInterrupt`` or ``SystemExit`` raised by a tool out of its task.

    Left to escape a task, those two leave the event loop itself (asyncio re-raises them from
    the task step), so the run would end with a ``CancelledError`` while the other tool calls
    are abandoned. Carried out as an ordinary exception, the run re-raises the original in the
    consumer's task after cancelling the other calls, with memory left consistent.
    """

    def __init__(self, exc: BaseException) -> None:
        super().__init__(repr(exc))
        self.exc = exc


async def _run_one(
    index: int,
    call: ToolCall,
    tools: Mapping[str, ResolvedTool],
    ctx: RunContext[Any],
    hooks: HookChain,
    timeout: float | None,
    denial: str | None,
    max_result_chars: int | None,
) -> tuple[int, ToolResultChunk]:
    started = time.perf_counter()
    enclosing_run.set(ctx.run_id)  # this task's own context: a run the tool starts is part of ours
    resolved = tools.get(call.name)
    for hook in hooks.tool_start:
        await hook.on_tool_start(ctx, call)
    if denial is not None:
        outcome = ToolOutcome(None, denial)
    elif resolved is None:
        available = ", ".join(sorted(tools)) or "none"
        outcome = ToolOutcome(None, f"Unknown tool {call.name!r}. Available tools: {available}.")
    elif call.arguments_error is not None:
        outcome = ToolOutcome(
            None,
            f"Could not call {call.name!r}: {call.arguments_error}. Send the arguments as a JSON object.",
        )
    else:
        definition, toolset = resolved.definition, resolved.toolset
        limit = definition.timeout if definition.timeout is not None else timeout

        async def run(c: ToolCall) -> ToolOutcome:
            return await outcome_of(c.name, toolset.call_tool(c.name, c.arguments, ctx), limit)

        handler = hooks.tool_call(ctx, run) if hooks.tool_wrappers else run
        try:
            outcome = await handler(call)
        except (KeyboardInterrupt, SystemExit) as exc:
            raise _ToolAbort(exc) from None
    output = outcome.output if outcome.output is None else truncate_result(outcome.output, max_result_chars)
    chunk = ToolResultChunk(
        call.id,
        call.name,
        output,
        outcome.error,
        call.arguments,
        time.perf_counter() - started,
        parts=list(outcome.parts) if outcome.error is None else [],
        run_id=ctx.run_id,
        turn=ctx.turn,
    )
    for hook in hooks.tool_end:
        await hook.on_tool_end(ctx, call, chunk.to_result())
    return index, chunk


def _batches(calls: Sequence[ToolCall], tools: Mapping[str, ResolvedTool]) -> list[list[int]]:
    """Group call indexes: runs of ordinary calls run together, a sequential tool alone."""
    batches: list[list[int]] = []
    for i, call in enumerate(calls):
        resolved = tools.get(call.name)
        if resolved is not None and resolved.definition.sequential:
            batches.append([i])
            batches.append([])
        elif batches:
            batches[-1].append(i)
        else:
            batches.append([i])
    return [b for b in batches if b]


def start_tool_call(
    call: ToolCall,
    tools: Mapping[str, ResolvedTool],
    ctx: RunContext[Any],
    *,
    hooks: HookChain | None = None,
    timeout: float | None = None,
    retries: Mapping[str, int] | None = None,
    max_result_chars: int | None = MAX_TOOL_RESULT_CHARS,
) -> asyncio.Task[tuple[int, ToolResultChunk]]:
    """Start one call now, as :func:`execute_tool_calls` would run it (a task of its own;
    hand it back to ``execute_tool_calls(started=...)``, or cancel it)."""
    chain = hooks if hooks is not None else HookChain(())
    call_ctx = replace(ctx, tool_call=call, retry=(retries or {}).get(call.name, 0))
    return asyncio.ensure_future(_run_one(0, call, tools, call_ctx, chain, timeout, None, max_result_chars))


async def _as_index(
    index: int, started: asyncio.Future[tuple[int, ToolResultChunk]]
) -> tuple[int, ToolResultChunk]:
    return index, (await started)[1]


async def execute_tool_calls(
    calls: Sequence[ToolCall],
    tools: Mapping[str, ResolvedTool],
    ctx: RunContext[Any],
    *,
    hooks: HookChain | None = None,
    timeout: float | None = None,
    retries: Mapping[str, int] | None = None,
    denials: Mapping[str, str] | None = None,
    max_result_chars: int | None = MAX_TOOL_RESULT_CHARS,
    started: Mapping[str, asyncio.Future[tuple[int, ToolResultChunk]]] | None = None,
) -> AsyncGenerator[tuple[int | None, RunEvent], None]:
    """Run one turn's tool calls, concurrently where allowed; yield ``(index, result)`` as each
    finishes, and ``(None, event)`` for each event a tool emits (``ctx.emit``) while it runs.
    ``denials`` maps call ids to the text a denied call returns; ``started`` maps call ids to
    calls already running (:func:`start_tool_call`), whose results are awaited instead.
    Closing the generator cancels the calls still running."""
    chain = hooks if hooks is not None else HookChain(())
    inbox: asyncio.Queue[tuple[int | None, Any]] = asyncio.Queue()  # results and emitted events

    def emitted(event: RunEvent) -> None:
        inbox.put_nowait((None, event))

    async def one(i: int, call_ctx: RunContext[Any], denial: str | None) -> None:
        try:
            inbox.put_nowait(
                await _run_one(i, calls[i], tools, call_ctx, chain, timeout, denial, max_result_chars)
            )
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # re-raised in the consumer's task
            inbox.put_nowait((-1, exc))

    async def awaited(i: int, running: asyncio.Future[tuple[int, ToolResultChunk]]) -> None:
        try:
            inbox.put_nowait(await _as_index(i, running))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # re-raised in the consumer's task
            inbox.put_nowait((-1, exc))

    for batch in _batches(calls, tools):
        tasks = []
        for i in batch:
            call = calls[i]
            running = (started or {}).get(call.id)
            if running is not None:
                tasks.append(asyncio.ensure_future(awaited(i, running)))
                continue
            call_ctx = replace(
                ctx, tool_call=call, retry=(retries or {}).get(call.name, 0), event_sink=emitted
            )
            tasks.append(asyncio.ensure_future(one(i, call_ctx, (denials or {}).get(call.id))))
        try:
            left = len(tasks)
            while left:
                index, item = await inbox.get()
                if index is None:
                    yield None, item
                    continue
                left -= 1
                if index < 0:
                    if isinstance(item, _ToolAbort):
                        raise item.exc from None
                    raise item
                yield index, item
        finally:
            pending = [t for t in tasks if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
