"""The engine's database as users name it: a SQLite path or URL, or a PostgreSQL URL."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["is_postgres", "redact_db"]


def is_postgres(db: str) -> bool:
    """Whether ``db`` is a PostgreSQL URL (not a SQLite path or URL)."""
    return db.split("://", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def redact_db(db: str) -> str:
    """``db`` with its password hidden, for logs and messages."""
    if "://" not in db:
        return db
    parts = urlsplit(db)
    if parts.password is None:
        return db
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[2]}"))
