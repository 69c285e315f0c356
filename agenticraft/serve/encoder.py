"""The one interface every wire protocol of the server implements: :class:`Encoder`.

A protocol is a route (``path``), a reader of its request body into our canonical messages
(:meth:`Encoder.read_request` gives a :class:`RunRequest`) and an encoder of our run events
into its bytes. The server runs the agent once and hands every event to the encoder; nothing
re-runs or re-derives what the loop knows. :class:`PartEncoder` does the one thing UI
protocols share: it turns the events' ``(turn, part)`` positions into part start and end
calls, so a protocol only says how a start, a delta and an end look on its wire.

The table of protocols is filled by the plugin system (the built-in plugin registers the
OpenAI, Vercel AI and AG-UI encoders through the ``register_encoders`` hook, as an installed
plugin registers its own) on the first :func:`encoders` call; :func:`register_encoder` adds
one by hand, and ``create_app(protocols=[...])`` picks them per app.
"""

from __future__ import annotations

import importlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, assert_never

from agenticraft.core.events import (
    ApprovalRequiredChunk,
    DoneChunk,
    ExtensionChunk,
    OutputChunk,
    RunEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.loop import Approval
from agenticraft.core.messages import Message, ToolCall, sendable
from agenticraft.core.response import AgentResponse

__all__ = [
    "Encoder",
    "PartEncoder",
    "RequestError",
    "RunRequest",
    "encoders",
    "register_encoder",
    "sse",
]


class RequestError(Exception):
    """A request the server refuses: ``status`` (4xx), a message for the client, a ``code``."""

    def __init__(self, status: int, message: str, code: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass(slots=True)
class RunRequest:
    """What a protocol request asks for, in our terms.

    ``history`` is the conversation the request carries (stateless protocols); ``None`` uses
    the server's memory under ``conversation_id``. ``prompt`` may be ``None`` when the run
    resumes tool calls decided in ``approvals``. ``agent`` names the agent asked for (``None``:
    the first one served). ``options`` keeps what only the protocol needs back (ids, flags);
    ``earlier`` is the conversation before the run, filled in by the server.
    """

    prompt: Message | None
    history: list[Message] | None = None
    conversation_id: str | None = None
    approvals: dict[str, Approval] | None = None
    agent: str | None = None
    stream: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    earlier: list[Message] = field(
        default_factory=list
    )  # the conversation before the run (the server fills it)


def sse(data: Any) -> bytes:
    """One server-sent event carrying ``data`` as JSON (``str``: sent as is, e.g. ``[DONE]``)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    try:
        body = text.encode()
    except UnicodeEncodeError:  # a lone surrogate somewhere (rare): mend every string, then send
        body = json.dumps(sendable(data), ensure_ascii=False).encode()
    return b"data: " + body + b"\n\n"


class Encoder(ABC):
    """One wire protocol of the server: its request reader and its event encoder.

    An instance encodes one run. The server calls :meth:`start` once, :meth:`encode` for each
    run event, then :meth:`end`; or :meth:`error` when the run fails (the message is safe to
    show: no key, no path). A protocol without streaming-only answers may return a JSON body
    from :meth:`result` for a request with ``stream=False`` (the stream drained).
    """

    name: ClassVar[str] = ""
    path: ClassVar[str] = ""
    media_type: ClassVar[str] = "text/event-stream"
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, request: RunRequest, agent_name: str, run_id: str) -> None:
        self.request = request
        self.agent_name = agent_name
        self.run_id = run_id

    @classmethod
    @abstractmethod
    def read_request(cls, body: Any, headers: Mapping[str, str]) -> RunRequest:
        """The request as a run, or :class:`RequestError` saying what is wrong with it."""

    def start(self) -> list[bytes]:
        return []

    @abstractmethod
    def encode(self, event: RunEvent) -> list[bytes]:
        """The bytes of one run event (often none)."""

    @abstractmethod
    def error(self, message: str, code: str) -> list[bytes]:
        """The bytes that tell the client the run failed."""

    def fail(self, message: str, code: str) -> list[bytes]:
        """What the server sends when the run fails: :meth:`error`, after closing what is open."""
        return self.error(message, code)

    def end(self) -> list[bytes]:
        return []

    def result(self) -> dict[str, Any] | None:
        """The JSON answer of a non-streamed request, after every event was encoded."""
        return None


_REGISTRY: dict[str, type[Encoder]] = {}

PLUGIN_LOADER = "agenticraft.plugins.registration:fill_encoders"
"""What fills the table: the plugin system, named like an entry point (it imports this module)."""


def register_encoder(encoder: type[Encoder], *, replace: bool = True) -> type[Encoder]:
    """Serve ``encoder``'s protocol in every app created afterwards (a class decorator too).
    ``replace=False`` (how plugins register) refuses a name or a path already served."""
    if not encoder.name or not encoder.path.startswith("/"):
        raise ValueError(f"{encoder.__name__} needs a name and a path starting with '/'")
    if not replace:
        for other in _REGISTRY.values():
            if other is not encoder and (other.name == encoder.name or other.path == encoder.path):
                raise ValueError(f"{other.__name__} already serves {other.name!r} at {other.path}")
    _REGISTRY[encoder.name] = encoder
    return encoder


def encoders() -> list[type[Encoder]]:
    """The registered protocols, the built-in ones first (the plugins' load on the first call)."""
    module, _, function = PLUGIN_LOADER.partition(":")
    getattr(importlib.import_module(module), function)(register_encoder)
    return list(_REGISTRY.values())


PartKind = Literal["text", "reasoning"]


class PartEncoder(Encoder):
    """An encoder for UI protocols: part starts and ends from the events' ``(turn, part)``.

    Subclasses say how each piece looks; every method returns the bytes to send.
    """

    def __init__(self, request: RunRequest, agent_name: str, run_id: str) -> None:
        super().__init__(request, agent_name, run_id)
        self._open: tuple[PartKind, str] | None = None
        self._turn = 0
        self._tools_started: set[str] = set()

    # -- what a protocol says -------------------------------------------------------------
    def turn_start(self, turn: int) -> list[bytes]:
        return []

    @abstractmethod
    def part_start(self, kind: PartKind, part_id: str) -> list[bytes]: ...

    @abstractmethod
    def part_delta(self, kind: PartKind, part_id: str, delta: str) -> list[bytes]: ...

    @abstractmethod
    def part_end(self, kind: PartKind, part_id: str) -> list[bytes]: ...

    @abstractmethod
    def tool_start(self, call_id: str, name: str) -> list[bytes]: ...

    @abstractmethod
    def tool_delta(self, call_id: str, delta: str) -> list[bytes]: ...

    @abstractmethod
    def tool_ready(self, call: ToolCall) -> list[bytes]: ...

    @abstractmethod
    def tool_result(self, result: ToolResultChunk) -> list[bytes]: ...

    @abstractmethod
    def approval(self, calls: list[ToolCall]) -> list[bytes]: ...

    def output(self, chunk: OutputChunk) -> list[bytes]:
        return []

    def extension(self, chunk: ExtensionChunk) -> list[bytes]:
        return []

    def turn_end(self, chunk: TurnEndChunk) -> list[bytes]:
        return []

    @abstractmethod
    def done(self, response: AgentResponse) -> list[bytes]: ...

    def fail(self, message: str, code: str) -> list[bytes]:
        out: list[bytes] = []
        self._close(out)
        return out + self.error(message, code)

    # -- the fold of part boundaries ------------------------------------------------------
    def _close(self, out: list[bytes]) -> None:
        if self._open is not None:
            kind, part_id = self._open
            self._open = None
            out += self.part_end(kind, part_id)

    def _enter_turn(self, out: list[bytes], turn: int) -> None:
        if turn != self._turn:
            self._close(out)
            self._turn = turn
            out += self.turn_start(turn)

    def _part(self, out: list[bytes], kind: PartKind, turn: int, part: int) -> str:
        self._enter_turn(out, turn)
        part_id = f"{self.run_id[:12]}-{kind}-{turn}-{part}"
        if self._open != (kind, part_id):
            self._close(out)
            self._open = (kind, part_id)
            out += self.part_start(kind, part_id)
        return part_id

    def _tool_started(self, out: list[bytes], call_id: str, name: str) -> None:
        if call_id not in self._tools_started:
            self._tools_started.add(call_id)
            out += self.tool_start(call_id, name)

    def encode(self, event: RunEvent) -> list[bytes]:
        out: list[bytes] = []
        match event:
            case TextChunk():
                if event.content:
                    part_id = self._part(out, "text", event.turn, event.part)
                    out += self.part_delta("text", part_id, event.content)
            case ThinkingChunk():
                if event.thinking:
                    part_id = self._part(out, "reasoning", event.turn, event.part)
                    out += self.part_delta("reasoning", part_id, event.thinking)
            case ToolCallStartChunk():
                self._enter_turn(out, event.turn)
                self._close(out)
                self._tool_started(out, event.id, event.name)
            case ToolCallDeltaChunk():
                if event.id and event.arguments_delta:
                    self._close(out)
                    self._tool_started(out, event.id, event.name or "")
                    out += self.tool_delta(event.id, event.arguments_delta)
            case ToolCallChunk():
                self._close(out)
                self._tool_started(out, event.id, event.name)
                out += self.tool_ready(event.call)
            case ToolResultChunk():
                self._close(out)
                out += self.tool_result(event)
            case TurnEndChunk():
                self._close(out)
                out += self.turn_end(event)
            case UsageChunk():
                pass  # the turn's usage comes again with turn_end and done
            case ApprovalRequiredChunk():
                self._close(out)
                out += self.approval(event.calls)
            case OutputChunk():
                out += self.output(event)
            case ExtensionChunk():
                out += self.extension(event)
            case DoneChunk():
                self._close(out)
                out += self.done(event.response)
            case _:
                assert_never(event)
        return out
