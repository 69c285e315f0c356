"""The run hooks that emit OpenTelemetry spans and metrics per the GenAI semantic conventions.

Spans (names, kinds and attributes as the conventions define them)::

    invoke_agent {agent}      INTERNAL   one run (a reasoning pattern's run too)
    ├── chat {model}          CLIENT     one model turn: request and response model, response
    │                                    id, finish reasons, tokens, server, time to first chunk
    └── execute_tool {tool}   INTERNAL   one tool call; the tool's code runs inside it

A run started inside a tool call or a reasoning run is a child of that tool span or run span.
Failed request attempts (retries, and the models a fallback left) are span events
``gen_ai.request.attempt`` on the turn's span, with their ``error.type``. Every span ends exactly
once: on an error, ``break``, ``aclose()``, ``cancel()`` or a cancelled task with status ERROR
and ``error.type`` (``interrupted`` when the run was broken off, ``cancelled`` when it was
cancelled, else the error's class name).

Nothing is done per streamed chunk but pass it on: the first chunk's time is taken once, and
everything else is read from the finished turn.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.metrics import MeterProvider, get_meter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.context import RunContext
from agenticraft.core.errors import ProviderError
from agenticraft.core.events import ProviderEvent
from agenticraft.core.hooks import ModelTurnHandler, RunHooks, ToolCallHandler
from agenticraft.core.messages import ToolCall, ToolResult, Usage
from agenticraft.core.provider import ModelRequest, RequestAttempt, ToolDefinition
from agenticraft.core.response import AgentResponse
from agenticraft.core.tools import ToolOutcome
from agenticraft.telemetry import content
from agenticraft.telemetry.content import DEFAULT_CONTENT_LIMIT, bounded_json

__all__ = ["Instrumentation", "error_type"]

SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
_SECOND_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
_CHUNK_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]


def error_type(error: BaseException | None) -> str:
    """The ``error.type`` of a failure: ``cancelled``, ``interrupted`` (``break``, ``aclose()``:
    no error reached the caller), else the error's class name."""
    if error is None or isinstance(error, GeneratorExit):
        return "interrupted"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return type(error).__name__


def _fail(span: Span, kind: str, error: BaseException | None = None) -> None:
    span.set_attribute("error.type", kind)
    description = str(error) if error is not None and str(error) else kind
    span.set_status(Status(StatusCode.ERROR, description))
    if error is not None and not isinstance(error, GeneratorExit | asyncio.CancelledError):
        span.record_exception(error)


def _server(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if not parts.hostname:
        return {}
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"server.address": parts.hostname, "server.port": port}


