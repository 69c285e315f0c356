"""DurableAgent: an agent whose runs survive the process, keyed by ``run_id``.

A run is a workflow of the engine (DBOS) whose steps are the run's model turns and tool calls
(:mod:`agenticraft.durable.steps`). Its input is the prompt and the history you give, never
the agent's memory: a memory that lived in a dead process would not be there to resume from.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Sequence
from types import TracebackType
from typing import Any

from agenticraft.core.agent import Agent, Prompt
from agenticraft.core.capabilities import Capability
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.events import DoneChunk, RunEvent
from agenticraft.core.messages import Message, message_from_dict, message_to_dict
from agenticraft.core.response import AgentResponse
from agenticraft.core.sync import run_sync
from agenticraft.durable.dbos_engine import engine as default_engine
from agenticraft.durable.engine import DurableEngine, run_key
from agenticraft.durable.errors import DurableCancelledError, DurableError
from agenticraft.durable.live import END, channels
from agenticraft.durable.steps import DurableHooks, RunScope

__all__ = ["DurableAgent", "DurableStream", "run_payload"]

_agents: dict[str, DurableAgent] = {}


def run_payload(
    prompt: Prompt | None, *, history: Sequence[Message] | None = None, deps: Any = None
) -> dict[str, Any]:
    """The input of a durable run as the engine records it: plain JSON, so a process that does
    not have the agent (a queue client) can make it from the agent's name alone."""
    message = prompt if isinstance(prompt, Message) or prompt is None else Message.user(prompt)
    return {
        "prompt": None if message is None else message_to_dict(message),
        "history": [message_to_dict(m) for m in history or ()],
        "deps": deps,
    }


class DurableAgent:
    """Runs of ``agent`` that resume after a crash, registered as ``name``::

        durable = DurableAgent(agent, name="support")
        result = await durable.arun("Refund order 123", run_id="refund-123")

    Run again with the same ``run_id`` after the process died and the run goes on where it was:
    recorded model turns and tool calls are not repeated. A finished run's ``run_id`` gives its
    recorded response. ``name`` must be unique in the process and the same in every process
    that may resume or dequeue the run. The agent gets a capability whose hooks are the step
    wrappers; its plain runs (``agent.run``) are unchanged.
    """

    def __init__(self, agent: Agent[Any], *, name: str, engine: DurableEngine | None = None) -> None:
        if not name:
            raise ConfigurationError("a durable agent needs a name= (unique in the process)")
        other = _agents.get(name)
        if other is not None and other.agent is not agent:
            raise ConfigurationError(f"a durable agent named {name!r} is already registered")
        self.agent: Agent[Any] = agent
        self.name = name
        self.engine: DurableEngine = engine if engine is not None else default_engine
        if not any(isinstance(h, DurableHooks) for c in agent.capabilities for h in c.hooks):
            agent.capabilities.append(Capability(hooks=[DurableHooks()]))
        self.engine.register_runner("agent", _run_agent)
        _agents[name] = self

    def __repr__(self) -> str:
        return f"DurableAgent({self.agent!r}, name={self.name!r})"

    def payload(
        self, prompt: Prompt | None, *, history: Sequence[Message] | None = None, deps: Any = None
    ) -> dict[str, Any]:
        """The input of a run as the engine records it (what a queue enqueues)."""
        return run_payload(prompt, history=history, deps=deps)

    def stream(
        self,
        prompt: Prompt | None = None,
        *,
        run_id: str | None = None,
        history: Sequence[Message] | None = None,
        deps: Any = None,
    ) -> DurableStream:
        """Stream run ``run_id`` (default: a new id): its events live; a resumed run first
        replays the events of what was recorded, then streams the rest."""
        return DurableStream(self, run_key(run_id), self.payload(prompt, history=history, deps=deps))

    async def arun(
        self,
        prompt: Prompt | None = None,
        *,
        run_id: str | None = None,
        history: Sequence[Message] | None = None,
        deps: Any = None,
    ) -> AgentResponse:
        """Run (or resume, or fetch the finished) run ``run_id`` to its end."""
        async with self.stream(prompt, run_id=run_id, history=history, deps=deps) as handle:
            async for _ in handle:
                pass
        return handle.response

    def run(
        self,
        prompt: Prompt | None = None,
        *,
        run_id: str | None = None,
        history: Sequence[Message] | None = None,
        deps: Any = None,
    ) -> AgentResponse:
        """:meth:`arun` from synchronous code."""
        return run_sync(self.arun(prompt, run_id=run_id, history=history, deps=deps))

    async def result(self, run_id: str) -> AgentResponse:
        """Wait for run ``run_id`` (running anywhere) to end, and return its response."""
        return AgentResponse.from_dict(await self.engine.result(run_id))

    async def cancel(self, run_id: str) -> None:
        """Cancel run ``run_id`` wherever it runs; running it again resumes it."""
        await self.engine.cancel(run_id)


