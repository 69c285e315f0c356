"""Conversations in a SQLite file (stdlib ``sqlite3``, WAL), so they survive a restart.

Each run's slice is written in one transaction, so a crash leaves either all of it or none:
the rules of :mod:`agenticraft.core.memory` hold on disk too. Several processes may share the
file; WAL lets readers go on while one writes.

Content parts (images, documents, audio) are stored once per conversation, in their own table
keyed by their SHA-256, however many messages carry them; a message row holds a reference. They
are kept as the base64 the providers send, so a loaded conversation is never encoded again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from os import PathLike
from typing import Any

from agenticraft.core.memory import DEFAULT_CONVERSATION, DEFAULT_MAX_MESSAGES, window
from agenticraft.core.messages import Message, message_from_dict, message_to_dict

__all__ = ["SQLiteConversationMemory"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
)
"""

_MEDIA_SCHEMA = """
CREATE TABLE IF NOT EXISTS media (
    conversation_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (conversation_id, sha256)
)
"""


def _part_dicts(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The content-part dicts of a stored message: its own and its tool results'."""
    found: list[dict[str, Any]] = []
    for part in message["parts"]:
        if part.get("kind") in ("image", "document", "audio"):
            found.append(part)
        elif part.get("kind") == "tool_result":
            found.extend(part.get("parts") or ())
    return found


class SQLiteConversationMemory:
    """Conversation memory in a SQLite file::

        agent = Agent(model=..., memory=SQLiteConversationMemory("chats.db"))

    Every message is kept on disk; ``load`` gives the last ``max_messages`` (default
    :data:`~agenticraft.core.memory.DEFAULT_MAX_MESSAGES`, ``None`` for all), cut where a user
    message starts.
    """

    def __init__(self, path: str | PathLike[str], *, max_messages: int | None = DEFAULT_MAX_MESSAGES) -> None:
        self.path = path
        self.max_messages = max_messages
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.execute(_MEDIA_SCHEMA)

    def load(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[Message]:
        import json

        with self._lock:
            rows = self._db.execute(
                "SELECT message FROM messages WHERE conversation_id = ? ORDER BY seq", (conversation_id,)
            ).fetchall()
        stored = [json.loads(row[0]) for row in rows]
        wanted = {p["sha256"] for m in stored for p in _part_dicts(m) if "sha256" in p and "data" not in p}
        if wanted:
            with self._lock:
                media = dict(
                    self._db.execute(
                        f"SELECT sha256, data FROM media WHERE conversation_id = ? "
                        f"AND sha256 IN ({','.join('?' * len(wanted))})",
                        (conversation_id, *wanted),
                    ).fetchall()
                )
            for m in stored:
                for p in _part_dicts(m):
                    if p.get("sha256") in media and "data" not in p:
                        p["data"] = media[p["sha256"]]
        messages = [message_from_dict(m) for m in stored]
        return messages[window(messages, self.max_messages) :]

    def append(self, messages: Sequence[Message], conversation_id: str = DEFAULT_CONVERSATION) -> None:
        import json

        rows = [json.dumps(message_to_dict(m, inline_media=False), ensure_ascii=False) for m in messages]
        media = {
            (part.digest, part.base64)
            for m in messages
            for part in m.media
            if part.has_content and not part.is_url and part.digest is not None
        }
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (last,) = self._db.execute(
                    "SELECT COALESCE(MAX(seq), -1) FROM messages WHERE conversation_id = ?",
                    (conversation_id,),
                ).fetchone()
                self._db.executemany(
                    "INSERT INTO messages (conversation_id, seq, message) VALUES (?, ?, ?)",
                    [(conversation_id, last + 1 + i, row) for i, row in enumerate(rows)],
                )
                self._db.executemany(
                    "INSERT OR IGNORE INTO media (conversation_id, sha256, data) VALUES (?, ?, ?)",
                    [(conversation_id, digest, data) for digest, data in media],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def clear(self, conversation_id: str = DEFAULT_CONVERSATION) -> None:
        with self._lock:
            self._db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self._db.execute("DELETE FROM media WHERE conversation_id = ?", (conversation_id,))

    @property
    def conversations(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT conversation_id FROM messages ORDER BY 1").fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteConversationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
