"""Model strings to providers: ``"openai:gpt-4o-mini"``, ``"claude-sonnet-4-6"``, ...

The provider modules are imported only when a model of theirs is resolved. A list of models
becomes a :class:`~agenticraft.providers.fallback.FallbackProvider` that tries them in order.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.streaming import StreamingProvider

__all__ = ["PROVIDERS", "parse_model_string", "resolve_model"]

#: provider name -> (module, class)
PROVIDERS: dict[str, tuple[str, str]] = {
    "openai": ("agenticraft.providers.openai", "OpenAIProvider"),
    "anthropic": ("agenticraft.providers.anthropic", "AnthropicProvider"),
    "ollama": ("agenticraft.providers.ollama", "OllamaProvider"),
}

# Bare model names, by prefix. The open-weight families are what people pull into Ollama;
# anything else needs an explicit "provider:" prefix.
_BARE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-", "openai"),
    ("chatgpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("claude-", "anthropic"),
    ("llama", "ollama"),
    ("codellama", "ollama"),
    ("qwen", "ollama"),
    ("gemma", "ollama"),
    ("phi", "ollama"),
    ("mistral", "ollama"),
    ("deepseek-r1", "ollama"),
    ("gpt-oss", "ollama"),
)


def parse_model_string(model: str) -> tuple[str, str]:
    """Split a model string into (provider, model name).

    >>> parse_model_string("openai:gpt-4o-mini")
    ('openai', 'gpt-4o-mini')
    >>> parse_model_string("claude-sonnet-4-6")
    ('anthropic', 'claude-sonnet-4-6')
    >>> parse_model_string("llama3.2:3b")
    ('ollama', 'llama3.2:3b')
    """
    model = model.strip()
    if not model:
        raise ConfigurationError("the model string is empty")
    prefix, sep, name = model.partition(":")
    if sep and prefix.lower() in PROVIDERS:
        if not name:
            raise ConfigurationError(f"model string {model!r} names no model after {prefix!r}:")
        return prefix.lower(), name
    lowered = model.lower()
    # the longest matching prefix wins, so "gpt-oss" (open weights) is not read as "gpt-"
    matches = [(start, provider) for start, provider in _BARE_PREFIXES if lowered.startswith(start)]
    if matches:
        return max(matches, key=lambda m: len(m[0]))[1], model
    known = ", ".join(PROVIDERS)
    raise ConfigurationError(
        f"cannot tell the provider of model {model!r}: write it as 'provider:model' "
        f"with a provider among {known} (e.g. 'ollama:llama3.2')"
    )


def resolve_model(
    model: str | StreamingProvider | Sequence[str | StreamingProvider] | None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
) -> StreamingProvider:
    """The provider object for a model string (a provider object is returned as is; a list
    gives a fallback provider trying each in order).

    ``base_url`` and ``api_key`` go to the provider (any OpenAI-compatible server, or the
    Anthropic and Ollama hosts); the key otherwise comes from the provider's environment
    variable (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``).
    """
    if model is None:
        raise ConfigurationError(
            "no model given: pass Agent(model='openai:gpt-4o-mini') or another provider:model"
        )
    if isinstance(model, StreamingProvider):
        return model
    if not isinstance(model, str):
        from agenticraft.providers.fallback import FallbackProvider

        return FallbackProvider(list(model), base_url=base_url, api_key=api_key)
    provider_name, model_name = parse_model_string(model)
    module_name, class_name = PROVIDERS[provider_name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(f"the {provider_name} provider is not available: {exc}") from exc
    provider_class = getattr(module, class_name)
    provider: StreamingProvider = provider_class(model_name, base_url=base_url, api_key=api_key)
    return provider
