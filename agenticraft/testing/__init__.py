"""Test your agents without a network or an API key.

- :class:`FunctionModel` and :class:`ScriptedModel`: in-process models for the run loop.
- :func:`block_real_providers`: makes any request to a real provider fail loudly (also the
  ``block_real_providers`` pytest fixture and ``AGENTICRAFT_BLOCK_REAL_PROVIDERS=1``).

Names are imported on first use, so the pytest plugin that lives here costs nothing to load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenticraft.core.messages import ToolCall
    from agenticraft.core.network_guard import block_real_providers, real_providers_blocked
    from agenticraft.testing.models import FunctionModel, Reply, ScriptedModel, ScriptedTurn

__all__ = [
    "FunctionModel",
    "Reply",
    "ScriptedModel",
    "ScriptedTurn",
    "ToolCall",
    "block_real_providers",
    "real_providers_blocked",
]

_LAZY: dict[str, str] = {
    "FunctionModel": "agenticraft.testing.models",
    "Reply": "agenticraft.testing.models",
    "ScriptedModel": "agenticraft.testing.models",
    "ScriptedTurn": "agenticraft.testing.models",
    "ToolCall": "agenticraft.core.messages",
    "block_real_providers": "agenticraft.core.network_guard",
    "real_providers_blocked": "agenticraft.core.network_guard",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
