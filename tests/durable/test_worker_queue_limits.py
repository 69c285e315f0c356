"""Queue limits over all workers, on a real PostgreSQL: with ``--queue-concurrency 2`` two
workers (each allowing 5 runs at once) never run more than 2 tool calls at a time between them,
and a run enqueued twice under one ``run_id`` runs once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from worker_procs import Worker, model, tool_calls, tool_events, worker_env

from agenticraft.durable.queue import RunQueue
from agenticraft.testing.servers.openai import OpenAIServer

RUNS = 8
LIMIT = 2


@pytest.fixture
def model_server() -> Iterator[OpenAIServer]:
    with OpenAIServer(handler=model) as server:
        yield server


def most_at_once(events: list[tuple[int, int, str]]) -> int:
    """The most tool calls begun and not yet ended at any point of the log (order, not time)."""
    running = most = 0
    for _, _, event in events:
        running += 1 if event == "start" else -1
        most = max(most, running)
    return most


async def test_the_queue_limit_holds_over_all_workers(
    postgres_database: str, model_server: OpenAIServer, tmp_path: Path
) -> None:
    tool_log = tmp_path / "refunds.log"
    env = worker_env(model_server, tool_log)
    limit = ("--queue-concurrency", str(LIMIT))
    first = Worker(postgres_database, tmp_path, "first", env, *limit)
    workers = [first]
    try:
        first.wait_ready()
        workers.append(Worker(postgres_database, tmp_path, "second", env, *limit))
        workers[1].wait_ready()
        async with RunQueue(postgres_database) as queue:
            handles = [
                await queue.enqueue("support", f"Refund order {n}", run_id=f"r{n}") for n in range(RUNS)
            ]
            again = await queue.enqueue("support", "Refund order 0", run_id="r0")  # a retried enqueue
            responses = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 60)
            assert (await again.result()).content == "Refunded order 0."
            assert repr(again) == "RunHandle(run_id='r0', queue='agenticraft')"
            assert await queue.handle("r3").status() == "SUCCESS"
        assert [r.content for r in responses] == [f"Refunded order {n}." for n in range(RUNS)]
        assert sorted(order for order, _ in tool_calls(tool_log)) == list(range(RUNS))  # once each
        assert most_at_once(tool_events(tool_log)) <= LIMIT
        assert all(w.stop() == 0 for w in workers), [w.stderr for w in workers]
    finally:
        for worker in workers:
            worker.stop()
