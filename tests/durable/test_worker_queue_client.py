"""``RunQueue`` and ``run_worker`` in one process on a real PostgreSQL: a run enqueued by name is
run by the worker; a run on a queue no worker listens to waits, and can be cancelled; a database
no durable process has set up, and a run id that does not exist, are typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from agenticraft import Agent, tool
from agenticraft.core.messages import Message
from agenticraft.durable import DurableAgent, DurableCancelledError, DurableDatabaseError, DurableError
from agenticraft.durable.queue import RunQueue
from agenticraft.durable.worker import run_worker
from agenticraft.testing import FunctionModel, ToolCall


@tool
def refund(order: int) -> str:
    """Refund an order.

    Args:
        order: The order number.
    """
    return f"refunded {order}"


first_turns: list[list[str]] = []  # the roles each run's first model turn saw


def model(messages, tools):  # type: ignore[no-untyped-def]
    if messages[-1].role == "user":
        first_turns.append([m.role for m in messages])
    if messages[-1].role == "tool":
        return f"Done: {messages[-1].results[0].content}."
    return [ToolCall("refund", {"order": 7})]


durable = DurableAgent(
    Agent(name="clerk", model=FunctionModel(model), tools=[refund]), name="queue-client-clerk"
)


@pytest.fixture
async def worker(postgres_database: str) -> AsyncIterator[str]:
    """An in-process worker on the test's database; its URL."""
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_worker([durable], postgres_database, poll_interval=0.1, stop=stop, on_ready=lambda _: ready.set())
    )
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # the worker failed to start: its error
    yield postgres_database
    stop.set()
    await task


async def test_a_run_enqueued_by_name_or_agent_is_run_by_the_worker(worker: str) -> None:
    async with RunQueue(worker) as queue:
        by_name = await queue.enqueue("queue-client-clerk", "Refund order 7", run_id="by-name")
        by_agent = await queue.enqueue(durable, "Refund order 7", run_id="by-agent", priority=1)
        assert (await by_name.result()).content == "Done: refunded 7."
        assert (await by_agent.result()).content == "Done: refunded 7."
        assert await queue.handle("by-name").status() == "SUCCESS"
        earlier = [Message.user("My order is 7."), Message.assistant("Noted.")]
        first_turns.clear()
        with_history = await queue.enqueue("queue-client-clerk", "Refund it", run_id="h", history=earlier)
        assert (await with_history.result()).content == "Done: refunded 7."
        assert first_turns == [["user", "assistant", "user"]]


async def test_a_run_no_worker_listens_for_waits_and_can_be_cancelled(worker: str) -> None:
    async with RunQueue(worker, name="nobody-listens") as queue:
        handle = await queue.enqueue("queue-client-clerk", "Refund order 7", run_id="waits")
        assert await handle.status() == "ENQUEUED"
        await handle.cancel()
        assert await handle.status() == "CANCELLED"
        with pytest.raises(DurableCancelledError, match="'waits' was cancelled"):
            await handle.result()
        with pytest.raises(DurableError, match="no durable run 'missing'"):
            await queue.handle("missing").status()


async def test_a_database_no_durable_process_set_up_is_a_typed_error(postgres_database: str) -> None:
    async with RunQueue(postgres_database) as queue:
        with pytest.raises(DurableDatabaseError, match="holds no durable runs yet: start a worker"):
            await queue.enqueue("queue-client-clerk", "Refund order 7")


async def test_a_worker_needs_agents_and_sane_limits(postgres_database: str) -> None:
    with pytest.raises(DurableError, match="at least one DurableAgent"):
        await run_worker([], postgres_database)
    with pytest.raises(DurableError, match="concurrency must be at least 1"):
        await run_worker([durable], postgres_database, concurrency=0)
