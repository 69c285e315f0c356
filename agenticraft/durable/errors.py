"""The errors of durable runs, under :class:`~agenticraft.core.errors.AgentiCraftError`::

    AgentiCraftError
    └── DurableError                    a durable run cannot go on as asked
        ├── DurableDatabaseError        the engine's database cannot be opened or reached
        │                               (bad SQLite path, PostgreSQL URL, refused connection)
        ├── DurableSerializationError   a tool returned a value that is not JSON, so its result
        │                               cannot be recorded (the run fails instead of recording
        │                               its ``repr``)
        ├── DurableDefinitionChangedError
        │                               a run resumed with another agent definition (tools,
        │                               instructions) than the one it was recorded with
        ├── DurableToolInterruptedError a non-idempotent tool call started before a crash and
        │                               its result was never recorded: it is not run again
        └── DurableCancelledError       the run was cancelled (``stream.cancel()``, another
                                        process); running its ``run_id`` again resumes it

They are raised inside a run's steps, so the engine records them with the run: each takes one
message and pickles as it is.
"""

from __future__ import annotations

from agenticraft.core.errors import AgentiCraftError

__all__ = [
    "DurableCancelledError",
    "DurableDatabaseError",
    "DurableDefinitionChangedError",
    "DurableError",
    "DurableRunConflictError",
    "DurableRunElsewhereError",
    "DurableSerializationError",
    "DurableToolInterruptedError",
]


class DurableError(AgentiCraftError):
    """A durable run cannot go on as asked."""


class DurableDatabaseError(DurableError):
    """The engine's database (a SQLite file, a PostgreSQL URL) cannot be opened or reached."""


class DurableSerializationError(DurableError):
    """A tool returned a value that is not plain JSON: its result cannot be recorded."""


class DurableDefinitionChangedError(DurableError):
    """A run was resumed with an agent whose tools or instructions differ from the recorded ones."""


class DurableToolInterruptedError(DurableError):
    """A non-idempotent tool call started before a crash and was never recorded as finished;
    it may or may not have taken effect, so it is not run again."""


class DurableCancelledError(DurableError):
    """The run was cancelled before it finished; running its ``run_id`` again resumes it."""


class DurableRunElsewhereError(DurableError):
    """The run is unfinished under another executor (a process with another ``executor_id``
    that started it, alive or dead), and no queue hands it on: this process does not take it
    over unasked. The message names the executor and the ways to go on."""


class DurableRunConflictError(DurableError):
    """A ``run_id`` used again for another request (another prompt, history, agent or workflow
    inputs) than its run was started with."""
