"""Failure isolation as a user meets it: a broken plugin, an incompatible one and a raising
command beside a working plugin, on the command line and in ``agenticraft serve``'s table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_helpers import FULL_PLUGIN, make_plugin, plugin_env, run_cli

RAISING = """
from agenticraft.plugins import hookimpl

def boom(args):
    raise RuntimeError("the acme API is down")

@hookimpl
def register_commands(cli):
    cli.command("boom", boom, help="fails")
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_plugin(root, FULL_PLUGIN, name="good")
    make_plugin(root, "import agenticraft_missing_dependency\n", name="broken")
    make_plugin(root, FULL_PLUGIN, name="old", requires=("agenticraft<0.1",))
    make_plugin(root, RAISING, name="raising")
    return root


def env_for(site: Path, switch: str = "good,broken,old,raising") -> dict[str, str]:
    return plugin_env(switch, path=site)


def test_the_working_plugin_works_and_each_failure_is_one_warning_line(site: Path) -> None:
    out = run_cli(["run", "-q", "--model", "good:x", "hello"], env_for(site))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "good says hello"
    warnings = out.stderr.strip().splitlines()
    assert warnings == [
        "agenticraft: warning: agenticraft plugin 'broken' (agenticraft-broken 1.0) failed to load: "
        "ModuleNotFoundError: No module named 'agenticraft_missing_dependency'",
        "agenticraft: warning: agenticraft plugin 'old' (agenticraft-old 1.0) was skipped: "
        "it requires agenticraft<0.1, and this is agenticraft 0.1.0",
    ]
    assert run_cli(["--version"], env_for(site)).stdout.startswith("agenticraft ")


def test_agenticraft_plugins_lists_every_one_with_its_failure(site: Path) -> None:
    out = run_cli(["plugins"], env_for(site))
    assert out.returncode == 0 and out.stderr.count("warning") == 2  # the start's, not the listing's
    assert "broken  agenticraft-broken 1.0  failed\n    error: ModuleNotFoundError" in out.stdout
    assert "old  agenticraft-old 1.0  incompatible\n    error: it requires agenticraft<0.1" in out.stdout
    assert "good  agenticraft-good 1.0  loaded\n" in out.stdout
    assert "    encoders: good-plain" in out.stdout
    listed = {p["name"]: p for p in json.loads(run_cli(["plugins", "--json"], env_for(site)).stdout)}
    assert sorted(listed) == ["broken", "good", "old", "raising"]
    assert listed["good"]["registered"] == {
        "commands": ["good-hi"],
        "providers": ["good"],
        "toolsets": ["good-tools"],
        "encoders": ["good-plain"],
    }


def test_a_plugin_command_that_raises_is_one_line_naming_the_plugin(site: Path) -> None:
    out = run_cli(["boom"], env_for(site, "raising"))
    assert out.returncode == 1
    assert out.stderr == (
        "agenticraft: error: command 'boom' of plugin 'raising' failed: RuntimeError: the acme API is down\n"
    )
    assert run_cli(["good-hi", "Ada"], env_for(site, "good")).stdout == "hi from good Ada\n"


def test_a_plugin_encoder_is_served_and_the_switch_restricts(site: Path) -> None:
    code = (
        "from agenticraft.serve import create_app\n"
        "from agenticraft.testing import FunctionModel\n"
        "from agenticraft import Agent\n"
        "app = create_app(Agent(model=FunctionModel(lambda m, t: 'hi')))\n"
        "print(sorted(r.path for r in app.routes if r.path.startswith('/good')))\n"
    )

    def routes(switch: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env_for(site, switch),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert routes("good") == "['/good/plain']"
    assert routes("none") == "[]"
    assert routes("raising") == "[]"
