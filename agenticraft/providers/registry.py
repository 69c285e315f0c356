"""The built-in providers' entry in the model registry (:mod:`agenticraft.core.model_registry`).

:func:`register_models` is this package's ``agenticraft.models`` entry point, the same hook a
plugin uses. Each adapter module is imported only when a model of its is resolved.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.model_registry import ModelRegistry, parse_model_string, resolve_model
from agenticraft.core.provider import StreamingProvider

__all__ = ["BUILTIN_PROVIDERS", "parse_model_string", "register_models", "resolve_model"]

#: provider name -> (module, class, bare-name prefixes). The open-weight families are what
#: people pull into Ollama; anything else needs an explicit "provider:" prefix.
BUILTIN_PROVIDERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "openai": ("agenticraft.providers.openai", "OpenAIProvider", ("gpt-", "chatgpt-", "o1", "o3", "o4")),
    # the Responses API: by name only ("openai-responses:gpt-5-mini"); bare names stay on chat
    "openai-responses": ("agenticraft.providers.openai_responses", "OpenAIResponsesProvider", ()),
    "anthropic": ("agenticraft.providers.anthropic", "AnthropicProvider", ("claude-",)),
    "ollama": (
        "agenticraft.providers.ollama",
        "OllamaProvider",
        ("llama", "codellama", "qwen", "gemma", "phi", "mistral", "deepseek-r1", "gpt-oss"),
    ),
}


class _Lazy:
    """A factory importing its adapter module on first use."""

    def __init__(self, provider: str, module: str, cls: str) -> None:
        self.provider, self.module, self.cls = provider, module, cls

    def __call__(self, model: str, *, base_url: str | None, api_key: str | None) -> StreamingProvider:
        try:
            module = importlib.import_module(self.module)
        except ModuleNotFoundError as exc:
            raise ConfigurationError(f"the {self.provider} provider is not available: {exc}") from exc
        provider: StreamingProvider = getattr(module, self.cls)(model, base_url=base_url, api_key=api_key)
        return provider


def _fallback(
    models: Sequence[str | StreamingProvider], *, base_url: str | None, api_key: str | None
) -> StreamingProvider:
    from agenticraft.providers.fallback import FallbackProvider

    return FallbackProvider(models, base_url=base_url, api_key=api_key)


def register_models(registry: ModelRegistry) -> None:
    """Register OpenAI (Chat Completions and Responses), Anthropic and Ollama, and the fallback list."""
    for name, (module, cls, prefixes) in BUILTIN_PROVIDERS.items():
        registry.register(name, _Lazy(name, module, cls), prefixes=prefixes)
    registry.register_fallback(_fallback)
