"""The throwaway PostgreSQL cluster of ``agenticraft.testing.postgres`` and the pytest fixtures
on it: a real server from Debian's binaries that is gone after ``stop``, and a missing server
that fails the tests under CI rather than skipping them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psycopg
import pytest

from agenticraft.testing import postgres
from agenticraft.testing.postgres import PostgresCluster, PostgresUnavailable, find_bindir

pytest_plugins = ["pytester"]


def _cluster(directory: Path | None = None) -> PostgresCluster:
    try:
        return PostgresCluster.start(directory)
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server binaries: {exc}")


def test_a_cluster_serves_sql_and_is_gone_after_stop() -> None:
    cluster = _cluster()
    try:
        with psycopg.connect(cluster.url) as conn:
            assert conn.execute("SELECT 1 + 1").fetchone() == (2,)
            assert conn.execute("SHOW fsync").fetchone() == (
                "off",
            )  # a test cluster need not survive a power cut
        assert cluster.url.startswith("postgresql://postgres@127.0.0.1:")
        assert (cluster.directory / "url").read_text() == cluster.url
    finally:
        cluster.stop()
    assert not cluster.directory.exists()
    cluster.stop()  # twice is fine
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.url, connect_timeout=2)


def test_the_command_line_starts_and_stops_a_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    # not under pytest's tmp_path: as root the server runs as ``postgres``, which cannot enter it
    directory = Path(tempfile.mkdtemp(prefix="agenticraft-test-pg-"))  # as .ci/run makes it
    try:
        find_bindir()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server binaries: {exc}")
    assert postgres._main(["start", "--durable", str(directory)]) == 0  # as the bench starts one
    url = capsys.readouterr().out.strip()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        assert conn.execute("SHOW fsync").fetchone() == ("on",)
    assert postgres._main(["stop", str(directory)]) == 0
    assert not directory.exists()
    assert postgres._main(["stop", str(directory)]) == 0  # nothing there: nothing to do
    assert postgres._main(["restart"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_without_server_binaries_the_error_says_how_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    with pytest.raises(PostgresUnavailable, match="apt-get install postgresql"):
        find_bindir()


FIXTURE_TEST = """
def test_uses_postgres(postgres_url):
    assert postgres_url
"""

# at import: the session fixture is set up before any function fixture could patch it; the
# run is a subprocess, so the patch stays there
NO_SERVER = """
from agenticraft.testing.postgres import PostgresCluster, PostgresUnavailable

def refuse(*args, **kwargs):
    raise PostgresUnavailable("no initdb here")

PostgresCluster.start = refuse
"""


@pytest.mark.parametrize(("ci", "outcome"), [("true", "failed"), ("", "skipped")])
def test_no_server_fails_under_ci_and_is_skipped_elsewhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    monkeypatch.delenv("AGENTICRAFT_TEST_POSTGRES_URL", raising=False)
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(NO_SERVER)
    pytester.makepyfile(FIXTURE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(**{"errors" if outcome == "failed" else outcome: 1})
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*no PostgreSQL for the tests, and CI is set: no initdb here*"])
