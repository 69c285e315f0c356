"""Where the hooks' registrations land: the model registry, the serve encoders, the commands.

Each table asks for its hook when it is first used, through one function here; the manager
calls every plugin not called yet, gives it a ``register`` that records what it added (for
``agenticraft plugins``) and turns a refused registration into that plugin's error instead of
an exception in the caller. The toolsets' table is :mod:`agenticraft.plugins.toolsets`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from agenticraft.core.model_registry import ModelRegistry, ProviderFactory
from agenticraft.plugins.manager import PluginInfo, PluginManager, plugin_manager

if TYPE_CHECKING:
    from agenticraft.plugins.commands import PluginCLI
    from agenticraft.serve.encoder import Encoder

__all__ = ["fill_commands", "fill_encoders", "fill_model_registry", "recorded"]


def recorded(info: PluginInfo, kind: str, name: str) -> None:
    """Note that ``info``'s plugin registered ``name`` as a ``kind``."""
    info.registered.setdefault(kind, []).append(name)


def fill_model_registry(
    registry: ModelRegistry, *, installed: bool, manager: PluginManager | None = None
) -> None:
    """The loader of :data:`~agenticraft.core.model_registry.MODELS`: the built-in providers
    (and the fallback list) first; with ``installed``, the installed plugins' too."""
    manager = manager or plugin_manager()
    if not installed:
        from agenticraft.providers.registry import fallback_provider

        registry.register_fallback(fallback_provider)
    else:
        manager.load()

    def for_plugin(info: PluginInfo) -> Callable[..., None]:
        def register(name: str, factory: ProviderFactory, *, prefixes: Sequence[str] = ()) -> None:
            try:
                registry.register(
                    name, factory, prefixes=prefixes, plugin=None if info.builtin else info.name
                )
            except Exception as exc:
                manager.refused(info, "provider", name, str(exc))
                return
            recorded(info, "providers", name.lower())

        return register

    manager.call("register_providers", for_plugin)


def fill_encoders(register_encoder: Callable[..., Any], *, manager: PluginManager | None = None) -> None:
    """Every plugin's stream encoders into the server's table (``encoders()`` calls this)."""
    manager = manager or plugin_manager()
    manager.load()

    def for_plugin(info: PluginInfo) -> Callable[[type[Encoder]], None]:
        def register(encoder: type[Encoder]) -> None:
            name = getattr(encoder, "name", repr(encoder))
            try:
                register_encoder(encoder, replace=False)
            except Exception as exc:
                manager.refused(info, "encoder", name, str(exc))
                return
            recorded(info, "encoders", name)

        return register

    manager.call("register_encoders", for_plugin)


def fill_commands(cli: PluginCLI, *, manager: PluginManager | None = None) -> None:
    """Every plugin's ``agenticraft`` subcommands into ``cli`` (the CLI calls this at start)."""
    manager = manager or plugin_manager()
    manager.load()
    manager.call("register_commands", lambda info: cli.for_plugin(info, manager))
    # a hook that raised may have left a command half declared: none of its commands count
    for name, command in list(cli.commands.items()):
        info = manager.get(command.plugin)
        if info is not None and any(e.startswith("register_commands raised") for e in info.errors):
            del cli.commands[name]
            info.registered.pop("commands", None)
