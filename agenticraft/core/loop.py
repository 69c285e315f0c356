"""The run loop: model turn, tool calls, next turn, until the model answers.

:func:`run_events` is the only place a run happens. ``Agent.stream`` yields its events and
``Agent.arun`` drains them, so the two cannot disagree. The loop owns the run's
:class:`RunState`, which knows at every moment which messages form a consistent slice of the
conversation; whatever way the run ends (answer, error, ``break``, ``aclose()``, ``cancel()``
or task cancellation), exactly one commit to memory happens.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.errors import MaxTurnsExceededError, ProviderError, ToolRetriesExceededError
from agenticraft.core.memory import ConversationMemory
from agenticraft.core.messages import Message, Part, ToolCall, ToolResult
from agenticraft.core.response import AgentResponse
from agenticraft.core.streaming import (
    DoneChunk,
    ModelRequest,
    ModelSettings,
    StreamChunk,
    StreamingProvider,
    StreamingResponse,
    TextChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.tools import Tool, ToolOutcome

__all__ = ["RunConfig", "RunState", "execute_tool_calls", "run_events"]


@dataclass(slots=True)
class RunConfig:
    """Everything one run needs, resolved by the agent before the run starts."""

    provider: StreamingProvider
    system: str | None
    tools: dict[str, Tool]
    memory: ConversationMemory
    settings: ModelSettings = field(default_factory=ModelSettings)
    max_turns: int = 10
    tool_timeout: float | None = None


class RunState:
    """The messages of one run and the commit of them to memory."""

    def __init__(self, config: RunConfig, prompt: Message) -> None:
        self.config = config
        self.history = config.memory.load()
        self.new_messages: list[Message] = [prompt]
        self.folded = StreamingResponse()
        self.turn: TurnAccumulator | None = None  # the model turn being streamed
        self.finished = False
        self.interrupted = False
        self.committed = False

    def request_messages(self) -> list[Message]:
        system = [Message.system(self.config.system)] if self.config.system else []
        return system + self.history + self.new_messages

    def consistent_messages(self) -> list[Message]:
        """The run's messages cut back to what is complete and received.

        The open model turn keeps its text (and signed thinking), marked ``interrupted``; a
        turn whose tool calls have no results loses the calls; a lone user message is dropped.
        """
        messages = list(self.new_messages)
        if messages and messages[-1].role == "assistant" and messages[-1].tool_calls:
            last = messages.pop()
            kept: list[Part] = [p for p in last.parts if p.kind != "tool_call"]
            if any(p.kind == "text" for p in kept):
                messages.append(Message("assistant", kept, interrupted=True))
        if self.turn is not None:
            _, cut = self.turn.finish(interrupted=True)
            if cut.message.text:
                messages.append(cut.message)
        if len(messages) == 1:  # only the user message: nothing was received
            messages = []
        return messages

    def commit(self) -> None:
        """Append the run to memory once: all of it when finished, else the consistent part."""
        if self.committed:
            return
        self.committed = True
        messages = self.new_messages if self.finished else self.consistent_messages()
        if messages:
            self.config.memory.append(messages)

    def snapshot(self) -> AgentResponse:
        """The response so far; after an interruption, the partial response."""
        if self.finished and self.folded.final is not None:
            return self.folded.final
        return self.folded.to_response(
            messages=self.consistent_messages(), interrupted=True, stop_reason="interrupted"
        )


async def run_events(state: RunState) -> AsyncGenerator[StreamChunk, None]:
    """Run the agent loop, yielding every event as it happens."""
    config = state.config
    provider = config.provider
    fold = state.folded.add
    tool_defs = [t.definition() for t in config.tools.values()]
    failures: dict[str, int] = {}
    try:
        for turn_number in range(1, config.max_turns + 1):
            acc = state.turn = TurnAccumulator(provider.name, turn_number)
            add_text = acc.add_text
            request = ModelRequest(state.request_messages(), tool_defs, config.settings)
            started = time.perf_counter()
            async with aclosing(provider.stream_turn(request)) as events:
                async for event in events:
                    if type(event) is TextChunk:  # the hot path: one append, one fold
                        add_text(event.content)
                        fold(event)
                        yield event
                    else:
                        # a fallback provider's name is the one that answered, known once it streams
                        acc.provider_name = provider.name
                        for chunk in acc.feed(event):
                            fold(chunk)
                            yield chunk
            call_chunks, model_turn = acc.finish()
            for chunk in call_chunks:
                fold(chunk)
                yield chunk
            state.new_messages.append(model_turn.message)
            state.turn = None
            for chunk in (
                UsageChunk(model_turn.usage),
                TurnEndChunk(
                    model_turn.stop_reason,
                    model_turn.raw_stop_reason,
                    turn_number,
                    model_turn.model or provider.model,
                    model_turn.usage,
                    time.perf_counter() - started,
                ),
            ):
                fold(chunk)
                yield chunk
            calls = model_turn.tool_calls
            if not calls:
                break
            results: list[ToolResult | None] = [None] * len(calls)
            async with aclosing(execute_tool_calls(calls, config.tools, config.tool_timeout)) as done:
                async for index, chunk in done:
                    text = chunk.result if chunk.error is None else chunk.error
                    results[index] = ToolResult(chunk.id, chunk.name, text or "", chunk.error is not None)
                    fold(chunk)
                    yield chunk
            state.new_messages.append(Message.tool_results([r for r in results if r is not None]))
            for call, result in zip(calls, results, strict=True):
                if result is not None and result.is_error and call.name in config.tools:
                    failures[call.name] = failures.get(call.name, 0) + 1
                    limit = config.tools[call.name].max_retries
                    if failures[call.name] > limit:
                        raise ToolRetriesExceededError(call.name, limit, result.content)
        else:
            raise MaxTurnsExceededError(config.max_turns)
        state.finished = True
        response = state.folded.to_response(messages=list(state.new_messages))
        state.commit()
        done_chunk = DoneChunk(response)
        fold(done_chunk)
        yield done_chunk
    except (ProviderError, MaxTurnsExceededError, ToolRetriesExceededError) as exc:
        state.interrupted = True
        if exc.partial_response is None:
            exc.partial_response = state.snapshot()
        raise
    finally:
        if not state.finished:
            state.interrupted = True
            if state.folded.ended_at is None:  # the run's clock stops where it was cut
                state.folded.ended_at = time.perf_counter()
        in_flight = sys.exc_info()[1]
        try:
            state.commit()
        except Exception as exc:
            if in_flight is None:
                raise
            # the error that stopped the run (a CancelledError, say) must reach the caller as is
            in_flight.add_note(f"the interrupted run could not be saved to memory: {exc!r}")


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
    index: int, call: ToolCall, tools: dict[str, Tool], timeout: float | None
) -> tuple[int, ToolResultChunk]:
    started = time.perf_counter()
    tool = tools.get(call.name)
    if tool is None:
        available = ", ".join(sorted(tools)) or "none"
        outcome = ToolOutcome(None, f"Unknown tool {call.name!r}. Available tools: {available}.")
    elif call.arguments_error is not None:
        outcome = ToolOutcome(
            None,
            f"Could not call {call.name!r}: {call.arguments_error}. Send the arguments as a JSON object.",
        )
    else:
        try:
            outcome = await tool.execute(call.arguments, timeout)
        except (KeyboardInterrupt, SystemExit) as exc:
            raise _ToolAbort(exc) from None
    return index, ToolResultChunk(
        call.id, call.name, outcome.output, outcome.error, call.arguments, time.perf_counter() - started
    )


def _batches(calls: Sequence[ToolCall], tools: dict[str, Tool]) -> list[list[int]]:
    """Group call indexes: runs of ordinary calls run together, a sequential tool alone."""
    batches: list[list[int]] = []
    for i, call in enumerate(calls):
        tool = tools.get(call.name)
        if tool is not None and tool.sequential:
            batches.append([i])
            batches.append([])
        elif batches:
            batches[-1].append(i)
        else:
            batches.append([i])
    return [b for b in batches if b]


async def execute_tool_calls(
    calls: Sequence[ToolCall], tools: dict[str, Tool], timeout: float | None = None
) -> AsyncGenerator[tuple[int, ToolResultChunk], None]:
    """Run one turn's tool calls, concurrently where allowed; yield (index, result) as each
    finishes. Closing the generator cancels the calls still running."""
    for batch in _batches(calls, tools):
        tasks = [asyncio.ensure_future(_run_one(i, calls[i], tools, timeout)) for i in batch]
        try:
            for next_done in asyncio.as_completed(tasks):
                try:
                    finished = await next_done
                except _ToolAbort as abort:
                    raise abort.exc from None
                yield finished
        finally:
            pending = [t for t in tasks if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
