"""Toolsets and capabilities by name, from plugins: :func:`toolset`, :func:`capability`.

A plugin's ``register_toolsets(register)`` hook registers ``register(name, factory,
description="")``; ``factory(**config)`` builds a :class:`~agenticraft.core.toolsets.Toolset`
or a :class:`~agenticraft.core.capabilities.Capability` when it is asked for, so a name costs
nothing until used. In Python::

    from agenticraft.plugins import capability, toolset
    agent = Agent(model=..., toolsets=[toolset("acme-crm", region="eu")])
    agent = Agent(model=..., capabilities=[capability("acme-crm")])  # a toolset or a capability

On the command line: ``agenticraft run --toolset acme-crm:region=eu "..."``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agenticraft.core.capabilities import Capability
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.toolsets import Toolset
from agenticraft.plugins.manager import PluginInfo, PluginManager, plugin_manager
from agenticraft.plugins.registration import recorded

__all__ = ["NamedToolset", "ToolsetTable", "capability", "parse_toolset_spec", "toolset", "toolsets"]

ToolsetFactory = Callable[..., Toolset | Capability]


@dataclass(frozen=True, slots=True)
class NamedToolset:
    """A toolset or capability a plugin registered: its name, factory, description, plugin."""

    name: str
    factory: ToolsetFactory
    description: str
    plugin: str


class ToolsetTable:
    """The named toolsets of one plugin manager (every plugin's, loaded on first use)."""

    def __init__(self, manager: PluginManager | None = None) -> None:
        self._manager = manager
        self._entries: dict[str, NamedToolset] = {}

    @property
    def manager(self) -> PluginManager:
        return self._manager or plugin_manager()

    def entries(self) -> dict[str, NamedToolset]:
        """Every named toolset (this loads the installed plugins)."""
        manager = self.manager
        manager.load()
        manager.call("register_toolsets", self._for_plugin)
        return dict(self._entries)

    def _for_plugin(self, info: PluginInfo) -> Callable[..., None]:
        def register(name: str, factory: ToolsetFactory, *, description: str = "") -> None:
            problem = None
            if not isinstance(name, str) or not name or ":" in name or "," in name:
                problem = "a toolset name must be non-empty, without ':' or ','"
            elif not callable(factory):
                problem = f"its factory is not callable: {factory!r}"
            elif name in self._entries:
                problem = f"plugin {self._entries[name].plugin!r} registered that name first"
            if problem is not None:
                self.manager.refused(info, "toolset", str(name), problem)
                return
            self._entries[name] = NamedToolset(name, factory, description, info.name)
            recorded(info, "toolsets", name)

        return register

    def build(self, name: str, config: dict[str, Any]) -> Toolset | Capability:
        entries = self.entries()
        entry = entries.get(name)
        if entry is None:
            known = ", ".join(sorted(entries)) or "none"
            raise ConfigurationError(
                f"no toolset named {name!r} (registered by plugins: {known}; `agenticraft plugins` "
                "lists what each installed plugin adds)"
            )
        try:
            made = entry.factory(**config)
        except TypeError as exc:
            raise ConfigurationError(f"toolset {name!r} (plugin {entry.plugin!r}): {exc}") from exc
        if not isinstance(made, Toolset | Capability):
            raise ConfigurationError(
                f"toolset {name!r} (plugin {entry.plugin!r}) made {made!r}, not a Toolset or a Capability"
            )
        return made


TOOLSETS = ToolsetTable()
"""The process's named toolsets."""


def toolsets() -> dict[str, NamedToolset]:
    """Every toolset and capability registered by a plugin, by name."""
    return TOOLSETS.entries()


def toolset(name: str, **config: Any) -> Toolset:
    """The toolset registered as ``name``, built with ``config``.

    A :class:`ConfigurationError` for an unknown name, a config the factory does not take, or
    a name that makes a capability (use :func:`capability` for those).
    """
    made = TOOLSETS.build(name, config)
    if not isinstance(made, Toolset):
        raise ConfigurationError(
            f"{name!r} is a capability, not a toolset: use agenticraft.plugins.capability({name!r}) "
            "with Agent(capabilities=[...])"
        )
    return made


def capability(name: str, **config: Any) -> Capability:
    """The toolset or capability registered as ``name``, as a capability (a toolset made
    into one), for ``Agent(capabilities=[...])``."""
    made = TOOLSETS.build(name, config)
    return made if isinstance(made, Capability) else Capability(toolsets=[made])


def parse_toolset_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"name"`` or ``"name:key=value,key=value"`` (the command line's ``--toolset``) as the
    name and its config (values are strings)."""
    name, _, rest = spec.partition(":")
    config: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigurationError(f"--toolset {spec!r}: write options as name:key=value,key=value")
        config[key.strip()] = value
    if not name.strip():
        raise ConfigurationError(f"--toolset {spec!r} names no toolset")
    return name.strip(), config
