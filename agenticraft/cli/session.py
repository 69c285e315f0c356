"""What ``chat``, ``run`` and ``demo`` share: loading tools, building the agent, streaming one
answer with Ctrl-C as "stop this answer", and turning errors into one line and an exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import signal
import sys
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agenticraft.core.agent import Agent, Prompt
from agenticraft.core.capabilities import Capability
from agenticraft.core.errors import (
    AgentiCraftError,
    AuthenticationError,
    ConfigurationError,
    MaxTurnsExceededError,
    NotFoundError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
)
from agenticraft.core.fold import RunFold
from agenticraft.core.provider import OutputMode, StreamingProvider
from agenticraft.core.response import AgentResponse
from agenticraft.core.tools import Tool, as_tool
from agenticraft.core.toolsets import Toolset

from .render import Renderer

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROVIDER",
    "EXIT_USAGE",
    "Answer",
    "UsageError",
    "build_agent",
    "describe_error",
    "exit_code_for",
    "load_tool",
    "stream_answer",
]

EXIT_OK = 0
#: the run failed for another reason (a tool kept failing, too many turns)
EXIT_FAILED = 1
#: the command line or the configuration is wrong (argparse uses 2 as well)
EXIT_USAGE = 2
#: the model provider failed: no key accepted, unknown model, unreachable server, ...
EXIT_PROVIDER = 3
#: stopped with Ctrl-C (128 + SIGINT, the shell convention)
EXIT_INTERRUPTED = 130


class UsageError(ConfigurationError):
    """A mistake on the command line (a bad ``--tool`` path, a bad project name, ...)."""


def load_object(option: str, spec: str, what: str) -> Any:
    """The object named by ``module:name`` or ``path/to/file.py:name`` for ``option``.

    The current directory is importable, as it is for ``python -m``.
    """
    module_part, sep, attribute = spec.rpartition(":")
    if not sep or not module_part or not attribute:
        raise UsageError(f"{option} {spec!r}: write it as module:{what} or path/to/file.py:{what}")
    try:
        if module_part.endswith(".py"):
            path = Path(module_part)
            if not path.is_file():
                raise UsageError(f"{option} {spec!r}: no file {module_part}")
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or module_spec.loader is None:
                raise UsageError(f"{option} {spec!r}: cannot load {module_part}")
            module = importlib.util.module_from_spec(module_spec)
            # registered first, as an import would: annotations (and dataclasses) look it up
            sys.modules[module_spec.name] = module
            module_spec.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(module_part)
    except UsageError:
        raise
    except ImportError as exc:
        raise UsageError(f"{option} {spec!r}: cannot import {module_part!r} ({exc})") from exc
    except Exception as exc:  # the user's module failed while importing: say so in one line
        raise UsageError(
            f"{option} {spec!r}: importing {module_part!r} raised {type(exc).__name__}: {exc}"
        ) from exc
    target = getattr(module, attribute, None)
    if target is None:
        raise UsageError(f"{option} {spec!r}: {module_part!r} has no {attribute!r}")
    return target


def load_tool(spec: str) -> Tool:
    """The tool named by ``module:function`` or ``path/to/file.py:function``."""
    target = load_object("--tool", spec, "function")
    if not callable(target):
        raise UsageError(f"--tool {spec!r}: {spec.rpartition(':')[2]!r} is not a function")
    try:
        return as_tool(target)
    except AgentiCraftError as exc:
        raise UsageError(f"--tool {spec!r}: {exc}") from exc


def load_output_type(spec: str) -> Any:
    """The output type named by ``module:Type`` (a class, or an alias such as ``list[City]``)."""
    target = load_object("--output-type", spec, "Type")
    if isinstance(target, type) or typing.get_origin(target) is not None:
        return target
    raise UsageError(f"--output-type {spec!r}: {spec.rpartition(':')[2]!r} is not a type")


def build_agent(
    model: str | StreamingProvider,
    *,
    tools: Sequence[str | Tool] = (),
    toolsets: Sequence[Toolset] = (),
    capabilities: Sequence[Capability] = (),
    system: str | None = None,
    base_url: str | None = None,
    max_turns: int = 10,
    output_type: str | None = None,
    output_mode: OutputMode | None = None,
) -> Agent:
    """The agent for ``chat`` and ``run``; its provider is created now, so a missing key or an
    unknown model is reported before the first prompt. ``toolsets`` are the ``--mcp`` servers,
    ``capabilities`` the plugins' ``--toolset`` names."""
    loaded = [load_tool(spec) if isinstance(spec, str) else spec for spec in tools]
    agent = Agent(
        name="agenticraft",
        instructions=system,
        model=model,
        tools=loaded,
        toolsets=list(toolsets),
        capabilities=list(capabilities),
        max_turns=max_turns,
        base_url=base_url,
        output_type=load_output_type(output_type) if output_type else None,
        output_mode=output_mode,
    )
    check_ready = getattr(agent.provider, "check_ready", None)
    if callable(check_ready):  # a missing key is known now, not after the first prompt
        try:
            check_ready()
        except ConfigurationError as exc:
            # the provider's message speaks to Python code (api_key=...); say it for a shell
            env = getattr(agent.provider, "api_key_env", None)
            if not env:
                raise
            name = getattr(agent.provider, "name", "the provider")
            raise UsageError(
                f"no API key for {name}: set {env} (export {env}=...), or use --base-url for a "
                "server that needs none; --offline tries chat and run without any key"
            ) from exc
    return agent


