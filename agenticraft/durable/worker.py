"""A worker process: it pulls durable runs from a queue in the engine's database and runs them
(``agenticraft worker``; :func:`run_worker` in Python).

N workers on N machines share a queue when they share a PostgreSQL database. Each worker is one
DBOS executor with an id of its own, listening to one queue; DBOS hands each queued run to one
worker at a time, within the queue's limits: ``concurrency`` runs at once per worker, and
``queue_concurrency`` at once over all workers. A worker that dies mid-run leaves its runs
PENDING under its executor id; the other workers notice it has stopped beating
(:mod:`agenticraft.durable.liveness`) and hand its runs back to the queue through the engine's
recovery, and whichever worker dequeues a run resumes it from its recorded steps.

On SQLite (one machine) a worker runs the queue too, but nothing watches for dead workers:
give a restarted worker the same ``executor_id`` and DBOS recovers its runs when it starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable, Sequence
from typing import Any
from uuid import uuid4

from .errors import DurableDatabaseError, DurableError, redact_db
from .queue import DEFAULT_QUEUE

__all__ = ["is_postgres", "new_executor_id", "redact_db", "run_worker"]

log = logging.getLogger("agenticraft.durable.worker")


def is_postgres(db: str) -> bool:
    """Whether ``db`` is a PostgreSQL URL (not a SQLite path or URL)."""
    return db.split("://", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def new_executor_id() -> str:
    """An executor id no other worker has: host, process id and a random tail."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid4().hex[:8]}"


async def run_worker(
    agents: Sequence[Any],
    db: str,
    *,
    queue: str = DEFAULT_QUEUE,
    concurrency: int | None = None,
    queue_concurrency: int | None = None,
    executor_id: str | None = None,
    dead_after: float = 10.0,
    poll_interval: float = 1.0,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the queued runs of ``agents`` (``DurableAgent`` objects: constructing them registered
    them with the engine, so this call only checks there is one) until ``stop`` is set, or
    SIGTERM / SIGINT arrives when ``stop`` is not given.

    ``on_ready`` is called with the executor id once the worker listens to the queue.
    """
    from dbos import DBOS

    from . import configure, launch, shutdown

    if not agents:
        raise DurableError("a worker needs at least one DurableAgent to run")
    for limit, what in ((concurrency, "concurrency"), (queue_concurrency, "queue_concurrency")):
        if limit is not None and limit < 1:
            raise DurableError(f"{what} must be at least 1, not {limit}")
    if concurrency is not None and queue_concurrency is not None:
        # DBOS refuses a worker limit above the queue's; a worker never runs more than the queue allows
        concurrency = min(concurrency, queue_concurrency)
    executor_id = executor_id or new_executor_id()
    # this worker dequeues from its queue only (and the engine's internal one)
    configure(db, executor_id=executor_id, listen_queues=[queue])
    liveness = None
    try:
        await asyncio.to_thread(launch)
        try:
            await DBOS.register_queue_async(
                queue,
                worker_concurrency=concurrency,
                global_concurrency=queue_concurrency,
                polling_interval_sec=poll_interval,
                on_conflict="always_update",
            )
        except Exception as exc:
            raise DurableDatabaseError(f"cannot register queue {queue!r} at {redact_db(db)}: {exc}") from exc
        if is_postgres(db):
            liveness = await asyncio.to_thread(_start_liveness, db, executor_id, queue, dead_after)
        if on_ready is not None:
            on_ready(executor_id)
        await _wait(stop)
    finally:
        # on the loop's thread, not asyncio.to_thread: DBOS makes its own thread pool the
        # loop's default executor, and stopping DBOS shuts that pool down
        shutdown()
        if liveness is not None:
            # after the engine stopped, so no live worker resumes a run this one still runs
            liveness.stop(leaving=True)


def _start_liveness(db: str, executor_id: str, queue: str, dead_after: float) -> Any:
    from dbos import DBOS
    from dbos._utils import GlobalParams

    from .dbos_engine import APP_NAME
    from .liveness import Liveness

    def recover(executor_ids: Sequence[str]) -> object:
        # the engine's own recovery of the PENDING workflows of these executors (the same
        # re-enqueue as its startup recovery of its own runs); idempotent, see liveness.py
        return DBOS._recover_pending_workflows(list(executor_ids))

    liveness = Liveness(
        db,
        executor_id=executor_id,
        application_name=APP_NAME,
        app_version=GlobalParams.app_version,
        queue=queue,
        recover=recover,
        dead_after=dead_after,
    )
    try:
        liveness.start()
    except Exception as exc:
        raise DurableDatabaseError(f"cannot write the worker's heartbeat at {redact_db(db)}: {exc}") from exc
    return liveness


async def _wait(stop: asyncio.Event | None) -> None:
    if stop is not None:
        await stop.wait()
        return
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
