"""The run context: what a tool, an instruction function or a hook knows about its run.

A tool whose first parameter is typed ``RunContext[Deps]`` receives it (it never appears in the
tool's schema), so tools reach a database handle or the user's id through ``ctx.deps`` with
mypy checking the type, instead of through globals::

    @tool
    async def orders(ctx: RunContext[Deps], limit: int = 5) -> list[dict]:
        return await ctx.deps.db.orders(ctx.deps.user_id, limit)
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic

from typing_extensions import TypeVar

from agenticraft.core.messages import Message, ToolCall, Usage

if TYPE_CHECKING:
    from agenticraft.core.events import RunEvent
    from agenticraft.core.provider import StreamingProvider

__all__ = ["DepsT", "RunContext", "current_parent_run", "enclosing_run"]

DepsT = TypeVar("DepsT", default=None)
"""The type of a run's ``deps`` (``None`` when an agent declares no ``deps_type``)."""


@dataclass(slots=True)
class RunContext(Generic[DepsT]):
    """One run as its tools, instructions and hooks see it.

    ``deps`` is what was passed as ``deps=`` to ``run`` / ``arun`` / ``stream``; ``turn`` the
    number of the current model turn (0 before the first); ``usage`` the tokens used so far;
    ``messages`` the conversation as the model last saw it; ``tool_call`` and ``retry`` the call
    being run and how many times this tool has failed in this run before it; ``provider`` the
    provider the run's turns are sent to; ``parent_run_id`` the run this one is part of (the
    run whose tool started it, or the reasoning run whose model call it is), else ``None``.

    A tool may stream events of its own into the run's stream with :meth:`emit` (an agent
    called as a tool streams its run's events this way, as
    :class:`~agenticraft.core.events.NestedChunk`).
    """

    deps: DepsT
    run_id: str = ""
    conversation_id: str | None = None
    agent_name: str = ""
    turn: int = 0
    usage: Usage = field(default_factory=Usage)
    requests: int = 0
    tool_calls: int = 0
    messages: list[Message] = field(default_factory=list)
    tool_call: ToolCall | None = None
    retry: int = 0
    provider: StreamingProvider | None = None
    parent_run_id: str | None = None
    event_sink: Callable[[RunEvent], None] | None = field(default=None, repr=False, compare=False)

    def emit(self, event: RunEvent) -> None:
        """Stream ``event`` in this run's stream now (tagged with the run's id and turn); a no-op
        where nothing listens (outside a tool call)."""
        sink = self.event_sink
        if sink is not None:
            event.run_id = self.run_id
            event.turn = self.turn
            sink(event)


enclosing_run: ContextVar[str | None] = ContextVar("agenticraft_enclosing_run", default=None)
"""The id of the run whose work is going on in this task: set in each tool call's task and in a
reasoning pattern's task, so a run started there knows its ``parent_run_id``."""


def current_parent_run() -> str | None:
    """The run a run started now is part of (:data:`enclosing_run`)."""
    return enclosing_run.get()