def _usage_attributes(usage: Usage) -> dict[str, int]:
    out = {"gen_ai.usage.input_tokens": usage.input_tokens, "gen_ai.usage.output_tokens": usage.output_tokens}
    if usage.cache_read_tokens:
        out["gen_ai.usage.cache_read.input_tokens"] = usage.cache_read_tokens
    if usage.cache_write_tokens:
        out["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        out["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
    return out


@dataclass(slots=True)
class _Turn:
    span: Span
    started: float
    attributes: dict[str, Any]  # the metric attributes, kept up to date with the serving model
    request: ModelRequest
    streamed: bool = False  # the stream ended normally: on_turn_end ends the span
    attempts: int = 0


@dataclass(slots=True)
class _Tool:
    span: Span
    started: float
    attributes: dict[str, Any]
    error_type: str | None = None


@dataclass(slots=True)
class _Run:
    span: Span
    context: otel_context.Context
    turn: _Turn | None = None
    tools: dict[str, _Tool] = field(default_factory=dict)
    offered: Sequence[ToolDefinition] = ()  # the tools of the last turn, for their descriptions


class Instrumentation(RunHooks):
    """Hooks that trace and measure runs. ``instrument()`` installs one for every agent; give one
    to a single agent with ``Agent(hooks=[Instrumentation(tracer_provider)])``.

    ``tracer_provider`` / ``meter_provider``: ``None`` uses the global ones (set later is fine).
    ``capture_content`` records messages, instructions, tool definitions, arguments and results
    (each attribute at most ``content_limit`` characters of JSON).
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        capture_content: bool = False,
        *,
        content_limit: int = DEFAULT_CONTENT_LIMIT,
    ) -> None:
        from agenticraft import __version__

        if tracer_provider is None:
            self.tracer = trace.get_tracer("agenticraft", __version__, schema_url=SCHEMA_URL)
        else:
            self.tracer = tracer_provider.get_tracer("agenticraft", __version__, schema_url=SCHEMA_URL)
        meter = (
            get_meter("agenticraft", __version__, meter_provider, schema_url=SCHEMA_URL)
            if meter_provider is not None
            else get_meter("agenticraft", __version__, schema_url=SCHEMA_URL)
        )
        self.token_usage = meter.create_histogram(
            "gen_ai.client.token.usage",
            "{token}",
            "Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.operation_duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            "s",
            "GenAI operation duration.",
            explicit_bucket_boundaries_advisory=_SECOND_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            "s",
            "Time to receive the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=_CHUNK_BUCKETS,
        )
        self.tool_duration = meter.create_histogram(
            "gen_ai.execute_tool.duration",
            "s",
            "Duration of a tool execution.",
            explicit_bucket_boundaries_advisory=_SECOND_BUCKETS,
        )
        self.capture_content = capture_content
        self.content_limit = content_limit
        self._runs: dict[str, _Run] = {}

    # -- runs ---------------------------------------------------------------------------
    def _parent(self, ctx: RunContext[Any]) -> otel_context.Context | None:
        """A run inside a tool call nests under the tool span (current in the tool's task); a
        reasoning run's model call under the reasoning run; any other run under whatever span
        is current (the caller's own), or starts a trace."""
        enclosing = self._runs.get(ctx.parent_run_id) if ctx.parent_run_id else None
        if enclosing is None:
            return None
        current = trace.get_current_span().get_span_context()
        if any(t.span.get_span_context().span_id == current.span_id for t in enclosing.tools.values()):
            return None
        return enclosing.context

    async def on_run_start(self, ctx: RunContext[Any]) -> None:
        provider = ctx.provider
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": ctx.agent_name,
        }
        if provider is not None:
            attributes["gen_ai.provider.name"] = provider.name
            if provider.model:
                attributes["gen_ai.request.model"] = provider.model
        if ctx.conversation_id:
            attributes["gen_ai.conversation.id"] = ctx.conversation_id
        attributes["agenticraft.run.id"] = ctx.run_id
        span = self.tracer.start_span(
            f"invoke_agent {ctx.agent_name}", self._parent(ctx), SpanKind.INTERNAL, attributes
        )
        self._runs[ctx.run_id] = _Run(span, trace.set_span_in_context(span))

    async def on_run_end(
        self, ctx: RunContext[Any], response: AgentResponse, error: BaseException | None
    ) -> None:
        run = self._runs.pop(ctx.run_id, None)
        if run is None:
            return
        failed = error is not None or response.interrupted
        # whatever is still open ended with the run (a break after the turn streamed, say)
        if run.turn is not None:
            self._end_turn(
                run, run.turn, None if run.turn.streamed and not failed else error or GeneratorExit()
            )
        for call_id in list(run.tools):
            self._end_tool(run, call_id, error_type(error))
        span = run.span
        span.set_attributes(_usage_attributes(response.usage))
        if response.model:
            span.set_attribute("gen_ai.response.model", response.model)
        if failed:
            _fail(span, error_type(error), error)
        span.end()

    # -- model turns --------------------------------------------------------------------
    async def wrap_model_turn(
        self, ctx: RunContext[Any], request: ModelRequest, handler: ModelTurnHandler
    ) -> AsyncIterator[ProviderEvent]:
        run = self._runs.get(ctx.run_id)
        if run is None:  # a run whose start we did not see (hooks added mid-run)
            async with aclosing(handler(request)) as passthrough:  # type: ignore[type-var]
                async for event in passthrough:
                    yield event
            return
        turn = self._start_turn(ctx, run, request)
        headers: dict[str, str] = {}
        propagate.inject(headers, context=trace.set_span_in_context(turn.span))
        outer = request.on_attempt

        def on_attempt(attempt: RequestAttempt) -> None:
            self._attempt(turn, attempt)
            if outer is not None:
                outer(attempt)

        sent = replace(request, headers={**request.headers, **headers}, on_attempt=on_attempt)
        try:
            async with aclosing(handler(sent)) as events:  # type: ignore[type-var]
                async for event in events:
                    elapsed = time.perf_counter() - turn.started
                    turn.span.set_attribute("gen_ai.response.time_to_first_chunk", elapsed)
                    self.time_to_first_chunk.record(elapsed, turn.attributes)
                    yield event
                    break
                async for event in events:  # the hot path: nothing but pass it on
                    yield event
        except BaseException as exc:
            run.turn = None
            self._end_turn(run, turn, exc)
            raise
        turn.streamed = True

    def _start_turn(self, ctx: RunContext[Any], run: _Run, request: ModelRequest) -> _Turn:
        provider = ctx.provider
        name = provider.name if provider is not None else ""
        model = provider.model if provider is not None else ""
        attributes: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": name}
        if model:
            attributes["gen_ai.request.model"] = model
        url = getattr(provider, "url", None)
        if isinstance(url, str):
            attributes.update(_server(url))
        span_attributes = dict(attributes)
        settings = request.settings
        for key, value in (
            ("gen_ai.request.temperature", settings.temperature),
            ("gen_ai.request.max_tokens", settings.max_tokens),
            ("gen_ai.request.top_p", settings.top_p),
            ("gen_ai.request.stop_sequences", settings.stop),
        ):
            if value is not None:
                span_attributes[key] = value
        if ctx.conversation_id:
            span_attributes["gen_ai.conversation.id"] = ctx.conversation_id
        if self.capture_content:
            limit = self.content_limit
            span_attributes["gen_ai.input.messages"] = bounded_json(
                content.input_messages(request.messages), limit
            )
            system = content.system_instructions(request.messages)
            if system:
                span_attributes["gen_ai.system_instructions"] = bounded_json(system, limit)
            if request.tools:
                span_attributes["gen_ai.tool.definitions"] = bounded_json(
                    content.tool_definitions(request.tools), limit
                )
        span = self.tracer.start_span(f"chat {model}".rstrip(), run.context, SpanKind.CLIENT, span_attributes)
        turn = run.turn = _Turn(span, time.perf_counter(), attributes, request)
        run.offered = request.tools
        return turn

    def _attempt(self, turn: _Turn, attempt: RequestAttempt) -> None:
        """A request was sent, or failed before its first event (then it becomes an event)."""
        span, attributes = turn.span, turn.attributes
        if attempt.error is None:
            turn.attempts += 1
            serving = {
                "gen_ai.provider.name": attempt.provider,
                "gen_ai.request.model": attempt.model,
                **_server(attempt.url),
            }
            if attempt.model != attributes.get("gen_ai.request.model"):
                span.update_name(f"chat {attempt.model}")  # a fallback moved on to another model
            attributes.update(serving)
            span.set_attributes(serving)
            return
        error = attempt.error
        event: dict[str, Any] = {
            "error.type": error_type(error),
            "gen_ai.provider.name": attempt.provider,
            "gen_ai.request.model": attempt.model,
            "agenticraft.request.attempt": attempt.attempt,
            "agenticraft.request.retrying": attempt.retrying,
            **_server(attempt.url),
        }
        if error.status_code is not None:
            event["http.response.status_code"] = error.status_code
        if error.message:
            event["error.message"] = error.message[:500]
        span.add_event("gen_ai.request.attempt", event)

    async def on_turn_end(self, ctx: RunContext[Any], turn: ModelTurn) -> None:
        run = self._runs.get(ctx.run_id)
        if run is None or run.turn is None:
            return
        self._end_turn(run, run.turn, None, turn)

    def _end_turn(
        self, run: _Run, turn: _Turn, error: BaseException | None, result: ModelTurn | None = None
    ) -> None:
        run.turn = None
        span, attributes = turn.span, turn.attributes
        span.set_attribute("agenticraft.request.attempts", turn.attempts)
        if result is not None:
            if result.model:
                attributes["gen_ai.response.model"] = result.model
            response: dict[str, Any] = {
                **_usage_attributes(result.usage),
                "gen_ai.response.finish_reasons": [result.raw_stop_reason or result.stop_reason],
            }
            if result.model:
                response["gen_ai.response.model"] = result.model
            if result.response_id:
                response["gen_ai.response.id"] = result.response_id
            if self.capture_content:
                response["gen_ai.output.messages"] = bounded_json(
                    content.output_messages(result.message, result.stop_reason), self.content_limit
                )
            span.set_attributes(response)
            usage = result.usage
            if usage.input_tokens or usage.output_tokens:
                self.token_usage.record(usage.input_tokens, {**attributes, "gen_ai.token.type": "input"})
                self.token_usage.record(usage.output_tokens, {**attributes, "gen_ai.token.type": "output"})
        elif error is not None or not turn.streamed:
            kind = error_type(error)
            _fail(span, kind, error)
            attributes = {**attributes, "error.type": kind}
            if isinstance(error, ProviderError) and error.status_code is not None:
                span.set_attribute("http.response.status_code", error.status_code)
        self.operation_duration.record(time.perf_counter() - turn.started, attributes)
        span.end()

    # -- tool calls -----------------------------------------------------------------------
    async def on_tool_start(self, ctx: RunContext[Any], call: ToolCall) -> None:
        run = self._runs.get(ctx.run_id)
        if run is None:
            return
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.name,
            "gen_ai.tool.type": "function",
        }
        span_attributes = {**attributes, "gen_ai.tool.call.id": call.id}
        description = next((t.description for t in run.offered if t.name == call.name), "")
        if description:
            span_attributes["gen_ai.tool.description"] = description
        if self.capture_content:
            arguments = call.arguments if call.arguments_error is None else call.raw_arguments
            span_attributes["gen_ai.tool.call.arguments"] = bounded_json(arguments, self.content_limit)
        span = self.tracer.start_span(
            f"execute_tool {call.name}", run.context, SpanKind.INTERNAL, span_attributes
        )
        run.tools[call.id] = _Tool(span, time.perf_counter(), attributes)

    async def wrap_tool_call(
        self, ctx: RunContext[Any], call: ToolCall, handler: ToolCallHandler
    ) -> ToolOutcome:
        run = self._runs.get(ctx.run_id)
        tool = run.tools.get(call.id) if run is not None else None
        if run is None or tool is None:
            return await handler(call)
        # the tool's own code (and the runs and spans it starts) runs inside the tool span; this
        # is one coroutine in the call's own task, so the context is attached and detached here
        token = otel_context.attach(trace.set_span_in_context(tool.span))
        try:
            outcome = await handler(call)
        except BaseException as exc:
            self._end_tool(run, call.id, error_type(exc), exc)
            raise
        finally:
            otel_context.detach(token)
        if outcome.error is not None:
            tool.error_type = outcome.error_type or "tool_error"
        return outcome

    async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: ToolResult) -> None:
        run = self._runs.get(ctx.run_id)
        if run is None or call.id not in run.tools:
            return
        tool = run.tools[call.id]
        if self.capture_content:
            tool.span.set_attribute(
                "gen_ai.tool.call.result", _bounded_text(result.content, self.content_limit)
            )
        kind = (tool.error_type or "tool_error") if result.is_error else None
        self._end_tool(run, call.id, kind, message=result.content if result.is_error else None)

    def _end_tool(
        self,
        run: _Run,
        call_id: str,
        kind: str | None,
        error: BaseException | None = None,
        message: str | None = None,
    ) -> None:
        tool = run.tools.pop(call_id, None)
        if tool is None:
            return
        attributes = tool.attributes
        if kind is not None:
            tool.span.set_attribute("error.type", kind)
            tool.span.set_status(Status(StatusCode.ERROR, (message or str(error or "") or kind)[:500]))
            if error is not None and not isinstance(error, GeneratorExit | asyncio.CancelledError):
                tool.span.record_exception(error)
            attributes = {**attributes, "error.type": kind}
        self.tool_duration.record(time.perf_counter() - tool.started, attributes)
        tool.span.end()


def _bounded_text(text: str, limit: int) -> str:
    """A tool result as recorded: JSON stays as it is (within the limit), other text too."""
    if len(text) <= limit:
        return text
    try:
        return bounded_json(json.loads(text), limit)
    except ValueError:
        return text[:limit] + "...[truncated]"
