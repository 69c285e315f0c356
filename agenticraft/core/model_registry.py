"""Model strings to providers: the table that providers register into.

``"openai:gpt-4o-mini"`` names a provider and a model; a bare name (``"claude-sonnet-4-6"``) is
matched by the prefixes providers registered, the longest winning. Core imports no provider
and no plugin: a registry is given a *loader* that fills it, and :data:`MODELS` names its
loader like an entry point (``"module:function"``, :data:`PLUGIN_LOADER`), imported on the
first lookup. That loader is the plugin system: it registers the built-in providers first, and
loads the installed plugins only for a model string the built-ins cannot resolve, so
``"openai:gpt-4o-mini"`` never pays for the scan. Entries a plugin registered (``plugin=``)
never replace another's name, and their bare-name prefixes count only where no other prefix
matches. :meth:`ModelRegistry.register` adds one by hand.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.provider import StreamingProvider

__all__ = [
    "MODELS",
    "PLUGIN_LOADER",
    "RegistryLoader",
    "ModelLike",
    "ModelRegistry",
    "ProviderFactory",
    "parse_model_string",
    "resolve_model",
]

PLUGIN_LOADER = "agenticraft.plugins.registration:fill_model_registry"
"""The loader of :data:`MODELS`: the plugin system's filler of this table."""

ModelLike = str | StreamingProvider | Sequence[str | StreamingProvider]
"""A model string, a provider object, or an ordered fallback list of either."""


class ProviderFactory(Protocol):
    """Makes the provider for one model name."""

    def __call__(self, model: str, *, base_url: str | None, api_key: str | None) -> StreamingProvider: ...


class FallbackFactory(Protocol):
    def __call__(
        self, models: Sequence[str | StreamingProvider], *, base_url: str | None, api_key: str | None
    ) -> StreamingProvider: ...


class RegistryLoader(Protocol):
    """Fills a registry: the built-in providers when ``installed`` is false, else also what
    installed plugins add (called again on every miss; repeats must be cheap)."""

    def __call__(self, registry: ModelRegistry, *, installed: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    factory: ProviderFactory
    prefixes: tuple[str, ...]
    plugin: str | None  # the plugin that registered it; None: built in, or by hand


class ModelRegistry:
    """Provider names, their bare-name prefixes and their factories.

    ``loader`` (a :class:`RegistryLoader`, or its ``"module:function"`` name) fills the
    registry on first use; without one, only what is registered by hand is there.
    """

    def __init__(self, *, loader: RegistryLoader | str | None = None) -> None:
        self._entries: dict[str, _Entry] = {}
        self._fallback: FallbackFactory | None = None
        self._loader = loader
        self._ready = loader is None  # the built-ins are in
        self._filling = False
        self._lock = threading.RLock()

    def register(
        self,
        name: str,
        factory: ProviderFactory,
        *,
        prefixes: Sequence[str] = (),
        plugin: str | None = None,
    ) -> None:
        """Register provider ``name``; ``prefixes`` claim bare model names. By hand
        (``plugin=None``) it replaces a provider of that name; a plugin's registration of a
        name already taken is refused (a :class:`ConfigurationError` naming the owner)."""
        key = name.lower()
        if not key or ":" in key:
            raise ConfigurationError(f"a provider name must be non-empty and without ':', got {name!r}")
        if not callable(factory):
            raise ConfigurationError(f"the factory of provider {name!r} is not callable: {factory!r}")
        taken = self._entries.get(key)
        if taken is not None and plugin is not None:
            owner = f"plugin {taken.plugin!r}" if taken.plugin else "AgentiCraft"
            raise ConfigurationError(f"provider {key!r} is already registered by {owner}")
        self._entries[key] = _Entry(key, factory, tuple(p.lower() for p in prefixes), plugin)

    def register_fallback(self, factory: FallbackFactory) -> None:
        """What a list of models becomes (the fallback provider)."""
        self._fallback = factory

    def owner(self, name: str) -> str | None:
        """The plugin that registered provider ``name`` (``None``: built in, by hand, or unknown)."""
        entry = self._entries.get(name.lower())
        return entry.plugin if entry is not None else None

    def _fill(self, *, installed: bool) -> None:
        loader = self._loader
        if loader is None:
            return
        if isinstance(loader, str):
            module, _, attribute = loader.partition(":")
            loader = self._loader = getattr(importlib.import_module(module), attribute)
        assert not isinstance(loader, str)
        loader(self, installed=installed)

    def _load(self) -> None:
        """The built-in providers, on first use (another thread waits until they are in)."""
        if self._ready:
            return
        with self._lock:
            if self._ready or self._filling:  # filling: a loader looking something up
                return
            self._filling = True
            try:
                self._fill(installed=False)
            finally:
                self._ready, self._filling = True, False

    def _load_installed(self) -> None:
        self._load()
        with self._lock:
            self._fill(installed=True)

    @property
    def names(self) -> list[str]:
        """Every provider name, installed plugins' included (this loads them)."""
        self._load_installed()
        return list(self._entries)

    def parse(self, model: str) -> tuple[str, str]:
        """Split a model string into (provider, model name)."""
        self._load()
        model = model.strip()
        if not model:
            raise ConfigurationError("the model string is empty")
        prefix, sep, _ = model.partition(":")
        named = bool(sep) and prefix.lower() not in self._entries
        # "mistral:large" names a provider first (a plugin's, maybe), a bare prefix second
        found = None if named else self._match(model)
        if found is None and self._loader is not None:  # not built in: maybe a plugin's
            self._load_installed()
        if found is None:
            found = self._match(model)
        if found is not None:
            return found
        known = ", ".join(self._entries) or "none (is agenticraft installed? pip install agenticraft)"
        raise ConfigurationError(
            f"cannot tell the provider of model {model!r}: write it as 'provider:model' "
            f"with a provider among {known} (e.g. 'ollama:llama3.2'; `agenticraft plugins` "
            "lists the installed plugins)"
        )

    def _match(self, model: str) -> tuple[str, str] | None:
        prefix, sep, name = model.partition(":")
        if sep and prefix.lower() in self._entries:
            if not name:
                raise ConfigurationError(f"model string {model!r} names no model after {prefix!r}:")
            return prefix.lower(), name
        lowered = model.lower()
        # the longest matching prefix wins, so "gpt-oss" (open weights) is not read as "gpt-";
        # a plugin's prefixes only where no built-in one matches, so installing one never
        # changes what a built-in model string means
        for from_plugins in (False, True):
            matches = [
                (p, e.name)
                for e in self._entries.values()
                if (e.plugin is not None) == from_plugins
                for p in e.prefixes
                if lowered.startswith(p)
            ]
            if matches:
                return max(matches, key=lambda m: len(m[0]))[1], model
        return None

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


MODELS = ModelRegistry(loader=PLUGIN_LOADER)
"""The registry ``Agent(model="...")`` uses, filled by the plugin system."""


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
