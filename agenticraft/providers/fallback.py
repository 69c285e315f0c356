"""An ordered list of models tried one after another when a turn cannot start, or (opt-in)
when it is cut midway.

:class:`FallbackProvider` moves to the next model on a connection error, a timeout, 429 or
5xx (after that provider's own retries). By default (``mid_stream="raise"``) only *before the
first event* of the turn: once output has reached the caller, the error surfaces with the
partial text, since trying another model would repeat the answer.

With ``mid_stream="continue"`` (``Agent(model=[...], fallback="continue")``) a transient error
after text has streamed does not end the turn: the next model gets the conversation plus the
partial answer as its own reply so far and streams the rest, so the caller sees one answer.

- A model that continues a last assistant message (``continues_prefill``: Anthropic, Ollama)
  gets the partial answer as that message: the assistant prefill. Trailing whitespace is left
  out of it (Anthropic rejects a prefill that ends in whitespace), and since the caller has
  already seen that whitespace, the continuation's leading whitespace is dropped.
- Any other model (OpenAI Chat Completions) gets the partial answer as an assistant message
  followed by a user message, :data:`CONTINUE_INSTRUCTION`, asking it to go on from exactly
  there without repeating anything.
- A cut inside a tool call's arguments, or before any text (thinking only), cannot be
  continued: the turn restarts on the next model from the original request, and the event
  says so (``restart_turn``), so the accumulator and the fold void what the turn had streamed.

Each switch yields one :class:`FallbackChunk` (its trace step records the failed attempt:
the model, the error, the text it gave). Usage counts both models: what the failed one
reported is added to what the next one reports.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from agenticraft.core.errors import ConfigurationError, ProviderError
from agenticraft.core.events import (
    ExtensionChunk,
    ProviderEvent,
    TextChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, Usage
from agenticraft.core.provider import ModelRequest, OutputMode, RequestAttempt, StreamingProvider

__all__ = ["CONTINUE_INSTRUCTION", "FallbackChunk", "FallbackProvider", "MidStream", "continuation_request"]

MidStream = Literal["raise", "continue"]

CONTINUE_INSTRUCTION = (
    "Your previous reply (the assistant message just before this one) was cut off midway by a "
    "connection failure. Continue it from exactly where it stopped: do not repeat any of it, do "
    "not comment on the interruption, start with the very next characters of the reply."
)
"""The user message after the partial answer, for a model that does not continue a prefill."""


@dataclass(slots=True)
class FallbackChunk(ExtensionChunk):
    """The turn moved to the next model after a failure midway.

    ``payload``: ``from`` and ``to`` (model labels), ``mode`` (``"continue"``: the next model
    goes on from the partial text; ``"restart"``: the turn starts over, and ``restart_turn``
    is true), ``error`` (what the failed model raised), ``partial_text`` (what the caller had
    seen of the answer) and ``usage`` (what the failed model reported, as a dict).
    """

    extension: ClassVar[str] = "fallback"

    @property
    def mode(self) -> str:
        return str(self.payload.get("mode", ""))


def continuation_request(request: ModelRequest, partial: str, provider: StreamingProvider) -> ModelRequest:
    """``request`` for ``provider`` to go on from the ``partial`` answer (see the module's doc)."""
    if provider.continues_prefill:
        messages = [*request.messages, Message.assistant(partial.rstrip())]
    else:
        messages = [*request.messages, Message.assistant(partial), Message.user(CONTINUE_INSTRUCTION)]
    return replace(request, messages=messages)


class FallbackProvider(StreamingProvider):
    """Tries each provider in order until one starts streaming (and, with
    ``mid_stream="continue"``, until one finishes the turn).

    >>> FallbackProvider(["openai:gpt-4o-mini", "ollama:llama3.2"])  # doctest: +SKIP

    ``Agent(model=[...])`` builds one. ``active`` is the provider serving this run's turn;
    ``errors`` holds what the ones before it raised in that turn. ``base_url`` and ``api_key``
    apply to every model string, so they are refused when the strings name several providers.
    """

    def __init__(
        self,
        providers: Sequence[str | StreamingProvider],
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        mid_stream: MidStream = "raise",
    ) -> None:
        from agenticraft.core.model_registry import resolve_model

        if not providers:
            raise ConfigurationError("FallbackProvider needs at least one model")
        if mid_stream not in ("raise", "continue"):
            raise ConfigurationError(f"mid_stream must be 'raise' or 'continue', got {mid_stream!r}")
        if base_url is not None or api_key is not None:
            from agenticraft.core.model_registry import parse_model_string

            kinds = {parse_model_string(p)[0] for p in providers if isinstance(p, str)}
            if len(kinds) > 1:
                # one key or host for every vendor would send one vendor's key to another
                names = ", ".join(sorted(kinds))
                raise ConfigurationError(
                    f"base_url / api_key cannot apply to models of several providers ({names}):"
                    " pass provider objects, e.g. OpenAIProvider(model, base_url=..., api_key=...)"
                )
        self.providers: list[StreamingProvider] = [
            p if isinstance(p, StreamingProvider) else resolve_model(p, base_url=base_url, api_key=api_key)
            for p in providers
        ]
        self.mid_stream: MidStream = mid_stream
        # per run context, so concurrent runs on one instance each see the provider serving them
        self._active: ContextVar[StreamingProvider] = ContextVar(f"fallback_active_{id(self)}")
        self._last: StreamingProvider = self.providers[0]
        self.errors: list[ProviderError] = []

    @property
    def active(self) -> StreamingProvider:
        """Inside a run, the provider serving its turn; outside, the one that served the last."""
        return self._active.get(self._last)

    # name and model follow the provider in use, so thinking parts keep their true origin
    @property
    def name(self) -> str:  # type: ignore[override]
        return self.active.name

    @property
    def model(self) -> str:  # type: ignore[override]
        return self.active.model

    @property
    def label(self) -> str:
        return " -> ".join(p.label for p in self.providers)

    @property
    def preferred_output_mode(self) -> OutputMode:  # type: ignore[override]
        """The mode every provider in the list prefers, else ``"tool"`` (it works on all)."""
        modes = {p.preferred_output_mode for p in self.providers}
        return modes.pop() if len(modes) == 1 else "tool"

    def __repr__(self) -> str:
        return f"FallbackProvider([{', '.join(repr(p.label) for p in self.providers)}])"

    async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        """Stream the turn from the first provider that gets to its first event (with
        ``mid_stream="continue"``: continued by the next ones when it is cut)."""
        from agenticraft.providers._http import HTTPProvider

        self.errors = []
        last = len(self.providers) - 1
        observe = request.on_attempt
        continuing = ""  # the partial answer the next model goes on from ("": the request as is)
        seen: list[str] = []  # the answer text the caller has seen in this turn
        spent = Usage()  # what the models cut midway reported
        for position, provider in enumerate(self.providers):
            self._active.set(provider)
            self._last = provider
            started = called = False
            usage = Usage()
            strip = bool(seen) and seen[-1][-1:].isspace()  # the caller saw that whitespace
            current = continuation_request(request, continuing, provider) if continuing else request
            # HTTP providers report their own requests; any other is one attempt, reported here
            report = observe if observe is not None and not isinstance(provider, HTTPProvider) else None
            if report is not None:
                report(RequestAttempt(provider.name, provider.model, ""))
            try:
                async with aclosing(provider.stream_turn(current)) as events:
                    async for event in events:
                        if type(event) is TextChunk:
                            if strip:
                                event.content = event.content.lstrip()
                                if not event.content:
                                    continue
                                strip = False
                            seen.append(event.content)
                        elif type(event) is ToolCallDeltaChunk:
                            called = True
                        elif type(event) is UsageChunk:
                            usage = event.usage
                            if spent.total_tokens:
                                event = UsageChunk(spent + usage)
                        elif type(event) is TurnEndChunk and spent.total_tokens:
                            event.usage = spent + (event.usage if event.usage.total_tokens else usage)
                        started = True
                        yield event
                return
            except ProviderError as exc:
                if report is not None and not started:
                    report(RequestAttempt(provider.name, provider.model, "", error=exc))
                moves_on = exc.is_transient and position < last
                if not moves_on or (started and self.mid_stream != "continue"):
                    if self.errors:
                        tried = "; ".join(f"{e.provider}: {e}" for e in self.errors)
                        exc.add_note(f"earlier models failed: {tried}")
                    raise
                self.errors.append(exc)
                if not started:
                    continue  # nothing reached the caller: the next model gets the same request
                spent = spent + usage
                nxt = self.providers[position + 1]
                partial = "".join(seen)
                restart = called or not partial.strip()
                payload: dict[str, Any] = {
                    "from": provider.label,
                    "to": nxt.label,
                    "mode": "restart" if restart else "continue",
                    "error": str(exc),
                    "partial_text": partial,
                    "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
                }
                if restart:
                    payload["restart_turn"] = True
                    seen, continuing = [], ""
                else:
                    continuing = partial
                yield FallbackChunk("fallback", payload)

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.aclose()
