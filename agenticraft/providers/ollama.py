"""Ollama's native chat API (``POST /api/chat``), spoken directly: request bodies from our
messages, and the NDJSON stream folded into our provider events.

What the wire needs that our model does not say:

- Tool calls arrive whole (``arguments`` is an object, not JSON text), usually without an id.
  We make ids that are stable for a conversation: ``call_<n>_<k>``, the k-th call of the n-th
  assistant turn, so the same request always yields the same ids and ids never repeat within
  a conversation.
- Tool results go back as ``tool`` messages with ``tool_name`` (Ollama matches results to calls
  by name and order); we also send the call's id as ``tool_call_id``, which servers that know
  it use and older ones ignore.
- ``done_reason`` is ``stop`` even when the model called tools, so a turn with tool calls ends
  as ``tool_use``.
- Thinking is asked for with ``think: true``; only thinking Ollama produced goes back (as the
  assistant message's ``thinking``), never another provider's signed or redacted reasoning.
- Images go in a message's ``images`` field as base64; a text document's text is appended to
  the message's content. Ollama cannot fetch a URL, so a URL part is refused unless
  ``ModelSettings(fetch_media_urls=True)`` lets us fetch it (once per part, through the test
  guard, no redirects followed). Images a tool returned follow in a user message after the
  turn's tool messages, introduced by the call's id (as for OpenAI).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import AsyncGenerator, Iterable, Sequence
from typing import Any

import httpx2

from agenticraft.core.errors import (
    NotFoundError,
    ProviderConnectionError,
    ProviderError,
    ServerError,
    StreamProtocolError,
)
from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.media.parts import Document, Image
from agenticraft.core.media.support import MediaSupport
from agenticraft.core.messages import (
    Message,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResult,
    ToolResultPart,
    Usage,
)
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.providers import _wire
from agenticraft.providers._http import HTTPProvider, RetryPolicy, StreamParser, Timeouts
from agenticraft.providers._media import ollama_support
from agenticraft.providers._sse import NDJSONDecoder

__all__ = [
    "DEFAULT_BASE_URL",
    "OllamaProvider",
    "OllamaStreamParser",
    "build_request_body",
    "error_from_payload",
    "resolve_base_url",
    "to_ollama_messages",
]

DEFAULT_BASE_URL = "http://localhost:11434"
PROVIDER = "ollama"

_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens"}


def resolve_base_url(base_url: str | None = None) -> str:
    """The server to talk to: the argument, else ``OLLAMA_HOST``, else localhost:11434.

    Read the way the official client reads ``OLLAMA_HOST``: without a scheme (``0.0.0.0``,
    ``myhost``, ``myhost:9999``) it is ``http://`` and port 11434; with a scheme and no port,
    the scheme's own port (80 or 443).
    """
    raw = (base_url or os.environ.get("OLLAMA_HOST") or DEFAULT_BASE_URL).strip().rstrip("/")
    default_port = "11434"
    if "://" in raw:
        default_port = "443" if raw.startswith("https://") else "80"
    else:
        raw = "http://" + raw
    scheme, _, rest = raw.partition("://")
    host, slash, path = rest.partition("/")
    # an IPv6 literal has colons of its own: its port follows the closing bracket
    has_port = "]:" in host if host.startswith("[") else ":" in host
    if not has_port:
        host += ":" + default_port
    return f"{scheme}://{host}{slash}{path}"


# -- request ----------------------------------------------------------------------------------


def _assistant_message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant", "content": message.text}
    thinking = "".join(
        p.text for p in message.parts if isinstance(p, ThinkingPart) and p.provider == PROVIDER and p.text
    )
    if thinking:
        out["thinking"] = thinking
    calls = [p.call for p in message.parts if isinstance(p, ToolCallPart)]
    if calls:
        out["tool_calls"] = [
            {"id": c.id, "function": {"index": i, "name": c.name, "arguments": c.arguments}}
            for i, c in enumerate(calls)
        ]
    return out


def _with_media(entry: dict[str, Any], parts: Sequence[object]) -> dict[str, Any]:
    """``entry`` with the parts' images as base64 and text documents appended to its content."""
    images = [p.base64 for p in parts if isinstance(p, Image)]
    texts = [
        f"{p.name}:\n{p.text}" if p.name else p.text for p in parts if isinstance(p, Document) and p.is_text
    ]
    if texts:
        entry["content"] = "\n\n".join([entry["content"], *texts] if entry["content"] else texts)
    if images:
        entry["images"] = images
    return entry


