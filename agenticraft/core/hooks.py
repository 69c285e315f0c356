"""Hooks: observers of a run, and wrappers that can replace its work.

Subclass :class:`RunHooks` and override what you need; every method is an async no-op. The
observers are called in the order the hooks were given: ``on_run_start``, then per model turn
``on_turn_start`` / ``on_turn_end``, per tool call ``on_tool_start`` / ``on_tool_end``, and
``on_run_end`` once whatever way the run ends (answer, error, ``break``, cancellation), with the
error when there was one. A hook that raises fails the run: it is never a silent log line.

The two wrappers are for durable execution and caching. :meth:`RunHooks.wrap_model_turn` is given
the request and a ``handler`` that streams the turn, and returns the turn's provider events (it
may replay recorded ones instead of calling the handler); :meth:`RunHooks.wrap_tool_call` is
given the call and a ``handler`` that runs it, and returns its :class:`ToolOutcome`. The first
hook given is the outermost wrapper. A hook that overrides nothing costs nothing per chunk.

Process-wide hooks (:func:`add_global_hooks`) join every agent's runs, outside the agent's own
hooks; instrumentation installs itself this way (``agenticraft.telemetry.instrument()``), and
``Agent(instrument=False)`` leaves them out of that agent's runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from agenticraft.core.context import RunContext
from agenticraft.core.events import ProviderEvent
from agenticraft.core.messages import ToolCall, ToolResult
from agenticraft.core.provider import ModelRequest
from agenticraft.core.tools import ToolOutcome

if TYPE_CHECKING:
    from agenticraft.core.accumulator import ModelTurn
    from agenticraft.core.response import AgentResponse

__all__ = [
    "HookChain",
    "ModelTurnHandler",
    "RunHooks",
    "ToolCallHandler",
    "add_global_hooks",
    "global_hooks",
    "remove_global_hooks",
]

ModelTurnHandler = Callable[[ModelRequest], AsyncIterator[ProviderEvent]]
ToolCallHandler = Callable[[ToolCall], Awaitable[ToolOutcome]]


class RunHooks:
    """Override any of these; the defaults do nothing."""

    async def on_run_start(self, ctx: RunContext[Any]) -> None:
        """The run starts (toolsets are entered, nothing is sent yet)."""

    async def on_turn_start(self, ctx: RunContext[Any], request: ModelRequest) -> None:
        """A model turn is about to be requested."""

    async def on_turn_end(self, ctx: RunContext[Any], turn: ModelTurn) -> None:
        """A model turn finished streaming (``turn.message``, ``turn.usage``, ``turn.stop_reason``)."""

    async def on_tool_start(self, ctx: RunContext[Any], call: ToolCall) -> None:
        """A tool call is about to run (``ctx.tool_call`` is the call)."""

    async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: ToolResult) -> None:
        """A tool call finished; ``result.is_error`` when it failed."""

    async def on_run_end(
        self, ctx: RunContext[Any], response: AgentResponse, error: BaseException | None
    ) -> None:
        """The run ended: ``response`` is final, or partial when ``error`` is set or the run was
        broken off (``response.interrupted``)."""

    def wrap_model_turn(
        self, ctx: RunContext[Any], request: ModelRequest, handler: ModelTurnHandler
    ) -> AsyncIterator[ProviderEvent]:
        """The provider events of one model turn; by default ``handler(request)``."""
        return handler(request)

    async def wrap_tool_call(
        self, ctx: RunContext[Any], call: ToolCall, handler: ToolCallHandler
    ) -> ToolOutcome:
        """The outcome of one tool call; by default ``await handler(call)``."""
        return await handler(call)


def _overrides(hook: RunHooks, name: str) -> bool:
    return getattr(type(hook), name) is not getattr(RunHooks, name)


class HookChain:
    """The hooks of a run, sorted by what each one overrides, so the loop asks only those."""

    __slots__ = (
        "model_wrappers",
        "run_end",
        "run_start",
        "tool_end",
        "tool_start",
        "tool_wrappers",
        "turn_end",
        "turn_start",
    )

    def __init__(self, hooks: Sequence[RunHooks]) -> None:
        def which(name: str) -> list[RunHooks]:
            return [h for h in hooks if _overrides(h, name)]

        self.run_start = which("on_run_start")
        self.turn_start = which("on_turn_start")
        self.turn_end = which("on_turn_end")
        self.tool_start = which("on_tool_start")
        self.tool_end = which("on_tool_end")
        self.run_end = which("on_run_end")
        self.model_wrappers = which("wrap_model_turn")
        self.tool_wrappers = which("wrap_tool_call")

    def model_turn(self, ctx: RunContext[Any], handler: ModelTurnHandler) -> ModelTurnHandler:
        """``handler`` inside every model-turn wrapper, the first hook outermost."""
        for hook in reversed(self.model_wrappers):
            handler = _bind_turn(hook, ctx, handler)
        return handler

    def tool_call(self, ctx: RunContext[Any], handler: ToolCallHandler) -> ToolCallHandler:
        """``handler`` inside every tool-call wrapper, the first hook outermost."""
        for hook in reversed(self.tool_wrappers):
            handler = _bind_tool(hook, ctx, handler)
        return handler


def _bind_turn(hook: RunHooks, ctx: RunContext[Any], inner: ModelTurnHandler) -> ModelTurnHandler:
    return lambda request: hook.wrap_model_turn(ctx, request, inner)


def _bind_tool(hook: RunHooks, ctx: RunContext[Any], inner: ToolCallHandler) -> ToolCallHandler:
    return lambda call: hook.wrap_tool_call(ctx, call, inner)


_global_hooks: tuple[RunHooks, ...] = ()


def add_global_hooks(*hooks: RunHooks) -> None:
    """Add hooks to every run of every agent (except ``Agent(instrument=False)``), outside
    the agent's own hooks. A hook already added is not added twice."""
    global _global_hooks
    _global_hooks = (*_global_hooks, *(h for h in hooks if h not in _global_hooks))


def remove_global_hooks(*hooks: RunHooks) -> None:
    """Remove hooks added by :func:`add_global_hooks` (runs already started keep them)."""
    global _global_hooks
    _global_hooks = tuple(h for h in _global_hooks if h not in hooks)


def global_hooks() -> tuple[RunHooks, ...]:
    """The process-wide hooks, in the order they were added."""
    return _global_hooks
