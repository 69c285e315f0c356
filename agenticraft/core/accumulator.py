"""Deltas into parts: the one place where streamed fragments become a complete message.

Every provider feeds its events through :class:`TurnAccumulator`. Text and thinking fragments
are appended to the current part of their kind; tool-call argument fragments are keyed by
the vendor's index (or id) with the repair rules real streams need:

- a fragment without index or id continues the most recent call;
- a fragment that repeats an index but brings a new id and a name starts a new call (servers
  that number every parallel call 0), and so does one that repeats an id at a new index with a
  name, or names another tool than its call (servers that give every parallel call one id);
  a repeated id is made unique, since results are matched to calls by id;
- a call that never got an id gets a stable one (``call_<turn>_<n>``);
- arguments that are empty mean ``{}``; arguments that are not a JSON object are kept raw with
  an ``arguments_error`` so the run can tell the model, never crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, assert_never

from agenticraft.core.events import (
    ProviderEvent,
    RunEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import (
    Message,
    OpaquePart,
    Part,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolCallPart,
    Usage,
    sendable,
    sendable_text,
)

if TYPE_CHECKING:
    from agenticraft.core.provider import ModelRequest, StreamingProvider

__all__ = ["ModelTurn", "TurnAccumulator", "drain_turn", "parse_arguments"]


@dataclass(slots=True)
class ModelTurn:
    """One complete model turn."""

    message: Message
    usage: Usage = field(default_factory=Usage)
    stop_reason: str = "end_turn"
    raw_stop_reason: str | None = None
    model: str = ""
    response_id: str | None = None  # the provider's id of the response, when it sent one

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.message.tool_calls


@dataclass(slots=True)
class _PendingCall:
    index: int | None
    id: str
    name: str
    fragments: list[str]
    part_position: int
    wire_id: str | None = None  # the id the provider sent, when it sent one (``id`` is unique)


def _unless_renamed(call: _PendingCall, event: ToolCallDeltaChunk) -> _PendingCall | None:
    """``call``, unless the fragment names another tool: then it starts a new call (servers
    that send every parallel call with one index and one id)."""
    if event.name and call.name and event.name != call.name:
        return None
    return call


def parse_arguments(raw: str) -> tuple[dict[str, object], str | None]:
    """Parse a tool call's argument JSON: (arguments, error or None)."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return {}, f"arguments are not valid JSON ({exc}): {raw[:200]}"
    except RecursionError:  # nested thousands deep: no tool takes that
        return {}, f"arguments are nested too deeply to read: {raw[:200]}"
    if not isinstance(value, dict):
        return {}, f"arguments must be a JSON object, got {type(value).__name__}: {raw[:200]}"
    return value, None


