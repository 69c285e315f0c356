"""In-process models for testing agents without a network: :class:`FunctionModel` and
:class:`ScriptedModel`. Both are real :class:`StreamingProvider` implementations, so the whole
run loop (streaming, tools, memory, interruption) is exercised exactly as with a real provider.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, ToolCall, Usage
from agenticraft.core.provider import ModelRequest, StreamingProvider, ToolDefinition

__all__ = ["FunctionModel", "ModelFunction", "Reply", "ScriptedModel", "ScriptedTurn"]


@dataclass(slots=True)
class ScriptedTurn:
    """One model turn to play: optional thinking, text, tool calls, and an error raised
    mid-stream after the text (to test failures that keep the partial answer)."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    thinking: str = ""
    thinking_signature: str | None = None
    error: BaseException | None = None
    raw_arguments: dict[int, str] = field(default_factory=dict)
    stop_reason: str | None = None


Reply = str | ToolCall | list[ToolCall] | ScriptedTurn | BaseException
ModelFunction = Callable[[list[Message], list[ToolDefinition]], Reply | Awaitable[Reply]]


def _as_turn(reply: Reply) -> ScriptedTurn:
    if isinstance(reply, ScriptedTurn):
        return reply
    if isinstance(reply, str):
        return ScriptedTurn(text=reply)
    if isinstance(reply, ToolCall):
        return ScriptedTurn(tool_calls=[reply])
    if isinstance(reply, BaseException):
        return ScriptedTurn(error=reply)
    if isinstance(reply, list) and all(isinstance(c, ToolCall) for c in reply):
        return ScriptedTurn(tool_calls=list(reply))
    raise TypeError(f"a model reply must be a str, ToolCall(s), ScriptedTurn or exception, got {reply!r}")


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class _PlayedModel(StreamingProvider):
    """Plays :class:`ScriptedTurn` objects as provider events, in chunks of ``chunk_size``
    characters, with an optional ``delay`` (seconds) before each chunk."""

    def __init__(self, *, chunk_size: int = 4, delay: float = 0.0, model: str = "") -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.chunk_size = chunk_size
        self.delay = delay
        self.model = model or self.name
        self.requests: list[ModelRequest] = []
        self.streams_opened = 0
        self.streams_closed = 0

    @property
    def open_streams(self) -> int:
        return self.streams_opened - self.streams_closed

    async def _next_turn(self, request: ModelRequest) -> ScriptedTurn:
        raise NotImplementedError

    def _pieces(self, text: str) -> list[str]:
        n = self.chunk_size
        return [text[i : i + n] for i in range(0, len(text), n)]

    async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        self.requests.append(request)
        self.streams_opened += 1
        try:
            turn = await self._next_turn(request)
            delay = self.delay
            prompt_text = "".join(m.text for m in request.messages)
            output = 0
            for piece in self._pieces(turn.thinking):
                if delay:
                    await asyncio.sleep(delay)
                yield ThinkingChunk(piece)
            if turn.thinking_signature is not None:
                yield ThinkingChunk("", turn.thinking_signature)
            for piece in self._pieces(turn.text):
                if delay:
                    await asyncio.sleep(delay)
                else:
                    await asyncio.sleep(0)  # let other tasks run, as a network read would
                output += 1
                yield TextChunk(piece)
            if turn.error is not None:
                raise turn.error
            for index, call in enumerate(turn.tool_calls):
                raw = turn.raw_arguments.get(index)
                if raw is None:
                    raw = json.dumps(call.arguments)
                pieces = self._pieces(raw) or [""]
                for i, piece in enumerate(pieces):
                    if delay:
                        await asyncio.sleep(delay)
                    first = i == 0
                    yield ToolCallDeltaChunk(
                        piece, index, (call.id or None) if first else None, call.name if first else None
                    )
                output += _estimate_tokens(raw)
            usage = Usage(_estimate_tokens(prompt_text), output)
            yield UsageChunk(usage)
            stop = turn.stop_reason or ("tool_use" if turn.tool_calls else "end_turn")
            yield TurnEndChunk(stop, stop, model=self.model)
        finally:
            self.streams_closed += 1


class FunctionModel(_PlayedModel):
    """A model whose every turn is computed by ``fn(messages, tools)``.

    ``fn`` (sync or async) returns the answer text, a :class:`ToolCall` or a list of them, a
    :class:`ScriptedTurn`, or an exception to raise::

        def fn(messages, tools):
            if messages[-1].role == "tool":
                return f"It is {messages[-1].results[0].content}."
            return [ToolCall("get_weather", {"city": "Paris"})]

        agent = Agent(model=FunctionModel(fn), tools=[get_weather])
    """

    name = "function"

    def __init__(
        self, fn: ModelFunction, *, chunk_size: int = 4, delay: float = 0.0, model: str = ""
    ) -> None:
        super().__init__(
            chunk_size=chunk_size, delay=delay, model=model or getattr(fn, "__name__", "function")
        )
        self.fn = fn

    async def _next_turn(self, request: ModelRequest) -> ScriptedTurn:
        reply = self.fn(list(request.messages), list(request.tools))
        if inspect.isawaitable(reply):
            reply = await reply
        return _as_turn(reply)


class ScriptedModel(_PlayedModel):
    """A model that plays a queue of turns, one per model call::

        model = ScriptedModel([
            [ToolCall("get_weather", {"city": "Paris"})],
            "It is 18 degrees in Paris.",
        ])

    Each entry is text, tool call(s), a :class:`ScriptedTurn` (for thinking or an error after
    some text), or an exception raised as the turn starts. Running past the end raises
    ``AssertionError``: the test expected fewer model calls.
    """

    name = "scripted"

    def __init__(
        self, turns: Sequence[Reply], *, chunk_size: int = 4, delay: float = 0.0, model: str = ""
    ) -> None:
        super().__init__(chunk_size=chunk_size, delay=delay, model=model or "scripted")
        self.turns = [_as_turn(t) for t in turns]
        self.position = 0

    @property
    def remaining(self) -> int:
        return len(self.turns) - self.position

    async def _next_turn(self, request: ModelRequest) -> ScriptedTurn:
        if self.position >= len(self.turns):
            raise AssertionError(
                f"ScriptedModel was called {self.position + 1} times but has {len(self.turns)} turns"
            )
        turn = self.turns[self.position]
        self.position += 1
        return turn
