"""Conversation memory: what an agent remembers between runs.

A memory is anything with ``load``, ``append`` and ``clear`` (:class:`ConversationMemory`).
The run loop appends only consistent slices: a finished run's messages, or, when a run is
broken off, what was really received (the cut assistant message marked ``interrupted``),
never a user message without a reply and never a tool call without its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from agenticraft.core.messages import Message

__all__ = ["DEFAULT_MAX_MESSAGES", "ConversationMemory", "InMemoryConversation"]

DEFAULT_MAX_MESSAGES = 200
"""The default window: about 100 exchanges. Without one, a long-lived agent's every request grows
with its whole past (10,000 runs made a request of 20,000 messages). ``max_messages=None`` is
unbounded."""


@runtime_checkable
class ConversationMemory(Protocol):
    """The protocol every conversation memory implements."""

    def load(self) -> list[Message]:
        """The messages to send before the next user message, oldest first."""
        ...

    def append(self, messages: Sequence[Message]) -> None:
        """Remember the messages of a run (a consistent slice, see the module docstring)."""
        ...

    def clear(self) -> None:
        """Forget everything."""
        ...


class InMemoryConversation:
    """The default memory: a list in this process.

    ``max_messages`` (default :data:`DEFAULT_MAX_MESSAGES`, ``None`` for no limit) keeps only
    the most recent messages, cutting at the start of a user message so a tool call is never
    separated from its result; an exchange longer than the window is kept whole rather than lost.
    """

    def __init__(
        self, messages: Sequence[Message] = (), *, max_messages: int | None = DEFAULT_MAX_MESSAGES
    ) -> None:
        self.max_messages = max_messages
        self._messages: list[Message] = list(messages)

    def load(self) -> list[Message]:
        return list(self._messages)

    def append(self, messages: Sequence[Message]) -> None:
        self._messages.extend(messages)
        if self.max_messages is not None and len(self._messages) > self.max_messages:
            start = len(self._messages) - self.max_messages
            while start < len(self._messages) and self._messages[start].role != "user":
                start += 1
            if start == len(self._messages):  # one exchange longer than the window: keep it whole
                start = max(i for i, m in enumerate(self._messages) if m.role == "user")
            del self._messages[:start]

    def clear(self) -> None:
        self._messages.clear()

    def __len__(self) -> int:
        return len(self._messages)
