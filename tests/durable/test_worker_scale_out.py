"""Scale-out on a real PostgreSQL: two ``agenticraft worker`` processes share a queue of 50 runs,
one is SIGKILLed mid-way, and every run finishes once, on the local model server and a tool
that records its calls."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agenticraft.durable.queue import RunQueue
from agenticraft.testing.servers import RecordedRequest, ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events

APP = str(Path(__file__).with_name("worker_app.py")) + ":support"
RUNS = 50
CONCURRENCY = 5  # per worker: at most this many runs are in flight on the killed one


def _order(body: Any) -> int:
    first_user = next(m for m in body["messages"] if m["role"] == "user")
    return int(re.findall(r"\d+", json.dumps(first_user["content"]))[-1])


def model(request: RecordedRequest) -> ScriptedResponse:
    """A support model: a refund tool call for the order asked about, then a one-line answer."""
    body = request.json()
    order = _order(body)
    if body["messages"][-1]["role"] == "tool":
        events = openai_stream_events(f"Refunded order {order}.")
    else:
        events = openai_stream_events(
            tool_calls=[ScriptedToolCall("refund", {"order": order}, id=f"c{order}")]
        )
    return ScriptedResponse(200, {"content-type": "text/event-stream"}, events)


def turn_of(request: RecordedRequest) -> tuple[int, str]:
    body = request.json()
    return _order(body), "answer" if body["messages"][-1]["role"] == "tool" else "tool_call"


class Worker:
    """An ``agenticraft worker`` subprocess, with its stderr in a file."""

    def __init__(self, db: str, tmp: Path, name: str, env: dict[str, str]) -> None:
        self.log = tmp / f"{name}.stderr"
        argv = [sys.executable, "-m", "agenticraft.cli.main", "worker", APP, "--db", db]
        argv += ["--concurrency", str(CONCURRENCY), "--dead-after", "1.5", "--poll", "0.1"]
        with self.log.open("wb") as stderr:
            self.process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr)

    @property
    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30.0) -> str:
        """The worker's executor id, once it listens to the queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"agenticraft worker (\S+): running support", self.stderr)
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"the worker did not start (exit {self.process.poll()}):\n{self.stderr}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@pytest.fixture
def model_server() -> Iterator[OpenAIServer]:
    with OpenAIServer(handler=model) as server:
        yield server


def _env(model_server: OpenAIServer, tool_log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AGENTICRAFT_TEST_MODEL_URL=model_server.base_url,
        AGENTICRAFT_TEST_TOOL_LOG=str(tool_log),
        AGENTICRAFT_TEST_TOOL_SECONDS="0.15",
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")]),
    )
    return env


def _tool_calls(tool_log: Path) -> list[tuple[int, int]]:
    if not tool_log.exists():
        return []
    return [(int(a), int(b)) for a, b in (line.split() for line in tool_log.read_text().splitlines())]


async def test_two_workers_share_50_runs_and_a_killed_ones_runs_finish_on_the_other(
    postgres_database: str, model_server: OpenAIServer, tmp_path: Path
) -> None:
    tool_log = tmp_path / "refunds.log"
    env = _env(model_server, tool_log)
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
            while sum(pid == first.process.pid for _, pid in _tool_calls(tool_log)) < 2 * CONCURRENCY:
                assert time.monotonic() < deadline, f"the first worker did no work:\n{first.stderr}"
                await asyncio.sleep(0.02)
            first.process.send_signal(signal.SIGKILL)
            assert first.process.wait(timeout=10) == -signal.SIGKILL
            done_at_kill = len(_tool_calls(tool_log))
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
        tools = Counter(order for order, _ in _tool_calls(tool_log))
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
                pids = [pid for n, pid in _tool_calls(tool_log) if n == order]
                assert pids[0] == killed_pid, (order, pids)
        # the survivor ran the rest, including the killed worker's unfinished runs
        assert any(pid == second.process.pid for _, pid in _tool_calls(tool_log))
        assert survivor_id != killed_id
        assert second.stop() == 0, second.stderr
    finally:
        for worker in workers:
            worker.stop()
