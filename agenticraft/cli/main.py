"""The ``agenticraft`` command line: parsing, dispatch, and the one place errors become
one readable line on stderr and an exit code (never a traceback for a user mistake).

Exit codes: 0 success, 1 the run failed (a tool kept failing, too many turns), 2 usage or
configuration error, 3 provider error (key refused, unknown model, unreachable server),
130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agenticraft import __version__
from agenticraft.plugins.commands import CLI_COMMANDS

from .session import EXIT_FAILED, EXIT_USAGE, UsageError, exit_code_for

if TYPE_CHECKING:
    from agenticraft.core.agent import Agent, Prompt
    from agenticraft.plugins.commands import PluginCommand

__all__ = ["build_parser", "main"]

_EPILOG = """\
new here? run `agenticraft demo`: it shows streaming, tools, memory and interruption offline;
then `agenticraft chat --offline` talks to the same demo model, no key and no network needed.
exit codes: 0 ok, 1 run failed, 2 usage or configuration error, 3 provider error, 130 Ctrl-C."""


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m",
        "--model",
        help="provider:model, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-6, ollama:llama3.2 "
        "(default: AGENTICRAFT_MODEL, then the first provider with a key, then a local Ollama)",
    )
    parser.add_argument(
        "--base-url",
        help="another server speaking the provider's protocol, e.g. http://127.0.0.1:8000/v1 "
        "(default: OPENAI_BASE_URL / ANTHROPIC_BASE_URL / OLLAMA_HOST)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use the demo model on a local server: no key, no network (its tool: get_weather)",
    )
    parser.add_argument("-s", "--system", help="instructions for the agent")
    parser.add_argument(
        "-t",
        "--tool",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="give the agent a tool (a function in a module or a path/to/file.py); repeatable",
    )
    parser.add_argument(
        "--mcp",
        action="append",
        default=[],
        metavar="SERVER",
        help="give the agent an MCP server's tools: a command run over stdio "
        "('python -m mcp_server_git --repository .') or an http(s):// URL; repeatable",
    )
    parser.add_argument(
        "--toolset",
        action="append",
        default=[],
        metavar="NAME[:KEY=VALUE,...]",
        help="give the agent a toolset or capability a plugin registered (`agenticraft plugins` "
        "lists them), with options; repeatable",
    )
    parser.add_argument("--max-turns", type=int, default=10, help="model turns per answer (default 10)")


def _add_delay_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--delay",
        type=float,
        default=0.02,
        help="seconds between streamed pieces (default 0.02; 0 for as fast as possible)",
    )


def _check_delay(delay: float) -> float:
    if not math.isfinite(delay) or delay < 0:
        raise UsageError(f"--delay must be a number of seconds, 0 or more (not {delay:g})")
    return delay


#: the commands of the CLI itself; a plugin's command may not take one of these names
COMMANDS = CLI_COMMANDS


def build_parser(plugin_commands: Sequence[PluginCommand] = ()) -> argparse.ArgumentParser:
    """The argument parser (exposed so the docs and tests see the same options), with the
    plugins' commands."""
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
    run.add_argument(
        "-v", "--verbose", action="store_true", help="also show details of speed (eager tool starts)"
    )
    run.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="send a file with the prompt: an image, a PDF, a text file or audio (repeatable)",
    )
    run.add_argument(
        "--output-type",
        metavar="MODULE:TYPE",
        help="answer with this type (a pydantic model, dataclass, ...): its validated JSON is printed",
    )
    run.add_argument(
        "--trace",
        action="store_true",
        help="print the run's span tree on stderr after the answer (needs agenticraft[otel])",
    )
    run.add_argument(
        "--output-mode",
        choices=("tool", "native", "prompted"),
        help="how the typed output is asked for (default: what the provider does best)",
    )

    demo = commands.add_parser("demo", help="see AgentiCraft work, offline and without keys")
    _add_delay_option(demo)

    serve = commands.add_parser(
        "serve",
        help="serve an agent: OpenAI API, Vercel AI and AG-UI streams, a chat page (default: the demo agent)",
    )
    serve.add_argument(
        "agent",
        nargs="?",
        metavar="MODULE:AGENT",
        help="the agent to serve (an Agent, or a list of them, in a module or a path/to/file.py); "
        "default: the demo agent, offline",
    )
    serve.add_argument("-p", "--port", type=int, default=8000, help="port (default 8000; 0: any free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="require Authorization: Bearer KEY (repeatable; default: AGENTICRAFT_SERVE_API_KEY, else none)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let pages from ORIGIN call the API (repeatable; '*' for any; default: none)",
    )
    _add_delay_option(serve)

    mcp = commands.add_parser("mcp", help="the Model Context Protocol: serve an agent to MCP clients")
    mcp_commands = mcp.add_subparsers(dest="mcp_command", metavar="COMMAND", required=True)
    mcp_serve = mcp_commands.add_parser(
        "serve", help="serve an agent as an MCP tool (stdio by default, for an MCP host to start)"
    )
    mcp_serve.add_argument("agent", metavar="MODULE:AGENT", help="the agent, e.g. myapp.agents:support")
    mcp_serve.add_argument("--http", action="store_true", help="serve Streamable HTTP at /mcp instead")
    mcp_serve.add_argument(
        "-p",
        "--port",
        type=int,
        default=8000,
        help="--http port on 127.0.0.1 (default 8000; 0: any free one)",
    )
    mcp_serve.add_argument(
        "--expose-tools", action="store_true", help="also serve the agent's own tools, each as an MCP tool"
    )

    new = commands.add_parser("new", help="create a new agent project (or, with --plugin, a plugin package)")
    new.add_argument("name", help="the project directory to create")
    new.add_argument(
        "--plugin",
        action="store_true",
        help="a plugin package instead (a provider, a toolset, a command and their tests); "
        "name it agenticraft-NAME",
    )

    commands.add_parser("providers", help="which providers are configured, and the default model")

    plugins = commands.add_parser(
        "plugins", help="the installed plugins: version, what each registered, and what failed"
    )
    plugins.add_argument("--json", action="store_true", help="as JSON")
    plugins.add_argument("--all", action="store_true", help="the built-in plugin too")

    worker = commands.add_parser(
        "worker", help="run the durable runs queued for an agent (N workers share one PostgreSQL queue)"
    )
    worker.add_argument(
        "agent",
        metavar="MODULE:AGENT",
        help="a DurableAgent (or Agent, or a list), e.g. myapp.agents:support",
    )
    worker.add_argument(
        "--db",
        default=os.environ.get("AGENTICRAFT_DURABLE_DB"),
        help="the engine's database: postgresql://... shared by all workers, or a SQLite path "
        "(default: AGENTICRAFT_DURABLE_DB)",
    )
    worker.add_argument("--queue", default="agenticraft", help="the queue to run (default agenticraft)")
    worker.add_argument("--concurrency", type=int, help="runs at once in this worker (default: no limit)")
    worker.add_argument(
        "--queue-concurrency", type=int, help="runs at once over all workers of the queue (default: no limit)"
    )
    worker.add_argument(
        "--dead-after",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a worker silent this long is dead and its runs go to the others (default 10)",
    )
    worker.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="how often the queue is polled (default 1)"
    )

    workflow = commands.add_parser("workflow", help="look at a workflow")
    actions = workflow.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the workflow's graph as a Mermaid flowchart")
    show.add_argument(
        "workflow", metavar="MODULE:WF", help="the workflow object, module:name or path/file.py:name"
    )
    for plugin_command in plugin_commands:
        sub = commands.add_parser(
            plugin_command.name, help=f"{plugin_command.help} (plugin {plugin_command.plugin})".lstrip()
        )
        plugin_command.add_to(sub)
    return parser


