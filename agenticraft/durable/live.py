"""Live events of the durable runs executing in this process, for the streams reading them.

A run executes where its engine puts it: in the caller's task when it starts, on the engine's
own event loop (another thread) when the engine resumes it. Its runner publishes every event to
the run's :class:`Channel`; a stream subscribes by run id, before or after the execution
starts, and gets every event of the execution from its first one (a late subscriber is given
the ones already published), delivered on the stream's own loop.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

__all__ = ["END", "Channel", "channels"]

END = object()
"""Published when an execution ends (its result is then the engine's)."""


class Channel:
    """The events of one run's current execution, and the queues that read them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Any] = []
        self._readers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]] = []
        self.executing = False

    def begin(self) -> None:
        """A new execution starts: the events of an earlier one are forgotten (it replays them)."""
        with self._lock:
            self._events.clear()
            self.executing = True

    def publish(self, item: Any) -> None:
        with self._lock:
            self._events.append(item)
            readers = list(self._readers)
        for loop, queue in readers:
            _deliver(loop, queue, item)

    def end(self) -> bool:
        """The execution ended; True when no stream reads the channel any more."""
        self.publish(END)
        with self._lock:
            self.executing = False
            return not self._readers

    def subscribe(self, queue: asyncio.Queue[Any]) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            for item in self._events:
                queue.put_nowait(item)
            self._readers.append((loop, queue))

    def unsubscribe(self, queue: asyncio.Queue[Any]) -> bool:
        """Stop delivering to ``queue``; True when nothing uses the channel any more."""
        with self._lock:
            self._readers = [(lp, q) for lp, q in self._readers if q is not queue]
            return not self._readers and not self.executing


def _deliver(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any], item: Any) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        queue.put_nowait(item)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(queue.put_nowait, item)


class _Channels:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_run: dict[str, Channel] = {}

    def get(self, run_id: str) -> Channel:
        with self._lock:
            channel = self._by_run.get(run_id)
            if channel is None:
                channel = self._by_run[run_id] = Channel()
            return channel

    def release(self, run_id: str, channel: Channel) -> None:
        with self._lock:
            if self._by_run.get(run_id) is channel:
                del self._by_run[run_id]


channels = _Channels()
