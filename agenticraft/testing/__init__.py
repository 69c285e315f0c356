"""Test your agents without a network or an API key.

- :class:`FunctionModel` and :class:`ScriptedModel`: in-process models for the run loop.
- :func:`block_real_providers`: makes any request to a real provider fail loudly (also the
  ``block_real_providers`` pytest fixture and ``AGENTICRAFT_BLOCK_REAL_PROVIDERS=1``).
"""

from __future__ import annotations

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