async def _run_agent(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The runner of durable agent runs: the run, in the engine, as the agent's own stream."""
    durable = _agents.get(name)
    if durable is None:
        known = ", ".join(sorted(_agents)) or "none"
        raise ConfigurationError(f"no durable agent named {name!r} in this process (registered: {known})")
    run_id = durable.engine.current_run() or ""
    prompt = payload.get("prompt")
    channel = channels.get(run_id)
    channel.begin()
    scope = RunScope(durable.engine, run_id)
    token = scope.enter()
    try:
        async with durable.agent.stream(
            None if prompt is None else message_from_dict(prompt),
            history=[message_from_dict(m) for m in payload.get("history", ())],
            deps=payload.get("deps"),
            run_id=run_id,
        ) as handle:
            async for event in handle:
                channel.publish(event)
        if not handle.finished:
            raise DurableCancelledError(f"durable run {run_id!r} stopped before it finished")
        return handle.response.to_dict()
    finally:
        RunScope.leave(token)
        if channel.end():
            channels.release(run_id, channel)


class DurableStream:
    """One streamed durable run: an async iterator of run events and an async context manager.

    ``break`` or ``aclose()`` stops reading, not the run (it goes on where it executes);
    :meth:`cancel` cancels the run itself (the engine's cancel: it stops at its next step, and
    running the same ``run_id`` again resumes it). ``response`` is the final response once the
    stream ended.
    """

    def __init__(self, durable: DurableAgent, run_id: str, payload: dict[str, Any]) -> None:
        self.durable = durable
        self.run_id = run_id
        self._payload = payload
        self._events: AsyncGenerator[RunEvent, None] = self._run()
        self._response: AgentResponse | None = None
        self._cancelled = False
        self._cancelling: asyncio.Future[Any] | None = None
        self._queue: asyncio.Queue[Any] = asyncio.Queue()

    def __aiter__(self) -> DurableStream:
        return self

    async def __anext__(self) -> RunEvent:
        if self._cancelled:
            await self.aclose()
            raise StopAsyncIteration
        return await self._events.__anext__()

    async def __aenter__(self) -> DurableStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._events.aclose()
        if self._cancelling is not None:  # the engine's cancel is written before we return,
            with contextlib.suppress(Exception):  # so running the run_id again resumes it
                await asyncio.shield(self._cancelling)

    def cancel(self) -> None:
        """Cancel the run (the engine's cancel); the stream ends at its next event."""
        if self._cancelled or self._response is not None:
            return
        self._cancelled = True
        self._queue.put_nowait(_Cancelled())  # a consumer waiting for the next event stops now
        task = self._cancelling = asyncio.ensure_future(self.durable.engine.cancel(self.run_id))
        _background.add(task)
        task.add_done_callback(_settled)

    @property
    def response(self) -> AgentResponse:
        """The final response (after the stream ended)."""
        if self._response is None:
            raise DurableError(f"durable run {self.run_id!r} has not finished in this stream")
        return self._response

    @property
    def finished(self) -> bool:
        return self._response is not None

    async def _run(self) -> AsyncGenerator[RunEvent, None]:
        engine, run_id = self.durable.engine, self.run_id
        queue = self._queue
        channel = channels.get(run_id)
        channel.subscribe(queue)
        waiter: asyncio.Future[Any] | None = None
        try:
            await engine.start("agent", self.durable.name, run_id, self._payload)
            waiter = asyncio.ensure_future(engine.result(run_id))
            waiter.add_done_callback(lambda _: queue.put_nowait(_Ended()))
            done: DoneChunk | None = None
            while True:
                item = await queue.get()
                if isinstance(item, _Cancelled):
                    return
                if isinstance(item, _Ended):
                    data = waiter.result()  # the run's error is raised here
                    if done is None:  # it ran elsewhere: its recorded response
                        self._response = AgentResponse.from_dict(data)
                        yield DoneChunk(self._response, run_id=run_id)
                    return
                if item is END:
                    continue  # this execution ended: its result follows
                if isinstance(item, DoneChunk):
                    # the answer is complete; the stream ends once the engine recorded the run
                    done = item
                    self._response = item.response
                yield item
        finally:
            if waiter is not None and not waiter.done():
                waiter.cancel()  # only the wait: the engine's result is shielded from it
            if channel.unsubscribe(queue):
                channels.release(run_id, channel)


class _Ended:
    """The engine reported the end of the run."""


class _Cancelled:
    """``cancel()`` was called: the stream ends."""


_background: set[asyncio.Future[Any]] = set()  # cancellations in flight (kept from the GC)


def _settled(task: asyncio.Future[Any]) -> None:
    _background.discard(task)
    if not task.cancelled():
        task.exception()  # a run that never started cannot be cancelled: nothing to report
