"""An ordered list of models tried one after another when a turn cannot start.

:class:`FallbackProvider` moves to the next model on a connection error, a timeout, 429 or
5xx (after that provider's own retries), but only *before the first event* of the turn. Once
output has reached the caller, the error surfaces with the partial text: trying another
model then would repeat the answer, so it never happens silently.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from contextvars import ContextVar

from agenticraft.core.errors import ConfigurationError, ProviderError
from agenticraft.core.events import ProviderEvent
from agenticraft.core.provider import ModelRequest, OutputMode, RequestAttempt, StreamingProvider

__all__ = ["FallbackProvider"]


class FallbackProvider(StreamingProvider):
    """Tries each provider in order until one starts streaming.

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
    ) -> None:
        from agenticraft.core.model_registry import resolve_model

        if not providers:
            raise ConfigurationError("FallbackProvider needs at least one model")
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
        """Stream the turn from the first provider that gets to its first event."""
        from agenticraft.providers._http import HTTPProvider

        self.errors = []
        last = len(self.providers) - 1
        observe = request.on_attempt
        for position, provider in enumerate(self.providers):
            self._active.set(provider)
            self._last = provider
            started = False
            # HTTP providers report their own requests; any other is one attempt, reported here
            report = observe if observe is not None and not isinstance(provider, HTTPProvider) else None
            if report is not None:
                report(RequestAttempt(provider.name, provider.model, ""))
            try:
                async with aclosing(provider.stream_turn(request)) as events:
                    async for event in events:
                        started = True
                        yield event
                return
            except ProviderError as exc:
                if report is not None and not started:
                    report(RequestAttempt(provider.name, provider.model, "", error=exc))
                if started or position == last or not exc.is_transient:
                    if self.errors:
                        tried = "; ".join(f"{e.provider}: {e}" for e in self.errors)
                        exc.add_note(f"earlier models failed before their first token: {tried}")
                    raise
                self.errors.append(exc)

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.aclose()
