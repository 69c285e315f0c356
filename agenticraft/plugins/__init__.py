"""Plugins: providers, toolsets, CLI commands and stream encoders from installed packages.

A plugin is a package with an entry point in the group ``agenticraft``, naming a module whose
functions are marked :data:`hookimpl`::

    # pyproject.toml:  [project.entry-points.agenticraft]  acme = "agenticraft_acme"
    from agenticraft.plugins import hookimpl

    @hookimpl
    def register_providers(register):
        register("acme", AcmeProvider)  # Agent(model="acme:fast-1") now works

The hooks are in :mod:`agenticraft.plugins.specs`; the built-in providers and encoders are a
plugin too (:mod:`agenticraft.plugins.builtin`). Installed plugins load on first need (a model
string the built-ins do not know, the command line's start, the first encoder lookup), never
at ``import agenticraft``; ``AGENTICRAFT_PLUGINS=none`` (or ``a,b``) turns them off (or
restricts them). :func:`plugins` says what each one registered and what failed. See
``docs/plugins.md``.
"""

from __future__ import annotations

from agenticraft.plugins.manager import (
    ENTRY_POINT_GROUP,
    ENV_SWITCH,
    PluginInfo,
    PluginManager,
    PluginWarning,
    plugin_manager,
)
from agenticraft.plugins.specs import hookimpl, hookspec
from agenticraft.plugins.toolsets import NamedToolset, capability, toolset, toolsets

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_SWITCH",
    "NamedToolset",
    "PluginInfo",
    "PluginManager",
    "PluginWarning",
    "capability",
    "hookimpl",
    "hookspec",
    "plugin_manager",
    "plugins",
    "register_plugin",
    "toolset",
    "toolsets",
]


def register_plugin(plugin: object, name: str | None = None) -> PluginInfo:
    """Add a plugin object by hand (a module, a class instance with ``@hookimpl`` methods), as
    if it were installed: its providers, toolsets and encoders are there on next use."""
    return plugin_manager().register(plugin, name)


def plugins(*, builtin: bool = False) -> list[PluginInfo]:
    """Every installed plugin (and the built-in one with ``builtin=True``), after loading them
    and calling each hook, so ``registered`` and ``errors`` are complete."""
    from agenticraft.core.model_registry import MODELS
    from agenticraft.plugins.commands import PluginCLI
    from agenticraft.plugins.registration import fill_commands, fill_encoders

    manager = plugin_manager()
    manager.load()
    MODELS.names  # noqa: B018  (the providers' hook, installed plugins included)
    toolsets()
    try:
        from agenticraft.serve.encoder import register_encoder
    except ImportError:  # pragma: no cover - without agenticraft[serve] there is no server
        pass
    else:
        fill_encoders(register_encoder)
    fill_commands(PluginCLI())  # a no-op once the command line has called it
    return [p for p in manager.plugins if builtin or not p.builtin]
