"""The hook specifications of AgentiCraft plugins, and the ``hookimpl`` marker they use.

A plugin is a module (or any object) whose functions are marked ``@hookimpl`` and named after
one of the hooks below. Each hook is given one ``register`` callable (``cli`` for commands),
so a plugin never touches the tables themselves and the tables may change behind it. The
built-in providers and stream encoders are a plugin too (:mod:`agenticraft.plugins.builtin`),
registered through these same hooks before any installed one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from agenticraft.plugins.commands import PluginCLI

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "agenticraft"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's function as the implementation of the hook of the same name."""


@hookspec
def register_providers(register: Any) -> None:
    """Add model providers: ``register(name, factory, prefixes=())``.

    ``factory(model, *, base_url, api_key)`` returns a
    :class:`~agenticraft.core.provider.StreamingProvider` (a provider class whose constructor
    takes those arguments is such a factory). ``Agent(model="name:model")`` then works;
    ``prefixes`` claim bare model names (``"acme-"``) that no built-in provider claims.
    """


@hookspec
def register_toolsets(register: Any) -> None:
    """Add toolsets and capabilities by name: ``register(name, factory, description="")``.

    ``factory(**config)`` returns a :class:`~agenticraft.core.toolsets.Toolset` or a
    :class:`~agenticraft.core.capabilities.Capability`; ``agenticraft.plugins.toolset(name)``,
    ``capability(name)`` and ``agenticraft run --toolset name`` build it.
    """


@hookspec
def register_commands(cli: PluginCLI) -> None:
    """Add ``agenticraft`` subcommands: ``cli.command(name, run, help=...)`` (see
    :class:`~agenticraft.plugins.commands.PluginCLI`)."""


@hookspec
def register_encoders(register: Any) -> None:
    """Add stream protocols to ``agenticraft serve``: ``register(EncoderClass)`` with an
    :class:`~agenticraft.serve.encoder.Encoder` subclass (its ``name`` and ``path`` must be new)."""
