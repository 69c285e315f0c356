"""``agenticraft new NAME``: the scaffolded project's own tests pass right away, offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_helpers import assert_one_line_error, offline_env, run_cli


def test_the_new_project_tests_pass_against_the_installed_agenticraft(tmp_path: Path) -> None:
    result = run_cli(["new", "weather-bot"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "weather-bot"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == [
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "tests/test_agent.py",
        "weather_bot/__init__.py",
        "weather_bot/agent.py",
    ]
    assert "cd weather-bot" in result.stdout
    # the tests need the dev extras: the hints install them before running them
    hints = result.stdout.splitlines()
    install = next(i for i, line in enumerate(hints) if "pip install -e '.[dev]'" in line)
    assert install < next(i for i, line in enumerate(hints) if "python -m pytest" in line)
    readme = (project / "README.md").read_text()
    assert readme.index("pip install -e '.[dev]'") < readme.index("python -m pytest")
    pyproject = (project / "pyproject.toml").read_text()
    assert '"pytest-asyncio>=0.24"' in pyproject and 'asyncio_mode = "auto"' in pyproject
    # one of its tests is `async def`: it runs because the project is configured for it
    assert "async def test_" in (project / "tests" / "test_agent.py").read_text()
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


def test_the_new_agent_uses_the_real_provider_path_and_its_guard(tmp_path: Path) -> None:
    run_cli(["new", "bot"], cwd=tmp_path)
    # outside its tests, the agent resolves AGENTICRAFT_MODEL; the guard stops a real call
    result = subprocess.run(
        [sys.executable, "-m", "bot.agent", "Count: a b c"],
        cwd=tmp_path / "bot",
        env=offline_env(AGENTICRAFT_MODEL="openai:gpt-4o-mini", OPENAI_API_KEY="sk-test"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("bot: error: a real openai request") and "blocked" in result.stderr


def test_the_new_agent_without_a_key_says_so_in_one_line(tmp_path: Path) -> None:
    run_cli(["new", "bot"], cwd=tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot.agent", "Count: a b c"],
        cwd=tmp_path / "bot",
        env=offline_env(),  # no key, no AGENTICRAFT_MODEL: the default openai:gpt-4o-mini
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "bot: error: no API key for openai: pass api_key=... or set OPENAI_API_KEY"
    ]


def test_an_existing_directory_or_a_bad_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("mine")
    assert_one_line_error(run_cli(["new", "taken"], cwd=tmp_path), 2, "already exists")
    assert (tmp_path / "taken" / "file.txt").read_text() == "mine"
    assert_one_line_error(run_cli(["new", "9lives"], cwd=tmp_path), 2, "cannot be a project name")
