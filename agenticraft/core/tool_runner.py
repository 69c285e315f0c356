"""Running one tool call safely: worker threads of our own, timeouts that hold, failures worded
for the model.

Sync tools run on :data:`TOOL_THREADS`, daemon threads of our own, never on asyncio's default
executor: a tool stuck past its timeout keeps its thread, and on the default executor it would
hold up ``asyncio.run`` at shutdown and, a few stuck calls later, starve every other sync tool
and the DNS lookups of new connections. Here a stuck thread is *abandoned*: counted, reported
in the outcome and the log, never waited for, and it does not take a slot from new calls
(the number of threads is bounded, with room for abandoned ones on top).

An async tool that ignores cancellation cannot defeat its timeout either: at the timeout the
run goes on and the straggling task is abandoned the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["TOOL_THREADS", "ToolThreads", "abandoned_tool_calls", "await_with_timeout"]

T = TypeVar("T")

log = logging.getLogger("agenticraft.tools")

_abandoned_tasks: set[asyncio.Future[Any]] = set()
_CANCEL_GRACE = 1.0  # seconds a cancelled call may take to clean up before it is abandoned


class ToolThreads:
    """A bounded set of daemon threads for sync tools.

    At most ``max_threads`` calls run at once (more wait their turn); a call abandoned at its
    timeout frees its slot at once and its thread is counted in :attr:`abandoned` until it ends.
    ``max_abandoned`` bounds those: past it, new sync calls fail with a clear error instead of
    creating threads without end.
    """

    def __init__(self, max_threads: int = 32, max_abandoned: int = 256) -> None:
        self.max_threads = max_threads
        self.max_abandoned = max_abandoned
        self.abandoned = 0
        self._lock = threading.Lock()
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            for old in [lp for lp in self._slots if lp.is_closed()]:
                del self._slots[old]
            slot = self._slots.get(loop)
            if slot is None:
                slot = self._slots[loop] = asyncio.Semaphore(self.max_threads)
            return slot

    async def run(self, function: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """``function(*args)`` in a daemon thread; ``TimeoutError`` after ``timeout`` seconds
        (the thread is then abandoned, not waited for)."""
        if self.abandoned >= self.max_abandoned:
            raise RuntimeError(
                f"{self.abandoned} sync tool calls are stuck in their threads; no new thread is started"
            )
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        state = {"abandoned": False}
        # the caller's context goes with the call, as asyncio.to_thread does: a tool's own
        # spans nest under its tool span, its context variables are the run's
        context = contextvars.copy_context()

        def settle(ok: bool, value: Any) -> None:
            if future.done():
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        def work() -> None:
            try:
                result = context.run(function, *args)
            except BaseException as exc:
                outcome: tuple[bool, Any] = (False, exc)
            else:
                outcome = (True, result)
            with self._lock:
                if state["abandoned"]:
                    self.abandoned -= 1
                    return
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits for the result
                loop.call_soon_threadsafe(settle, *outcome)

        async with self._slot():
            threading.Thread(target=work, name="agenticraft-tool", daemon=True).start()
            try:
                if timeout is None:
                    return await asyncio.shield(future)
                done, _ = await asyncio.wait({future}, timeout=timeout)
                if not done:
                    raise TimeoutError
                return future.result()
            except BaseException:
                with self._lock:
                    if not future.done():
                        state["abandoned"] = True
                        self.abandoned += 1
                        log.warning(
                            "a sync tool call was abandoned in its thread (%d abandoned)", self.abandoned
                        )
                future.cancel()
                raise


TOOL_THREADS = ToolThreads()
"""The threads every agent's sync tools run on."""


async def await_with_timeout(awaitable: Awaitable[T], timeout: float | None) -> T:
    """Await ``awaitable``; at ``timeout`` cancel it and raise ``TimeoutError`` at once, even if it
    ignores the cancellation (it is then abandoned and counted)."""
    if timeout is None:
        return await awaitable
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except BaseException:  # this task was cancelled: so is the call, given a moment to clean up
        task.cancel()
        await asyncio.wait({task}, timeout=_CANCEL_GRACE)
        _abandon(task)
        raise
    if not done:
        _abandon(task)
        raise TimeoutError
    return task.result()


def _abandon(task: asyncio.Future[Any]) -> None:
    task.cancel()
    if not task.done():
        _abandoned_tasks.add(task)
        task.add_done_callback(_forget)


def _forget(task: asyncio.Future[Any]) -> None:
    _abandoned_tasks.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a straggler's late failure is not logged as never retrieved


def abandoned_tool_calls() -> int:
    """Tool calls given up at their timeout that are still running (threads and tasks)."""
    return TOOL_THREADS.abandoned + len(_abandoned_tasks)
