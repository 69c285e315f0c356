"""A published reference MCP server, run as a user runs it: ``mcp-server-git`` on a repository
made here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mcp_helpers import CallingModel

from agenticraft import Agent
from agenticraft.mcp import MCPServerStdio

pytest.importorskip("mcp_server_git")


def make_repo(path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    git("init", "-q")
    (path / "notes.txt").write_text("hello\n")
    git("add", "notes.txt")
    git("-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit", "-q", "-m", "Add the notes")
    (path / "notes.txt").write_text("hello again\n")


async def test_an_agent_reads_a_repository_through_mcp_server_git(tmp_path: Path) -> None:
    make_repo(tmp_path)
    git = MCPServerStdio(
        sys.executable, ["-m", "mcp_server_git", "--repository", str(tmp_path)], prefix="git"
    )
    repo = {"repo_path": str(tmp_path)}
    model = CallingModel([("git_git_log", {**repo, "max_count": 1}), ("git_git_diff_unstaged", repo)])
    response = await Agent(model=model.model, toolsets=[git]).arun("What changed since the last commit?")
    assert "git_git_status" in model.offered[0]
    log, diff = model.results
    assert not log.is_error and "Add the notes" in log.content
    assert not diff.is_error and "+hello again" in diff.content
    assert "+hello again" in response.content
    wrong = CallingModel([("git_git_log", {"max_count": "many"})])
    await Agent(model=wrong.model, toolsets=[git]).arun("log")
    assert wrong.results[0].is_error and "'repo_path' is a required property" in wrong.results[0].content