@dataclass(slots=True)
class Answer:
    """One streamed answer as the CLI saw it."""

    folded: RunFold
    response: AgentResponse
    interrupted: bool


def _install_sigint(callback: Callable[[], None]) -> bool:
    """Make Ctrl-C call ``callback`` instead of raising KeyboardInterrupt, where possible."""
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, callback)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
        return False
    return True


@contextlib.contextmanager
def quiet_terminal() -> Iterator[None]:
    """Stop the terminal echoing keys (Ctrl-C's ``^C`` included) while an answer streams.

    The live display rewrites the lines it owns; an echoed ``^C`` after a full-width line
    pushes the cursor down a line, and the answer would then be drawn twice.
    """
    try:
        import termios
    except ImportError:  # not a POSIX terminal
        yield
        return
    fd = sys.stdin.fileno() if sys.stdin is not None and sys.stdin.isatty() else None
    if fd is None:
        yield
        return
    saved = termios.tcgetattr(fd)
    quiet = list(saved)
    quiet[3] &= ~(termios.ECHO | termios.ECHOCTL)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


async def stream_answer(
    agent: Agent,
    prompt: Prompt,
    renderer: Renderer,
    *,
    stop_after_chars: int | None = None,
) -> Answer:
    """Stream one answer into ``renderer``. Ctrl-C stops this answer only: what arrived stays
    in the conversation (marked interrupted). ``stop_after_chars`` stops it the same way once
    that much text arrived (the demo uses it to show an interruption without a keyboard)."""
    folded = RunFold()
    handle = agent.stream(prompt)
    installed = _install_sigint(handle.cancel)
    finished = False
    try:
        with quiet_terminal():
            async with handle:
                async for chunk in handle:
                    folded.add(chunk)
                    renderer.chunk(chunk)
                    if stop_after_chars is not None and len(folded.text) >= stop_after_chars:
                        handle.cancel()
        finished = True
    finally:
        if installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)
        if not finished:  # an error: leave the terminal tidy before the error line
            renderer.close(None, interrupted=False)
    interrupted = handle.interrupted
    renderer.close(folded, interrupted=interrupted)
    return Answer(folded, handle.response, interrupted)


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an error that ended a command."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE
    if isinstance(exc, ProviderError):
        return EXIT_PROVIDER
    return EXIT_FAILED


def describe_error(exc: BaseException, model: str | None = None) -> str:
    """One readable line for an error, with a hint where one helps."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, AuthenticationError):
        return f"{text} (check the API key for {model or 'this provider'})"
    if isinstance(exc, NotFoundError):
        return f"{text} (is the model name {model!r} right? `agenticraft providers` lists defaults)"
    if isinstance(exc, ProviderConnectionError | ProviderTimeoutError):
        if exc.provider == "ollama":
            return f"{text} (is Ollama running? start it with `ollama serve`, or set OLLAMA_HOST)"
        return f"{text} (is the server running and reachable?)"
    if isinstance(exc, MaxTurnsExceededError):
        return (
            f"the model was still calling tools after max_turns={exc.max_turns} model turns; "
            "raise --max-turns if the task needs more"
        )
    if isinstance(exc, AgentiCraftError):
        return text
    return f"{type(exc).__name__}: {text}"


def partial_note(exc: Any) -> str | None:
    """What a provider error kept of the answer, for the line after the error."""
    partial = getattr(exc, "partial_response", None)
    if isinstance(partial, AgentResponse) and partial.content:
        return f"{len(partial.content)} characters received before the error are kept"
    return None
