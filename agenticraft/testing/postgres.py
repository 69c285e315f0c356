"""A throwaway PostgreSQL cluster on 127.0.0.1, from the server binaries of Debian's ``postgresql``
package (``/usr/lib/postgresql/<version>/bin``, or ``initdb`` on ``PATH``).

The durable-run tests and ``bench/durable.py --db postgres`` use it, and ``.ci/run`` starts one
for the whole test run through the command line here::

    python -m agenticraft.testing.postgres start DIR   # prints the cluster's URL (--durable: fsync on)
    python -m agenticraft.testing.postgres stop DIR    # stops it and removes DIR

In Python::

    cluster = PostgresCluster.start()
    try:
        url = cluster.url              # postgresql://postgres@127.0.0.1:PORT/postgres
    finally:
        cluster.stop()                 # the server stops and its files are removed

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user
(which the Debian package creates). The cluster trusts local connections: it is for tests only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PostgresCluster", "PostgresUnavailable", "find_bindir"]

_SERVER_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or no user that may run them."""


def find_bindir() -> Path:
    """The directory of ``initdb`` and ``pg_ctl``: Debian's newest version, else ``PATH``."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb): install Debian's package with `apt-get install postgresql`"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: Sequence[str]) -> list[str]:
    """``argv`` as the ``postgres`` user when we are root (initdb and postgres refuse root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return list(argv)
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root needs `runuser` to start PostgreSQL as postgres")
    return [runuser, "-u", _SERVER_USER, "--", *argv]


def _run(argv: Sequence[str], what: str) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise PostgresUnavailable(
            f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        )


class PostgresCluster:
    """A running throwaway cluster: ``url``, ``port``, ``directory``; :meth:`stop` removes it."""

    def __init__(self, directory: Path, port: int, bindir: Path) -> None:
        self.directory = directory
        self.port = port
        self.bindir = bindir

    @property
    def url(self) -> str:
        """The URL of the ``postgres`` database as the ``postgres`` superuser (no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @classmethod
    def start(cls, directory: Path | None = None, *, durable: bool = False) -> PostgresCluster:
        """Create and start a cluster in ``directory`` (a new temporary one by default).

        ``durable=False`` turns off fsync and synchronous commit: a test cluster that need not
        survive a power cut starts and writes faster. Benchmarks pass ``durable=True``.
        """
        bindir = find_bindir()
        root = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="agenticraft-pg-"))
        root.mkdir(parents=True, exist_ok=True)
        data = root / "data"
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            import pwd

            try:
                entry = pwd.getpwnam(_SERVER_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root needs the {_SERVER_USER!r} user (the postgresql package creates it)"
                ) from None
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(root, _free_port(), bindir)
        try:
            _run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                ],
                "initdb",
            )
            options = f"-h 127.0.0.1 -p {cluster.port} -k {root} -c max_connections=200"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            _run(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "-l",
                    str(root / "server.log"),
                    "start",
                ],
                "pg_ctl start",
            )
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        (root / "url").write_text(cluster.url)
        return cluster

    def stop(self) -> None:
        """Stop the server (immediate shutdown: nothing here is kept) and remove its directory;
        safe to call twice."""
        try:
            if (self.data / "postmaster.pid").exists():
                _run(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate", "stop"],
                    "pg_ctl stop",
                )
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def _main(argv: Sequence[str]) -> int:
    durable = "--durable" in argv
    argv = [a for a in argv if a != "--durable"]
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(
            "usage: python -m agenticraft.testing.postgres start [--durable] DIR | stop DIR", file=sys.stderr
        )
        return 2
    command, directory = argv[0], Path(argv[1])
    if command == "start":
        try:
            cluster = PostgresCluster.start(directory, durable=durable)
        except PostgresUnavailable as exc:
            print(f"postgres: {exc}", file=sys.stderr)
            return 1
        print(cluster.url)
        return 0
    if directory.exists():
        PostgresCluster(directory, 0, find_bindir()).stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
