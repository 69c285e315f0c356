"""The HTTP transport every wire-protocol provider shares.

:class:`HTTPProvider` sends one streamed POST per model turn and turns the body into provider
events through a :class:`StreamParser` the subclass supplies. Everything that is not about one
vendor's format lives here, once:

- one pooled ``httpx2.AsyncClient`` per (endpoint, event loop), shared by every provider and
  agent that talks to that endpoint (see :mod:`agenticraft.providers._pool`: at most 32 per
  loop, idle ones closed, all closed when the loop shuts down or by ``provider.aclose()``).
  A user-supplied ``http_client`` is used as is and never closed by us;
- the base URL, checked when the provider is made (a malformed one is a
  :class:`ConfigurationError`, never a retried request); credentials in it are sent as a
  header and never shown (:mod:`agenticraft.providers._urls`);
- the test guard (:func:`~agenticraft.core.network_guard.check_request_allowed`);
- HTTP error statuses translated into our error tree, with the body's own message; redirects
  are errors too (never followed), and so is a web page where a stream belongs, or any body
  with nothing of the protocol in it (empty, HTML or JSON under another content type, an
  encoding we did not ask for): the error says what came, and it is not retried;
- retries with exponential backoff and jitter, honouring ``Retry-After``, on 408/409/429/5xx,
  connection errors and timeouts, but only before the first event: once output has reached
  the caller, repeating the request would duplicate it;
- timeouts: connect, first token (from sending to the first event) and between chunks;
- the response is closed in a ``finally``, so ``break``, ``aclose()`` or cancellation closes
  the connection at once; httpcore never pools a connection whose body was not read to the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import os
import random
import time
from abc import abstractmethod
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import httpx2

from agenticraft.core.errors import (
    BadRequestError,
    ConfigurationError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    StreamProtocolError,
    error_for_status,
)
from agenticraft.core.events import ProviderEvent, TurnEndChunk
from agenticraft.core.network_guard import check_request_allowed
from agenticraft.core.provider import ModelRequest, RequestAttempt, StreamingProvider
from agenticraft.providers._body import request_bytes
from agenticraft.providers._parser import StreamParser
from agenticraft.providers._pool import close_shared_clients, lease, release, shared_client
from agenticraft.providers._urls import base_url_problem, redact_url, split_credentials

__all__ = [
    "HTTPProvider",
    "RetryPolicy",
    "StreamParser",
    "Timeouts",
    "close_shared_clients",
    "shared_client",
]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait (``None``: forever).

    ``connect`` bounds opening a connection (and waiting for a free one in the pool);
    ``first_token`` runs from sending the request to the first event; ``between_chunks``
    bounds each wait for the next piece of the body after that.
    """

    connect: float | None = 10.0
    first_token: float | None = 120.0
    between_chunks: float | None = 120.0
    write: float | None = 30.0

    @property
    def read(self) -> float | None:
        """The socket read timeout given to httpx: long enough for both phases. It must not
        cut the wait for the first token short, so it is the larger of the two."""
        if self.first_token is None or self.between_chunks is None:
            return None
        return max(self.first_token, self.between_chunks)

    @property
    def gap(self) -> float | None:
        """The between-chunks limit we enforce ourselves, when httpx's read timeout is looser
        (``None`` when httpx's already is it: the default, which costs nothing per chunk)."""
        between, read = self.between_chunks, self.read
        return between if between is not None and (read is None or between < read) else None

    def for_httpx(self) -> httpx2.Timeout:
        return httpx2.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.connect)


