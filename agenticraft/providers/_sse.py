"""Incremental decoders for streamed HTTP bodies: Server-Sent Events and NDJSON.

Both take the raw bytes exactly as the network delivers them, in pieces of any size: a piece
may end inside a UTF-8 character, inside a line or inside a JSON string. Lines are split on the
bytes ``\\n`` and ``\\r``, which never occur inside a multi-byte UTF-8 sequence, so a line is
decoded only once it is complete and a split character can never be mangled.

This is the per-chunk hot path of every provider, so it avoids per-line regexes and repeated
string concatenation: a partial line is kept as a list of pieces and joined once.

SSE follows the WHATWG rules (https://html.spec.whatwg.org/multipage/server-sent-events.html):
``field: value`` with one optional space after the colon, ``data`` lines of one event joined by
``"\\n"``, a blank line dispatches the event, lines starting with ``:`` are comments, ``id`` and
``retry`` are ignored, CRLF, LF and CR all end a line, and a leading byte-order mark is dropped.

A line longer than ``max_line`` bytes (:data:`MAX_LINE_BYTES`, 16 MiB, by default) raises
:class:`~agenticraft.core.errors.StreamProtocolError` as soon as that many bytes are held: a
body that never ends its line (a server that is not streaming, or a broken one) must not be
buffered without limit. Real events are far smaller: a whole tool call's arguments rarely reach
a megabyte.
"""

from __future__ import annotations

from agenticraft.core.errors import StreamProtocolError

__all__ = ["MAX_LINE_BYTES", "NDJSONDecoder", "SSEDecoder", "SSEEvent"]

#: The longest line (SSE field or NDJSON object) a decoder holds before it gives up.
MAX_LINE_BYTES = 16 * 1024 * 1024

SSEEvent = tuple[str, str]
"""One dispatched event: (event name, data). The name is ``"message"`` when none was given."""

_BOM = b"\xef\xbb\xbf"


class _LineSplitter:
    """Splits a byte stream into complete lines (without their line ends), none longer than
    ``max_line`` bytes."""

    __slots__ = ("_cr_pending", "_held", "_partial", "_started", "max_line")

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._partial: list[bytes] = []  # pieces of the line not yet ended
        self._held = 0  # their length in bytes
        self._cr_pending = False  # the last piece ended in "\r": a "\n" next belongs to it
        self._started = False
        self.max_line = max_line

    def _too_long(self) -> StreamProtocolError:
        self._partial = []
        self._held = 0
        return StreamProtocolError(
            f"a line of the stream is longer than {self.max_line} bytes (the limit, max_line): "
            "the body is not a stream of events, or the server never ends its lines"
        )

    def split(self, data: bytes) -> list[bytes]:
        if not self._started:
            if not data:
                return []
            # the BOM may itself arrive split; wait until three bytes are here to decide
            head = b"".join(self._partial) + data
            if len(head) < 3 and _BOM.startswith(head):
                self._partial = [head]
                return []
            self._started = True
            self._partial = []
            data = head[3:] if head.startswith(_BOM) else head
        if not data:  # an empty piece must not end the wait for the "\n" of a "\r\n"
            return []
        if self._cr_pending:
            self._cr_pending = False
            if data[:1] == b"\n":
                data = data[1:]
        if b"\r" in data:
            if data[-1:] == b"\r":
                self._cr_pending = True
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        max_line = self.max_line
        if b"\n" not in data:
            if data:
                self._held += len(data)
                if self._held > max_line:
                    raise self._too_long()
                self._partial.append(data)
            return []
        lines = data.split(b"\n")
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = b"".join(self._partial)
            self._partial = []
        last = lines.pop()
        self._held = len(last)
        if last:
            self._partial.append(last)
        # the first line may have grown from held pieces; any other line is within this piece,
        # so only a piece over the limit can hold one (the common case costs two tests)
        if len(lines[0]) > max_line or (
            len(data) > max_line and (self._held > max_line or any(len(x) > max_line for x in lines))
        ):
            raise self._too_long()
        return lines

    def rest(self) -> bytes:
        """The unterminated last line (the stream ended without a line end)."""
        rest = b"".join(self._partial)
        self._partial = []
        self._held = 0
        if not self._started and rest.startswith(_BOM):
            rest = rest[3:]
        return rest


class SSEDecoder:
    """Server-Sent Events from raw byte pieces.

    >>> decoder = SSEDecoder()
    >>> decoder.feed(b'event: ping\\ndata: {"a"')
    []
    >>> decoder.feed(b': 1}\\n\\n')
    [('ping', '{"a": 1}')]
    """

    __slots__ = ("_data", "_event", "_lines", "recognized")

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._lines = _LineSplitter(max_line)
        self.recognized = False  # whether any event, comment or known field came: the body is SSE
        self._data: list[bytes] = []
        self._event = b""

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Take the next piece of the body; return the events it completed."""
        events: list[SSEEvent] = []
        for line in self._lines.split(data):
            if not line:
                if self._data:
                    payload = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
                    name = self._event.decode("utf-8", "replace") if self._event else "message"
                    events.append((name, payload.decode("utf-8", "replace")))
                    self._data = []
                self._event = b""
            elif line.startswith(b"data: "):  # by far the most common line: test it first
                self._data.append(line[6:])
            elif line.startswith(b"data:"):
                self._data.append(line[5:])
            elif line[0] != 58:  # 58 is ":", a comment
                name_, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if name_ == b"event":
                    self._event = value
                    self.recognized = True
                elif name_ == b"data":  # "data" alone on its line: an empty data line
                    self._data.append(value)
                elif name_ in (b"id", b"retry"):
                    self.recognized = True
                # id, retry and unknown fields are ignored
            else:
                self.recognized = True  # a comment (a keep-alive): SSE, even with no event yet
        if events:
            self.recognized = True
        return events

    def close(self) -> list[SSEEvent]:
        """The stream ended. Per the standard, an event without its closing blank line is
        dropped; nothing is returned for it."""
        self._lines.rest()
        self._data = []
        self._event = b""
        return []


class NDJSONDecoder:
    """Newline-delimited JSON: each complete, non-blank line, as text (not yet parsed).

    >>> decoder = NDJSONDecoder()
    >>> decoder.feed(b'{"a": 1}\\n{"b"')
    ['{"a": 1}']
    >>> decoder.close()
    ['{"b"']
    """

    __slots__ = ("_lines", "recognized")

    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        self._lines = _LineSplitter(max_line)
        self.recognized = False  # whether any line came

    def feed(self, data: bytes) -> list[str]:
        """Take the next piece of the body; return the lines it completed."""
        lines = [line.decode("utf-8", "replace") for line in self._lines.split(data) if line.strip()]
        if lines:
            self.recognized = True
        return lines

    def close(self) -> list[str]:
        """The stream ended: a last line without its line end still counts."""
        rest = self._lines.rest()
        if not rest.strip():
            return []
        self.recognized = True
        return [rest.decode("utf-8", "replace")]
