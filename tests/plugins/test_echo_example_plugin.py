"""examples/plugins/agenticraft-echo installed for real with pip, used as people use it:
``Agent(model="echo:...")`` in a fresh interpreter, the command line, and its own tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from plugin_helpers import installed, plugin_env, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plugins" / "agenticraft-echo"


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example installed (from a copy, so the build writes nothing into the checkout)."""
    project = tmp_path_factory.mktemp("echo") / "agenticraft-echo"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    with installed(project, "agenticraft-echo"):
        yield project


def test_agent_streams_from_the_echo_model_string(echo: Path) -> None:
    code = (
        "import asyncio\n"
        "from agenticraft import Agent\n"
        "async def main():\n"
        "    agent = Agent(model='echo:parrot')\n"
        "    print(type(agent.provider).__module__)\n"
        "    print([c.content async for c in agent.stream('streams back word by word') if c.content])\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=plugin_env(None), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    module, pieces = out.stdout.splitlines()
    assert module == "agenticraft_echo.provider"
    assert pieces == str(["streams", " back", " word", " by", " word"])


def test_the_cli_runs_the_provider_the_toolset_and_the_command(echo: Path) -> None:
    env = plugin_env("echo")
    answer = run_cli(["run", "-q", "--model", "echo:parrot", "hello there"], env)
    assert (answer.returncode, answer.stdout.strip()) == (0, "hello there"), answer.stderr
    tooled = run_cli(
        ["run", "-q", "--model", "echo:x", "--toolset", "echo-tools:suffix=!!!", "/shout hi"], env
    )
    assert tooled.returncode == 0, tooled.stderr
    assert tooled.stdout.strip().splitlines()[-1] == "HI!!!"
    command = run_cli(["echo", "a", "b", "--upper"], env)
    assert (command.returncode, command.stdout, command.stderr) == (0, "A B\n", "")
    assert "print the words back (plugin echo)" in run_cli(["--help"], env).stdout


def test_agenticraft_plugins_lists_it(echo: Path) -> None:
    listed = run_cli(["plugins", "--json"], plugin_env("echo"))
    assert listed.returncode == 0, listed.stderr
    [info] = json.loads(listed.stdout)
    assert info["name"] == "echo" and info["distribution"] == "agenticraft-echo"
    assert info["version"] == "0.1.0" and info["status"] == "loaded" and info["errors"] == []
    assert info["registered"] == {"commands": ["echo"], "providers": ["echo"], "toolsets": ["echo-tools"]}
    text = run_cli(["plugins", "--all"], plugin_env("echo")).stdout
    assert "echo  agenticraft-echo 0.1.0  loaded" in text
    assert "providers: openai, openai-responses, anthropic, ollama" in text  # the built-in plugin
    assert "encoders: openai, vercel-ai, ag-ui" in text


def test_switched_off_the_plugin_is_not_there(echo: Path) -> None:
    env = plugin_env("none")
    refused = run_cli(["run", "--model", "echo:parrot", "hello"], env)
    assert refused.returncode == 2 and "cannot tell the provider of model 'echo:parrot'" in refused.stderr
    assert run_cli(["echo", "a"], env).returncode == 2  # argparse: no such command
    listed = run_cli(["plugins"], env)
    assert listed.stdout.startswith("no plugins installed (or loading is off: AGENTICRAFT_PLUGINS)")


def test_its_own_tests_pass(echo: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=echo,
        env=plugin_env(None),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "7 passed" in out.stdout
