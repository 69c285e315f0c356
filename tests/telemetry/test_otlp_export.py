"""The real exporter path: spans and metrics sent over OTLP/HTTP to a local receiver on
127.0.0.1, which decodes the protobuf payloads (opentelemetry-proto), so the wire format is
checked and not only what an in-memory exporter holds."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from agenticraft import Agent, tool
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.telemetry import instrument, uninstrument
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


class Receiver:
    """A minimal OTLP/HTTP collector: POST /v1/traces and /v1/metrics, protobuf bodies."""

    def __init__(self) -> None:
        self.traces: list[ExportTraceServiceRequest] = []
        self.metrics: list[ExportMetricsServiceRequest] = []
        self.content_types: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.content_types.add(self.headers["content-type"])
                if self.path == "/v1/traces":
                    receiver.traces.append(ExportTraceServiceRequest.FromString(body))
                    answer = ExportTraceServiceResponse().SerializeToString()
                elif self.path == "/v1/metrics":
                    receiver.metrics.append(ExportMetricsServiceRequest.FromString(body))
                    answer = b""
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def spans(self) -> list[ProtoSpan]:
        return [
            span
            for request in self.traces
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, kind) if kind else None


def _attributes(span: ProtoSpan) -> dict[str, Any]:
    return {a.key: _value(a.value) for a in span.attributes}


async def test_spans_and_metrics_go_over_otlp_http_and_decode(receiver: Receiver) -> None:
    resource = Resource.create({"service.name": "otlp-test"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.endpoint + "/v1/traces"))
    )
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=receiver.endpoint + "/v1/metrics"), export_interval_millis=3_600_000
    )
    meter_provider = MeterProvider(metric_readers=[reader], resource=resource)
    instrument(tracer_provider, meter_provider)

    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        return f"{city}: sunny"

    try:
        with OpenAIServer() as server:
            server.add_stream(
                tool_calls=[ScriptedToolCall("lookup", {"city": "Paris"}, id="call_P")], usage=(30, 7)
            )
            server.add_stream("Sunny.", usage=(50, 9))
            provider = OpenAIProvider(
                "gpt-4o-mini", base_url=server.base_url, api_key="sk-test", retry=NO_RETRY
            )
            await Agent(name="weather", model=provider, tools=[lookup]).arun("Paris?")
        assert tracer_provider.force_flush()
        assert meter_provider.force_flush()
    finally:
        uninstrument()
        tracer_provider.shutdown()
        meter_provider.shutdown()

    assert receiver.content_types == {"application/x-protobuf"}
    spans = {s.name: s for s in receiver.spans()}
    assert sorted(spans) == ["chat gpt-4o-mini", "execute_tool lookup", "invoke_agent weather"]
    root, tool_span = spans["invoke_agent weather"], spans["execute_tool lookup"]
    chats = [s for s in receiver.spans() if s.name == "chat gpt-4o-mini"]
    assert len(chats) == 2
    assert root.parent_span_id == b""
    assert {c.parent_span_id for c in chats} == {root.span_id} == {tool_span.parent_span_id}
    assert {c.kind for c in chats} == {ProtoSpan.SPAN_KIND_CLIENT}
    assert tool_span.kind == ProtoSpan.SPAN_KIND_INTERNAL
    first = _attributes(chats[0])
    assert first["gen_ai.provider.name"] == "openai"
    assert first["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert (first["gen_ai.usage.input_tokens"], first["gen_ai.usage.output_tokens"]) == (30, 7)
    assert _attributes(tool_span)["gen_ai.tool.call.id"] == "call_P"
    resource_attributes = {
        a.key: _value(a.value)
        for request in receiver.traces
        for r in request.resource_spans
        for a in r.resource.attributes
    }
    assert resource_attributes["service.name"] == "otlp-test"

    metrics = {
        m.name: m
        for request in receiver.metrics
        for r in request.resource_metrics
        for scope in r.scope_metrics
        for m in scope.metrics
    }
    usage = metrics["gen_ai.client.token.usage"]
    assert usage.unit == "{token}"
    sums = {
        next(_value(a.value) for a in p.attributes if a.key == "gen_ai.token.type"): p.sum
        for p in usage.histogram.data_points
    }
    assert sums == {"input": 80, "output": 16}
    assert {"gen_ai.client.operation.duration", "gen_ai.execute_tool.duration"} <= set(metrics)
    assert list(metrics["gen_ai.client.token.usage"].histogram.data_points[0].explicit_bounds)[:3] == [
        1,
        4,
        16,
    ]
