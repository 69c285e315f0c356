"""Conversations in a SQLite file (stdlib ``sqlite3``, WAL), so they survive a restart.

Each run's slice is written in one transaction, so a crash leaves either all of it or none:
the rules of :mod:`agenticraft.core.memory` hold on disk too. Several processes may share the
file; WAL lets readers go on while one writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from os import PathLike

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

    def load(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[Message]:
        import json

        with self._lock:
            rows = self._db.execute(
                "SELECT message FROM messages WHERE conversation_id = ? ORDER BY seq", (conversation_id,)
            ).fetchall()
        messages = [message_from_dict(json.loads(row[0])) for row in rows]
        return messages[window(messages, self.max_messages) :]

    def append(self, messages: Sequence[Message], conversation_id: str = DEFAULT_CONVERSATION) -> None:
        import json

        rows = [json.dumps(message_to_dict(m), ensure_ascii=False) for m in messages]
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
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def clear(self, conversation_id: str = DEFAULT_CONVERSATION) -> None:
        with self._lock:
            self._db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))

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
