"""The built-in providers, as the built-in plugin registers them in the model registry
(:mod:`agenticraft.core.model_registry`) through the ``register_providers`` hook, the same one a
plugin uses (:mod:`agenticraft.plugins.builtin`). Each adapter module is imported only when a
model of its is resolved.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.model_registry import parse_model_string, resolve_model
from agenticraft.core.provider import StreamingProvider

__all__ = [
    "BUILTIN_PROVIDERS",
    "fallback_provider",
    "parse_model_string",
    "register_builtin_providers",
    "resolve_model",
]

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


def fallback_provider(
    models: Sequence[str | StreamingProvider], *, base_url: str | None, api_key: str | None
) -> StreamingProvider:
    from agenticraft.providers.fallback import FallbackProvider

    return FallbackProvider(models, base_url=base_url, api_key=api_key)


def register_builtin_providers(register: Callable[..., Any]) -> None:
    """Register OpenAI (Chat Completions and Responses), Anthropic and Ollama with ``register``
    (a ``register_providers`` hook's argument)."""
    for name, (module, cls, prefixes) in BUILTIN_PROVIDERS.items():
        register(name, _Lazy(name, module, cls), prefixes=prefixes)
