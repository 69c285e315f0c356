"""``agenticraft new --plugin NAME``: a plugin package whose own tests pass right away.

It holds a ``pyproject.toml`` with the ``agenticraft`` entry point, a module implementing three
hooks (a provider that streams, a toolset, a command) and tests: the provider through
``Agent(model="NAME:...")``, the toolset by name, and the plugin's own report line. The tests
need the package installed (``pip install -e '.[dev]'``), since plugins are found through
their entry points.
"""

from __future__ import annotations

import re
from pathlib import Path

from agenticraft import __version__

from .session import EXIT_OK, UsageError

__all__ = ["create_plugin", "plugin_files"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{dist}"
version = "0.1.0"
description = "An AgentiCraft plugin: the {plugin} provider, toolset and command."
requires-python = ">=3.11"
# the AgentiCraft versions this plugin works with: a plugin whose requirement does not hold
# is skipped with a message, before its code is imported
dependencies = ["agenticraft>={version}"]

[project.optional-dependencies]
dev = ["pytest>=8", "pytest-asyncio>=0.24"]

# how AgentiCraft finds the plugin: the entry point group "agenticraft"
[project.entry-points.agenticraft]
{plugin} = "{package}"

[tool.hatch.build.targets.wheel]
packages = ["{package}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
addopts = "-q --agenticraft-block-real-providers"
"""

_MODULE = '''\
"""The {plugin} plugin for AgentiCraft: a provider, a toolset and a command.

Installed, it gives ``Agent(model="{plugin}:any")``, the toolset ``{plugin}-tools``
(``agenticraft run --toolset {plugin}-tools``) and the command ``agenticraft {plugin}-hello``.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncGenerator
from typing import Any

from agenticraft import FunctionToolset, StreamingProvider, Usage
from agenticraft.core.events import ProviderEvent, TextChunk, TurnEndChunk, UsageChunk
from agenticraft.core.provider import ModelRequest
from agenticraft.plugins import hookimpl


class {cls}Provider(StreamingProvider):
    """A model provider: streams one model turn as events. Replace the body of
    ``stream_turn`` with calls to your model's API."""

    name = "{plugin}"

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None) -> None:
        self.model = model
        self.base_url = base_url
        self.api_key = api_key

    async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        request = await self.prepare_request(request)
        prompt = request.messages[-1].text
        words = f"{plugin} heard: {{prompt}}".split(" ")
        for i, word in enumerate(words):
            yield TextChunk(word if i == 0 else " " + word)
        usage = Usage(len(prompt.split()), len(words))
        yield UsageChunk(usage)
        yield TurnEndChunk("end_turn", model=self.model, usage=usage)


def shout(text: str) -> str:
    """Say a text loudly.

    Args:
        text: What to say.
    """
    return text.upper() + "!"


def make_toolset(**config: Any) -> FunctionToolset:
    """The toolset; ``config`` comes from ``toolset("{plugin}-tools", key=value)`` or
    ``--toolset {plugin}-tools:key=value``."""
    return FunctionToolset([shout], label="{plugin}-tools")


def hello(args: argparse.Namespace) -> int:
    print(f"Hello from {plugin}, {{args.name}}!")
    return 0


@hookimpl
def register_providers(register: Any) -> None:
    register("{plugin}", {cls}Provider)


@hookimpl
def register_toolsets(register: Any) -> None:
    register("{plugin}-tools", make_toolset, description="shout: say a text loudly")


@hookimpl
def register_commands(cli: Any) -> None:
    cli.command("{plugin}-hello", hello, help="greet someone").argument("name", help="who to greet")
'''

_CONFTEST = '''\
"""The tests load this plugin only, whatever else is installed on the machine."""

import os

os.environ["AGENTICRAFT_PLUGINS"] = "{plugin}"
'''

_TEST = '''\
"""The plugin's tests, offline: its provider, its toolset and its hooks as AgentiCraft loads them
(the package must be installed: pip install -e '.[dev]')."""

from __future__ import annotations

from agenticraft import Agent
from agenticraft.plugins import plugins, toolset
from agenticraft.testing import FunctionModel, ToolCall

from {package} import {cls}Provider


def test_the_provider_streams_through_an_agent_by_model_string() -> None:
    agent = Agent(model="{plugin}:any")
    assert isinstance(agent.provider, {cls}Provider)
    response = agent.run("hello there")
    assert response.content == "{plugin} heard: hello there"
    assert response.usage.output_tokens == 4


async def test_the_answer_streams_in_pieces() -> None:
    pieces = [c.content async for c in Agent(model="{plugin}:any").stream("a b") if c.content]
    assert len(pieces) > 1 and "".join(pieces) == "{plugin} heard: a b"


def test_the_toolset_is_there_by_name() -> None:
    def model(messages, tools):
        if messages[-1].role == "tool":
            return messages[-1].results[0].content
        return ToolCall("shout", {{"text": "hi"}})

    agent = Agent(model=FunctionModel(model), toolsets=[toolset("{plugin}-tools")])
    assert agent.run("shout hi").content == "HI!"


def test_the_plugin_loads_without_errors() -> None:
    [info] = [p for p in plugins() if p.name == "{plugin}"]
    assert info.status == "loaded" and info.errors == []
    assert info.registered == {{
        "providers": ["{plugin}"],
        "toolsets": ["{plugin}-tools"],
        "commands": ["{plugin}-hello"],
    }}
'''

_README = """\
# {dist}

An [AgentiCraft](https://github.com/agenticraft/agenticraft) plugin: the `{plugin}:` provider,
the `{plugin}-tools` toolset and the `agenticraft {plugin}-hello` command.

```bash
pip install -e '.[dev]'          # installed, AgentiCraft finds it by its entry point
python -m pytest                 # offline
agenticraft plugins              # {plugin}: what it registered
agenticraft run --model {plugin}:any "hello"
agenticraft {plugin}-hello world
```

Publish it with `python -m build && twine upload dist/*`; users `pip install {dist}`.
"""


def _names(name: str) -> tuple[str, str, str]:
    """The plugin's name, its distribution's and its module's: always ``agenticraft-*`` and
    ``agenticraft_*``, since a bare name ("pytest", "json") would shadow a real package."""
    plugin = name.lower().removeprefix("agenticraft-").removeprefix("agenticraft_").replace("_", "-")
    dist = f"agenticraft-{plugin}"
    return plugin, dist, dist.replace("-", "_")


def plugin_files(name: str) -> dict[str, str]:
    """The files of a new plugin package called ``name`` (``agenticraft-acme`` or ``acme``: plugin
    ``acme``, distribution ``agenticraft-acme``, module ``agenticraft_acme``)."""
    plugin, dist, package = _names(name)
    cls = "".join(part.capitalize() for part in re.split(r"[-_]", plugin))
    values = {"dist": dist, "plugin": plugin, "package": package, "cls": cls, "version": __version__}
    return {
        "pyproject.toml": _PYPROJECT.format(**values),
        "README.md": _README.format(**values),
        ".gitignore": "__pycache__/\n*.egg-info/\n.pytest_cache/\ndist/\n",
        f"{package}/__init__.py": _MODULE.format(**values),
        "tests/conftest.py": _CONFTEST.format(**values),
        f"tests/test_{package}.py": _TEST.format(**values),
    }


def create_plugin(target: str) -> int:
    """Write a new plugin package into the directory ``target`` (which must not hold files yet)."""
    root = Path(target)
    name = root.name
    if not _NAME.fullmatch(name) or name.lower() in ("agenticraft", "agenticraft-", "agenticraft_"):
        raise UsageError(
            f"{name!r} cannot be a plugin name: use letters, digits, '-' and '_', starting with a "
            "letter, e.g. agenticraft-acme"
        )
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UsageError(f"{target} already exists and is not an empty directory")
    files = plugin_files(name)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    plugin = next(iter(f for f in files if f.endswith("/__init__.py"))).split("/")[0]
    print(f"Created {target}/: a plugin package ({plugin}/__init__.py) and its tests.")
    if not name.lower().startswith("agenticraft"):
        print(f"(its distribution is {_names(name)[1]}: plugin packages are named agenticraft-*)")
    print("Next:")
    print(f"  cd {target}")
    print("  pip install -e '.[dev]'   # installed, AgentiCraft finds it through its entry point")
    print("  python -m pytest          # passes offline")
    print("  agenticraft plugins       # what it registered")
    return EXIT_OK