def _tool_messages(results: list[ToolResult]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    follow_up: list[dict[str, Any]] = []
    for r in results:
        content = r.content
        if r.parts:
            note = "[what this call returned besides text is in the next user message]"
            content = f"{content}\n{note}" if content else note
            intro = {"role": "user", "content": f"Returned by tool call {r.tool_call_id} ({r.name}):"}
            follow_up.append(_with_media(intro, r.parts))
        out.append({"role": "tool", "content": content, "tool_name": r.name, "tool_call_id": r.tool_call_id})
    return out + follow_up


def to_ollama_messages(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Our conversation as Ollama chat messages (one ``tool`` message per tool result)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.role
        if role == "assistant":
            entry = _assistant_message(message)
            if entry["content"] or len(entry) > 2:  # drop turns left empty (only others' thinking)
                out.append(entry)
        elif role == "tool":
            out.extend(_tool_messages([p.result for p in message.parts if isinstance(p, ToolResultPart)]))
        else:
            text = "".join(p.text for p in message.parts if isinstance(p, TextPart))
            out.append(_with_media({"role": role, "content": text}, message.parts))
    return out


def _tool_definitions(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.parameters or {"type": "object", "properties": {}},
            },
        }
        for t in tools
    ]


def build_request_body(request: ModelRequest, model: str, *, stream: bool = True) -> dict[str, Any]:
    """The JSON body of a ``POST /api/chat`` for one model turn."""
    settings = request.settings
    body: dict[str, Any] = {
        "model": model,
        "messages": to_ollama_messages(request.messages),
        "stream": stream,
    }
    if request.tools:
        body["tools"] = _tool_definitions(request.tools)
    if settings.thinking_budget:
        body["think"] = True  # Ollama has no budget, only on or off
    if request.output is not None and request.output.mode == "native":
        body["format"] = request.output.schema  # Ollama has no tool_choice for the tool mode
    options: dict[str, Any] = {}
    if settings.temperature is not None:
        options["temperature"] = settings.temperature
    if settings.top_p is not None:
        options["top_p"] = settings.top_p
    if settings.max_tokens is not None:
        options["num_predict"] = settings.max_tokens
    if settings.stop:
        options["stop"] = list(settings.stop)
    if options:
        body["options"] = options
    if settings.extra_body:
        body.update(settings.extra_body)
    return body


# -- errors -----------------------------------------------------------------------------------


def error_message(payload: Any) -> str | None:
    """The message of an Ollama error body ``{"error": "..."}``."""
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, str):
            return error
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return None


def error_from_payload(payload: Any, *, status_code: int | None = None) -> ProviderError:
    """The typed error for an ``{"error": ...}`` line in the middle of a stream."""
    message = error_message(payload) or "error reported by the provider"
    # an error line comes from the model runner failing on the server's side, except for
    # "model 'x' not found", Ollama's commonest failure, which no retry can fix
    cls: type[ProviderError] = NotFoundError if "not found" in message.lower() else ServerError
    return cls(message, provider=PROVIDER, status_code=status_code, body=payload)


# -- stream -----------------------------------------------------------------------------------


