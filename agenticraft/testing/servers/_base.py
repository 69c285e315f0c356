"""A scripted HTTP/1.1 server on 127.0.0.1 for testing providers over real sockets.

:class:`ScriptedServer` runs in a background thread with its own event loop, on an ephemeral
port. Tests queue :class:`ScriptedResponse` objects (status, headers, body as byte pieces with
delays, a cut connection, a hang until the client leaves) and read back what the client sent
(:attr:`ScriptedServer.requests`) and how each exchange ended (:attr:`ScriptedServer.exchanges`:
completed, or the client disconnected early). :attr:`ScriptedServer.open_connections` counts
the client connections still open, so a test can prove that nothing leaked.

The protocol dialects (``openai.py`` and friends) build the byte pieces; this module knows only
HTTP. It speaks just enough HTTP/1.1 for clients like httpx: keep-alive, ``Content-Length``
request bodies, chunked or sized response bodies.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from agenticraft.testing.servers._parts import ReceivedPart, describe_parts

__all__ = ["Exchange", "RecordedRequest", "ScriptedResponse", "ScriptedServer", "split_bytes"]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    529: "Overloaded",
}


@dataclass(slots=True)
class RecordedRequest:
    """One request the server received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass(slots=True)
class ScriptedResponse:
    """One response to play.

    ``pieces`` are written one at a time (each as its own HTTP chunk when ``chunked``), with
    ``delay`` seconds before each (``delays`` overrides it per piece index). ``cut_after=n``
    closes the connection after ``n`` pieces without ending the body; ``hang`` keeps the
    connection open after the pieces, without ending the body, until the client leaves.
    ``content-type`` defaults to ``text/event-stream``; a header given as ``""`` is left out
    (a response without a content type). ``gates`` maps a piece index to a
    ``threading.Event`` the server waits for before writing that piece (at most
    ``gate_timeout`` seconds), so a test can hold the rest of a stream until the client did
    something, and prove the order without timing.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    pieces: Sequence[bytes] = ()
    delay: float = 0.0
    delays: dict[int, float] = field(default_factory=dict)
    cut_after: int | None = None
    hang: bool = False
    chunked: bool = True
    gates: dict[int, threading.Event] = field(default_factory=dict)
    gate_timeout: float = 10.0

    @classmethod
    def json_body(cls, status: int, body: Any, headers: dict[str, str] | None = None) -> ScriptedResponse:
        """A plain (not streamed) JSON response, e.g. an error."""
        data = json.dumps(body).encode()
        return cls(status, {"content-type": "application/json", **(headers or {})}, [data], chunked=False)


@dataclass(slots=True)
class Exchange:
    """A request and how its response went. ``connection`` numbers the client connection it
    came on (1 for the first the server accepted), so a test can see connections reused.
    ``sent_at`` holds the ``time.monotonic()`` at which each piece was written."""

    request: RecordedRequest
    response: ScriptedResponse
    pieces_sent: int = 0
    completed: bool = False
    client_disconnected: bool = False
    connection: int = 0
    sent_at: list[float] = field(default_factory=list)


def split_bytes(
    data: bytes,
    *,
    every: int | None = None,
    at: Iterable[int] = (),
    seed: int | None = None,
    count: int = 8,
) -> list[bytes]:
    """Cut ``data`` into pieces: every ``every`` bytes, at the positions ``at``, or at
    ``count`` random positions chosen with ``seed`` (boundaries may fall anywhere, inside a
    UTF-8 character or a JSON string)."""
    cuts: set[int] = set(at)
    if every:
        cuts.update(range(every, len(data), every))
    if seed is not None and len(data) > 1:
        rng = random.Random(seed)
        cuts.update(rng.sample(range(1, len(data)), min(count, len(data) - 1)))
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(data)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


Handler = Callable[[RecordedRequest], ScriptedResponse]

EmbedFunction = Callable[[str], Sequence[float]]
"""How a test server embeds one text (for the embeddings endpoints)."""


def letter_counts(text: str) -> list[float]:
    """A small deterministic embedding: how often each letter a-z occurs (26 dimensions)."""
    counts = [0.0] * 26
    for ch in text.lower():
        if "a" <= ch <= "z":
            counts[ord(ch) - 97] += 1.0
    return counts


def embedding_inputs(body: Any) -> list[str]:
    """The texts of an embeddings request (``input`` is one text or a list)."""
    inputs = body.get("input") if isinstance(body, dict) else None
    return [inputs] if isinstance(inputs, str) else [str(t) for t in inputs or []]


def embeddings_handler(
    path: str, answer: Callable[[Any, list[list[float]]], Any], embed: EmbedFunction, fallback: Handler | None
) -> Handler:
    """A handler that answers ``POST path`` by embedding each input with ``embed``."""

    def handle(request: RecordedRequest) -> ScriptedResponse:
        if request.path.split("?")[0] != path:
            if fallback is not None:
                return fallback(request)
            return ScriptedResponse.json_body(404, {"error": {"message": f"no route {request.path}"}})
        body = request.json()
        texts = embedding_inputs(body)
        return ScriptedResponse.json_body(200, answer(body, [list(map(float, embed(t))) for t in texts]))

    return handle


class _Connection(asyncio.Protocol):
    """One client connection: reads requests, plays responses."""

    def __init__(self, server: ScriptedServer) -> None:
        self.server = server
        self.buffer = bytearray()
        self.readable = asyncio.Event()
        self.lost = asyncio.Event()
        self.transport: asyncio.Transport | None = None
        self.task: asyncio.Task[None] | None = None
        self.number = next(server._connection_numbers)

    # -- protocol callbacks ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server._connections.add(self)
        self.task = asyncio.get_running_loop().create_task(self._serve())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.readable.set()

    def eof_received(self) -> bool:
        self.lost.set()
        self.readable.set()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set()
        self.readable.set()
        self.server._connections.discard(self)

    # -- serving --------------------------------------------------------------------------
    async def _read_until(self, marker: bytes) -> bytes | None:
        while True:
            end = self.buffer.find(marker)
            if end >= 0:
                head = bytes(self.buffer[:end])
                del self.buffer[: end + len(marker)]
                return head
            if self.lost.is_set():
                return None
            self.readable.clear()
            await self.readable.wait()

    async def _read_exactly(self, size: int) -> bytes | None:
        while len(self.buffer) < size:
            if self.lost.is_set():
                return None
            self.readable.clear()
            await self.readable.wait()
        body = bytes(self.buffer[:size])
        del self.buffer[:size]
        return body

    async def _serve(self) -> None:
        assert self.transport is not None
        try:
            while not self.lost.is_set():
                head = await self._read_until(b"\r\n\r\n")
                if head is None:
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers: dict[str, str] = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await self._read_exactly(int(headers.get("content-length", "0")))
                if body is None:
                    return
                request = RecordedRequest(method, path, headers, body)
                keep_open = await self._play(request)
                if not keep_open or headers.get("connection", "").lower() == "close":
                    self.transport.close()
                    return
        finally:
            if not self.transport.is_closing():
                self.transport.close()

    async def _play(self, request: RecordedRequest) -> bool:
        assert self.transport is not None
        response = self.server._next_response(request)
        exchange = Exchange(request, response, connection=self.number)
        self.server._record(exchange)
        write = self.transport.write
        status_line = f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Status')}\r\n"
        headers = {"content-type": "text/event-stream", **{k.lower(): v for k, v in response.headers.items()}}
        if response.chunked:
            headers["transfer-encoding"] = "chunked"
        else:
            headers["content-length"] = str(sum(len(p) for p in response.pieces))
        head = status_line + "".join(f"{k}: {v}\r\n" for k, v in headers.items() if v) + "\r\n"
        write(head.encode("latin-1"))
        for index, piece in enumerate(response.pieces):
            if response.cut_after is not None and index >= response.cut_after:
                self.transport.close()
                return False
            gate = response.gates.get(index)
            if gate is not None:
                await self._wait_gate(gate, response.gate_timeout)
            delay = response.delays.get(index, response.delay)
            if delay:
                await self._sleep_or_lost(delay)
            else:
                await asyncio.sleep(0)  # let the client's disconnect reach us between pieces
            if self.lost.is_set():
                exchange.client_disconnected = True
                return False
            if response.chunked:
                if piece:  # an empty chunk would end the body
                    write(b"%x\r\n%b\r\n" % (len(piece), piece))
            else:
                write(piece)
            exchange.pieces_sent += 1
            exchange.sent_at.append(time.monotonic())
        if response.cut_after is not None:
            self.transport.close()
            return False
        if response.hang:
            await self.lost.wait()
            exchange.client_disconnected = True
            return False
        if response.chunked:
            write(b"0\r\n\r\n")
        exchange.completed = True
        return True

    async def _wait_gate(self, gate: threading.Event, timeout: float) -> None:
        # a threading.Event set from the client's thread: polled, so a client that leaves is seen
        deadline = time.monotonic() + timeout
        while not gate.is_set() and not self.lost.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.001)

    async def _sleep_or_lost(self, delay: float) -> None:
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            await asyncio.wait({lost}, timeout=delay)
        finally:
            lost.cancel()


class ScriptedServer:
    """A local HTTP server that plays scripted responses and records requests.

    Use it as a context manager (it starts on enter and stops on exit)::

        with ScriptedServer() as server:
            server.add(ScriptedResponse(200, pieces=[b"data: hi\\n\\n"]))
            ...  # point a client at server.url

    It listens on ``port`` of 127.0.0.1 (by default a free one, see :attr:`url`).
    Responses are played in the order they were added; when the queue is empty, ``handler``
    (a function of the request) answers, else ``default``, else a 500 saying nothing was
    scripted.
    """

    def __init__(
        self, *, handler: Handler | None = None, default: ScriptedResponse | None = None, port: int = 0
    ) -> None:
        self.handler = handler
        self.default = default
        self.exchanges: list[Exchange] = []
        self._queue: deque[ScriptedResponse] = deque()
        self._connections: set[_Connection] = set()
        self._connection_numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        #: the port to listen on (0: a free one, chosen at start); after start, the port in use
        self.port = port

    # -- scripting ------------------------------------------------------------------------
    def add(self, *responses: ScriptedResponse) -> None:
        """Queue responses to play, in order."""
        with self._lock:
            self._queue.extend(responses)

    def _next_response(self, request: RecordedRequest) -> ScriptedResponse:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.handler is not None:
            try:
                return self.handler(request)
            except Exception as exc:  # a broken handler should fail the test visibly, not hang it
                message = f"the server's handler raised {type(exc).__name__}: {exc}"
                return ScriptedResponse.json_body(500, {"error": {"message": message}})
        if self.default is not None:
            return self.default
        return ScriptedResponse.json_body(500, {"error": {"message": "no scripted response left"}})

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    # -- what happened --------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order."""
        with self._lock:
            return [e.request for e in self.exchanges]

    @property
    def output_schemas(self) -> list[dict[str, Any] | None]:
        """The structured-output JSON schema each request asked for (``None``: none), as this
        protocol carries it (see :meth:`output_schema_of`)."""
        return [self.output_schema_of(r.json()) if r.body else None for r in self.requests]

    def output_schema_of(self, body: Any) -> dict[str, Any] | None:
        """The structured-output schema in one request body; each protocol's server knows where."""
        return None

    @property
    def received_parts(self) -> list[list[ReceivedPart]]:
        """The content parts (images, documents, audio) each request carried, in order."""
        return [self.parts_of(r.json()) if r.body else [] for r in self.requests]

    def parts_of(self, body: Any) -> list[ReceivedPart]:
        """The content parts of one request body; each protocol's server knows where."""
        return []

    def answer_about_parts(self, describe: Callable[[list[ReceivedPart]], str] | None = None) -> None:
        """Answer every request not otherwise scripted with a text turn about the content parts
        it carried: ``describe(parts)``, by default :func:`describe_parts` ("I received 1
        part: image image/png (68 bytes)."). Queued responses still come first."""
        say = describe or describe_parts
        self.handler = lambda request: self.text_response(say(self.parts_of(request.json())))

    def text_response(self, text: str) -> ScriptedResponse:
        """One streamed text answer in this protocol (each dialect server provides it)."""
        raise NotImplementedError(f"{type(self).__name__} cannot answer in a protocol")

    @property
    def open_connections(self) -> int:
        """Client connections currently open."""
        return len(self._connections)

    @property
    def pending(self) -> int:
        """Scripted responses not played yet."""
        with self._lock:
            return len(self._queue)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Block until ``condition()`` holds (checked every millisecond); False on timeout."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    async def await_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        """:meth:`wait_until` for async code: lets the caller's event loop run meanwhile."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.001)
        return True

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> Self:
        """Start serving in a background thread; returns self."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            try:
                self._server = loop.run_until_complete(
                    loop.create_server(lambda: _Connection(self), "127.0.0.1", self.port)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"{type(self).__name__}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = []
        for conn in list(self._connections):
            if conn.transport is not None:
                conn.transport.abort()
            if conn.task is not None:
                conn.task.cancel()
                tasks.append(conn.task)
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        """Close every connection and stop the server thread."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
