"""The base of the three stream parsers: bytes in, provider events out, errors held back.

Every event decoded before an error reaches the consumer first (a turn that produced any event
is never retried), and a parser that trips over a malformed field raises
:class:`~agenticraft.core.errors.StreamProtocolError`, never an error outside the tree.
"""

from __future__ import annotations

from abc import abstractmethod

from agenticraft.core.errors import ProviderError, StreamProtocolError
from agenticraft.core.events import ProviderEvent

__all__ = ["StreamParser"]


class StreamParser:
    """Turns one response body into provider events. One parser per response.

    ``feed`` gets the raw bytes as they arrive and returns the events they completed; an error
    reported inside the stream is a :class:`ProviderError`. When that error comes in the same
    network read as events before it, the events are returned first and the error is held:
    :meth:`raise_pending` (called by the transport right after it delivered them), the next
    ``feed`` or ``close`` raises it. So no decoded event is ever lost to the error after it, and
    a turn that produced events is never mistaken for one that failed before its first.
    ``close`` is called when the body ended and returns any last events, or raises
    :class:`ProviderConnectionError` when the stream stopped before the protocol said it was done.

    Subclasses implement ``decode`` (append a piece's events to ``out``) and ``finish``. A
    chunk of the wrong shape may simply fail in them (a ``TypeError``, a ``KeyError``, JSON
    nested too deep for the decoder): the base turns every such failure into a
    :class:`StreamProtocolError` of ``provider``, held back like any other.
    ``recognized`` says whether the body held anything of the protocol (an SSE event, an NDJSON
    line), so a body that ends before its first event can be told from a cut stream.
    """

    __slots__ = ("_pending", "provider")

    def __init__(self, provider: str = "") -> None:
        self._pending: ProviderError | None = None
        self.provider = provider

    def feed(self, data: bytes) -> list[ProviderEvent]:
        self.raise_pending()
        out: list[ProviderEvent] = []
        try:
            self.decode(data, out)
        except ProviderError as exc:
            error = self._tagged(exc)
        except _MALFORMED as exc:
            error = _malformed(exc, self.provider)
        else:
            return out
        if not out:
            raise error
        self._pending = error
        return out

    def close(self) -> list[ProviderEvent]:
        self.raise_pending()
        try:
            return self.finish()
        except ProviderError as exc:
            self._tagged(exc)
            raise
        except _MALFORMED as exc:
            raise _malformed(exc, self.provider) from exc

    def raise_pending(self) -> None:
        """Raise the in-stream error held back by the last ``feed``, if any."""
        error = self._pending
        if error is not None:
            self._pending = None
            raise error

    def _tagged(self, error: ProviderError) -> ProviderError:
        if not error.provider:  # raised by a helper that does not know whose stream this is
            error.provider = self.provider
        return error

    @property
    def recognized(self) -> bool:
        """Whether anything of the protocol was decoded (True unless a subclass knows better)."""
        return True

    @abstractmethod
    def decode(self, data: bytes, out: list[ProviderEvent]) -> None: ...

    @abstractmethod
    def finish(self) -> list[ProviderEvent]: ...


# What a parser raises when a chunk has the wrong shape (a string where an object belongs...) or
# is nested deeper than the JSON decoder goes: catching it once here keeps shape checks off the
# per-chunk path. (RecursionError is not an error of ours to let out: it is the chunk's.)
_MALFORMED = (AttributeError, TypeError, KeyError, IndexError, ValueError, RecursionError)


def _malformed(exc: BaseException, provider: str) -> ProviderError:
    if isinstance(exc, RecursionError):
        detail = "nested too deep to decode"
    else:
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
    error = StreamProtocolError(f"a stream chunk has an unexpected shape ({detail})", provider=provider)
    error.__cause__ = exc
    return error


# -- errors --------------------------------------------------------------------------------
