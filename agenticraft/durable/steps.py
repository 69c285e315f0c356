"""Model turns and tool calls as durable steps, through the core's two wrappers.

:class:`DurableHooks` overrides :meth:`~agenticraft.core.hooks.RunHooks.wrap_model_turn` and
:meth:`~agenticraft.core.hooks.RunHooks.wrap_tool_call`. Outside a durable run they hand the
work to the handler untouched; inside one (a :class:`RunScope` is set for the run's id) each
model turn is a step recording the turn's provider events, and each tool call a step
recording its :class:`~agenticraft.core.tools.ToolOutcome`. A resumed run gets the recorded
values, so a recorded turn or call is never executed again and the loop, fed the same events,
rebuilds the same run (and streams the same events again).

A model turn streams live while its step runs: the step collects the events and the wrapper
yields each one as it arrives, so durability costs one record per turn, not one per chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from agenticraft.core.context import RunContext
from agenticraft.core.events import ProviderEvent
from agenticraft.core.hooks import ModelTurnHandler, RunHooks, ToolCallHandler
from agenticraft.core.messages import ToolCall
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.core.tools import ToolOutcome
from agenticraft.durable.engine import DurableEngine
from agenticraft.durable.errors import DurableDefinitionChangedError, DurableToolInterruptedError
from agenticraft.durable.records import (
    check_recordable,
    events_from_record,
    events_record,
    fingerprint,
    outcome_from_record,
    outcome_record,
)

__all__ = ["DurableHooks", "RunScope", "current_scope"]

_scope: ContextVar[RunScope | None] = ContextVar("agenticraft_durable_scope", default=None)
_END = object()


def current_scope() -> RunScope | None:
    """The durable run executing in this task, if any."""
    return _scope.get()


@dataclass(slots=True)
class RunScope:
    """One execution of one durable agent run: its engine and what the turns told it."""

    engine: DurableEngine
    run_id: str
    definitions: dict[str, ToolDefinition] = field(default_factory=dict)

    def enter(self) -> Any:
        return _scope.set(self)

    @staticmethod
    def leave(token: Any) -> None:
        _scope.reset(token)

    async def model_turn(
        self, ctx: RunContext[Any], request: ModelRequest, handler: ModelTurnHandler
    ) -> AsyncIterator[ProviderEvent]:
        digest = fingerprint(request)
        self.definitions = {t.name: t for t in request.tools}
        live: asyncio.Queue[Any] = asyncio.Queue()
        ran = False

        async def turn() -> dict[str, Any]:
            nonlocal ran
            ran = True
            events: list[ProviderEvent] = []
            stream = handler(request)
            try:
                async for event in stream:
                    events.append(event)
                    live.put_nowait(event)
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
            return {"fingerprint": digest, "events": events_record(events)}

        step = asyncio.ensure_future(self.engine.step(f"model_turn:{ctx.turn}", turn, preemptible=True))
        step.add_done_callback(lambda _: live.put_nowait(_END))
        try:
            while (item := await live.get()) is not _END:
                yield item
            record = step.result()  # the turn's error, recorded or not, is raised here
            if not ran:  # recorded by an earlier execution: replay it
                if record["fingerprint"] != digest:
                    raise DurableDefinitionChangedError(
                        f"durable run {self.run_id!r} was recorded with other instructions or tools "
                        f"(model turn {ctx.turn}): resume it with the agent definition it started "
                        "with, or start a new run_id"
                    )
                for event in events_from_record(record["events"]):
                    yield event
        finally:
            if not step.done():
                step.cancel()
                with contextlib.suppress(BaseException):
                    await step

    async def tool_call(self, ctx: RunContext[Any], call: ToolCall, handler: ToolCallHandler) -> ToolOutcome:
        definition = self.definitions.get(call.name)
        interrupted = False
        if definition is not None and not definition.idempotent:
            fresh = False

            async def started() -> bool:
                nonlocal fresh
                fresh = True
                return True

            await self.engine.step(f"tool_start:{call.name}:{call.id}", started)
            interrupted = not fresh  # it started in an execution that never recorded its end

        async def run() -> dict[str, Any]:
            if interrupted:
                raise DurableToolInterruptedError(
                    f"durable run {self.run_id!r}: the call {call.id!r} of the non-idempotent tool "
                    f"{call.name!r} (arguments {call.arguments}) started before the run was "
                    "interrupted and its result was never recorded; it may or may not have taken "
                    "effect, so it is not run again"
                )
            outcome = await handler(call)
            check_recordable(call.name, outcome.value)
            return outcome_record(outcome)

        return outcome_from_record(await self.engine.step(f"tool:{call.name}:{call.id}", run))


class DurableHooks(RunHooks):
    """The step wrappers of durable runs; a no-op outside one (the agent's plain runs)."""

    def wrap_model_turn(
        self, ctx: RunContext[Any], request: ModelRequest, handler: ModelTurnHandler
    ) -> AsyncIterator[ProviderEvent]:
        scope = _scope.get()
        if scope is None or scope.run_id != ctx.run_id:  # a plain run, or one nested in a call
            return handler(request)
        return scope.model_turn(ctx, request, handler)

    async def wrap_tool_call(
        self, ctx: RunContext[Any], call: ToolCall, handler: ToolCallHandler
    ) -> ToolOutcome:
        scope = _scope.get()
        if scope is None or scope.run_id != ctx.run_id:
            return await handler(call)
        return await scope.tool_call(ctx, call, handler)
