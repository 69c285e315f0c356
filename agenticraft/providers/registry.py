"""Model strings to providers: ``"openai:gpt-4o-mini"``, ``"claude-sonnet-4-6"``, ...

The provider modules are imported only when a model of theirs is resolved.
"""

from __future__ import annotations

import importlib

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.streaming import StreamingProvider

__all__ = ["PROVIDERS", "parse_model_string", "resolve_model"]

#: provider name -> (module, class)
PROVIDERS: dict[str, tuple[str, str]] = {
    "openai": ("agenticraft.providers.openai", "OpenAIProvider"),
    "anthropic": ("agenticraft.providers.anthropic", "AnthropicProvider"),
    "ollama": ("agenticraft.providers.ollama", "OllamaProvider"),
}

_BARE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("chatgpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("claude-", "anthropic"),
)


def parse_model_string(model: str) -> tuple[str, str]:
    """Split a model string into (provider, model name).

    >>> parse_model_string("openai:gpt-4o-mini")
    ('openai', 'gpt-4o-mini')
    >>> parse_model_string("claude-sonnet-4-6")
    ('anthropic', 'claude-sonnet-4-6')
    """
    model = model.strip()
    if not model:
        raise ConfigurationError("the model string is empty")
    prefix, sep, name = model.partition(":")
    if sep and prefix.lower() in PROVIDERS:
        if not name:
            raise ConfigurationError(f"model string {model!r} names no model after {prefix!r}:")
        return prefix.lower(), name
    for start, provider in _BARE_PREFIXES:
        if model.startswith(start):
            return provider, model
    known = ", ".join(PROVIDERS)
    raise ConfigurationError(
        f"cannot tell the provider of model {model!r}: write it as 'provider:model' "
        f"with a provider among {known} (e.g. 'ollama:llama3.2')"
    )


def resolve_model(
    model: str | None, *, base_url: str | None = None, api_key: str | None = None
) -> StreamingProvider:
    """The provider object for a model string."""
    if model is None:
        raise ConfigurationError(
            "no model given: pass Agent(model='openai:gpt-4o-mini') or another provider:model"
        )
    provider_name, model_name = parse_model_string(model)
    module_name, class_name = PROVIDERS[provider_name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(f"the {provider_name} provider is not available: {exc}") from exc
    provider_class = getattr(module, class_name)
    provider: StreamingProvider = provider_class(model_name, base_url=base_url, api_key=api_key)
    return provider
