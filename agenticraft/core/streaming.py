"""Stream events, the fold that turns them into a response, and the provider interface.

A run is a stream of :class:`StreamChunk` events. Each kind is a small slotted dataclass with a
literal ``type`` tag, so consumers can ``match`` on the class or compare ``chunk.type``.
``chunk.content`` is the text of a ``text`` chunk and ``""`` for every other kind, so
``print(chunk.content, end="")`` prints exactly the answer.

Providers speak the same vocabulary one level down: a :class:`StreamingProvider` yields
``text``, ``thinking``, ``tool_call_delta``, ``usage`` and ``turn_end`` events for one model
turn; the shared accumulator turns them into parts, and the run loop adds the rest.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from agenticraft.core.messages import Message, ToolCall, ToolResult, Usage
from agenticraft.core.response import (
    AgentResponse,
    ReasoningStep,
    ReasoningTrace,
    StreamMetrics,
    ToolStep,
    TurnStep,
    to_jsonable,
)

if TYPE_CHECKING:
    from agenticraft.core.accumulator import ModelTurn

__all__ = [
    "ChunkType",
    "DoneChunk",
    "ModelRequest",
    "ModelSettings",
    "ProviderEvent",
    "ReasoningStepChunk",
    "StreamChunk",
    "StreamingProvider",
    "StreamingResponse",
    "TextChunk",
    "ThinkingChunk",
    "ToolCallChunk",
    "ToolCallDeltaChunk",
    "ToolCallStartChunk",
    "ToolDefinition",
    "ToolResultChunk",
    "TurnEndChunk",
    "UsageChunk",
]

ChunkType = Literal[
    "text",
    "thinking",
    "tool_call_start",
    "tool_call_delta",
    "tool_call",
    "tool_result",
    "usage",
    "turn_end",
    "reasoning_step",
    "done",
]


@dataclass(slots=True)
class StreamChunk:
    """Base of every stream event."""

    type: ClassVar[ChunkType]

    @property
    def content(self) -> str:
        return ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, with the ``type`` tag first."""
        data: dict[str, Any] = to_jsonable(self)
        return data


@dataclass(slots=True)
class TextChunk(StreamChunk):
    """A piece of the answer text."""

    type: ClassVar[Literal["text"]] = "text"
    content: str  # a field here, the "" property on every other kind


@dataclass(slots=True)
class ThinkingChunk(StreamChunk):
    """A piece of the model's own reasoning; ``signature`` pieces arrive in their own chunk."""

    type: ClassVar[Literal["thinking"]] = "thinking"
    thinking: str
    signature: str | None = None
    redacted: bool = False


@dataclass(slots=True)
class ToolCallStartChunk(StreamChunk):
    """The model began a tool call."""

    type: ClassVar[Literal["tool_call_start"]] = "tool_call_start"
    id: str
    name: str
    index: int


@dataclass(slots=True)
class ToolCallDeltaChunk(StreamChunk):
    """A fragment of a tool call's JSON arguments.

    Providers fill what their wire gives (often ``id`` and ``name`` only on the first fragment);
    the accumulator fills ``id`` and ``name`` before the chunk reaches the user.
    """

    type: ClassVar[Literal["tool_call_delta"]] = "tool_call_delta"
    arguments_delta: str
    index: int | None = None
    id: str | None = None
    name: str | None = None


@dataclass(slots=True)
class ToolCallChunk(StreamChunk):
    """A complete tool call with parsed arguments (``arguments_error`` when they were not JSON)."""

    type: ClassVar[Literal["tool_call"]] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any]
    arguments_error: str | None = None
    raw_arguments: str | None = None

    @property
    def call(self) -> ToolCall:
        return ToolCall(self.name, self.arguments, self.id, self.raw_arguments, self.arguments_error)


@dataclass(slots=True)
class ToolResultChunk(StreamChunk):
    """A tool finished: ``result`` on success, ``error`` (the text the model sees) on failure."""

    type: ClassVar[Literal["tool_result"]] = "tool_result"
    id: str
    name: str
    result: str | None
    error: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    duration: float = field(default=0.0, compare=False)

    @property
    def is_error(self) -> bool:
        return self.error is not None


