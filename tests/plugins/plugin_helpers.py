"""Plugins made on the spot: a module and a ``*.dist-info`` (METADATA, entry_points.txt) in a
folder, which importlib.metadata finds like any installed distribution once the folder is on
the path (``sys.path`` in process, ``PYTHONPATH`` for a subprocess)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

#: a plugin implementing every hook (its module's ``{name}`` is filled in)
FULL_PLUGIN = '''
from agenticraft.plugins import hookimpl
from agenticraft.serve.encoder import Encoder, RunRequest
from agenticraft.testing import FunctionModel


def make(model, *, base_url=None, api_key=None):
    return FunctionModel(lambda messages, tools: f"{name} says " + messages[-1].text)


class Plain(Encoder):
    name = "{name}-plain"
    path = "/{name}/plain"
    media_type = "text/plain"

    @classmethod
    def read_request(cls, body, headers):
        return RunRequest(prompt=None)

    def encode(self, event):
        return [event.content.encode()] if event.content else []

    def error(self, message, code):
        return [message.encode()]


@hookimpl
def register_providers(register):
    register("{name}", make, prefixes=["{name}-"])


@hookimpl
def register_toolsets(register):
    from agenticraft import FunctionToolset

    def ping() -> str:
        """Answer pong."""
        return "pong"

    register("{name}-tools", lambda **config: FunctionToolset([ping]))


@hookimpl
def register_encoders(register):
    register(Plain)


@hookimpl
def register_commands(cli):
    cli.command("{name}-hi", lambda args: print("hi from {name}", args.who), help="say hi").argument("who")
'''


def make_plugin(
    root: Path,
    source: str,
    *,
    name: str | None = None,
    requires: tuple[str, ...] = (),
    version: str = "1.0",
) -> tuple[str, str]:
    """A plugin ``name`` (entry point) in distribution ``agenticraft-NAME``, its module
    ``source`` (``{name}`` replaced); returns (plugin name, module name). Module names are
    unique, so one process can import many."""
    name = name or f"p{uuid.uuid4().hex[:8]}"
    module = f"acplugin_{name.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
    (root / f"{module}.py").write_text(textwrap.dedent(source).replace("{name}", name))
    dist = f"agenticraft-{name}"
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    metadata = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(metadata) + "\n")
    (info / "entry_points.txt").write_text(f"[agenticraft]\n{name} = {module}\n")
    return name, module


def plugin_env(switch: str | None, *, path: Path | None = None) -> dict[str, str]:
    """The environment of a subprocess: no keys, the real-provider guard on, and
    ``AGENTICRAFT_PLUGINS=switch`` (``None``: unset, every installed plugin loads); ``path``
    goes first on ``PYTHONPATH``."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    for name in ("AGENTICRAFT_MODEL", "AGENTICRAFT_PLUGINS", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env.update(AGENTICRAFT_BLOCK_REAL_PROVIDERS="1", OLLAMA_HOST="127.0.0.1:9", PYTHONUNBUFFERED="1")
    if switch is not None:
        env["AGENTICRAFT_PLUGINS"] = switch
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH", "")]))
    return env


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``agenticraft ARGS`` in a subprocess (this interpreter, so this checkout's code)."""
    command = [sys.executable, "-m", "agenticraft.cli.main", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def pip(*args: str) -> None:
    """``pip`` of the running interpreter: quick and offline (no index, no build isolation:
    hatchling, the build backend, is in the dev extras)."""
    subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextlib.contextmanager
def installed(project: Path, distribution: str) -> Iterator[None]:
    """``project`` pip-installed into this environment for the block, uninstalled after it
    (other test runs share the environment; their conftest keeps plugins off)."""
    try:
        pip("install", "--no-build-isolation", "--no-deps", "--no-index", str(project))
        yield
    finally:
        pip("uninstall", "--yes", distribution)
