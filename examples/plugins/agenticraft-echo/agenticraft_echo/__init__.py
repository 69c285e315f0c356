"""The echo plugin: its hooks. AgentiCraft finds this module through the entry point
``echo = "agenticraft_echo"`` in the group ``agenticraft`` (see pyproject.toml)."""

from __future__ import annotations

import argparse
from typing import Any

from agenticraft.plugins import hookimpl
from agenticraft_echo.provider import EchoProvider
from agenticraft_echo.tools import echo_tools

__all__ = ["EchoProvider", "echo_tools"]


@hookimpl
def register_providers(register: Any) -> None:
    register("echo", EchoProvider)  # Agent(model="echo:anything")


@hookimpl
def register_toolsets(register: Any) -> None:
    register("echo-tools", echo_tools, description="shout and reverse a text")


def _echo(args: argparse.Namespace) -> int:
    text = " ".join(args.words)
    print(text.upper() if args.upper else text)
    return 0


@hookimpl
def register_commands(cli: Any) -> None:
    command = cli.command("echo", _echo, help="print the words back")
    command.argument("words", nargs="+", help="what to print")
    command.argument("--upper", action="store_true", help="in capitals")
