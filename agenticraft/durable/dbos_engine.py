"""DBOS as the durable engine: a run is a DBOS workflow keyed by its run id, a model turn or a
tool call a DBOS step, the state in SQLite (a file, no server) or PostgreSQL.

DBOS is one instance per process. :func:`configure` chooses its database before it starts;
:func:`launch` starts it (the first durable run does it when nobody did), and at launch DBOS
resumes the runs this process's executor left unfinished. Every durable agent and workflow of
the process shares two DBOS workflow functions, :func:`agent_workflow` and
:func:`workflow_workflow`, which look the run's agent or workflow up by name: so any process
that registered the same names can run, resume or dequeue a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from dbos import DBOS, SetWorkflowID
from dbos._error import DBOSAwaitedWorkflowCancelledError, DBOSWorkflowCancelledError

from agenticraft.core.errors import AgentiCraftError, ConfigurationError
from agenticraft.durable.database import redact_db
from agenticraft.durable.engine import Runner, StepSlot
from agenticraft.durable.errors import (
    DurableCancelledError,
    DurableDatabaseError,
    DurableError,
    DurableRunConflictError,
    DurableRunElsewhereError,
)

__all__ = [
    "DBOSEngine",
    "agent_workflow",
    "configure",
    "database_url",
    "engine",
    "held_logs",
    "launch",
    "one_line",
    "recover",
    "shutdown",
    "workflow_workflow",
]

T = TypeVar("T")

APP_NAME = "agenticraft"
_lock = threading.Lock()
_settings: dict[str, Any] = {"db": None, "executor_id": None, "app_version": None}
_launched = False


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """The DBOS system database URL for ``db``: a URL as is (``sqlite:///...``,
    ``postgresql://...``), a path as a SQLite file; None: ``$AGENTICRAFT_DURABLE_DB``, else
    ``~/.agenticraft/durable.db``."""
    if db is None:
        db = os.environ.get("AGENTICRAFT_DURABLE_DB")
    if db is None:
        path = Path.home() / ".agenticraft" / "durable.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    text = os.fspath(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def configure(
    db: str | os.PathLike[str] | None = None,
    *,
    executor_id: str | None = None,
    app_version: str | None = None,
    listen_queues: Sequence[str] | None = None,
) -> None:
    """Choose the database (a SQLite path or a URL, see :func:`database_url`) and, for many
    workers, this process's ``executor_id``; ``app_version`` pins DBOS's application version
    (by default a digest of the registered workflow code); ``listen_queues`` names the queues
    this process dequeues runs from (None: every queue; a worker gives its own). Only before
    DBOS starts."""
    with _lock:
        if _launched:
            raise ConfigurationError("the durable engine is already running: configure() comes first")
        _settings.update(db=db, executor_id=executor_id, app_version=app_version, listen_queues=listen_queues)


def launch() -> None:
    """Start DBOS on the configured database, once per process (later calls do nothing).

    Raises :class:`DurableDatabaseError` when the database cannot be opened or reached.
    """
    global _launched
    with _lock:
        if _launched:
            return
        url = database_url(_settings["db"])
        config: dict[str, Any] = {"name": APP_NAME, "system_database_url": url, "log_level": "WARNING"}
        if _settings["executor_id"] is not None:
            config["executor_id"] = _settings["executor_id"]
        if _settings["app_version"] is not None:
            config["application_version"] = _settings["app_version"]
        try:
            with held_logs():
                _prepare_sqlite(url)
                DBOS(config=config)  # type: ignore[arg-type]
                if _settings.get("listen_queues") is not None:
                    DBOS.listen_queues(list(_settings["listen_queues"]))
                DBOS.launch()
        except Exception as exc:
            DBOS.destroy()
            raise DurableDatabaseError(
                f"cannot open the durable database {redact_db(url)}: {one_line(exc)}"
            ) from exc
        _launched = True


class _OneLineRunErrors(logging.Filter):
    """A run that fails with one of our typed errors (a ``DurableSerializationError``, a tool
    error) or is cancelled is logged by DBOS as one line, not a traceback: the caller gets the
    error itself. Anything else (a bug) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, AgentiCraftError | DBOSAwaitedWorkflowCancelledError | DBOSWorkflowCancelledError):
            record.msg, record.args = f"{record.getMessage()} {type(exc).__name__}: {exc}", None
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("dbos").addFilter(_OneLineRunErrors())