class OllamaStreamParser(StreamParser):
    """Folds Ollama's NDJSON chat stream into provider events (the transport's ``StreamParser``).

    ``turn`` is the number of this assistant turn in the conversation (1 for the first); it
    makes the ids of tool calls that arrive without one.
    """

    __slots__ = ("_calls", "_lines", "done", "model", "requested_model", "turn")

    def __init__(self, turn: int = 1, requested_model: str = "") -> None:
        super().__init__(PROVIDER)
        self.turn = turn
        #: the model the request named, for the hint when the server speaks another protocol
        self.requested_model = requested_model
        self._lines = NDJSONDecoder()
        self._calls = 0
        self.model = ""
        self.done = False

    @property
    def recognized(self) -> bool:
        return self._lines.recognized

    def decode(self, data: bytes, out: list[ProviderEvent]) -> None:
        """The events completed by the next piece of the body."""
        for line in self._lines.feed(data):
            self._line(line, out)

    def finish(self) -> list[ProviderEvent]:
        """The body ended: a last line without its line end still counts; ending before the
        ``done`` line means the connection was cut."""
        out: list[ProviderEvent] = []
        for line in self._lines.close():
            self._line(line, out)
        if not self.done:
            raise ProviderConnectionError("the stream ended before its done line", provider=PROVIDER)
        return out

    def feed_line(self, line: str) -> list[ProviderEvent]:
        """The events of one complete line (for callers that split lines themselves)."""
        out: list[ProviderEvent] = []
        self._line(line, out)
        return out

    def _line(self, line: str, out: list[ProviderEvent]) -> None:
        # One try around it all: valid JSON of the wrong shape is as broken as invalid JSON.
        # Fields we keep pass through _wire, so no event carries a type our model does not promise.
        try:
            obj = json.loads(line)
            if obj.get("error") is not None:
                raise error_from_payload(obj)
            message = obj.get("message")
            if message:
                thinking = message.get("thinking")
                if thinking:
                    out.append(ThinkingChunk(_wire.text(thinking, "thinking")))
                content = message.get("content")
                if content:
                    out.append(TextChunk(_wire.text(content, "content")))
                calls = message.get("tool_calls")
                if calls:
                    self._add_calls(calls if isinstance(calls, list) else [calls], out)
            if obj.get("done"):
                self._done(obj, out)
        except StreamProtocolError as exc:  # a field of the wrong type (see _wire)
            raise StreamProtocolError(
                f"{exc.message} in the line {line[:200]!r}", provider=PROVIDER, body=line
            ) from exc
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            raise StreamProtocolError(self._malformed(line), provider=PROVIDER, body=line) from exc

    def _malformed(self, line: str) -> str:
        if line.lstrip().startswith("data:"):
            # An SSE event where NDJSON belongs: an OpenAI-compatible server (vLLM, LM Studio,
            # llama.cpp...) answered. Bare names like gpt-oss-20b route to Ollama on purpose.
            model = self.requested_model or self.model or "<model>"
            return (
                f"the server answered with server-sent events ({line[:40]!r}...): this looks like an "
                f"OpenAI-protocol server, not Ollama; use the model 'openai:{model}' with its base URL"
            )
        return f"malformed line in the stream: {line[:200]!r}"

    def _done(self, obj: dict[str, Any], out: list[ProviderEvent]) -> None:
        self.done = True
        self.model = _wire.name(obj.get("model"), "model") or self.model
        usage = Usage(
            _wire.count(obj.get("prompt_eval_count"), "prompt_eval_count"),
            _wire.count(obj.get("eval_count"), "eval_count"),
        )
        raw = _wire.name(obj.get("done_reason"), "done_reason")
        stop = _STOP_REASONS.get(raw, "end_turn") if raw else "end_turn"
        if self._calls:
            stop = "tool_use"
        out.append(UsageChunk(usage))
        out.append(TurnEndChunk(stop, raw, model=self.model, usage=usage))

    def _add_calls(self, calls: list[Any], out: list[ProviderEvent]) -> None:
        for call in calls:
            call = _wire.obj(call, "a tool call")
            function = _wire.obj(call.get("function"), "a tool call's function")
            arguments = function.get("arguments")
            if arguments is None:
                raw = ""
            elif isinstance(arguments, str):  # some compatible servers send JSON text
                raw = arguments
            else:
                raw = json.dumps(arguments, ensure_ascii=False)
            position = self._calls
            self._calls += 1
            call_id = _wire.call_id(call.get("id")) or f"call_{self.turn}_{position}"
            name = _wire.name(function.get("name"), "a tool call's name") or ""
            out.append(ToolCallDeltaChunk(raw, position, call_id, name))


# -- the provider -------------------------------------------------------------------------------


class OllamaProvider(HTTPProvider):
    """A local (or remote) Ollama server over its native chat API, streamed.

    >>> provider = OllamaProvider("llama3.2")  # http://localhost:11434 or OLLAMA_HOST

    No key is needed; an ``api_key`` (for a server behind an authenticating proxy) is sent as
    a bearer token. Transport options (``http_client``, ``timeouts``, ``retry``, ``headers``)
    are those of :class:`~agenticraft.providers._http.HTTPProvider`.
    """

    name = PROVIDER
    preferred_output_mode = "native"
    default_base_url = DEFAULT_BASE_URL
    path = "/api/chat"
    key_required = False

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
        super().__init__(
            model,
            base_url=resolve_base_url(base_url),
            api_key=api_key,
            http_client=http_client,
            timeouts=timeouts,
            retry=retry,
            headers=headers,
        )
        self._turn = 1

    def build_headers(self) -> dict[str, str]:
        headers = super().build_headers()
        headers["accept"] = "application/x-ndjson"
        return headers

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        return build_request_body(request, self.model)

    def new_parser(self) -> OllamaStreamParser:
        return OllamaStreamParser(self._turn, self.model)

    def media_support(self) -> MediaSupport:
        return ollama_support(self.model)

    def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        """Stream one model turn.

        The tool-call ids depend on the turn's place in the conversation, which only the
        request knows, and the transport makes parsers without it; so each turn streams from
        a shallow copy of this provider that knows its turn (nothing is added per chunk, and
        concurrent turns on one provider cannot mix their numbers).
        """
        view = copy.copy(self)
        view._turn = 1 + sum(1 for m in request.messages if m.role == "assistant")
        return HTTPProvider.stream_turn(view, request)
