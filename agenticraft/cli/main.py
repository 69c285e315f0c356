"""The ``agenticraft`` command line: parsing, dispatch, and the one place errors become
one readable line on stderr and an exit code (never a traceback for a user mistake).

Exit codes: 0 success, 1 the run failed (a tool kept failing, too many turns), 2 usage or
configuration error, 3 provider error (key refused, unknown model, unreachable server),
130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from agenticraft import __version__

from .session import EXIT_FAILED, EXIT_USAGE, UsageError, exit_code_for

__all__ = ["build_parser", "main"]

_EPILOG = """\
new here? run `agenticraft demo`: it shows streaming, tools, memory and interruption offline.
exit codes: 0 ok, 1 run failed, 2 usage or configuration error, 3 provider error, 130 Ctrl-C."""


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m",
        "--model",
        help="provider:model, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-6, ollama:llama3.2 "
        "(default: AGENTICRAFT_MODEL, then the first provider with a key, then a local Ollama)",
    )
    parser.add_argument("--base-url", help="another server speaking the provider's protocol")
    parser.add_argument("-s", "--system", help="instructions for the agent")
    parser.add_argument(
        "-t",
        "--tool",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="give the agent a tool (a function in a module or a path/to/file.py); repeatable",
    )
    parser.add_argument("--max-turns", type=int, default=10, help="model turns per answer (default 10)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so the docs and tests see the same options)."""
    parser = argparse.ArgumentParser(
        prog="agenticraft",
        description="AgentiCraft: AI agents with one API on every provider, streaming first.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"agenticraft {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", help="an interactive streamed chat")
    _add_model_options(chat)

    run = commands.add_parser("run", help="answer one prompt and exit")
    run.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
    _add_model_options(run)
    run.add_argument("--json", action="store_true", help="print every stream event as a JSON line")
    run.add_argument("-q", "--quiet", action="store_true", help="no usage line after the answer")

    demo = commands.add_parser("demo", help="see AgentiCraft work, offline and without keys")
    demo.add_argument(
        "--delay",
        type=float,
        default=0.02,
        help="seconds between streamed pieces (default 0.02; 0 for as fast as possible)",
    )

    new = commands.add_parser("new", help="create a new agent project")
    new.add_argument("name", help="the project directory to create")

    commands.add_parser("providers", help="which providers are configured, and the default model")
    return parser


def _prompt_text(prompt: str) -> str:
    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    return prompt


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    command = args.command
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if command == "demo":
        from .demo import run_demo

        return run_demo(delay=max(0.0, args.delay))
    if command == "new":
        from .scaffold import create_project

        return create_project(args.name)
    if command == "providers":
        from .status import show_providers

        return show_providers()

    from .discovery import resolve_cli_model
    from .session import build_agent

    if args.max_turns < 1:
        raise UsageError("--max-turns must be at least 1")
    prompt = _prompt_text(args.prompt) if command == "run" else ""
    resolution = resolve_cli_model(args.model)
    agent = build_agent(
        resolution.model,
        tools=args.tool,
        system=args.system,
        base_url=args.base_url,
        max_turns=args.max_turns,
    )
    if command == "chat":
        from .chat import run_chat

        return run_chat(agent, model_source=resolution.source)
    from .oneshot import run_once

    return run_once(agent, prompt, json_mode=args.json, quiet=args.quiet)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agenticraft`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit with 2 here, argparse's own message
    model = getattr(args, "model", None)
    try:
        return _dispatch(args, parser)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return exit_code_for(KeyboardInterrupt())
    except ImportError as exc:
        if exc.name == "rich":
            print("agenticraft: the command line needs rich: pip install 'agenticraft[cli]'", file=sys.stderr)
            return EXIT_USAGE
        return _internal_error(exc)
    except Exception as exc:
        from agenticraft.core.errors import AgentiCraftError

        if not isinstance(exc, AgentiCraftError):
            return _internal_error(exc)
        from .session import describe_error

        print(f"agenticraft: error: {describe_error(exc, model)}", file=sys.stderr)
        return exit_code_for(exc)


def _internal_error(exc: BaseException) -> int:
    """A bug of ours, not a user mistake: still one line, the traceback on request."""
    if os.environ.get("AGENTICRAFT_DEBUG"):
        traceback.print_exception(exc)
    else:
        print(
            f"agenticraft: internal error: {type(exc).__name__}: {exc} "
            "(set AGENTICRAFT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
