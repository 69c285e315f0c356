"""Model providers: each adapter translates one wire protocol to and from our model.

Adapters are imported only when used: ``from agenticraft.providers import OpenAIProvider``
loads the OpenAI adapter and nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenticraft.providers.registry import parse_model_string, resolve_model

__all__ = ["parse_model_string", "resolve_model"]

_LAZY = {
    "parse_model_string": "agenticraft.providers.registry",
    "resolve_model": "agenticraft.providers.registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.providers' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
