"""The lifecycle every streamed run shares (core/run_stream.py): one protocol for the agent's,
the reasoning pattern's and the workflow's streams, and one background-task stream whose stop
is the same whichever run it drives."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agenticraft import Agent
from agenticraft.core.agent_stream import AgentStream
from agenticraft.core.events import RunEvent, TextChunk
from agenticraft.core.run_stream import RunStream, TaskStream
from agenticraft.reasoning.stream import ReasoningStream
from agenticraft.testing import FunctionModel
from agenticraft.workflows import MemoryCheckpoint, StepStartChunk, Workflow, WorkflowStream


class _Counting(TaskStream):
    """Emits ``n`` text events, then waits on ``gate`` (if given) and fails with ``error``."""

    def __init__(self, n: int, gate: asyncio.Event | None = None, error: Exception | None = None) -> None:
        super().__init__()
        self.n, self.gate, self.error = n, gate, error
        self.stopped = False

    async def _run(self) -> str:
        try:
            for i in range(self.n):
                self._put(TextChunk(str(i)))
            if self.gate is not None:
                await self.gate.wait()
            if self.error is not None:
                raise self.error
            return "done"
        except asyncio.CancelledError:
            self.stopped = True
            raise


def test_the_three_streams_share_one_lifecycle() -> None:
    assert issubclass(AgentStream, RunStream)
    assert issubclass(ReasoningStream, TaskStream)
    assert issubclass(WorkflowStream, TaskStream)
    for cls in (AgentStream, ReasoningStream, WorkflowStream):
        # none writes its own copy of the protocol any more
        for name in ("__aiter__", "__aenter__", "__aexit__"):
            assert name not in vars(cls), (cls, name)
    for cls in (ReasoningStream, WorkflowStream):
        for name in ("__anext__", "aclose", "cancel", "__del__"):
            assert name not in vars(cls), (cls, name)


def test_a_task_stream_yields_in_order_and_raises_the_runs_error_at_the_end() -> None:
    async def main() -> list[str]:
        seen: list[str] = []
        stream = _Counting(3, error=ValueError("boom"))
        with pytest.raises(ValueError, match="boom"):
            async with stream:
                async for event in stream:
                    assert isinstance(event, TextChunk)
                    seen.append(event.content)
        return seen

    assert asyncio.run(main()) == ["0", "1", "2"]


def test_cancel_before_the_first_event_never_starts_the_run() -> None:
    async def main() -> list[RunEvent]:
        stream = _Counting(3)
        stream.cancel()
        return [e async for e in stream]

    assert asyncio.run(main()) == []


def test_cancel_while_running_ends_the_iteration_quietly_and_stops_the_run() -> None:
    async def main() -> tuple[list[RunEvent], bool]:
        stream = _Counting(2, gate=asyncio.Event())
        seen: list[RunEvent] = []
        async for event in stream:
            seen.append(event)
            if len(seen) == 2:
                stream.cancel()
        return seen, stream.stopped

    seen, stopped = asyncio.run(main())
    assert len(seen) == 2 and stopped


def test_aclose_from_another_task_ends_a_workflow_consumer_quietly() -> None:
    wf = Workflow("wait", checkpoint=MemoryCheckpoint())
    started = asyncio.Event()

    @wf.step
    async def forever(ctx: Any) -> str:
        started.set()
        await asyncio.Event().wait()
        return "never"

    async def main() -> str:
        stream = wf.stream()

        async def consume() -> int:
            return len([e async for e in stream])

        consumer = asyncio.ensure_future(consume())
        await started.wait()
        await stream.aclose()
        await consumer  # no CancelledError
        return stream.result.steps["forever"].status

    assert asyncio.run(main()) == "cancelled"


def test_a_workflow_stream_can_be_cancelled_like_the_others() -> None:
    wf = Workflow("wait", checkpoint=MemoryCheckpoint())

    @wf.step
    async def forever(ctx: Any) -> str:
        await asyncio.Event().wait()
        return "never"

    async def main() -> str:
        async with wf.stream() as stream:
            async for event in stream:
                if isinstance(event, StepStartChunk):
                    stream.cancel()
        return stream.result.steps["forever"].status

    assert asyncio.run(main()) == "cancelled"


def test_an_agent_stream_closes_on_leaving_async_with() -> None:
    agent = Agent(model=FunctionModel(lambda messages, info: "hello there"))

    async def main() -> AgentStream:
        async with agent.stream("hi") as stream:
            async for _ in stream:
                break
        return stream

    stream = asyncio.run(main())
    assert stream.interrupted and not stream.finished
