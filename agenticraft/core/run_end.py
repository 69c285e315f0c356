"""The run's end condition: after each model turn, is the run over, and with what output?

The loop asks its :class:`RunEnd` three things. :meth:`RunEnd.prepare` may change each turn's
request (add output tools, say what output the turn must give). :meth:`RunEnd.watch`, when a
subclass defines it, sees every event of a turn as it streams and may add events (partial
output). :meth:`RunEnd.judge` decides after the turn: a :class:`TurnVerdict` ends the run with
an output, answers some tool calls itself, or sends the model feedback and goes on.

The default ``RunEnd`` ends the run at the first turn without tool calls, with that
turn's text as the output. Typed output (:mod:`agenticraft.core.output`) is another ``RunEnd``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agenticraft.core.context import RunContext
from agenticraft.core.events import RunEvent
from agenticraft.core.messages import Message, ToolResult
from agenticraft.core.provider import ModelRequest

if TYPE_CHECKING:
    from agenticraft.core.accumulator import ModelTurn
    from agenticraft.core.toolsets import ResolvedTool

__all__ = ["RunEnd", "TurnVerdict"]


@dataclass(slots=True)
class TurnVerdict:
    """What the end condition decided about one model turn.

    ``done``: the run ends after this turn with ``output``. ``answered``: results the end
    condition gives for some of the turn's tool calls by id (an output tool's call, or a call
    left unrun because the run ends); the loop runs the other calls. ``feedback``: a message for
    the model before its next turn (what was wrong with its output). ``events`` are yielded
    before the run goes on or ends.
    """

    done: bool = False
    output: Any = None
    answered: Mapping[str, ToolResult] = field(default_factory=dict)
    feedback: Message | None = None
    events: Iterable[RunEvent] = ()


class RunEnd:
    """Decides when a run is over. The default ends at the first turn with no tool calls."""

    #: set by a subclass to see each event of a turn as it streams (None: nothing to see,
    #: which costs nothing per chunk)
    watch: Callable[[RunEvent], Iterable[RunEvent]] | None = None
    #: True when the output is a typed value (no value yet is ``None``, not the text so far)
    typed: bool = False

    def prepare(self, request: ModelRequest, tools: Mapping[str, ResolvedTool]) -> ModelRequest:
        """The request of the next turn (the default sends it as it is)."""
        return request

    async def judge(self, ctx: RunContext[Any], turn: ModelTurn) -> TurnVerdict:
        """Decide after a turn; the default is done when the model called no tool."""
        return TurnVerdict(done=not turn.tool_calls, output=turn.message.text)