def _prompt_text(prompt: str) -> str:
    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    return prompt


def _attachments(paths: Sequence[str]) -> list[Any]:
    """The ``--attach`` files as content parts, read now: a missing or unknown file is a usage
    error before any request."""
    from agenticraft.core.errors import MediaError
    from agenticraft.core.media import part_from_path

    parts = []
    for path in paths:
        try:
            parts.append(part_from_path(path))
        except FileNotFoundError:
            raise UsageError(f"--attach {path!r}: no such file") from None
        except (MediaError, OSError) as exc:
            raise UsageError(f"--attach {path!r}: {exc}") from None
    return parts


def _dispatch(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    plugin_commands: dict[str, PluginCommand] | None = None,
) -> int:
    command = args.command
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if plugin_commands and command in plugin_commands:
        from .plugins import run_plugin_command

        return run_plugin_command(plugin_commands[command], args)
    if command == "demo":
        from .demo import run_demo

        return run_demo(delay=_check_delay(args.delay))
    if command == "serve":
        from .serve import serve

        delay = _check_delay(args.delay)
        if not 0 <= args.port <= 65535:
            raise UsageError(f"--port must be from 0 to 65535, not {args.port}")
        return serve(
            args.agent,
            port=args.port,
            host=args.host,
            api_keys=args.api_key,
            cors_origins=args.cors_origin,
            delay=delay,
        )
    if command == "mcp":
        from .mcp import serve_agent

        if not 0 <= args.port <= 65535:
            raise UsageError(f"--port must be from 0 to 65535, not {args.port}")
        return serve_agent(args.agent, http=args.http, port=args.port, expose_tools=args.expose_tools)
    if command == "new":
        if args.plugin:
            from .scaffold_plugin import create_plugin

            return create_plugin(args.name)
        from .scaffold import create_project

        return create_project(args.name)
    if command == "plugins":
        from .plugins import show_plugins

        return show_plugins(as_json=args.json, include_builtin=args.all)
    if command == "providers":
        from .status import show_providers

        return show_providers()
    if command == "worker":
        from .worker import run_worker_command

        if not args.db:
            raise UsageError(
                "worker needs --db (a postgresql:// URL or a SQLite path), or AGENTICRAFT_DURABLE_DB"
            )
        return run_worker_command(
            args.agent,
            db=args.db,
            queue=args.queue,
            concurrency=args.concurrency,
            queue_concurrency=args.queue_concurrency,
            dead_after=args.dead_after,
            poll_interval=args.poll,
        )
    if command == "workflow":
        from .workflow import show_workflow

        return show_workflow(args.workflow)

    from .discovery import resolve_cli_model
    from .session import build_agent

    if args.max_turns < 1:
        raise UsageError("--max-turns must be at least 1")
    if args.base_url is not None:
        from agenticraft.providers import base_url_problem, redact_url

        problem = base_url_problem(args.base_url.strip().rstrip("/"))
        if problem is not None:
            raise UsageError(f"--base-url {redact_url(args.base_url)!r} is not usable: {problem}")
    prompt: Prompt = _prompt_text(args.prompt) if command == "run" else ""
    if getattr(args, "attach", None):
        prompt = [str(prompt), *_attachments(args.attach)]
    if args.offline:
        return _offline(args, prompt)
    resolution = resolve_cli_model(args.model)
    agent = build_agent(
        resolution.model,
        tools=args.tool,
        toolsets=_mcp_toolsets(args),
        capabilities=_plugin_toolsets(args),
        system=args.system,
        base_url=args.base_url,
        max_turns=args.max_turns,
        **_output_options(args),
    )
    return _answer(args, agent, prompt, resolution.source)


