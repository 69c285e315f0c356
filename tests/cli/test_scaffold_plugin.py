"""``agenticraft new --plugin NAME``: the scaffolded plugin package, installed with pip, passes
its own tests right away, and the CLI uses its provider and command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_helpers import assert_one_line_error, offline_env, run_cli


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def test_the_scaffolded_plugin_installs_and_its_tests_pass(tmp_path: Path) -> None:
    result = run_cli(["new", "--plugin", "agenticraft-weather"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "agenticraft-weather"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == [
        ".gitignore",
        "README.md",
        "agenticraft_weather/__init__.py",
        "pyproject.toml",
        "tests/conftest.py",
        "tests/test_agenticraft_weather.py",
    ]
    assert (
        '[project.entry-points.agenticraft]\nweather = "agenticraft_weather"'
        in (project / "pyproject.toml").read_text()
    )
    # pip install, as the hints say (offline here: no index, the build backend already installed)
    _pip("install", "--no-build-isolation", "--no-deps", "--no-index", str(project))
    try:
        env = offline_env()
        env.pop("AGENTICRAFT_PLUGINS", None)  # the plugin's own conftest restricts loading to itself
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert "4 passed" in tests.stdout
        env["AGENTICRAFT_PLUGINS"] = "weather"
        answer = run_cli(["run", "-q", "--model", "weather:any", "sunny?"], env=env)
        assert (answer.returncode, answer.stdout.strip()) == (0, "weather heard: sunny?"), answer.stderr
        hello = run_cli(["weather-hello", "Ada"], env=env)
        assert hello.stdout == "Hello from weather, Ada!\n"
    finally:
        _pip("uninstall", "--yes", "agenticraft-weather")


def test_a_plugin_name_is_checked(tmp_path: Path) -> None:
    result = run_cli(["new", "--plugin", "agenticraft-"], cwd=tmp_path)
    assert_one_line_error(result, 2, "cannot be a plugin name")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("")
    assert_one_line_error(run_cli(["new", "--plugin", "taken"], cwd=tmp_path), 2, "already exists")
    hinted = run_cli(["new", "--plugin", "acme"], cwd=tmp_path)
    assert hinted.returncode == 0 and "agenticraft-acme" in hinted.stdout  # the naming tip


def test_a_bare_plugin_name_never_shadows_a_real_package(tmp_path: Path) -> None:
    from agenticraft.cli.scaffold_plugin import plugin_files

    files = plugin_files("pytest")
    assert "agenticraft_pytest/__init__.py" in files and "pytest/__init__.py" not in files
    assert 'name = "agenticraft-pytest"' in files["pyproject.toml"]
    assert plugin_files("agenticraft-acme").keys() == plugin_files("acme").keys()
