"""Which workers are alive, and the recovery of a dead worker's runs by a live one.

DBOS recovers the PENDING workflows of an executor only when that same executor starts again
(``executor_id`` and application version match); noticing that *another* executor died is the
job of DBOS Conductor, a hosted service. Self-hosted workers on PostgreSQL need their own
signal, so each worker keeps one row of ``agenticraft.workers`` fresh (a heartbeat, timed by the
database's clock, never a machine's). A live worker that finds a row older than that row's
``dead_after`` claims it and hands the dead executor's id to the engine's own recovery
(``DBOS._recover_pending_workflows``: the runs go back to ENQUEUED on their queue, and the next
worker to dequeue one resumes it from its recorded steps). The engine's recovery is
idempotent (it only re-enqueues runs still PENDING on the dead executor), so two workers that
claim at once cannot start a run twice; a claim is also a fresh heartbeat of the dead row,
so if the claiming worker dies mid-way, another claims the row again later.

A worker is declared dead after ``dead_after`` seconds without a heartbeat: keep it well above
any pause a live worker can have (a long GC, a stalled database connection), since a run of a
worker declared dead while still running is resumed by another one, and a step in flight on
both may then execute twice (the at-least-once boundary of every step).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Liveness", "WorkerRow", "postgres_dsn"]

log = logging.getLogger("agenticraft.durable.worker")

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS agenticraft;
CREATE TABLE IF NOT EXISTS agenticraft.workers (
    executor_id text PRIMARY KEY,
    application_name text NOT NULL,
    app_version text NOT NULL,
    queue text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    dead_after double precision NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    beat_at timestamptz NOT NULL DEFAULT now(),
    claimed_by text
);
"""

# a lock id of our own, so that concurrent first workers do not race on CREATE ... IF NOT EXISTS
_SCHEMA_LOCK = 0x61676E74


def postgres_dsn(url: str) -> str:
    """``url`` as libpq takes it: SQLAlchemy's ``postgresql+psycopg://`` driver tag removed."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}" if sep else url


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One worker as its heartbeat row shows it."""

    executor_id: str
    queue: str
    host: str
    pid: int
    seconds_since_beat: float


Recover = Callable[[Sequence[str]], object]


class Liveness:
    """The heartbeat of one worker, and the watch over the others (a daemon thread).

    ``recover`` is given the ids of dead executors; the worker passes the engine's recovery.
    """

    def __init__(
        self,
        url: str,
        *,
        executor_id: str,
        application_name: str,
        app_version: str,
        queue: str,
        recover: Recover,
        dead_after: float = 10.0,
        interval: float | None = None,
    ) -> None:
        if dead_after <= 0:
            raise ValueError(f"dead_after must be more than 0 seconds, not {dead_after}")
        self.dsn = postgres_dsn(url)
        self.executor_id = executor_id
        self.application_name = application_name
        self.app_version = app_version
        self.queue = queue
        self.dead_after = dead_after
        self.interval = interval if interval is not None else dead_after / 4
        self._recover = recover
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: executor ids this worker has recovered (for logs and tests)
        self.recovered: list[str] = []
        self._beaten = False

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)

    def start(self) -> None:
        """Create the table if needed, write the first heartbeat, start the thread."""
        with self._connect() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                conn.execute(_SCHEMA)
            self.beat(conn)
        self._thread = threading.Thread(target=self._run, name="agenticraft-liveness", daemon=True)
        self._thread.start()

    def stop(self, *, leaving: bool = True) -> None:
        """Stop the thread; ``leaving`` marks this worker dead at once, so that a live worker
        recovers the runs it leaves unfinished without waiting for ``dead_after``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 10)
        if leaving:
            try:
                with self._connect() as conn:
                    conn.execute(
                        "UPDATE agenticraft.workers SET beat_at = '-infinity' WHERE executor_id = %s",
                        (self.executor_id,),
                    )
            except Exception as exc:  # the database is gone: the others see the stale row later
                log.warning("could not mark worker %s as leaving: %s", self.executor_id, exc)

    def _run(self) -> None:
        conn: Any = None
        while not self._stop.wait(self.interval):  # start() wrote the first beat
            try:
                if conn is None or conn.closed:
                    conn = self._connect()
                self.beat(conn)
                self.recover_dead(conn)
            except Exception as exc:  # a lost connection: try again next beat
                log.warning("worker %s heartbeat failed: %s", self.executor_id, exc)
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def beat(self, conn: Any) -> None:
        """Refresh this worker's row, writing it again if it is gone: a worker taken for dead
        (paused past ``dead_after``) that goes on must be watched again, or the runs it takes
        next would never be recovered if it died."""
        before = conn.execute(
            "INSERT INTO agenticraft.workers "
            "(executor_id, application_name, app_version, queue, host, pid, dead_after) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (executor_id) DO UPDATE "
            "SET beat_at = now(), claimed_by = NULL, pid = EXCLUDED.pid, dead_after = EXCLUDED.dead_after "
            "RETURNING (xmax = 0)",
            (
                self.executor_id,
                self.application_name,
                self.app_version,
                self.queue,
                socket.gethostname(),
                os.getpid(),
                self.dead_after,
            ),
        ).fetchone()
        inserted = bool(before and before[0])
        if inserted and self._beaten:
            log.warning(
                "worker %s was taken for dead (no heartbeat for %ss) and its runs given to others; "
                "it goes on",
                self.executor_id,
                self.dead_after,
            )
        self._beaten = True

    def recover_dead(self, conn: Any) -> list[str]:
        """Claim the rows of dead workers of this application and version, recover their runs,
        then remove the rows; the ids recovered."""
        claimed = [
            row[0]
            for row in conn.execute(
                "UPDATE agenticraft.workers SET beat_at = now(), claimed_by = %s "
                "WHERE application_name = %s AND app_version = %s AND executor_id <> %s "
                "AND beat_at < clock_timestamp() - make_interval(secs => dead_after) "
                "RETURNING executor_id",
                (self.executor_id, self.application_name, self.app_version, self.executor_id),
            ).fetchall()
        ]
        if not claimed:
            return []
        log.warning(
            "worker %s: recovering the runs of dead worker(s) %s", self.executor_id, ", ".join(claimed)
        )
        self._recover(claimed)
        conn.execute(
            "DELETE FROM agenticraft.workers WHERE executor_id = ANY(%s) AND claimed_by = %s",
            (claimed, self.executor_id),
        )
        self.recovered.extend(claimed)
        return claimed

    def workers(self) -> list[WorkerRow]:
        """Every worker of this application, by heartbeat age."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT executor_id, queue, host, pid, "
                "extract(epoch FROM clock_timestamp() - beat_at)::float8 FROM agenticraft.workers "
                "WHERE application_name = %s AND beat_at > '-infinity' ORDER BY 5",
                (self.application_name,),
            ).fetchall()
        return [WorkerRow(r[0], r[1], r[2], int(r[3]), float(r[4])) for r in rows]
