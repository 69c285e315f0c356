"""Conversation memory: what an agent remembers between runs, per conversation.

A memory is anything with ``load``, ``append`` and ``clear``, each taking a
``conversation_id`` (:class:`ConversationMemory`); one agent serves many conversations at once
through one memory. The run loop appends only consistent slices: a finished run's messages, or,
when a run is broken off, what was really received (the cut assistant message marked
``interrupted``), never a user message without a reply and never a tool call without its result
(a run stopped for tool approval keeps its pending turn: the next run answers it).

:class:`InMemoryConversation` keeps them in this process; :class:`SQLiteConversationMemory`
(in :mod:`agenticraft.core.sqlite_memory`) in a file, so they survive a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from agenticraft.core.messages import Message

__all__ = [
    "DEFAULT_CONVERSATION",
    "DEFAULT_MAX_MESSAGES",
    "ConversationMemory",
    "InMemoryConversation",
    "window",
]

DEFAULT_CONVERSATION = "default"
"""The conversation of a run that names none (``agent.history`` shows it)."""

DEFAULT_MAX_MESSAGES = 200
"""The default window: about 100 exchanges. Without one, a long-lived agent's every request grows
with its whole past (10,000 runs made a request of 20,000 messages). ``max_messages=None`` is
unbounded."""


@runtime_checkable
class ConversationMemory(Protocol):
    """The protocol every conversation memory implements."""

    def load(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[Message]:
        """The messages to send before the next user message, oldest first."""
        ...

    def append(self, messages: Sequence[Message], conversation_id: str = DEFAULT_CONVERSATION) -> None:
        """Remember the messages of a run (a consistent slice, see the module docstring)."""
        ...

    def clear(self, conversation_id: str = DEFAULT_CONVERSATION) -> None:
        """Forget the conversation."""
        ...


def window(messages: list[Message], max_messages: int | None) -> int:
    """Where the last ``max_messages`` messages start, moved forward to a user message so a tool
    call is never separated from its result; an exchange longer than the window is kept whole."""
    if max_messages is None or len(messages) <= max_messages:
        return 0
    start = len(messages) - max_messages
    while start < len(messages) and messages[start].role != "user":
        start += 1
    if start == len(messages):  # one exchange longer than the window: keep it whole
        users = [i for i, m in enumerate(messages) if m.role == "user"]
        start = users[-1] if users else 0
    return start


class InMemoryConversation:
    """The default memory: lists in this process, one per conversation.

    ``messages`` seeds the default conversation. ``max_messages`` (default
    :data:`DEFAULT_MAX_MESSAGES`, ``None`` for no limit) keeps only the most recent messages of
    each conversation (see :func:`window`).
    """

    def __init__(
        self, messages: Sequence[Message] = (), *, max_messages: int | None = DEFAULT_MAX_MESSAGES
    ) -> None:
        self.max_messages = max_messages
        self._conversations: dict[str, list[Message]] = {}
        if messages:
            self._conversations[DEFAULT_CONVERSATION] = list(messages)

    def load(self, conversation_id: str = DEFAULT_CONVERSATION) -> list[Message]:
        return list(self._conversations.get(conversation_id, ()))

    def append(self, messages: Sequence[Message], conversation_id: str = DEFAULT_CONVERSATION) -> None:
        kept = self._conversations.setdefault(conversation_id, [])
        kept.extend(messages)
        del kept[: window(kept, self.max_messages)]

    def clear(self, conversation_id: str = DEFAULT_CONVERSATION) -> None:
        self._conversations.pop(conversation_id, None)

    @property
    def conversations(self) -> list[str]:
        """The ids of the conversations held."""
        return list(self._conversations)

    def __len__(self) -> int:
        return len(self._conversations.get(DEFAULT_CONVERSATION, ()))
