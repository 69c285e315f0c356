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
from typing import Any

from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, ToolCall, Usage
from agenticraft.core.provider import ModelRequest, OutputSpec, StreamingProvider, ToolDefinition

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


Reply = str | dict[str, Any] | ToolCall | list[ToolCall] | ScriptedTurn | BaseException
"""A model turn: text, a typed output as a dict (or as a JSON string), tool calls, a scripted
turn, or an exception raised as the turn starts."""
ModelFunction = Callable[[list[Message], list[ToolDefinition]], Reply | Awaitable[Reply]]


def _output_tool(value: Any, spec: OutputSpec, tools: Sequence[ToolDefinition]) -> str:
    """The output tool a model would call for ``value`` (for a union: the one whose fields fit)."""
    if len(spec.tool_names) > 1 and isinstance(value, dict):
        for tool in tools:
            properties = tool.parameters.get("properties", {})
            if tool.name in spec.tool_names and set(value) <= set(properties):
                return tool.name
    return spec.tool_names[0]


def _wrapped(value: Any, wrapped: bool) -> Any:
    """``value`` under the ``"result"`` key where the schema wraps it (unless it already is)."""
    if wrapped and not (isinstance(value, dict) and list(value) == ["result"]):
        return {"result": value}
    return value


def _output_turn(value: Any, request: ModelRequest) -> ScriptedTurn:
    """A typed output as a model that follows the request sends it: a call of the output tool
    in tool mode, else the JSON text (wrapped where the schema wraps it)."""
    spec = request.output
    assert spec is not None
    if spec.mode != "tool":
        return ScriptedTurn(text=json.dumps(_wrapped(value, spec.wrapped)))
    name = _output_tool(value, spec, request.tools)
    definition = next((t for t in request.tools if t.name == name), None)
    wrapped = definition is not None and list(definition.parameters.get("properties", {})) == ["result"]
    return ScriptedTurn(tool_calls=[ToolCall(name, _wrapped(value, wrapped))])


def _as_turn(reply: Reply, request: ModelRequest | None = None) -> ScriptedTurn:
    typed = request is not None and request.output is not None
    if isinstance(reply, ScriptedTurn):
        return reply
    if isinstance(reply, dict):
        if request is not None and request.output is not None:
            return _output_turn(reply, request)
        return ScriptedTurn(text=json.dumps(reply))
    if isinstance(reply, str):
        if typed:
            assert request is not None
            try:
                value = json.loads(reply)
            except ValueError:
                return ScriptedTurn(text=reply)  # not JSON: sent as the text it is
            return _output_turn(value, request)
        return ScriptedTurn(text=reply)
    if isinstance(reply, ToolCall):
        return ScriptedTurn(tool_calls=[reply])
    if isinstance(reply, BaseException):
        return ScriptedTurn(error=reply)
    if isinstance(reply, list) and all(isinstance(c, ToolCall) for c in reply):
        return ScriptedTurn(tool_calls=list(reply))
    raise TypeError(
        f"a model reply must be a str, dict, ToolCall(s), ScriptedTurn or exception, got {reply!r}"
    )


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
                        piece,
                        index,
                        (call.id or None) if first else None,
                        call.name if first else None,
                        final=i == len(pieces) - 1,
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
        return _as_turn(reply, request)


class ScriptedModel(_PlayedModel):
    """A model that plays a queue of turns, one per model call::

        model = ScriptedModel([
            [ToolCall("get_weather", {"city": "Paris"})],
            "It is 18 degrees in Paris.",
        ])

    Each entry is text, tool call(s), a :class:`ScriptedTurn` (for thinking or an error after
    some text), or an exception raised as the turn starts. A typed output may be given as a
    dict or a JSON string: in ``"tool"`` output mode it is sent as a call of the output tool,
    otherwise as the answer text, so a test reads the same in every mode. Running past the end raises
    ``AssertionError``: the test expected fewer model calls.
    """

    name = "scripted"

    def __init__(
        self, turns: Sequence[Reply], *, chunk_size: int = 4, delay: float = 0.0, model: str = ""
    ) -> None:
        super().__init__(chunk_size=chunk_size, delay=delay, model=model or "scripted")
        for t in turns:
            _as_turn(t)  # a reply of the wrong kind fails here, not at its turn
        self.turns = list(turns)
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
        return _as_turn(turn, request)