def _mcp_toolsets(args: argparse.Namespace) -> list[Any]:
    """The toolsets of ``--mcp`` (each a server the run starts)."""
    if not getattr(args, "mcp", None):
        return []
    from .mcp import mcp_toolset

    return [mcp_toolset(spec) for spec in args.mcp]


def _plugin_toolsets(args: argparse.Namespace) -> list[Any]:
    """The ``--toolset`` names, each a capability built by its plugin's factory."""
    if not getattr(args, "toolset", None):
        return []
    from agenticraft.plugins import capability
    from agenticraft.plugins.toolsets import parse_toolset_spec

    return [capability(name, **config) for name, config in map(parse_toolset_spec, args.toolset)]


def _output_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--output-type`` and ``--output-mode`` of ``run`` (``chat`` has neither)."""
    return {
        "output_type": getattr(args, "output_type", None),
        "output_mode": getattr(args, "output_mode", None),
    }


def _answer(args: argparse.Namespace, agent: Agent, prompt: Prompt, source: str) -> int:
    if args.command == "chat":
        from .chat import run_chat

        return run_chat(agent, model_source=source)
    from .oneshot import run_once

    return run_once(
        agent, prompt, json_mode=args.json, quiet=args.quiet, trace=args.trace, verbose=args.verbose
    )


def _offline(args: argparse.Namespace, prompt: Prompt) -> int:
    """``chat`` or ``run`` with the demo model on a local server, for as long as they last."""
    if args.model or args.base_url:
        raise UsageError("--offline uses the demo model: leave out --model and --base-url")
    from .demo import DemoProvider, demo_server, get_weather
    from .session import build_agent

    server = demo_server(delay=0.01).start()
    try:
        agent = build_agent(
            DemoProvider(server),
            tools=[get_weather, *args.tool],
            toolsets=_mcp_toolsets(args),
            capabilities=_plugin_toolsets(args),
            system=args.system,
            max_turns=args.max_turns,
            **_output_options(args),
        )
        return _answer(args, agent, prompt, f"--offline, at {server.base_url}")
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agenticraft`` console script; returns the exit code."""
    from .plugins import load_plugin_commands

    try:  # the CLI's start is a plugin's first need; a plugin's failure is only a warning
        plugin_commands = load_plugin_commands(COMMANDS)
    except Exception as exc:  # a bug of ours, not a plugin's: still one line
        return _internal_error(exc)
    parser = build_parser(list(plugin_commands.values()))
    args = parser.parse_args(argv)  # usage errors exit with 2 here, argparse's own message
    model = getattr(args, "model", None)
    try:
        return _dispatch(args, parser, plugin_commands)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return exit_code_for(KeyboardInterrupt())
    except ImportError as exc:
        if exc.name == "rich":
            print(
                "agenticraft: the command line needs rich: pip install rich "
                "(or pip install -e '.[cli]' in the repository)",
                file=sys.stderr,
            )
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