class TurnAccumulator:
    """Folds one model turn's provider events into a :class:`ModelTurn`.

    ``feed`` returns the events to pass on to the user (text and thinking pass through
    unchanged; tool-call fragments come back with ``id`` and ``name`` filled, preceded by a
    ``tool_call_start`` the first time a call is seen). ``finish`` returns the complete
    ``tool_call`` events and the turn.
    """

    def __init__(self, provider_name: str = "", turn: int = 0) -> None:
        self.provider_name = provider_name
        self.turn = turn
        self.parts: list[Part] = []
        self._text: list[str] | None = None  # fragments of the open text part
        self._thinking: list[str] | None = None
        self._signature: list[str] | None = None
        self._calls: list[_PendingCall] = []
        self.usage = Usage()
        self.stop_reason: str | None = None
        self.raw_stop_reason: str | None = None
        self.model = ""
        self.response_id: str | None = None
        self._redacted = False
        self._state: dict[str, Any] | None = None  # the provider's own state (see TurnEndChunk)

    # -- hot path -----------------------------------------------------------------------
    def add_text(self, text: str) -> int:
        """Append a text fragment; the position of its part in the turn's message."""
        if self._text is None:
            self._close_open()
            self._text = [text]
        else:
            self._text.append(text)
        return len(self.parts)  # the open part is the next one

    def feed(self, event: ProviderEvent) -> Iterable[RunEvent]:
        match event:
            case TextChunk():
                event.part = self.add_text(event.content)
                event.turn = self.turn
                return (event,)
            case ThinkingChunk():
                self._add_thinking(event)
                event.part = len(self.parts)
                event.turn = self.turn
                return (event,)
            case ToolCallDeltaChunk():
                return self._add_call_fragment(event)
            case UsageChunk():
                self.usage = event.usage
                return ()
            case TurnEndChunk():
                self.stop_reason = event.stop_reason
                self.raw_stop_reason = event.raw_stop_reason
                if event.model:
                    self.model = event.model
                if event.response_id:
                    self.response_id = event.response_id
                if event.usage.total_tokens:
                    self.usage = event.usage
                if event.provider_state:
                    self._state = dict(event.provider_state)
                return ()
            case _:
                assert_never(event)

    # -- parts --------------------------------------------------------------------------
    def _open_parts(self) -> list[Part]:
        """The parts still being streamed, as they stand."""
        parts: list[Part] = []
        if self._text is not None:
            parts.append(TextPart(sendable_text("".join(self._text))))
        if self._thinking is not None:
            signature = "".join(self._signature) if self._signature is not None else None
            parts.append(
                ThinkingPart(
                    sendable_text("".join(self._thinking)),
                    signature,
                    self.provider_name or None,
                    self._redacted,
                )
            )
        return parts

    def _close_open(self) -> None:
        if self._text is not None or self._thinking is not None:
            self.parts.extend(self._open_parts())
            self._text = None
            self._thinking = None
            self._signature = None

    def _add_thinking(self, event: ThinkingChunk) -> None:
        # A signature ends a block: new thinking text (or a redacted block) after it is the next
        # block. Anthropic sends adjacent thinking / redacted_thinking blocks, and each must go
        # back separately and unaltered.
        if (
            self._thinking is None
            or event.redacted != self._redacted
            or (self._signature is not None and (event.thinking or event.redacted))
        ):
            self._close_open()
            self._thinking = []
            self._redacted = event.redacted
        if event.thinking:
            self._thinking.append(event.thinking)
        if event.signature is not None:
            if self._signature is None:
                self._signature = []
            self._signature.append(event.signature)

    def _find_call(self, event: ToolCallDeltaChunk) -> _PendingCall | None:
        calls = self._calls
        if event.index is None and event.id is None:
            return calls[-1] if calls else None
        if event.id is not None:
            same_id = [c for c in calls if c.wire_id == event.id]
            if same_id:
                if event.index is not None:
                    for call in reversed(same_id):
                        if call.index == event.index:
                            return _unless_renamed(call, event)
                    if event.name:  # the id again at another index, named: servers that reuse one id
                        return None
                return _unless_renamed(same_id[-1], event)
        if event.index is not None:
            for call in reversed(calls):
                if call.index == event.index:
                    # a new id with a name starts a new call that reuses the index; a bare id
                    # names a call that arrived without one
                    if event.id is not None and (event.name is not None or call.wire_id is not None):
                        return None
                    return _unless_renamed(call, event)
        return None

    def _add_call_fragment(self, event: ToolCallDeltaChunk) -> list[RunEvent]:
        call = self._find_call(event)
        out: list[RunEvent] = []
        if call is None:
            self._close_open()
            index = event.index if event.index is not None else len(self._calls)
            call_id = event.id or f"call_ac_{self.turn}_{len(self._calls)}"
            if any(c.id == call_id for c in self._calls):  # results are matched to calls by id
                call_id = f"{call_id}_{len(self._calls)}"
            call = _PendingCall(index, call_id, event.name or "", [], len(self.parts), event.id or None)
            self._calls.append(call)
            self.parts.append(ToolCallPart(ToolCall(call.name, id=call.id)))  # placeholder, filled in finish
            out.append(ToolCallStartChunk(call.id, call.name, index, part=call.part_position, turn=self.turn))
        else:
            if event.id and call.wire_id is None:
                call.id = call.wire_id = event.id
            if event.name and not call.name:
                call.name = event.name
        if event.arguments_delta:
            call.fragments.append(event.arguments_delta)
            out.append(
                ToolCallDeltaChunk(
                    event.arguments_delta,
                    call.index,
                    call.id,
                    call.name,
                    part=call.part_position,
                    turn=self.turn,
                )
            )
        return out

    # -- end of turn --------------------------------------------------------------------
    def finish(self, *, interrupted: bool = False) -> tuple[list[ToolCallChunk], ModelTurn]:
        """Close the turn: the complete tool-call events, and the turn itself.

        With ``interrupted``, only what was really received is kept: text and signed (or
        redacted) thinking; unfinished tool calls are dropped. An interrupted finish changes
        nothing, so it can be asked for while the turn is still streaming.
        """
        if interrupted:
            received = self.parts + self._open_parts()
        else:
            self._close_open()
            received = self.parts
        events: list[ToolCallChunk] = []
        parts: list[Part] = []
        calls_by_position = {c.part_position: c for c in self._calls}
        for position, part in enumerate(received):
            pending = calls_by_position.get(position)
            if pending is None:
                if interrupted and isinstance(part, ThinkingPart) and part.signature is None:
                    continue
                parts.append(part)
                continue
            if interrupted:
                continue
            raw = sendable_text("".join(pending.fragments))
            arguments, error = parse_arguments(raw)
            arguments = sendable(arguments)  # a "\\ud800" escape decodes to a lone surrogate
            call = ToolCall(pending.name, arguments, pending.id, raw, error)
            parts.append(ToolCallPart(call))
            events.append(
                ToolCallChunk(call.id, call.name, arguments, error, raw, part=position, turn=self.turn)
            )
        if self._state is not None and not interrupted:
            parts.append(OpaquePart(self.provider_name, self._state))
        stop = self.stop_reason or ("tool_use" if events else "end_turn")
        if interrupted:
            stop = "interrupted"
        message = Message("assistant", parts, interrupted=interrupted)
        return events, ModelTurn(
            message, self.usage, stop, self.raw_stop_reason, self.model, self.response_id
        )


async def drain_turn(provider: StreamingProvider, request: ModelRequest) -> ModelTurn:
    """One model turn, not streamed: the provider's stream drained through the accumulator."""
    acc = TurnAccumulator(provider.name)
    async with aclosing(provider.stream_turn(request)) as events:
        async for event in events:
            acc.feed(event)
    return acc.finish()[1]
