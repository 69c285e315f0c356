"""The OpenTelemetry SDK wired to in-memory exporters, and ways to look at what it got."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agenticraft.telemetry import instrument, uninstrument


class EndCounter(SpanProcessor):
    """Counts starts and ends per span: every span must end, and exactly once."""

    def __init__(self) -> None:
        self.started: dict[int, str] = {}
        self.ends: dict[int, int] = {}

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.started[span.context.span_id] = span.name

    def on_end(self, span: ReadableSpan) -> None:
        assert span.context is not None
        self.ends[span.context.span_id] = self.ends.get(span.context.span_id, 0) + 1

    def open_spans(self) -> list[str]:
        return [name for sid, name in self.started.items() if sid not in self.ends]


@dataclass
class Telemetry:
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    counter: EndCounter
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    _metrics: list[Any] = field(default_factory=list)

    @property
    def spans(self) -> list[ReadableSpan]:
        return sorted(self.exporter.get_finished_spans(), key=lambda s: s.start_time or 0)

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [s for s in self.spans if s.name.startswith(prefix)]

    def one(self, prefix: str) -> ReadableSpan:
        found = self.named(prefix)
        assert len(found) == 1, [s.name for s in self.spans]
        return found[0]

    def assert_all_ended_once(self) -> None:
        assert self.counter.open_spans() == []
        assert set(self.counter.ends.values()) <= {1}, self.counter.ends

    def points(self, metric: str) -> list[HistogramDataPoint]:
        data = self.reader.get_metrics_data()
        found: list[HistogramDataPoint] = []
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name == metric:
                        found.extend(m.data.data_points)  # type: ignore[arg-type]
        return found


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def telemetry(capture_content: bool = False, **options: Any) -> Iterator[Telemetry]:
    exporter = InMemorySpanExporter()
    counter = EndCounter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(counter)
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    instrument(tracer_provider, meter_provider, capture_content, **options)
    try:
        yield Telemetry(exporter, reader, counter, tracer_provider, meter_provider)
    finally:
        uninstrument()
        tracer_provider.shutdown()
        meter_provider.shutdown()