def one_line(exc: BaseException) -> str:
    """``exc``'s message on one line (SQLAlchemy's and psycopg's span several)."""
    return " ".join(str(exc).split())


class _Hold(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return False


@contextlib.contextmanager
def held_logs() -> Any:
    """Hold what DBOS logs while it starts: passed on if it starts, dropped if it fails (its
    error, with a traceback, is then the :class:`DurableDatabaseError` in one line)."""
    logger, hold = logging.getLogger("dbos"), _Hold()
    logger.addFilter(hold)
    try:
        yield
    finally:
        logger.removeFilter(hold)
    for record in hold.records:  # reached only when the launch succeeded
        logger.handle(record)


def _prepare_sqlite(url: str) -> None:
    """Put a SQLite database in WAL mode (it stays so): a commit is then one append and one
    sync of the log, instead of the rollback journal's several, and readers do not block the
    writer (workers sharing one file). Every commit is still synced: nothing recorded is lost."""
    if not url.startswith("sqlite:///"):
        return
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=WAL")


def shutdown() -> None:
    """Stop DBOS in this process (a later run starts it again, after :func:`configure`)."""
    global _launched
    with _lock:
        DBOS.destroy()
        _launched = False


def recover(executor_ids: Sequence[str]) -> list[str]:
    """Resume here the unfinished runs of other executors (workers that died): their ids.
    DBOS resumes a process's own runs at launch; another executor's need this call."""
    launch()
    return [h.workflow_id for h in DBOS._recover_pending_workflows(list(executor_ids))]


_RUNNERS: dict[str, Runner] = {}


async def _dispatch(kind: str, name: str, payload: dict[str, Any]) -> Any:
    runner = _RUNNERS.get(kind)
    if runner is None:
        raise DurableError(f"no durable {kind} runner is registered in this process")
    return await runner(name, payload)


@DBOS.workflow(name="agenticraft.agent_run")
async def agent_workflow(agent_name: str, payload: dict[str, Any]) -> Any:
    """The DBOS workflow of a durable agent run (its id is the run id)."""
    return await _dispatch("agent", agent_name, payload)


@DBOS.workflow(name="agenticraft.workflow_run")
async def workflow_workflow(workflow_name: str, payload: dict[str, Any]) -> Any:
    """The DBOS workflow of a durable workflow run (its id is the run id)."""
    return await _dispatch("workflow", workflow_name, payload)


_FUNCTIONS = {"agent": agent_workflow, "workflow": workflow_workflow}


class _Slot:
    def __init__(self) -> None:
        self._reservation = DBOS.reserve_step()

    async def record(self, name: str, fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
        result: T = await self._reservation.run_async({"name": name}, fn)
        return result


#: what of a run's input must be the same when its ``run_id`` is used again (``None`` given:
#: "whatever the run was started with"); deps are left out (they are not always comparable)
_REQUEST_KEYS = {"agent": ("prompt", "history"), "workflow": ("inputs",)}


async def _same_request(kind: str, name: str, run_id: str, payload: dict[str, Any]) -> None:
    """Refuse a ``run_id`` used again for another request: a run id names one run, and
    returning the old run's answer to a new prompt would be a silent wrong answer."""
    given = {key: payload.get(key) for key in _REQUEST_KEYS[kind] if payload.get(key)}
    if not given:  # resuming or reading the run as it is
        return
    found = await DBOS.list_workflows_async(workflow_ids=[run_id], load_input=True, load_output=False)
    recorded_args = tuple(found[0].input["args"]) if found and found[0].input else ()
    if len(recorded_args) != 2:
        return  # not a run of ours (or no input kept): nothing to compare
    recorded_name, recorded = recorded_args
    changed = [key for key, value in given.items() if recorded.get(key) != value]
    if recorded_name != name or changed:
        what = f"{kind} {recorded_name!r}" if recorded_name != name else " and ".join(changed)
        raise DurableRunConflictError(
            f"durable run {run_id!r} was started with another {what}: a run_id names one run; "
            "use a new run_id for a new request, or leave the prompt out to resume or read this one"
        )


class DBOSEngine:
    """:class:`~agenticraft.durable.engine.DurableEngine` on DBOS (one per process: :data:`engine`)."""

    def __init__(self) -> None:
        self._handles: dict[str, Any] = {}  # runs started here: their task handles

    def register_runner(self, kind: str, runner: Runner) -> None:
        _RUNNERS[kind] = runner

    async def start(self, kind: str, name: str, run_id: str, payload: dict[str, Any]) -> None:
        launch()
        status = await DBOS.get_workflow_status_async(run_id)
        if status is None:
            with SetWorkflowID(run_id):
                self._handles[run_id] = await DBOS.start_workflow_async(_FUNCTIONS[kind], name, payload)
            return
        await _same_request(kind, name, run_id, payload)
        if status.status == "CANCELLED":
            await DBOS.resume_workflow_async(run_id)
        elif status.status == "PENDING" and not status.queue_name and status.executor_id != DBOS.executor_id:
            # started by arun in a process with another executor id; nothing hands it on (no
            # queue, and DBOS resumes it only when that executor launches again)
            raise DurableRunElsewhereError(
                f"durable run {run_id!r} is unfinished under executor {status.executor_id!r} (this "
                f"process is {DBOS.executor_id!r}): if that process is gone, resume the run here with "
                f"agenticraft.durable.recover([{status.executor_id!r}]) or start it again with "
                f"configure(..., executor_id={status.executor_id!r}); to wait for it, use result(run_id)"
            )
        # PENDING here or on a queue, or ENQUEUED: it runs (here after launch's recovery, or on a worker);
        # SUCCESS or ERROR: it is over, its result is recorded

    async def result(self, run_id: str) -> Any:
        launch()
        handle = self._handles.pop(run_id, None)
        if handle is None:
            handle = await DBOS.retrieve_workflow_async(run_id)
        # shielded: a reader that stops waiting must not cancel a run executing in its task
        waiting = asyncio.ensure_future(handle.get_result(polling_interval_sec=0.05))
        waiting.add_done_callback(_seen)
        try:
            return await asyncio.shield(waiting)
        except DBOSAwaitedWorkflowCancelledError:
            raise DurableCancelledError(f"durable run {run_id!r} was cancelled") from None

    async def cancel(self, run_id: str) -> None:
        launch()
        await DBOS.cancel_workflow_async(run_id)

    def current_run(self) -> str | None:
        return DBOS.workflow_id if _launched else None

    async def step(
        self, name: str, fn: Callable[[], Coroutine[Any, Any, T]], *, preemptible: bool = False
    ) -> T:
        result: T = await DBOS.run_step_async({"name": name, "preemptible": preemptible}, fn)
        return result

    def slots(self, count: int) -> Sequence[StepSlot]:
        return [_Slot() for _ in range(count)]

    async def recorded(self, run_id: str, prefix: str) -> dict[str, Any]:
        # read in an empty context: inside the run, DBOS would record the read itself as a step
        steps = await asyncio.to_thread(contextvars.Context().run, DBOS.list_workflow_steps, run_id)
        return {
            s["function_name"][len(prefix) :]: s["output"]
            for s in steps
            if s["function_name"].startswith(prefix) and s["error"] is None
        }


def _seen(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a result nobody waits for any more is not logged


engine = DBOSEngine()
"""The process's engine."""
