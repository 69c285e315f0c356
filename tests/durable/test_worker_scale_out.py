"""Scale-out on a real PostgreSQL: two ``agenticraft worker`` processes share a queue of 50 runs,
one is SIGKILLed mid-way, and every run finishes once, on the local model server and a tool
that records its calls."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from worker_procs import CONCURRENCY, Worker, model, tool_calls, turn_of, worker_env

from agenticraft.durable.queue import RunQueue
from agenticraft.testing.servers.openai import OpenAIServer

RUNS = 50


@pytest.fixture
def model_server() -> Iterator[OpenAIServer]:
    with OpenAIServer(handler=model) as server:
        yield server


async def test_two_workers_share_50_runs_and_a_killed_ones_runs_finish_on_the_other(
    postgres_database: str, model_server: OpenAIServer, tmp_path: Path
) -> None:
    tool_log = tmp_path / "refunds.log"
    env = worker_env(model_server, tool_log)
    first = Worker(postgres_database, tmp_path, "first", env)
    workers = [first]
    try:
        first.wait_ready()  # the first worker creates the engine's tables; then the second joins
        second = Worker(postgres_database, tmp_path, "second", env)
        workers.append(second)
        killed_id = first.wait_ready()
        survivor_id = second.wait_ready()

        async with RunQueue(postgres_database) as queue:  # this process runs no agent
            handles = [
                await queue.enqueue("support", f"Refund order {n}", run_id=f"refund-{n}") for n in range(RUNS)
            ]
            # kill the first worker once it has done part of the work, with runs still queued
            deadline = time.monotonic() + 30
            while sum(pid == first.process.pid for _, pid in tool_calls(tool_log)) < 2 * CONCURRENCY:
                assert time.monotonic() < deadline, f"the first worker did no work:\n{first.stderr}"
                await asyncio.sleep(0.02)
            first.process.send_signal(signal.SIGKILL)
            assert first.process.wait(timeout=10) == -signal.SIGKILL
            done_at_kill = len(tool_calls(tool_log))
            assert done_at_kill < RUNS, "every run was done before the kill: nothing was tested"

            responses = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 60)
            statuses = {await h.status() for h in handles}

        assert [r.content for r in responses] == [f"Refunded order {n}." for n in range(RUNS)]
        assert statuses == {"SUCCESS"}
        assert f"recovering the runs of dead worker(s) {killed_id}" in second.stderr

        # Every tool call and model turn happened; one that was recorded never ran again. A step
        # in flight on the killed worker (started, not yet recorded) runs again on the survivor:
        # the at-least-once boundary. So a run repeats at most one step, and only a run the
        # killed worker had in flight does.
        tools = Counter(order for order, _ in tool_calls(tool_log))
        turns = Counter(turn_of(r) for r in model_server.requests)
        assert set(tools) == set(range(RUNS))
        assert {order for order, _ in turns} == set(range(RUNS))
        repeats = Counter({n: tools[n] - 1 for n in range(RUNS)})
        for (order, _), count in turns.items():
            repeats[order] += count - 1
        repeated = {n for n, count in repeats.items() if count}
        assert all(count <= 1 for count in repeats.values()), repeats
        assert len(repeated) <= CONCURRENCY, repeated
        killed_pid = first.process.pid
        for order in repeated:
            if tools[order] > 1:
                pids = [pid for n, pid in tool_calls(tool_log) if n == order]
                assert pids[0] == killed_pid, (order, pids)
        # the survivor ran the rest, including the killed worker's unfinished runs
        assert any(pid == second.process.pid for _, pid in tool_calls(tool_log))
        assert survivor_id != killed_id
        assert second.stop() == 0, second.stderr
    finally:
        for worker in workers:
            worker.stop()
