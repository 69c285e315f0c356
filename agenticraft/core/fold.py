"""The fold: run events into the final :class:`AgentResponse`, plus metrics.

:class:`RunFold` is the one place where events become a response. The run loop folds every event
it yields, and so can any consumer of an event stream (one read back from
``agenticraft run --json``, say)::

    folded = RunFold()
    async for chunk in agent.stream("Hi"):
        folded.add(chunk)
    print(folded.text, folded.time_to_first_token, folded.tokens_per_second)
"""

from __future__ import annotations

import time
from typing import Any, assert_never

from agenticraft.core.events import (
    ApprovalRequiredChunk,
    DoneChunk,
    ExtensionChunk,
    OutputChunk,
    RunEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, ToolCall, ToolResult, Usage
from agenticraft.core.response import AgentResponse, RunTrace, StreamMetrics, ToolStep, TurnStep

__all__ = ["RunFold", "StreamingResponse"]


class RunFold:
    """Folds a run's events into its :class:`AgentResponse`, keeping timing as it goes."""

    def __init__(self) -> None:
        self.started_at = time.perf_counter()
        self.first_token_at: float | None = None
        self.ended_at: float | None = None
        self.chunk_count = 0
        self.texts: list[str] = []
        self.tool_calls: list[ToolCall] = []
        self.tool_results: list[ToolResult] = []
        self.pending_approvals: list[ToolCall] = []
        self.usage = Usage()
        self.stop_reason = ""
        self.model = ""
        self.run_id = ""
        self.agent = ""  # the name of the agent whose run this is
        self.trace = RunTrace()
        self.final: AgentResponse | None = None
        self.output: Any = None  # the latest output event's value
        self.has_output = False
        self._turn_text_from = 0
        self._turn_thinking: list[str] = []
        self._turn_calls_from = 0
        self._round: dict[str, int] = {}  # call id -> position in the last turn's calls
        self._round_results_from = 0

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def add(self, chunk: RunEvent) -> None:
        """Fold one event in."""
        self.chunk_count += 1
        if type(chunk) is TextChunk:  # the hot path, before the match
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self.texts.append(chunk.content)
            return
        match chunk:
            case TextChunk():
                self.texts.append(chunk.content)  # a subclass of TextChunk
            case ThinkingChunk():
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                self._turn_thinking.append(chunk.thinking)
            case ToolCallChunk():
                self._add_call(chunk.call)
            case ToolResultChunk():
                self._add_result(chunk)
            case TurnEndChunk():
                self._end_turn(chunk)
            case ApprovalRequiredChunk():
                self.pending_approvals = list(chunk.calls)
                self.stop_reason = "approval_required"
            case OutputChunk():
                self.output = chunk.output
                self.has_output = True
            case ExtensionChunk():
                if chunk.restarts_turn:  # what the turn streamed so far is void
                    del self.texts[self._turn_text_from :]
                    del self.tool_calls[self._turn_calls_from :]
                    self._turn_thinking = []
                step = chunk.trace_step()
                if step is not None:
                    self.trace.steps.append(step)
                added = chunk.added_usage()
                if added is not None:
                    self.usage = self.usage + added
            case DoneChunk():
                self.final = chunk.response
                self.ended_at = time.perf_counter()
            case ToolCallStartChunk() | ToolCallDeltaChunk() | UsageChunk():
                pass  # nothing the response needs: the complete call and the turn's usage follow
            case _:
                assert_never(chunk)

    def _add_call(self, call: ToolCall) -> None:
        # a call emitted while the turn streamed comes again when a server reopened it: the
        # later one, with the final arguments, replaces it
        calls = self.tool_calls
        for i in range(self._turn_calls_from, len(calls)):
            if calls[i].id == call.id:
                calls[i] = call
                return
        calls.append(call)

    def _add_result(self, chunk: ToolResultChunk) -> None:
        result = chunk.to_result()
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

    def _end_turn(self, chunk: TurnEndChunk) -> None:
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
        conversation_id: str | None = None,
        typed: bool = False,
    ) -> AgentResponse:
        """The response as folded so far (a partial one while the stream is still running).

        ``output`` is the last output event's value; without one it is the last turn's text,
        unless the run is ``typed`` (an output type that has not given a value yet: ``None``).
        """
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
            trace=RunTrace(list(self.trace.steps)),
            messages=list(messages or ()),
            model=self.model,
            interrupted=interrupted,
            metrics=self.metrics(),
            run_id=self.run_id,
            conversation_id=conversation_id,
            pending_approvals=list(self.pending_approvals),
            output=self._output(typed),
            agent=self.agent,
        )

    def _output(self, typed: bool) -> Any:
        if self.has_output:
            return self.output
        if typed:
            return None
        open_turn = self.texts[self._turn_text_from :]
        if open_turn:  # an interrupted turn's text so far
            return "".join(open_turn)
        turns = self.trace.turns
        return turns[-1].text if turns else ""


StreamingResponse = RunFold
"""The former name of :class:`RunFold`."""
