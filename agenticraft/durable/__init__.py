"""Durable runs: agents and workflows that survive a crash, on DBOS (``pip install
'agenticraft[durable]'``)::

    from agenticraft.durable import DurableAgent

    durable = DurableAgent(agent, name="support")
    result = await durable.arun("Refund order 123", run_id="refund-123")

Each model turn and each tool call is a recorded step; a run killed midway resumes under the
same ``run_id`` without repeating what was recorded. The state is in SQLite by default
(:func:`configure` takes a file path or a PostgreSQL URL). See docs/durable.md.
"""

from __future__ import annotations

try:
    import dbos  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is installed in the test environment
    raise ImportError(
        "agenticraft.durable needs DBOS: pip install 'agenticraft[durable]'", name="dbos"
    ) from exc

from agenticraft.durable.agent import DurableAgent, DurableStream
from agenticraft.durable.dbos_engine import DBOSEngine, configure, database_url, launch, recover, shutdown
from agenticraft.durable.engine import DurableEngine
from agenticraft.durable.errors import (
    DurableCancelledError,
    DurableDatabaseError,
    DurableDefinitionChangedError,
    DurableError,
    DurableRunConflictError,
    DurableRunElsewhereError,
    DurableSerializationError,
    DurableToolInterruptedError,
)
from agenticraft.durable.queue import RunHandle, RunQueue
from agenticraft.durable.steps import DurableHooks
from agenticraft.durable.worker import run_worker
from agenticraft.durable.workflow import DurableWorkflow, EngineCheckpoint

__all__ = [
    "DBOSEngine",
    "DurableAgent",
    "DurableCancelledError",
    "DurableDatabaseError",
    "DurableDefinitionChangedError",
    "DurableEngine",
    "DurableError",
    "DurableHooks",
    "DurableRunConflictError",
    "DurableRunElsewhereError",
    "DurableSerializationError",
    "DurableStream",
    "DurableToolInterruptedError",
    "DurableWorkflow",
    "EngineCheckpoint",
    "RunHandle",
    "RunQueue",
    "configure",
    "database_url",
    "launch",
    "recover",
    "run_worker",
    "shutdown",
]
