"""OpenTelemetry traces and metrics of every run, per the GenAI semantic conventions.

::

    from agenticraft.telemetry import instrument

    instrument()                       # the global tracer and meter providers, no content
    instrument(tracer_provider=tp, meter_provider=mp, capture_content=True)
    agent = Agent(..., instrument=False)   # leave one agent out

Needs ``pip install 'agenticraft[otel]'`` (``opentelemetry-api`` only; bring your own SDK and
exporter). Nothing of OpenTelemetry is imported until instrumentation is turned on. The spans
and metrics are described in :mod:`agenticraft.telemetry.instrumentation`; see
``docs/telemetry.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.hooks import add_global_hooks, remove_global_hooks

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from agenticraft.telemetry.instrumentation import Instrumentation
    from agenticraft.telemetry.recorder import RecordedSpan, SpanRecorder

__all__ = ["Instrumentation", "RecordedSpan", "SpanRecorder", "instrument", "uninstrument"]

_installed: list[Any] = []


def _otel() -> None:
    try:
        importlib.import_module("opentelemetry.trace")
    except ImportError as exc:
        raise ConfigurationError("telemetry needs OpenTelemetry: pip install 'agenticraft[otel]'") from exc


def instrument(
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    capture_content: bool = False,
    *,
    content_limit: int | None = None,
) -> Instrumentation:
    """Trace and measure every agent's runs from now on (``Agent(instrument=False)`` opts out).

    ``None`` providers are the global ones (``opentelemetry.trace.set_tracer_provider``, even
    when set later). ``capture_content`` records messages, instructions, tool definitions,
    arguments and results, each attribute cut to ``content_limit`` characters of JSON. Calling
    it again replaces the previous instrumentation; :func:`uninstrument` removes it.
    """
    _otel()
    from agenticraft.telemetry.content import DEFAULT_CONTENT_LIMIT
    from agenticraft.telemetry.instrumentation import Instrumentation

    hooks = Instrumentation(
        tracer_provider,
        meter_provider,
        capture_content,
        content_limit=DEFAULT_CONTENT_LIMIT if content_limit is None else content_limit,
    )
    uninstrument()
    add_global_hooks(hooks)
    _installed.append(hooks)
    return hooks


def uninstrument() -> None:
    """Stop instrumenting the runs that start from now on."""
    while _installed:
        remove_global_hooks(_installed.pop())


_LAZY = {
    "Instrumentation": "agenticraft.telemetry.instrumentation",
    "SpanRecorder": "agenticraft.telemetry.recorder",
    "RecordedSpan": "agenticraft.telemetry.recorder",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.telemetry' has no attribute {name!r}")
    _otel()
    return getattr(importlib.import_module(module), name)
