"""The trace context goes into MCP calls: a call made inside a run's ``execute_tool`` span
carries that span's W3C ``traceparent`` in its ``_meta``, so the server's spans join the trace;
without instrumentation no ``_meta`` trace context is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from telemetry_helpers import Telemetry, span_id, telemetry

from agenticraft import Agent
from agenticraft.core.messages import ToolCall
from agenticraft.testing import FunctionModel
from agenticraft.testing.mcp_server import stdio_test_server


@pytest.fixture
def otel() -> Iterator[Telemetry]:
    yield from telemetry()


def _calls_trace_context() -> FunctionModel:
    def model(messages, tools):  # type: ignore[no-untyped-def]
        if messages[-1].role == "tool":
            return f"got {messages[-1].results[0].content}"
        return [ToolCall("trace_context", {}, "c1")]

    return FunctionModel(model)


def _traceparent(answer: str) -> str:
    value = answer.removeprefix("got ")
    return str(json.loads(value)["result"]) if value.startswith("{") else value


async def test_an_mcp_call_carries_the_tool_spans_traceparent(otel: Telemetry) -> None:
    response = await Agent(model=_calls_trace_context(), toolsets=[stdio_test_server()]).arun("go")
    traceparent = _traceparent(response.content)
    version, trace_id, parent_id, flags = traceparent.split("-")
    tool_span = otel.one("execute_tool trace_context")
    assert tool_span.context is not None
    assert version == "00" and int(flags, 16) & 1  # sampled
    assert int(trace_id, 16) == tool_span.context.trace_id
    assert int(parent_id, 16) == span_id(tool_span)


async def test_without_instrumentation_no_trace_context_is_sent() -> None:
    response = await Agent(model=_calls_trace_context(), toolsets=[stdio_test_server()]).arun("go")
    assert _traceparent(response.content) == ""
