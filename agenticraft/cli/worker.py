"""``agenticraft worker module:agent --db postgresql://...``: run the durable runs queued for an
agent, until SIGTERM or Ctrl-C (see :mod:`agenticraft.durable.worker`).

The named object is a ``DurableAgent``, a list of them, or a plain ``Agent`` (made durable under
its own name). Start N of these on N machines against the same database and they share the queue.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from .session import EXIT_OK, UsageError, load_object

__all__ = ["load_durable_agents", "run_worker_command"]


def load_durable_agents(spec: str) -> list[Any]:
    """The durable agents named by ``module:name`` (a ``DurableAgent``, an ``Agent``, or a list)."""
    from agenticraft.core.agent import Agent
    from agenticraft.durable import DurableAgent

    target = load_object("worker", spec, "agent")
    values = list(target.values()) if isinstance(target, dict) else target
    values = list(values) if isinstance(values, list | tuple) else [values]
    agents: list[Any] = []
    for value in values:
        if isinstance(value, DurableAgent):
            agents.append(value)
        elif isinstance(value, Agent):
            if not value.name:
                raise UsageError(f"worker {spec!r}: the agent needs a name to be run durably")
            agents.append(DurableAgent(value, name=value.name))
        else:
            raise UsageError(f"worker {spec!r}: {type(value).__name__} is not a DurableAgent or an Agent")
    if not agents:
        raise UsageError(f"worker {spec!r}: no agent to run")
    return agents


def run_worker_command(
    spec: str,
    *,
    db: str,
    queue: str,
    concurrency: int | None,
    queue_concurrency: int | None,
    dead_after: float,
    poll_interval: float,
) -> int:
    """Run the worker until it is stopped; the exit code."""
    for value, option in ((concurrency, "--concurrency"), (queue_concurrency, "--queue-concurrency")):
        if value is not None and value < 1:
            raise UsageError(f"{option} must be at least 1, not {value}")
    if not dead_after > 0 or not poll_interval > 0:
        raise UsageError("--dead-after and --poll must be a number of seconds more than 0")
    try:
        from agenticraft.durable.database import redact_db
        from agenticraft.durable.worker import run_worker
    except ImportError as exc:
        raise UsageError(f"{exc}") from exc
    agents = load_durable_agents(spec)
    names = ", ".join(a.name for a in agents)

    def ready(executor_id: str) -> None:
        print(
            f"agenticraft worker {executor_id}: running {names} from queue {queue!r} at {redact_db(db)}",
            file=sys.stderr,
            flush=True,
        )

    asyncio.run(
        run_worker(
            agents,
            db,
            queue=queue,
            concurrency=concurrency,
            queue_concurrency=queue_concurrency,
            dead_after=dead_after,
            poll_interval=poll_interval,
            on_ready=ready,
        )
    )
    return EXIT_OK
