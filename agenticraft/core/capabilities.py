"""Capabilities: one unit that plugs toolsets, hooks, instructions and settings into an agent.

MCP servers, long-term memory, telemetry, durable execution and plugins each arrive as a
:class:`Capability`, so adding one never means a new ``Agent`` argument or a branch in the run
loop. ``Agent(capabilities=[a, b])`` applies them in order, after the agent's own: their
toolsets follow the agent's tools, their hooks follow the agent's hooks (so the first
capability's wrapper is outside the second's), their instructions follow the agent's, and their
model settings are laid over the agent's in order (the last one given wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agenticraft.core.hooks import RunHooks
from agenticraft.core.instructions import InstructionSource
from agenticraft.core.provider import ModelSettings
from agenticraft.core.toolsets import Toolset

__all__ = ["Capability"]


@dataclass(slots=True)
class Capability:
    """What a capability adds to an agent. Subclass it, or build one directly::

    Capability(toolsets=[db_tools], hooks=[AuditHooks()], instructions=["Cite your sources."])
    """

    toolsets: Sequence[Toolset] = field(default_factory=tuple)
    hooks: Sequence[RunHooks] = field(default_factory=tuple)
    instructions: Sequence[InstructionSource] = field(default_factory=tuple)
    settings: ModelSettings | None = None
