"""One streamed run: :class:`AgentStream`, what ``Agent.stream`` returns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.events import OutputChunk, RunEvent, TextChunk
from agenticraft.core.handoffs import HandoffRun
from agenticraft.core.loop import RunState, run_events
from agenticraft.core.response import AgentResponse
from agenticraft.core.run_stream import RunStream

__all__ = ["AgentStream"]


class AgentStream(RunStream):
    """One streamed run: an async iterator of :class:`StreamChunk` and an async context manager.

    Stop it any way you like: ``break`` out of the loop, ``await stream.aclose()``,
    ``stream.cancel()`` (from any task), or cancel the task consuming it. The provider stream
    is closed at once, memory is left consistent, and ``stream.response`` holds what was
    received (``interrupted`` is true). ``cancel()`` ends the iteration quietly; cancelling
    the surrounding task raises ``asyncio.CancelledError`` unchanged.
    """

    def __init__(self, state: RunState | HandoffRun) -> None:
        self._state = state
        self._events: AsyncGenerator[RunEvent, None] = (
            state.events() if isinstance(state, HandoffRun) else run_events(state)
        )
        self._consumer: asyncio.Task[Any] | None = None
        self._cancel_requested = False
        self._closed = False
        self._idle: asyncio.Event | None = None  # set when the consumer leaves __anext__

    # -- iteration (``async for`` and ``async with`` are RunStream's) ---------------------
    async def __anext__(self) -> RunEvent:
        if self._cancel_requested or self._closed:
            await self.aclose()
            raise StopAsyncIteration
        task = self._consumer = asyncio.current_task()
        try:
            return await self._events.__anext__()
        except asyncio.CancelledError:
            # our own cancel(): swallow exactly that one cancellation; any other propagates
            if self._cancel_requested and task is not None and task.uncancel() == 0:
                self._closed = True
                raise StopAsyncIteration from None
            raise
        finally:
            self._consumer = None
            if self._idle is not None:
                self._idle.set()

    async def aclose(self) -> None:
        """Stop the run now; what was received stays in ``response`` and in memory."""
        self._closed = True
        consumer = self._consumer
        if consumer is not None and consumer is not asyncio.current_task():
            # the generator is running in the consumer's task and cannot be closed from here
            # (asyncio would raise "already running"): stop it there as cancel() does, and wait
            # until it has let go
            if self._idle is None:
                self._idle = asyncio.Event()
            idle = self._idle
            if not self._cancel_requested:
                self._cancel_requested = True
                consumer.cancel()
            await idle.wait()
        await self._events.aclose()
        if not self._state.finished:  # also when it never started (the loop's finally did not run)
            self._state.interrupted = True

    def cancel(self) -> None:
        """Ask the run to stop; safe to call from another task or from the consuming loop."""
        if self._state.finished or self._cancel_requested:
            return
        self._cancel_requested = True
        consumer = self._consumer
        if consumer is not None and consumer is not asyncio.current_task():
            consumer.cancel()

    def __del__(self) -> None:
        # ``break`` without ``async with``: nobody will close us, so leave memory consistent
        # now; the event generator is closed by the event loop's async-generator finalizer,
        # which closes the provider stream on the next loop iteration.
        state = getattr(self, "_state", None)
        if state is not None and not state.finished:
            state.interrupted = True
            state.commit()

    # -- results ------------------------------------------------------------------------
    @property
    def response(self) -> AgentResponse:
        """The final response, or the partial one if the run was interrupted or is running."""
        return self._state.snapshot()

    @property
    def text(self) -> str:
        """The answer text received so far."""
        return self._state.text

    @property
    def finished(self) -> bool:
        return self._state.finished

    @property
    def interrupted(self) -> bool:
        return self._state.interrupted

    async def stream_output(self, *, debounce: float | None = None) -> AsyncIterator[Any]:
        """Iterate the run, yielding its output as it grows: validated partial snapshots of
        the output type, then the final value (``response.output``).

        A snapshot is taken when the output has grown by a fraction of its length and at most
        every ``debounce`` seconds (default :data:`~agenticraft.core.output.DEFAULT_DEBOUNCE`),
        so long outputs cost no more per chunk than short ones. Without an output type, the
        snapshots are the answer text so far. After a handoff the snapshots follow the agent
        that answers: a target with an output type of its own yields its typed snapshots, one
        without yields the text.
        """
        if debounce is not None and debounce < 0:
            raise ConfigurationError(f"debounce must be 0 or more seconds, got {debounce}")
        from agenticraft.core.output.partial import SnapshotSchedule

        schedule = SnapshotSchedule(debounce or 0.0, min_chars=1)
        size, shown = 0, -1
        tuned: object = None
        end = self._state.config.end
        while True:
            if end is not tuned:  # a new run (the first, or a handoff's target): its debounce
                tuned = end
                set_debounce = getattr(end, "set_debounce", None)
                if debounce is not None and set_debounce is not None:
                    set_debounce(debounce)
            try:
                chunk = await self.__anext__()
            except StopAsyncIteration:
                break
            end = self._state.config.end  # the agent answering now
            if end.typed:
                if type(chunk) is OutputChunk:
                    yield chunk.output
            elif type(chunk) is TextChunk:
                size += len(chunk.content)
                if schedule.due(size):
                    shown = size
                    yield self._state.text
        if self.finished and not self._state.config.end.typed and size != shown:
            yield self._state.text
