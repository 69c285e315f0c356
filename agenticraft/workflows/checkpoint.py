"""Checkpoints: where a workflow run keeps its inputs and each finished step's output, so
``wf.resume(run_id)`` after a crash runs only what did not finish.

:class:`Checkpoint` is the whole interface: four async methods over plain JSON values, with
no notion of how they are stored. :class:`SQLiteCheckpoint` (the default) writes each
finished step in its own transaction, so a process killed at any moment leaves every step it
reported finished on disk. A durable execution engine implements the same four methods on its
own store (its step records), and the workflow engine above does not change.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = ["Checkpoint", "CheckpointedRun", "MemoryCheckpoint", "SQLiteCheckpoint", "default_checkpoint"]


@dataclass(slots=True)
class CheckpointedRun:
    """What a checkpoint holds about one run: its inputs, the steps that finished (step id to
    output, as JSON) and its status (``running``, ``done``, ``failed``, ``interrupted``)."""

    run_id: str
    workflow: str
    inputs: dict[str, Any]
    steps: dict[str, Any] = field(default_factory=dict)
    status: str = "running"


@runtime_checkable
class Checkpoint(Protocol):
    """The interface a workflow run uses to record itself (values are plain JSON)."""

    async def start_run(self, run_id: str, workflow: str, inputs: dict[str, Any]) -> None:
        """A run starts (or resumes: then nothing changes but its status)."""
        ...

    async def save_step(self, run_id: str, step_id: str, output: Any) -> None:
        """A step (or one item of a fanned-out step) finished with ``output``."""
        ...

    async def load_run(self, run_id: str) -> CheckpointedRun | None:
        """What is known about ``run_id``, or None."""
        ...

    async def finish_run(self, run_id: str, status: str) -> None:
        """The run ended with ``status``."""
        ...


class MemoryCheckpoint:
    """Checkpoints in this process only (tests, or runs that need no resume after a crash)."""

    def __init__(self) -> None:
        self.runs: dict[str, CheckpointedRun] = {}

    async def start_run(self, run_id: str, workflow: str, inputs: dict[str, Any]) -> None:
        run = self.runs.setdefault(run_id, CheckpointedRun(run_id, workflow, dict(inputs)))
        run.status = "running"

    async def save_step(self, run_id: str, step_id: str, output: Any) -> None:
        self.runs[run_id].steps[step_id] = json.loads(json.dumps(output))

    async def load_run(self, run_id: str) -> CheckpointedRun | None:
        return self.runs.get(run_id)

    async def finish_run(self, run_id: str, status: str) -> None:
        self.runs[run_id].status = status


_SCHEMA = """
CREATE TABLE IF NOT EXISTS workflow_runs (
    run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, inputs TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workflow_steps (
    run_id TEXT NOT NULL, step_id TEXT NOT NULL, output TEXT NOT NULL, PRIMARY KEY (run_id, step_id)
);
"""


class SQLiteCheckpoint:
    """Checkpoints in a SQLite file (stdlib ``sqlite3``, WAL); several processes may share it."""

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:  # opened at first use: defining a workflow touches no file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            # a step is on disk once its transaction commits: a killed process loses nothing;
            # only a power cut may lose the last commits (FULL would fsync every step: ~6 ms)
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    async def start_run(self, run_id: str, workflow: str, inputs: dict[str, Any]) -> None:
        with self._lock:
            self._connection().execute(
                "INSERT INTO workflow_runs (run_id, workflow, inputs, status) VALUES (?, ?, ?, 'running') "
                "ON CONFLICT (run_id) DO UPDATE SET status = 'running'",
                (run_id, workflow, json.dumps(inputs)),
            )

    async def save_step(self, run_id: str, step_id: str, output: Any) -> None:
        with self._lock:
            self._connection().execute(
                "INSERT OR REPLACE INTO workflow_steps (run_id, step_id, output) VALUES (?, ?, ?)",
                (run_id, step_id, json.dumps(output)),
            )

    async def load_run(self, run_id: str) -> CheckpointedRun | None:
        with self._lock:
            db = self._connection()
            row = db.execute(
                "SELECT workflow, inputs, status FROM workflow_runs WHERE run_id = ?", (run_id,)
            ).fetchone()
            if row is None:
                return None
            steps = db.execute(
                "SELECT step_id, output FROM workflow_steps WHERE run_id = ?", (run_id,)
            ).fetchall()
        return CheckpointedRun(
            run_id, row[0], json.loads(row[1]), {s: json.loads(o) for s, o in steps}, row[2]
        )

    async def finish_run(self, run_id: str, status: str) -> None:
        with self._lock:
            self._connection().execute(
                "UPDATE workflow_runs SET status = ? WHERE run_id = ?", (status, run_id)
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def default_checkpoint() -> SQLiteCheckpoint:
    """The default store: ``$AGENTICRAFT_WORKFLOW_DB``, else ``~/.agenticraft/workflows.db``."""
    path = os.environ.get("AGENTICRAFT_WORKFLOW_DB") or Path.home() / ".agenticraft" / "workflows.db"
    return SQLiteCheckpoint(path)
