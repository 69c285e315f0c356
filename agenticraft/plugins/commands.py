"""The small, stable command API a plugin's ``register_commands(cli)`` hook is given.

A plugin never sees the argument parser: it declares a command, its arguments (a subset of
argparse's options, by name) and the function that runs it, and the ``agenticraft`` command
line builds the parser from that. So the CLI may change its internals without breaking
plugins::

    @hookimpl
    def register_commands(cli):
        hello = cli.command("hello", greet, help="say hello")
        hello.argument("name").argument("--shout", action="store_true")

    def greet(args):  # args.name, args.shout
        print(f"Hello, {args.name}!")
        return 0  # the exit code (None is 0)
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from agenticraft.plugins.manager import PluginInfo, PluginManager

__all__ = ["ARGUMENT_OPTIONS", "CLI_COMMANDS", "PluginCLI", "PluginCommand"]

#: the commands of the ``agenticraft`` CLI itself: no plugin command may take these names
CLI_COMMANDS = ("chat", "run", "demo", "serve", "mcp", "new", "providers", "plugins", "workflow", "worker")

#: the argparse options an argument may use
ARGUMENT_OPTIONS = frozenset(
    {"action", "nargs", "default", "type", "choices", "required", "help", "metavar", "dest"}
)
_ACTIONS = frozenset({"store", "store_true", "store_false", "append", "count"})
_NAME = re.compile(r"[a-z][a-z0-9-]*")


@dataclass(slots=True)
class PluginCommand:
    """One subcommand of a plugin: ``agenticraft NAME ...`` calls ``run(args)``."""

    name: str
    run: Callable[[argparse.Namespace], int | None]
    help: str
    plugin: str
    arguments: list[tuple[tuple[str, ...], dict[str, Any]]] = field(default_factory=list)
    # every argument is tried on a parser of its own when declared, so a bad combination
    # fails in the plugin's hook (its error), never when the CLI builds its parser
    _scratch: argparse.ArgumentParser = field(
        default_factory=lambda: argparse.ArgumentParser(add_help=False), repr=False
    )

    def argument(self, *names: str, **options: Any) -> PluginCommand:
        """Add a positional argument (``"path"``) or an option (``"-n", "--count"``); the
        options are argparse's ``action`` (store, store_true, store_false, append, count),
        ``nargs``, ``default``, ``type``, ``choices``, ``required``, ``help``, ``metavar`` and
        ``dest``. Returns the command, so calls chain."""
        unknown = set(options) - ARGUMENT_OPTIONS
        if unknown:
            raise TypeError(f"argument {names} of command {self.name!r}: unknown options {sorted(unknown)}")
        if options.get("action", "store") not in _ACTIONS:
            raise TypeError(f"argument {names}: action must be one of {sorted(_ACTIONS)}")
        if not names or not all(isinstance(n, str) and n for n in names):
            raise TypeError(f"command {self.name!r}: an argument needs a name")
        try:
            self._scratch.add_argument(*names, **options)
        except (TypeError, ValueError, argparse.ArgumentError) as exc:
            raise TypeError(f"argument {names} of command {self.name!r}: {exc}") from None
        self.arguments.append((names, dict(options)))
        return self

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        for names, options in self.arguments:
            parser.add_argument(*names, **options)


class PluginCLI:
    """The commands plugins declare; ``reserved`` are the names the CLI itself uses."""

    def __init__(self, reserved: Collection[str] = CLI_COMMANDS) -> None:
        self.reserved = set(reserved)
        self.commands: dict[str, PluginCommand] = {}

    def for_plugin(self, info: PluginInfo, manager: PluginManager) -> _PluginView:
        """What the hook of ``info``'s plugin is given (refusals are reported to ``manager``)."""
        return _PluginView(self, info, manager)


class _PluginView:
    """What one plugin's hook is given: ``command(name, run, help=...)``."""

    def __init__(self, cli: PluginCLI, info: PluginInfo, manager: PluginManager) -> None:
        self._cli = cli
        self._info = info
        self._manager = manager

    def command(
        self, name: str, run: Callable[[argparse.Namespace], int | None], *, help: str = ""
    ) -> PluginCommand:
        """Declare ``agenticraft NAME``; returns it, to add arguments with ``.argument(...)``."""
        command = PluginCommand(name, run, help, self._info.name)
        problem = None
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problem = "a command name is lowercase letters, digits and '-', starting with a letter"
        elif name in self._cli.reserved:
            problem = "AgentiCraft has a command of that name"
        elif name in self._cli.commands:
            problem = f"plugin {self._cli.commands[name].plugin!r} has a command of that name"
        elif not callable(run):
            problem = f"its run function is not callable: {run!r}"
        if problem is not None:
            self._manager.refused(self._info, "command", str(name), problem)
            return command  # not registered: its arguments go nowhere
        self._cli.commands[name] = command
        self._info.registered.setdefault("commands", []).append(name)
        return command
