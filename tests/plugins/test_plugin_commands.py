"""The command API a plugin is given: declared commands become subcommands with their
arguments, and nothing outside the stable subset of argparse gets through."""

from __future__ import annotations

import argparse

import pytest

from agenticraft.cli.main import COMMANDS, build_parser
from agenticraft.plugins import PluginManager, PluginWarning, hookimpl
from agenticraft.plugins.commands import PluginCLI
from agenticraft.plugins.registration import fill_commands


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def test_the_reserved_names_are_the_cli_s_own_commands() -> None:
    assert sorted(_subcommands(build_parser())) == sorted(COMMANDS)


def test_a_declared_command_parses_its_arguments_and_runs() -> None:
    seen: list[argparse.Namespace] = []

    class Sync:
        @hookimpl
        def register_commands(self, cli: PluginCLI) -> None:
            command = cli.command("acme-sync", seen.append, help="copy the CRM")
            command.argument("table", help="which table").argument("-n", "--dry-run", action="store_true")
            command.argument("--limit", type=int, default=10)

    manager = PluginManager(environ={"AGENTICRAFT_PLUGINS": "none"})
    manager.register(Sync(), "acme")
    cli = PluginCLI(COMMANDS)
    fill_commands(cli, manager=manager)
    parser = build_parser(list(cli.commands.values()))
    assert "copy the CRM (plugin acme)" in parser.format_help()
    args = parser.parse_args(["acme-sync", "customers", "-n", "--limit", "3"])
    assert (args.command, args.table, args.dry_run, args.limit) == ("acme-sync", "customers", True, 3)
    cli.commands["acme-sync"].run(args)
    assert seen == [args]
    assert manager.get("acme").registered == {"commands": ["acme-sync"]}  # type: ignore[union-attr]


def test_arguments_outside_the_stable_subset_are_refused() -> None:
    command = PluginCLI().commands.get("x")
    assert command is None
    from agenticraft.plugins.commands import PluginCommand

    command = PluginCommand("x", lambda args: 0, "", "p")
    with pytest.raises(TypeError, match="unknown options"):
        command.argument("--a", callback=print)
    with pytest.raises(TypeError, match="action must be one of"):
        command.argument("--a", action="store_const")
    with pytest.raises(TypeError, match="needs a name"):
        command.argument()


def test_a_bad_argument_combination_fails_in_the_hook_and_drops_the_plugin_s_commands() -> None:
    class Bad:
        @hookimpl
        def register_commands(self, cli: PluginCLI) -> None:
            cli.command("fine", lambda args: 0)
            cli.command("broken", lambda args: 0).argument("--flag", action="store_true", nargs=2)

    manager = PluginManager(environ={"AGENTICRAFT_PLUGINS": "none"})
    manager.register(Bad(), "bad")
    cli = PluginCLI()
    with pytest.warns(PluginWarning, match=r"register_commands raised TypeError: argument \('--flag',\)"):
        fill_commands(cli, manager=manager)
    assert cli.commands == {}  # neither half of a hook that raised
    build_parser(list(cli.commands.values())).parse_args(["providers"])  # the CLI still builds
    assert manager.get("bad").registered == {}  # type: ignore[union-attr]