@dataclass(frozen=True, slots=True)
class RetryAttempt:
    """Passed to ``RetryPolicy.on_retry`` before each new attempt."""

    attempt: int  # 1 for the first retry
    error: ProviderError
    delay: float


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how often a request that failed before its first event is sent again.

    The n-th retry waits ``initial_delay * multiplier**(n-1)`` seconds (at most ``max_delay``),
    scaled by a random factor in ``[1 - jitter, 1]``, unless the server said ``Retry-After``
    (honoured up to ``max_retry_after`` seconds). ``on_retry`` is told of every retry.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    on_retry: Callable[[RetryAttempt], None] | None = None

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None and 0 <= retry_after <= self.max_retry_after:
            return retry_after
        base = min(self.max_delay, self.initial_delay * self.multiplier ** (attempt - 1))
        return base * (1.0 - self.jitter * random.random())


NO_RETRY = RetryPolicy(max_retries=0)


def _retry_after(headers: httpx2.Headers) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:  # the other form the standard allows: an HTTP date
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _text_message(body: Any) -> str | None:
    """The message of an error body that is plain text: the text (cut short), unless it is a
    web page (a proxy's or gateway's HTML would fill the error's message; ``body`` keeps it)."""
    if not isinstance(body, str):
        return None
    text = body.strip()
    if not text or text.startswith("<"):
        return None
    return text if len(text) <= _MAX_TEXT_MESSAGE else text[:_MAX_TEXT_MESSAGE] + "..."


_MAX_TEXT_MESSAGE = 500


def _transport_error(exc: BaseException, provider: str, url: str) -> ProviderError:
    """Our error for an httpx one; a connection error or timeout names the address tried
    (``url`` has no credentials: see :mod:`agenticraft.providers._urls`)."""
    error: ProviderError
    if not isinstance(exc, httpx2.TransportError):  # e.g. a body that fails to decompress
        error = StreamProtocolError(f"{type(exc).__name__}: {exc}", provider=provider)
        error.__cause__ = exc
        return error
    if isinstance(exc, httpx2.TimeoutException):
        kind = type(exc).__name__
        error = ProviderTimeoutError(f"{kind}: {str(exc) or 'timed out'} ({url})", provider=provider)
    else:
        error = ProviderConnectionError(
            f"{type(exc).__name__}: {str(exc) or 'connection failed'} ({url})", provider=provider
        )
    error.__cause__ = exc
    return error


#: Bytes of a body kept until its first event, to say what it was when none comes.
_HEAD = 2048

#: Seconds to wait, once the protocol said the turn is over, for the body's own end. A server
#: ends the body at once (the connection then goes back to the pool); one that keeps it open
#: (a proxy that never ends a chunked body, HTTP/1.0 keep-alive) must not turn a complete
#: answer into a between-chunks timeout: its connection is closed instead.
DRAIN_AFTER_END = 0.5


async def _drain(chunks: AsyncGenerator[bytes, None]) -> None:
    """Read the rest of a body whose turn is complete, briefly; nothing in it counts."""
    try:
        async with asyncio.timeout(DRAIN_AFTER_END):
            async for _ in chunks:
                pass
    except (TimeoutError, httpx2.HTTPError):
        pass  # the turn is complete; the connection is just not reused


# -- the provider base ---------------------------------------------------------------------