@dataclass(slots=True)
class UsageChunk(StreamChunk):
    """Token usage. From a provider: the turn's usage so far (latest wins). From a run: once
    per model turn, the turn's final usage."""

    type: ClassVar[Literal["usage"]] = "usage"
    usage: Usage


@dataclass(slots=True)
class TurnEndChunk(StreamChunk):
    """One model turn finished. ``stop_reason`` is one of ``end_turn``, ``tool_use``,
    ``max_tokens``, ``stop_sequence``, ``content_filter``, ``refusal``, ``interrupted``;
    ``raw_stop_reason`` is the provider's own word."""

    type: ClassVar[Literal["turn_end"]] = "turn_end"
    stop_reason: str
    raw_stop_reason: str | None = None
    turn: int = 0
    model: str = ""
    usage: Usage = field(default_factory=Usage)
    duration: float = field(default=0.0, compare=False)


@dataclass(slots=True)
class ReasoningStepChunk(StreamChunk):
    """A reasoning pattern completed a step."""

    type: ClassVar[Literal["reasoning_step"]] = "reasoning_step"
    step: ReasoningStep


@dataclass(slots=True)
class DoneChunk(StreamChunk):
    """The run finished; ``response`` is the final result."""

    type: ClassVar[Literal["done"]] = "done"
    response: AgentResponse


ProviderEvent = TextChunk | ThinkingChunk | ToolCallDeltaChunk | UsageChunk | TurnEndChunk
"""What a provider yields for one model turn."""


@dataclass(slots=True)
class ToolDefinition:
    """What a model is told about a tool."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(slots=True)
class ModelSettings:
    """Sampling settings; ``None`` leaves the provider's default.

    ``thinking_budget`` asks for extended thinking (Anthropic budget tokens, Ollama ``think``);
    ``extra_body`` is merged into the request body as is.
    """

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    thinking_budget: int | None = None
    extra_body: dict[str, Any] | None = None


@dataclass(slots=True)
class ModelRequest:
    """One model turn's input: the whole conversation (system message first), tools, settings."""

    messages: Sequence[Message]
    tools: Sequence[ToolDefinition] = ()
    settings: ModelSettings = field(default_factory=ModelSettings)


class StreamingProvider(ABC):
    """The interface every model provider implements.

    ``stream_turn`` streams one model turn as provider events and must release its resources
    (HTTP response, connection) in a ``finally`` when the consumer closes it early. The
    non-streamed call is that stream drained (:meth:`complete`), so the two cannot disagree.
    """

    #: the provider's name, e.g. "openai"
    name: str = "provider"
    #: the model this provider instance talks to
    model: str = ""

    @abstractmethod
    def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        """Stream one model turn."""

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """One model turn, not streamed: the stream drained through the accumulator."""
        from agenticraft.core.accumulator import drain_turn

        return await drain_turn(self, request)

    async def aclose(self) -> None:
        """Release what the provider holds (connection pools it owns)."""

    @property
    def label(self) -> str:
        return f"{self.name}:{self.model}" if self.model else self.name


