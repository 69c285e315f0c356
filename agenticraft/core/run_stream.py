"""The lifecycle every streamed run shares: :class:`RunStream` and :class:`TaskStream`.

A streamed run (an agent's, a reasoning pattern's, a workflow's) is an async iterator of
:class:`~agenticraft.core.events.RunEvent` and an async context manager whose exit stops it.
:class:`RunStream` is that protocol, written once. :class:`TaskStream` is the run that cannot
be a plain generator because it produces events from several tasks at once (Tree of Thoughts'
concurrent calls, a workflow's parallel steps): it runs in a background task of its own and its
events reach the consumer through a queue, in the order they happen.

Stopping a :class:`TaskStream` any way (``aclose()``, ``async with`` exit, ``cancel()``, from the
consuming task or another one) cancels the background task; the iteration then ends quietly
after the events already queued. An error of the run itself is raised to the consumer when it
reaches the end of the events.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, Self

from agenticraft.core.events import RunEvent

__all__ = ["RunStream", "TaskStream"]


class RunStream(ABC):
    """An async iterator of events that is also an async context manager: leaving the
    ``async with`` block stops the run (:meth:`aclose`)."""

    def __aiter__(self) -> Self:
        return self

    @abstractmethod
    async def __anext__(self) -> RunEvent: ...

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    @abstractmethod
    async def aclose(self) -> None:
        """Stop the run now; what it produced so far stays readable."""

    @abstractmethod
    def cancel(self) -> None:
        """Ask the run to stop; safe to call from another task or from the consuming loop."""


class TaskStream(RunStream):
    """A run driven by :meth:`_run` in a background task, started by the first ``__anext__``;
    :meth:`_put` queues an event for the consumer."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[RunEvent | None] = asyncio.Queue()
        self._task: asyncio.Task[Any] | None = None
        self._closed = False

    @abstractmethod
    async def _run(self) -> Any:
        """The run itself; its events go through :meth:`_put`."""

    def _put(self, event: RunEvent) -> None:
        self._queue.put_nowait(event)

    async def _drive(self) -> Any:
        try:
            return await self._run()
        finally:
            self._queue.put_nowait(None)  # the end, after the run's own finally blocks

    async def __anext__(self) -> RunEvent:
        if self._closed:
            raise StopAsyncIteration
        if self._task is None:
            self._task = asyncio.ensure_future(self._drive())
        item = await self._queue.get()
        if item is None:
            self._closed = True
            if not self._task.cancelled():  # stopped by us: the iteration ends quietly
                await self._task  # re-raises the run's error, if any
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        """Stop the run now: its background task is cancelled and awaited."""
        self._closed = True
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        elif task is not None and not task.cancelled():
            task.exception()  # left unread by a consumer that stopped early: not worth a warning

    def cancel(self) -> None:
        """Ask the run to stop; the iteration ends after the events already queued (at once
        if it had not started)."""
        if self._task is None:
            self._closed = True
        elif not self._task.done():
            self._task.cancel()

    def __del__(self) -> None:
        # abandoned without aclose(): do not let the run go on spending model calls
        task = getattr(self, "_task", None)
        if task is not None and not task.done():
            with contextlib.suppress(RuntimeError):
                task.cancel()