class HTTPProvider(StreamingProvider):
    """Base of the wire-protocol providers: transport, retries, timeouts, errors.

    Subclasses set ``name``, ``default_base_url``, ``path`` and ``api_key_env`` and implement
    :meth:`build_body`, :meth:`new_parser` and, when their auth differs, :meth:`build_headers`
    and :meth:`error_message`.
    """

    default_base_url: ClassVar[str] = ""
    path: ClassVar[str] = ""
    api_key_env: ClassVar[str | None] = None
    #: whether a request to the default base URL needs a key (local servers never do)
    key_required: ClassVar[bool] = True

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not model:
            raise ConfigurationError(f"the {self.name} provider needs a model name")
        self.model = model
        given = (base_url or self.default_base_url).strip().rstrip("/")
        problem = base_url_problem(given)
        if problem is None:
            try:
                httpx2.URL(given)
            except httpx2.InvalidURL as exc:
                problem = str(exc)
        if problem is not None:
            raise ConfigurationError(f"{self.name}: base_url {redact_url(given)!r} is not usable: {problem}")
        # credentials in the URL travel as a header, so no URL we print or log carries them
        self.base_url, credentials = split_credentials(given)
        self._auth = httpx2.BasicAuth(*credentials) if credentials is not None else None
        self._shown_base_url = redact_url(given)
        self.custom_base_url = base_url is not None
        self.api_key = (
            api_key if api_key is not None else os.environ.get(self.api_key_env or "", None) or None
        )
        self.http_client = http_client
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.extra_headers = dict(headers or {})
        self.url = self.base_url + self.path
        self._shown_url = redact_url(self.url)
        self._httpx_timeout = self.timeouts.for_httpx()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, base_url={self._shown_base_url!r})"

    # -- subclass hooks -------------------------------------------------------------------
    @abstractmethod
    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        """The JSON request body for one turn."""

    @abstractmethod
    def new_parser(self) -> StreamParser:
        """A fresh parser for one response body."""

    def build_headers(self) -> dict[str, str]:
        """Request headers; the default sends the key as a bearer token."""
        headers = {"content-type": "application/json", "accept": "text/event-stream"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        return headers

    def error_message(self, body: Any) -> str | None:
        """The human message inside an error body (``{"error": {"message": ...}}`` by default).

        Also understood: a body wrapped in a one-element list (Gemini's OpenAI-compatible
        endpoint) and FastAPI's ``{"detail": ...}`` (vLLM and other Python servers).
        """
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                return str(error["message"])
            if isinstance(error, str):
                return error
            if isinstance(body.get("message"), str):
                return str(body["message"])
            detail = body.get("detail")
            if isinstance(detail, str):
                return detail
            if isinstance(detail, list):
                messages = [str(d["msg"]) for d in detail if isinstance(d, dict) and "msg" in d]
                if messages:
                    return "; ".join(messages)
        return None

    async def prepare_request(self, request: ModelRequest) -> ModelRequest:
        """Checked as every provider's request is; then, where the settings allow it, each URL
        part this provider cannot fetch itself (any URL for Ollama, a PDF's for OpenAI) is
        fetched by us, once per part."""
        request = await super().prepare_request(request)
        support = self.media_support()
        if support is not None and request.settings.fetch_media_urls:
            from agenticraft.providers._media import fetch_part

            for message in request.messages:
                for part in message.media:
                    if part.is_url and part.kind not in support.urls:
                        await fetch_part(part, self.name)
        return request

    def check_ready(self) -> None:
        """Raise :class:`ConfigurationError` when a request cannot work (no key)."""
        if self.key_required and not self.api_key and not self.custom_base_url:
            env = f" or set {self.api_key_env}" if self.api_key_env else ""
            raise ConfigurationError(f"no API key for {self.name}: pass api_key=...{env}")

    # -- transport ------------------------------------------------------------------------
    async def client(self) -> httpx2.AsyncClient:
        """The client this provider sends with: the user's, or the endpoint's shared pool."""
        return self.http_client if self.http_client is not None else await shared_client(self.url)

    async def aclose(self) -> None:
        """Close the pooled client of this provider's endpoint on the running loop (at once, or
        when the streams using it end). Agents on the same endpoint share that client: their
        next request opens a new one, as does this provider's. A user's ``http_client`` is
        left open: it is the user's to close."""
        if self.http_client is None:
            await release(self.url)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _status_error(self, response: httpx2.Response) -> ProviderError:
        raw = await response.aread()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        message = self.error_message(body) or _text_message(body)
        status = response.status_code
        location = response.headers.get("location")
        if status < 400 and location:
            message = f"HTTP {status}: redirected to {redact_url(location)} (not followed: correct base_url)"
        error_class = error_for_status(status)
        return error_class(
            message or f"HTTP {status} {response.reason_phrase}".strip(),
            provider=self.name,
            status_code=status,
            body=body,
            retry_after=_retry_after(response.headers),
        )

    async def _not_a_stream(self, response: httpx2.Response) -> ProviderError:
        # Some compatible servers answer 200 with a JSON error instead of a stream.
        error = await self._status_error(response)
        if isinstance(error.body, dict) and "error" in error.body:
            return ProviderError(
                error.message, provider=self.name, status_code=response.status_code, body=error.body
            )
        return StreamProtocolError(
            "expected a streamed response, got a plain JSON body", provider=self.name, body=error.body
        )

    def _no_stream(self, response: httpx2.Response, head: bytes, size: int, encoding: str) -> ProviderError:
        """The error for a complete body with nothing of the protocol in it: what came, said
        plainly (no retry: the same request gets the same answer)."""
        content_type = response.headers.get("content-type") or "no content type"
        text = head.lstrip()
        if not size:
            what = "an empty body"
        elif encoding not in ("identity", "gzip", "deflate"):
            # we asked for identity; httpx passes an encoding it cannot decode through as is
            what = f"{size} bytes encoded as {encoding!r}, which was not asked for and not decoded"
        elif text[:1] in (b"{", b"["):
            what = f"a JSON body of {size} bytes, not a stream"
        elif text[:1] == b"<":
            what = f"an HTML or XML page of {size} bytes"
        else:
            what = f"{size} bytes that are not a stream of this protocol"
        shown = head[:120].decode("utf-8", "replace")
        return StreamProtocolError(
            f"expected a streamed response from {self.url}, got {what} ({content_type})"
            + (f": {shown!r}" if shown.strip() else ""),
            provider=self.name,
            status_code=response.status_code,
            body=head.decode("utf-8", "replace"),
        )

    async def _open(
        self, client: httpx2.AsyncClient, content: bytes, headers: dict[str, str]
    ) -> tuple[httpx2.Response, AsyncGenerator[bytes, None], StreamParser, list[ProviderEvent], bool]:
        """Send the request and read up to the first event. Nothing reaches the caller here,
        so every failure in this phase may be retried."""
        request = client.build_request(
            "POST", self.url, content=content, headers=headers, timeout=self._httpx_timeout
        )
        if self._auth is not None:
            response = await client.send(request, stream=True, auth=self._auth)
        else:
            response = await client.send(request, stream=True)
        chunks: AsyncGenerator[bytes, None] | None = None
        try:
            # Redirects are not followed: a 301/302 would turn the POST into a GET, and a
            # redirect to another host would pass by the test guard and carry the key there.
            if response.status_code >= 300:
                raise await self._status_error(response)
            content_type = response.headers.get("content-type", "")
            if content_type.startswith("application/json"):
                raise await self._not_a_stream(response)
            if content_type.startswith("text/html"):
                # a web page (a UI or proxy at this URL): no stream will follow, and retrying
                # or reporting a cut connection would only hide the wrong base URL
                raw = await response.aread()
                raise StreamProtocolError(
                    f"expected a streamed response from {self.url}, got an HTML page",
                    provider=self.name,
                    status_code=response.status_code,
                    body=raw.decode("utf-8", "replace"),
                )
            encoding = response.headers.get("content-encoding", "identity").lower()
            chunks = response.aiter_raw() if encoding == "identity" else response.aiter_bytes()
            parser = self.new_parser()
            head = b""  # the start of the body, to say what it was if no event comes
            size = 0
            async for data in chunks:
                if len(head) < _HEAD:
                    head += data[: _HEAD - len(head)]
                size += len(data)
                events = parser.feed(data)
                if events:  # from here on the turn has output: never retried (see StreamParser)
                    return response, chunks, parser, events, False
            try:
                events = parser.close()
            except ProviderConnectionError:
                if parser.recognized:  # a stream that ended early: may be retried
                    raise
                raise self._no_stream(response, head, size, encoding) from None
            return response, chunks, parser, events, True
        except BaseException:
            if chunks is not None:
                # closed here, not by the garbage collector: a byte iterator left suspended
                # would be finalized later, perhaps after its loop ended, and print
                # "Exception ignored in: <async_generator Response.aiter_raw ...>"
                with contextlib.suppress(Exception):
                    await chunks.aclose()
            await response.aclose()
            raise

    async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        """Stream one model turn over HTTP."""
        self.check_ready()
        request = await self.prepare_request(request)  # content parts checked: nothing sent yet
        check_request_allowed(self.url, self.name)
        try:
            content = request_bytes(self.build_body(request), request)
        except UnicodeEncodeError as exc:
            bad = exc.object[max(0, exc.start - 20) : exc.end + 20] if isinstance(exc.object, str) else ""
            raise BadRequestError(
                f"the request cannot be sent: it holds text that is not valid Unicode ({exc.reason}) "
                f"near {bad!r}; clean the prompt or instructions "
                "(text from tools and models is cleaned already)",
                provider=self.name,
            ) from None
        headers = {**self.build_headers(), "accept-encoding": "identity", **self.extra_headers}
        if request.headers:
            headers.update(request.headers)
        observe = request.on_attempt
        # the pooled client is leased for the whole turn: not evicted or closed under it
        holder = lease(self.url) if self.http_client is None else contextlib.nullcontext(self.http_client)
        async with holder as client:
            retry = self.retry
            attempt = 0
            while True:
                if observe is not None:
                    observe(RequestAttempt(self.name, self.model, self._shown_url, attempt + 1))
                try:
                    async with asyncio.timeout(self.timeouts.first_token):
                        response, chunks, parser, events, ended = await self._open(client, content, headers)
                    break
                except ProviderError as exc:
                    error = exc
                except TimeoutError as exc:
                    error = ProviderTimeoutError(
                        f"no first token within {self.timeouts.first_token} s", provider=self.name
                    )
                    error.__cause__ = exc
                except httpx2.HTTPError as exc:
                    error = _transport_error(exc, self.name, self.url)
                retrying = attempt < retry.max_retries and error.is_transient
                if observe is not None:
                    observe(
                        RequestAttempt(self.name, self.model, self._shown_url, attempt + 1, error, retrying)
                    )
                if not retrying:
                    raise error
                attempt += 1
                delay = retry.delay(attempt, error.retry_after)
                if retry.on_retry is not None:
                    retry.on_retry(RetryAttempt(attempt, error, delay))
                await asyncio.sleep(delay)

            try:
                for event in events:
                    yield event
                parser.raise_pending()
                if ended:
                    return
                if type(events[-1]) is TurnEndChunk:
                    await _drain(chunks)
                    return
                feed = parser.feed
                gap = self.timeouts.gap
                if gap is None:  # httpx's read timeout is the between-chunks limit
                    async for data in chunks:
                        events = feed(data)
                        for event in events:
                            yield event
                        parser.raise_pending()
                        if events and type(events[-1]) is TurnEndChunk:
                            await _drain(chunks)
                            return
                else:
                    while True:
                        try:
                            async with asyncio.timeout(gap):  # around the read only, never a yield
                                data = await anext(chunks)
                        except StopAsyncIteration:
                            break
                        except TimeoutError:
                            raise ProviderTimeoutError(
                                f"no data for {gap} s between chunks", provider=self.name
                            ) from None
                        events = feed(data)
                        for event in events:
                            yield event
                        parser.raise_pending()
                        if events and type(events[-1]) is TurnEndChunk:
                            await _drain(chunks)
                            return
                for event in parser.close():
                    yield event
            except httpx2.HTTPError as exc:
                raise _transport_error(exc, self.name, self.url) from exc
            finally:
                await chunks.aclose()
                await response.aclose()