class StreamingResponse:
    """Folds a stream of run events into the final :class:`AgentResponse` plus metrics.

    The run loop uses it for every event it yields, and so can any consumer of a chunk
    stream (for example one read back from ``agenticraft run --json``)::

        folded = StreamingResponse()
        async for chunk in agent.stream("Hi"):
            folded.add(chunk)
        print(folded.text, folded.time_to_first_token, folded.tokens_per_second)
    """

    def __init__(self) -> None:
        self.started_at = time.perf_counter()
        self.first_token_at: float | None = None
        self.ended_at: float | None = None
        self.chunk_count = 0
        self.texts: list[str] = []
        self.tool_calls: list[ToolCall] = []
        self.tool_results: list[ToolResult] = []
        self.usage = Usage()
        self.stop_reason = ""
        self.model = ""
        self.trace = ReasoningTrace()
        self.final: AgentResponse | None = None
        self._turn_text_from = 0
        self._turn_thinking: list[str] = []
        self._turn_calls_from = 0
        self._round: dict[str, int] = {}  # call id -> position in the last turn's calls
        self._round_results_from = 0

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def add(self, chunk: StreamChunk) -> None:
        """Fold one event in."""
        self.chunk_count += 1
        if isinstance(chunk, TextChunk):
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self.texts.append(chunk.content)
        elif isinstance(chunk, ThinkingChunk):
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self._turn_thinking.append(chunk.thinking)
        elif isinstance(chunk, ToolCallChunk):
            self.tool_calls.append(chunk.call)
        elif isinstance(chunk, ToolResultChunk):
            content = chunk.result if chunk.error is None else chunk.error
            result = ToolResult(chunk.id, chunk.name, content or "", chunk.error is not None)
            # results arrive as the calls finish; kept in call order, so they pair with tool_calls
            # and do not depend on timing (the trace keeps the order they happened in)
            results, order, last = self.tool_results, self._round, len(self._round)
            position = order.get(chunk.id, last)
            at = len(results)
            while at > self._round_results_from and order.get(results[at - 1].tool_call_id, last) > position:
                at -= 1
            results.insert(at, result)
            self.trace.steps.append(
                ToolStep(chunk.id, chunk.name, chunk.arguments, chunk.result, chunk.error, chunk.duration)
            )
        elif isinstance(chunk, TurnEndChunk):
            self.usage = self.usage + chunk.usage
            self.stop_reason = chunk.stop_reason
            self.model = chunk.model or self.model
            self.trace.steps.append(
                TurnStep(
                    turn=chunk.turn,
                    model=chunk.model,
                    stop_reason=chunk.stop_reason,
                    usage=chunk.usage,
                    text="".join(self.texts[self._turn_text_from :]),
                    thinking="".join(self._turn_thinking),
                    tool_calls=self.tool_calls[self._turn_calls_from :],
                    duration=chunk.duration,
                )
            )
            self._round = {c.id: i for i, c in enumerate(self.tool_calls[self._turn_calls_from :])}
            self._round_results_from = len(self.tool_results)
            self._turn_text_from = len(self.texts)
            self._turn_calls_from = len(self.tool_calls)
            self._turn_thinking = []
        elif isinstance(chunk, ReasoningStepChunk):
            self.trace.steps.append(chunk.step)
        elif isinstance(chunk, DoneChunk):
            self.final = chunk.response
            self.ended_at = time.perf_counter()
        # tool_call_start, tool_call_delta and usage carry nothing the result needs

    @property
    def time_to_first_token(self) -> float | None:
        return None if self.first_token_at is None else self.first_token_at - self.started_at

    @property
    def duration(self) -> float:
        return (self.ended_at or time.perf_counter()) - self.started_at

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens per second of generation (first token to end)."""
        if self.first_token_at is None:
            return None
        elapsed = (self.ended_at or time.perf_counter()) - self.first_token_at
        tokens = self.usage.output_tokens or len(self.texts)
        return tokens / elapsed if elapsed > 0 else None

    def metrics(self) -> StreamMetrics:
        return StreamMetrics(
            self.chunk_count, self.time_to_first_token, self.duration, self.tokens_per_second
        )

    def to_response(
        self,
        *,
        messages: list[Message] | None = None,
        interrupted: bool = False,
        stop_reason: str | None = None,
    ) -> AgentResponse:
        """The response as folded so far (a partial one while the stream is still running)."""
        if self.final is not None and not interrupted:
            return self.final
        if self.ended_at is None and not interrupted:
            # only the end of a run stops the clock: a partial response read while the run goes
            # on must not freeze the final duration and tokens per second
            self.ended_at = time.perf_counter()
        return AgentResponse(
            content=self.text,
            tool_calls=list(self.tool_calls),
            tool_results=list(self.tool_results),
            usage=self.usage,
            stop_reason=stop_reason or self.stop_reason or "end_turn",
            reasoning=ReasoningTrace(list(self.trace.steps)),
            messages=list(messages or ()),
            model=self.model,
            interrupted=interrupted,
            metrics=self.metrics(),
        )
