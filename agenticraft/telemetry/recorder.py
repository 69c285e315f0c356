"""A small in-process tracer provider that keeps the spans and prints them as a tree.

It implements the OpenTelemetry API only (``opentelemetry-api``, the ``otel`` extra), not the
SDK, so ``agenticraft run "..." --trace`` works without the SDK installed. It is meant for a
person reading one run, not for production: nothing is exported, sampled or batched.

>>> from agenticraft import Agent
>>> from agenticraft.testing import FunctionModel
>>> from agenticraft.telemetry import Instrumentation, SpanRecorder
>>> recorder = SpanRecorder()
>>> agent = Agent(model=FunctionModel(lambda m, t: "Hi"), hooks=[Instrumentation(recorder)])
>>> _ = agent.run("Hello")
>>> print(recorder.render(durations=False))
invoke_agent agent
└── chat <lambda>
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.util._decorator import _agnosticcontextmanager
from opentelemetry.util.types import Attributes, AttributeValue

__all__ = ["RecordedSpan", "SpanRecorder"]


@dataclass(slots=True)
class RecordedSpan:
    """One finished (or still open) span as the recorder keeps it."""

    name: str
    kind: SpanKind
    context: SpanContext
    parent: SpanContext | None
    start: int
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: Status = field(default_factory=Status)
    end: int | None = None
    ends: int = 0  # how often end() was called: exactly once for a correct instrumentation

    @property
    def duration(self) -> float:
        return ((self.end or time.time_ns()) - self.start) / 1e9


class _Span(trace.Span):
    def __init__(self, record: RecordedSpan) -> None:
        self.record = record

    def end(self, end_time: int | None = None) -> None:
        self.record.ends += 1
        if self.record.end is None:
            self.record.end = end_time or time.time_ns()

    def get_span_context(self) -> SpanContext:
        return self.record.context

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        self.record.attributes.update(attributes)

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        self.record.attributes[key] = value

    def add_event(self, name: str, attributes: Attributes = None, timestamp: int | None = None) -> None:
        self.record.events.append((name, dict(attributes or {})))

    def add_link(self, context: SpanContext, attributes: Attributes = None) -> None:
        pass

    def update_name(self, name: str) -> None:
        self.record.name = name

    def is_recording(self) -> bool:
        return self.record.end is None

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        self.record.status = status if isinstance(status, Status) else Status(status, description)

    def record_exception(
        self,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        data = {"exception.type": type(exception).__name__, "exception.message": str(exception)}
        self.record.events.append(("exception", {**data, **dict(attributes or {})}))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.end()


class _Tracer(trace.Tracer):
    def __init__(self, recorder: SpanRecorder) -> None:
        self._recorder = recorder

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        parent = trace.get_current_span(context).get_span_context()
        parent_context = parent if parent.is_valid else None
        trace_id = parent.trace_id if parent_context is not None else random.getrandbits(128)
        own = SpanContext(trace_id, random.getrandbits(64), False, TraceFlags(TraceFlags.SAMPLED))
        record = RecordedSpan(
            name, kind, own, parent_context, start_time or time.time_ns(), dict(attributes or {})
        )
        self._recorder._add(record)
        return _Span(record)

    @_agnosticcontextmanager  # the API's own decorator: the type its Tracer declares
    def start_as_current_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[trace.Span]:
        span = self.start_span(name, context, kind, attributes, links, start_time)
        with trace.use_span(span, end_on_exit=end_on_exit):
            yield span


class SpanRecorder(trace.TracerProvider):
    """A tracer provider that records every span in memory (thread-safe)."""

    def __init__(self) -> None:
        self.spans: list[RecordedSpan] = []
        self._lock = threading.Lock()

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: Attributes = None,
    ) -> trace.Tracer:
        return _Tracer(self)

    def _add(self, record: RecordedSpan) -> None:
        with self._lock:
            self.spans.append(record)

    def children(self, span: RecordedSpan | None) -> list[RecordedSpan]:
        """The spans whose parent is ``span`` (``None``: the roots), in start order."""
        ids = {s.context.span_id for s in self.spans}
        if span is None:
            found = [s for s in self.spans if s.parent is None or s.parent.span_id not in ids]
        else:
            found = [
                s for s in self.spans if s.parent is not None and s.parent.span_id == span.context.span_id
            ]
        return sorted(found, key=lambda s: s.start)

    def render(self, *, durations: bool = True, attributes: Sequence[str] = ()) -> str:
        """The span tree, one line a span: name, duration, error type, and the ``attributes``
        asked for."""
        lines: list[str] = []

        def line(span: RecordedSpan) -> str:
            text = span.name
            if durations:
                text += f"  {span.duration * 1000:.1f} ms"
            for key in attributes:
                if key in span.attributes:
                    value = span.attributes[key]
                    shown = ",".join(map(str, value)) if isinstance(value, list | tuple) else value
                    text += f"  {key.rsplit('.', 1)[-1]}={shown}"
            if span.status.status_code is StatusCode.ERROR:
                text += f"  ERROR {span.attributes.get('error.type', '')}".rstrip()
            return text

        def walk(span: RecordedSpan, prefix: str, last: bool, root: bool) -> None:
            branch = "" if root else ("└── " if last else "├── ")
            lines.append(prefix + branch + line(span))
            below = self.children(span)
            inner = prefix if root else prefix + ("    " if last else "│   ")
            for i, child in enumerate(below):
                walk(child, inner, i == len(below) - 1, False)

        for root in self.children(None):
            walk(root, "", True, True)
        return "\n".join(lines)
