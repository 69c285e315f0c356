"""The command line's side of plugins: their commands at start, and ``agenticraft plugins``."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Collection

from agenticraft.plugins import PluginInfo, PluginWarning, plugins
from agenticraft.plugins.commands import PluginCLI, PluginCommand
from agenticraft.plugins.registration import fill_commands

from .session import EXIT_FAILED, EXIT_OK

__all__ = ["load_plugin_commands", "run_plugin_command", "show_plugins"]


def _say_warnings(caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        if issubclass(warning.category, PluginWarning):
            print(f"agenticraft: warning: {warning.message}", file=sys.stderr)
        else:  # not ours to reword
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def load_plugin_commands(reserved: Collection[str]) -> dict[str, PluginCommand]:
    """The installed plugins' commands (loading the plugins: the CLI's start is a first need);
    a plugin that fails is one warning line on stderr, and the rest of the CLI works."""
    cli = PluginCLI(reserved)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)
        fill_commands(cli)
    _say_warnings(caught)
    return cli.commands


def run_plugin_command(command: PluginCommand, args: argparse.Namespace) -> int:
    """Run a plugin's command; its own failure is one line naming the plugin, exit code 1."""
    from agenticraft.core.errors import AgentiCraftError

    try:
        code = command.run(args)
    except (AgentiCraftError, KeyboardInterrupt):
        raise  # the CLI's own handling: a readable line and its exit code
    except Exception as exc:
        print(
            f"agenticraft: error: command {command.name!r} of plugin {command.plugin!r} failed: "
            f"{type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK if code is None else int(code)


def _line(info: PluginInfo) -> list[str]:
    made = " ".join(x for x in (info.distribution, info.version) if x) or ("built in" if info.builtin else "")
    lines = [f"{info.name}  {made}  {info.status}".replace("    ", "  ")]
    for kind, names in info.registered.items():
        lines.append(f"    {kind}: {', '.join(names)}")
    lines.extend(f"    error: {error}" for error in info.errors)
    return lines


def show_plugins(*, as_json: bool, include_builtin: bool) -> int:
    """``agenticraft plugins``: each plugin's name, version, what it registered, what failed."""
    from agenticraft.plugins import ENV_SWITCH

    with warnings.catch_warnings(record=True):  # every failure is in the listing itself
        warnings.simplefilter("always", PluginWarning)
        found = plugins(builtin=include_builtin)
    if as_json:
        print(json.dumps([p.to_dict() for p in found], indent=2))
        return EXIT_OK
    if not [p for p in found if not p.builtin]:
        print(f"no plugins installed (or loading is off: {ENV_SWITCH})")
    for info in found:
        print("\n".join(_line(info)))
    return EXIT_OK
