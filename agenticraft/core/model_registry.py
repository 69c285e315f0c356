"""Model strings to providers: the table that providers register into.

``"openai:gpt-4o-mini"`` names a provider and a model; a bare name (``"claude-sonnet-4-6"``) is
matched by the prefixes providers registered, the longest winning. Core imports no provider:
the built-in adapters, like any plugin, register themselves through the ``agenticraft.models``
entry point group (a function given the :class:`ModelRegistry`), loaded on the first lookup;
:meth:`ModelRegistry.register` adds one by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.provider import StreamingProvider

__all__ = [
    "ENTRY_POINT_GROUP",
    "MODELS",
    "ModelLike",
    "ModelRegistry",
    "ProviderFactory",
    "parse_model_string",
    "resolve_model",
]

ENTRY_POINT_GROUP = "agenticraft.models"

ModelLike = str | StreamingProvider | Sequence[str | StreamingProvider]
"""A model string, a provider object, or an ordered fallback list of either."""


class ProviderFactory(Protocol):
    """Makes the provider for one model name."""

    def __call__(self, model: str, *, base_url: str | None, api_key: str | None) -> StreamingProvider: ...


class FallbackFactory(Protocol):
    def __call__(
        self, models: Sequence[str | StreamingProvider], *, base_url: str | None, api_key: str | None
    ) -> StreamingProvider: ...


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    factory: ProviderFactory
    prefixes: tuple[str, ...]


class ModelRegistry:
    """Provider names, their bare-name prefixes and their factories."""

    def __init__(self, *, entry_point_group: str | None = ENTRY_POINT_GROUP) -> None:
        self._entries: dict[str, _Entry] = {}
        self._fallback: FallbackFactory | None = None
        self._group = entry_point_group
        self._loaded = entry_point_group is None
        self._lock = threading.Lock()

    def register(self, name: str, factory: ProviderFactory, *, prefixes: Sequence[str] = ()) -> None:
        """Register (or replace) provider ``name``; ``prefixes`` claim bare model names."""
        self._entries[name.lower()] = _Entry(name.lower(), factory, tuple(p.lower() for p in prefixes))

    def register_fallback(self, factory: FallbackFactory) -> None:
        """What a list of models becomes (the fallback provider)."""
        self._fallback = factory

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            from importlib.metadata import entry_points

            for entry in entry_points(group=self._group or ""):
                register: Callable[[ModelRegistry], None] = entry.load()
                register(self)
            self._loaded = True

    @property
    def names(self) -> list[str]:
        self._load()
        return list(self._entries)

    def parse(self, model: str) -> tuple[str, str]:
        """Split a model string into (provider, model name)."""
        self._load()
        model = model.strip()
        if not model:
            raise ConfigurationError("the model string is empty")
        prefix, sep, name = model.partition(":")
        if sep and prefix.lower() in self._entries:
            if not name:
                raise ConfigurationError(f"model string {model!r} names no model after {prefix!r}:")
            return prefix.lower(), name
        lowered = model.lower()
        # the longest matching prefix wins, so "gpt-oss" (open weights) is not read as "gpt-"
        matches = [(p, e.name) for e in self._entries.values() for p in e.prefixes if lowered.startswith(p)]
        if matches:
            return max(matches, key=lambda m: len(m[0]))[1], model
        known = ", ".join(self._entries) or "none (is agenticraft installed? pip install agenticraft)"
        raise ConfigurationError(
            f"cannot tell the provider of model {model!r}: write it as 'provider:model' "
            f"with a provider among {known} (e.g. 'ollama:llama3.2')"
        )

    def resolve(
        self, model: ModelLike | None, *, base_url: str | None = None, api_key: str | None = None
    ) -> StreamingProvider:
        """The provider object for a model string (a provider object is returned as is; a list
        gives a fallback provider trying each in order)."""
        if model is None:
            raise ConfigurationError(
                "no model given: pass Agent(model='openai:gpt-4o-mini') or another provider:model"
            )
        if isinstance(model, StreamingProvider):
            return model
        if not isinstance(model, str):
            self._load()
            if self._fallback is None:
                raise ConfigurationError("no fallback provider is registered for a list of models")
            return self._fallback(list(model), base_url=base_url, api_key=api_key)
        provider_name, model_name = self.parse(model)
        return self._entries[provider_name].factory(model_name, base_url=base_url, api_key=api_key)


MODELS = ModelRegistry()
"""The registry ``Agent(model="...")`` uses."""


def parse_model_string(model: str) -> tuple[str, str]:
    """Split a model string into (provider, model name).

    >>> parse_model_string("openai:gpt-4o-mini")
    ('openai', 'gpt-4o-mini')
    >>> parse_model_string("claude-sonnet-4-6")
    ('anthropic', 'claude-sonnet-4-6')
    >>> parse_model_string("llama3.2:3b")
    ('ollama', 'llama3.2:3b')
    """
    return MODELS.parse(model)


def resolve_model(
    model: ModelLike | None, *, base_url: str | None = None, api_key: str | None = None
) -> StreamingProvider:
    """The provider for ``model`` from :data:`MODELS`.

    ``base_url`` and ``api_key`` go to the provider (any OpenAI-compatible server, or the
    Anthropic and Ollama hosts); the key otherwise comes from the provider's environment
    variable (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``).
    """
    return MODELS.resolve(model, base_url=base_url, api_key=api_key)
