"""``agenticraft run "prompt"``: one answer, streamed, then exit.

In a terminal the answer is rendered like in ``chat``; piped, the answer text goes to stdout
and the rest to stderr; with ``--json`` every stream event is one JSON line on stdout. With
``--output-type`` the streamed text goes to stderr and stdout gets only the validated output
as JSON, ready for ``jq``. ``--trace`` prints the run's span tree on stderr after the answer,
recorded in process by :class:`~agenticraft.telemetry.SpanRecorder` (the OpenTelemetry API
only: the ``otel`` extra, no SDK). ``--attach FILE`` (repeatable) sends files with the prompt as
content parts; ``--json`` events name them by type, size and SHA-256, never with their bytes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from agenticraft.core.agent import Agent, Prompt
from agenticraft.core.response import to_jsonable

from .render import JsonRenderer, PlainRenderer, Renderer
from .session import EXIT_INTERRUPTED, EXIT_OK, stream_answer

__all__ = ["run_once"]


def _renderer(json_mode: bool, quiet: bool, typed: bool, verbose: bool = False) -> Renderer:
    if json_mode:
        return JsonRenderer(sys.stdout)
    if typed:  # stdout is for the validated output alone
        return PlainRenderer(sys.stderr, sys.stderr, show_stats=not quiet, verbose=verbose)
    if sys.stdout.isatty():
        from rich.console import Console

        from .render import RichRenderer

        # one answer, then exit: a stopped answer is kept in no conversation
        return RichRenderer(
            Console(highlight=False), show_stats=not quiet, conversation=False, verbose=verbose
        )
    return PlainRenderer(sys.stdout, sys.stderr, show_stats=not quiet, verbose=verbose)


async def _run(agent: Agent, prompt: Prompt, renderer: Renderer, print_output: bool) -> int:
    try:
        answer = await stream_answer(agent, prompt, renderer)
    finally:
        await agent.provider.aclose()
    if answer.interrupted:
        return EXIT_INTERRUPTED
    if print_output:
        print(json.dumps(to_jsonable(answer.response.output), indent=2, ensure_ascii=False))
    return EXIT_OK


_TRACE_ATTRIBUTES = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.response.finish_reasons",
)


def run_once(
    agent: Agent,
    prompt: Prompt,
    *,
    json_mode: bool = False,
    quiet: bool = False,
    trace: bool = False,
    verbose: bool = False,
) -> int:
    """Answer ``prompt`` once; returns the exit code (errors propagate to ``main``).
    ``verbose``: also show eager tool starts."""
    typed = agent.output_type not in (None, str)
    renderer = _renderer(json_mode, quiet, typed, verbose)
    if not trace:
        return asyncio.run(_run(agent, prompt, renderer, typed and not json_mode))
    from agenticraft.telemetry import SpanRecorder, instrument, uninstrument

    recorder = SpanRecorder()
    instrument(tracer_provider=recorder)
    try:
        return asyncio.run(_run(agent, prompt, renderer, typed and not json_mode))
    finally:
        uninstrument()
        tree = recorder.render(attributes=_TRACE_ATTRIBUTES)
        if tree:
            print(tree, file=sys.stderr)
