"""``agenticraft new NAME``: a project whose own tests pass right away.

It holds a ``pyproject.toml``, an agent with one tool, and tests that play the model with
:class:`agenticraft.testing.FunctionModel`, so they run offline, without a key, in a second.
The tests need the project's ``dev`` extras (pytest, pytest-asyncio for ``async def`` tests):
the README and the "Next:" hints install them first.
"""

from __future__ import annotations

import re
from pathlib import Path

from agenticraft import __version__

from .session import EXIT_OK, UsageError

__all__ = ["create_project", "project_files"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "0.1.0"
description = "An AI agent built with AgentiCraft."
requires-python = ">=3.11"
dependencies = ["agenticraft>={version}"]

[project.optional-dependencies]
# the tests' tools: `pip install -e '.[dev]'`
dev = ["pytest>=8", "pytest-asyncio>=0.24"]

[tool.hatch.build.targets.wheel]
packages = ["{package}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
# `async def` tests run on their own event loop, no marker needed (pytest-asyncio)
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
# any request to a real model provider fails the test: tests stay offline and free
addopts = "-q --agenticraft-block-real-providers"
"""

_AGENT = '''\
"""The {name} agent: instructions, a model and one tool.

Run it with a real model (AGENTICRAFT_MODEL, or openai:gpt-4o-mini with OPENAI_API_KEY set)::

    python -m {package}.agent "How many words are in 'to be or not to be'?"
"""

from __future__ import annotations

import os
import sys

from agenticraft import Agent, AgentiCraftError, ConfigurationError, StreamingProvider, tool

INSTRUCTIONS = "You are a helpful assistant. When asked how many words a text has, use count_words."


@tool
def count_words(text: str) -> int:
    """Count the words in a text.

    Args:
        text: The text whose words to count.
    """
    return len(text.split())


def build_agent(model: str | StreamingProvider | None = None) -> Agent:
    """The agent. Tests pass an ``agenticraft.testing`` model; by default the model comes from
    ``AGENTICRAFT_MODEL``."""
    chosen = model or os.environ.get("AGENTICRAFT_MODEL", "openai:gpt-4o-mini")
    return Agent(name="{name}", instructions=INSTRUCTIONS, model=chosen, tools=[count_words])


def main() -> int:
    prompt = " ".join(sys.argv[1:]) or "How many words are in 'to be or not to be'?"
    try:
        print(build_agent().run(prompt).content)
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        print(f"{name}: error: {{exc}}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigurationError) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

_TEST = '''\
"""The agent's tests, offline: FunctionModel plays the model, the tool runs for real."""

from __future__ import annotations

from agenticraft import Message
from agenticraft.testing import FunctionModel, ToolCall

from {package}.agent import build_agent, count_words


def fake_model(messages: list[Message], tools: list[object]) -> str | ToolCall:
    """Asks for count_words first, then answers with what the tool returned."""
    last = messages[-1]
    if last.role == "tool":
        return f"That text has {{last.results[0].content}} words."
    return ToolCall("count_words", {{"text": "to be or not to be"}})


def test_the_tool_counts_words() -> None:
    assert count_words("one two three") == 3


def test_the_agent_calls_the_tool_and_answers_with_its_result() -> None:
    model = FunctionModel(fake_model)
    response = build_agent(model).run("How many words are in 'to be or not to be'?")
    assert response.content == "That text has 6 words."
    assert [r.content for r in response.tool_results] == ["6"]
    assert [t.name for t in model.requests[0].tools] == ["count_words"]


async def test_the_answer_streams_in_pieces() -> None:
    agent = build_agent(FunctionModel(fake_model, chunk_size=3))
    received = [chunk.content async for chunk in agent.stream("Count the words") if chunk.content]
    assert len(received) > 1
    assert "".join(received) == "That text has 6 words."
'''

_README = """\
# {name}

An AI agent built with [AgentiCraft](https://github.com/agenticraft/agenticraft).

```bash
pip install -e '.[dev]'               # the tests' tools: pytest and pytest-asyncio
python -m pytest                      # offline: the model is played by agenticraft.testing
export AGENTICRAFT_MODEL=openai:gpt-4o-mini OPENAI_API_KEY=...
python -m {package}.agent "How many words are in 'to be or not to be'?"
```

Without a key, `python -m {package}.agent` says so in one line. To try it on a model that
needs none, serve AgentiCraft's demo model locally and point the agent at it:

```bash
agenticraft serve --port 8000 &        # stop it later with: kill %1
export OPENAI_BASE_URL=http://127.0.0.1:8000/v1 AGENTICRAFT_MODEL=openai:agenticraft-demo
python -m {package}.agent "Tell me a story about a lighthouse."
```

The agent is in `{package}/agent.py`; add tools there and test them in `tests/`.
"""

_GITIGNORE = """\
__pycache__/
*.egg-info/
.pytest_cache/
.venv/
"""


def project_files(name: str) -> dict[str, str]:
    """The files of a new project called ``name``: relative path -> content."""
    package = name.replace("-", "_").lower()
    values = {"name": name, "package": package, "version": __version__}
    return {
        "pyproject.toml": _PYPROJECT.format(**values),
        "README.md": _README.format(**values),
        ".gitignore": _GITIGNORE,
        f"{package}/__init__.py": f'"""The {name} agent."""\n',
        f"{package}/agent.py": _AGENT.format(**values),
        "tests/test_agent.py": _TEST.format(**values),
    }


def create_project(target: str) -> int:
    """Write a new project into the directory ``target`` (which must not hold files yet)."""
    root = Path(target)
    name = root.name
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} cannot be a project name: use letters, digits, '-' and '_', starting with a letter"
        )
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UsageError(f"{target} already exists and is not an empty directory")
    files = project_files(name)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    package = name.replace("-", "_").lower()
    print(f"Created {target}/ with an agent ({package}/agent.py) and its tests (tests/test_agent.py).")
    print("Next:")
    print(f"  cd {target}")
    print("  pip install -e '.[dev]'   # the tests need pytest and pytest-asyncio (the dev extras)")
    print("  python -m pytest          # passes offline, no key needed")
    print(f"  python -m {package}.agent \"How many words are in 'to be or not to be'?\"")
    return EXIT_OK
