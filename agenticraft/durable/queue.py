"""Enqueue durable runs from any process, and await their results there: :class:`RunQueue`.

The enqueuing process (a web server, a script, a cron job) does not run agents: it writes the
run into the engine's database, and an ``agenticraft worker`` process that listens to the queue
runs it. It needs the database URL and the agent's name, not the agent itself, and never starts
the engine (DBOS's client talks to the database only)::

    queue = RunQueue("postgresql://...")                      # the workers' database
    handle = await queue.enqueue("support", "Refund order 123", run_id="refund-123")
    response = await handle.result()                          # an AgentResponse, once a worker ran it

Enqueuing a ``run_id`` that exists already returns the existing run (a run happens once per id),
so a caller that retries after a timeout cannot start a second run. The database must have been
set up by a worker (or any durable process) once: the client creates no tables.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .database import redact_db
from .engine import run_key
from .errors import DurableCancelledError, DurableDatabaseError, DurableError

if TYPE_CHECKING:
    from agenticraft.core.messages import Message
    from agenticraft.core.response import AgentResponse

__all__ = ["DEFAULT_QUEUE", "RunHandle", "RunQueue"]

#: the queue workers listen to unless told another (``agenticraft worker --queue``)
DEFAULT_QUEUE = "agenticraft"

#: the DBOS workflow every durable agent run is (``agenticraft.durable`` registers it)
AGENT_WORKFLOW = "agenticraft.agent_run"


def _require_dbos() -> Any:
    try:
        import dbos
    except ImportError:
        raise DurableError("durable runs need DBOS: pip install 'agenticraft[durable]'") from None
    return dbos


class RunHandle:
    """A queued run: its ``run_id``, :meth:`status`, :meth:`result` and :meth:`cancel`."""

    def __init__(self, queue: RunQueue, run_id: str) -> None:
        self.queue = queue
        self.run_id = run_id

    async def _handle(self) -> Any:
        from dbos._error import DBOSNonExistentWorkflowError

        client = await asyncio.to_thread(self.queue._client)
        try:
            return await client.retrieve_workflow_async(self.run_id)
        except DBOSNonExistentWorkflowError:
            raise DurableError(f"no durable run {self.run_id!r} in {self.queue._where}") from None

    async def status(self) -> str:
        """``ENQUEUED``, ``PENDING`` (running), ``SUCCESS``, ``ERROR`` or ``CANCELLED``."""
        status = await (await self._handle()).get_status()
        return str(status.status)

    async def result(self, *, poll: float = 0.2) -> AgentResponse:
        """Wait for the run to end: its response, or the error it ended with
        (:class:`DurableCancelledError` when it was cancelled)."""
        from dbos._error import DBOSAwaitedWorkflowCancelledError

        from agenticraft.core.response import AgentResponse

        handle = await self._handle()
        try:
            return AgentResponse.from_dict(await handle.get_result(polling_interval_sec=poll))
        except DBOSAwaitedWorkflowCancelledError:
            raise DurableCancelledError(f"durable run {self.run_id!r} was cancelled") from None

    async def cancel(self) -> None:
        """Cancel the run: a queued one never starts, a running one stops at its next step."""
        await self._handle()
        client = await asyncio.to_thread(self.queue._client)
        await client.cancel_workflow_async(self.run_id)

    def __repr__(self) -> str:
        return f"RunHandle(run_id={self.run_id!r}, queue={self.queue.name!r})"


class RunQueue:
    """The queue of durable runs in the engine's database at ``db`` (a PostgreSQL URL; a SQLite
    path works too, for workers on one machine).

    ``application`` is the engine's application name; it must be the workers' (the default is
    the one ``agenticraft.durable`` uses).
    """

    def __init__(self, db: str, name: str = DEFAULT_QUEUE, *, application: str | None = None) -> None:
        self.db = db
        self.name = name
        self.application = application
        self._dbos_client: Any = None

    def _client(self) -> Any:
        if self._dbos_client is None:
            dbos = _require_dbos()
            from .dbos_engine import APP_NAME, database_url, held_logs, one_line

            try:
                with held_logs():  # DBOS logs the failure too: the error below says it once
                    self._dbos_client = dbos.DBOSClient(
                        system_database_url=database_url(self.db),
                        application_name=self.application or APP_NAME,
                    )
            except Exception as exc:
                raise DurableDatabaseError(
                    f"the durable runs' database {self._where} cannot be reached: "
                    f"{type(exc).__name__}: {one_line(exc)}"
                ) from exc
        return self._dbos_client

    async def enqueue(
        self,
        agent: str | Any,
        prompt: str,
        *,
        run_id: str | None = None,
        history: Sequence[Message] | None = None,
        deps: Any = None,
        priority: int | None = None,
    ) -> RunHandle:
        """Queue a run of ``agent`` (a ``DurableAgent`` or its name) on ``prompt``.

        ``run_id`` keys the run (default: a new one); ``history`` and ``deps`` are the run's, as
        for ``DurableAgent.arun`` (``deps`` is recorded with the run: keep it plain data);
        ``priority``: lower runs first.
        """
        from .agent import run_payload

        name = agent if isinstance(agent, str) else agent.name
        payload = run_payload(prompt, history=history, deps=deps)
        run_id = run_key(run_id)
        options: dict[str, Any] = {
            "queue_name": self.name,
            "workflow_name": AGENT_WORKFLOW,
            "workflow_id": run_id,
        }
        if priority is not None:
            options["priority"] = priority
        client = await asyncio.to_thread(self._client)
        try:
            await client.enqueue_async(options, name, payload)
        except Exception as exc:
            from sqlalchemy.exc import ProgrammingError

            if isinstance(exc, ProgrammingError):  # no tables: no durable process ever ran here
                raise DurableDatabaseError(
                    f"{self._where} holds no durable runs yet: start a worker on it first ({exc.orig})"
                ) from exc
            raise
        return RunHandle(self, run_id)

    @property
    def _where(self) -> str:
        return redact_db(self.db)

    def handle(self, run_id: str) -> RunHandle:
        """The handle of a run enqueued before (by this process or another)."""
        return RunHandle(self, run_id)

    def close(self) -> None:
        """Close the database connections (the handles stop working)."""
        if self._dbos_client is not None:
            self._dbos_client.destroy()
            self._dbos_client = None

    async def __aenter__(self) -> RunQueue:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
