"""Model providers: each adapter translates one wire protocol to and from our model.

Adapters are imported only when used: ``from agenticraft.providers import OpenAIProvider``
loads the OpenAI adapter and nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenticraft.providers._http import HTTPProvider, RetryPolicy, Timeouts, close_shared_clients
    from agenticraft.providers._urls import base_url_problem, redact_url
    from agenticraft.providers.anthropic import AnthropicProvider
    from agenticraft.providers.fallback import FallbackProvider
    from agenticraft.providers.ollama import OllamaProvider
    from agenticraft.providers.openai import OpenAIProvider
    from agenticraft.providers.openai_responses import OpenAIResponsesProvider
    from agenticraft.providers.registry import parse_model_string, resolve_model

__all__ = [
    "AnthropicProvider",
    "FallbackProvider",
    "HTTPProvider",
    "OllamaProvider",
    "OpenAIProvider",
    "OpenAIResponsesProvider",
    "RetryPolicy",
    "Timeouts",
    "base_url_problem",
    "close_shared_clients",
    "parse_model_string",
    "redact_url",
    "resolve_model",
]

_LAZY = {
    "AnthropicProvider": "agenticraft.providers.anthropic",
    "FallbackProvider": "agenticraft.providers.fallback",
    "HTTPProvider": "agenticraft.providers._http",
    "OllamaProvider": "agenticraft.providers.ollama",
    "OpenAIProvider": "agenticraft.providers.openai",
    "OpenAIResponsesProvider": "agenticraft.providers.openai_responses",
    "RetryPolicy": "agenticraft.providers._http",
    "Timeouts": "agenticraft.providers._http",
    "close_shared_clients": "agenticraft.providers._http",
    "base_url_problem": "agenticraft.providers._urls",
    "redact_url": "agenticraft.providers._urls",
    "parse_model_string": "agenticraft.providers.registry",
    "resolve_model": "agenticraft.providers.registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.providers' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
