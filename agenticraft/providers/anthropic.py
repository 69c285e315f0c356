"""Anthropic Messages API, spoken directly: request bodies from our messages, and the SSE stream
(``event:`` lines) folded into our provider events.

What the wire needs that our model does not say:

- ``system`` is a top-level field, not a message; every system message's text goes there.
- Tool results go back as ``tool_result`` blocks of a *user* message, and the API wants roles to
  alternate, so consecutive messages of the same role are merged into one.
- Text blocks must hold non-whitespace text, and a ``tool_result`` with ``is_error`` must have
  content: whitespace-only text (other models often write ``"\n\n"`` before a tool call) is
  left out, and an empty error result says :data:`EMPTY_ERROR_CONTENT`. Either would be
  rejected, and with it every later turn of a conversation that keeps its history.
- ``max_tokens`` is required. Without ``ModelSettings.max_tokens`` we send
  :data:`DEFAULT_MAX_TOKENS` (4096, which every Claude model accepts), plus the thinking budget
  when extended thinking is asked for (the budget counts against ``max_tokens``). Thinking is
  left off for a request that continues a tool loop another provider started, which the API
  would reject with thinking on.
- Extended thinking comes back signed. The signature (and a ``redacted_thinking`` block's data)
  goes back byte-exact in the next turn, because Anthropic rejects a tool-use turn whose thinking
  was altered; thinking from other providers carries no valid signature and is left out.
- Usage in ``message_start`` and ``message_delta`` is cumulative: each value replaces the last.
  Our ``input_tokens`` counts the whole prompt (``input_tokens`` plus cache reads and writes),
  so it compares with other providers' prompt token counts; ``cache_read_tokens`` and
  ``cache_write_tokens`` keep the split, for pricing.
- Content parts are ``image`` and ``document`` blocks with a ``base64`` or ``url`` source (a
  text document: a ``text`` source, its type sent as ``text/plain``, the only one the API
  takes there; its name as ``title``), in a user message or in a ``tool_result``'s content.
  A part made with ``cache=True`` carries ``cache_control: {"type": "ephemeral"}``, so the
  prompt up to it is cached.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

import httpx2

from agenticraft.core.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
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
from agenticraft.core.media.parts import Document, Image, MediaPart
from agenticraft.core.media.support import MediaSupport
from agenticraft.core.messages import (
    Message,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.providers import _wire
from agenticraft.providers._http import HTTPProvider, RetryPolicy, StreamParser, Timeouts
from agenticraft.providers._media import anthropic_support
from agenticraft.providers._schema import anthropic_output_schema
from agenticraft.providers._sse import SSEDecoder

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_TOKENS",
    "EMPTY_ERROR_CONTENT",
    "AnthropicProvider",
    "AnthropicStreamParser",
    "build_request_body",
    "error_from_payload",
    "to_anthropic_messages",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
#: the content of a failed tool's result that came without any (the API rejects it empty)
EMPTY_ERROR_CONTENT = "the tool failed without a message"
PROVIDER = "anthropic"

#: Anthropic's stop reasons -> ours (``raw_stop_reason`` keeps theirs)
_STOP_REASONS = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "refusal": "refusal",
    "pause_turn": "end_turn",
    "model_context_window_exceeded": "max_tokens",
}

#: the ``error.type`` of an error body or event -> our error class
_ERROR_TYPES: dict[str, type[ProviderError]] = {
    "invalid_request_error": BadRequestError,
    "request_too_large": BadRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "billing_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "conflict_error": BadRequestError,
    "rate_limit_error": RateLimitError,
    "api_error": ServerError,
    "timeout_error": ProviderTimeoutError,
    "overloaded_error": OverloadedError,
}


# -- request ----------------------------------------------------------------------------------

_NOT_IN_ID = re.compile(r"[^a-zA-Z0-9_-]")


def _tool_id(call_id: str) -> str:
    # Anthropic takes ids of [a-zA-Z0-9_-] only; other providers' ids (``functions.f:0``) are
    # mapped the same way for the call and its result, so they still pair up
    return _NOT_IN_ID.sub("_", call_id)


def _assistant_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            if part.text.strip():  # the API rejects empty and whitespace-only text blocks
                blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ThinkingPart):
            # only our own, signed thinking can go back; anything else would be rejected
            if part.provider != PROVIDER or part.signature is None:
                continue
            if part.redacted:
                blocks.append({"type": "redacted_thinking", "data": part.signature})
            else:
                blocks.append({"type": "thinking", "thinking": part.text, "signature": part.signature})
        elif isinstance(part, ToolCallPart):
            call = part.call
            blocks.append(
                {"type": "tool_use", "id": _tool_id(call.id), "name": call.name, "input": call.arguments}
            )
    return blocks


def media_block(part: MediaPart) -> dict[str, Any]:
    """One content part as an ``image`` or ``document`` block."""
    source: dict[str, Any]
    if part.url is not None:
        source = {"type": "url", "url": part.url}
    elif isinstance(part, Document) and part.is_text:
        source = {"type": "text", "media_type": "text/plain", "data": part.text}
    else:
        source = {"type": "base64", "media_type": part.media_type, "data": part.base64}
    block: dict[str, Any] = {"type": "image" if isinstance(part, Image) else "document", "source": source}
    if isinstance(part, Document) and part.name:
        block["title"] = part.name
    if part.cache:
        block["cache_control"] = {"type": "ephemeral"}
    return block


def _user_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, ToolResultPart):
            result = part.result
            content: str | list[dict[str, Any]] = result.content
            if result.parts:
                content = [{"type": "text", "text": result.content}] if result.content.strip() else []
                content.extend(media_block(p) for p in result.parts)
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": _tool_id(result.tool_call_id),
                "content": content,
            }
            if result.is_error:
                block["is_error"] = True
                if not result.content.strip():  # the API rejects an error without content
                    block["content"] = EMPTY_ERROR_CONTENT
            blocks.append(block)
        elif isinstance(part, TextPart) and part.text.strip():
            blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, MediaPart):
            blocks.append(media_block(part))
    return blocks


def to_anthropic_messages(messages: Iterable[Message]) -> tuple[str | None, list[dict[str, Any]]]:
    """Our conversation as Anthropic's ``(system, messages)``.

    Tool results become user ``tool_result`` blocks; messages left without content are dropped
    and consecutive messages of the same role merged, so roles alternate as the API requires.
    """
    system: list[str] = []
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            if message.text:
                system.append(message.text)
            continue
        if message.role == "assistant":
            role, blocks = "assistant", _assistant_blocks(message)
        else:  # user and tool messages are both the user's side of the conversation
            role, blocks = "user", _user_blocks(message)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return ("\n\n".join(system) if system else None), out


def _tool_definitions(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in tools:
        spec: dict[str, Any] = {"name": t.name, "input_schema": t.parameters or {"type": "object"}}
        if t.description:
            spec["description"] = t.description
        out.append(spec)
    return out


def _unthought_tool_loop(messages: list[dict[str, Any]]) -> bool:
    """Whether the conversation ends inside a tool loop whose assistant turn has no thinking."""
    if len(messages) < 2 or messages[-1]["content"][0]["type"] != "tool_result":
        return False
    first = messages[-2]["content"][0]["type"]
    return first not in ("thinking", "redacted_thinking")


def build_request_body(request: ModelRequest, model: str, *, stream: bool = True) -> dict[str, Any]:
    """The JSON body of a ``POST /v1/messages`` for one model turn."""
    system, messages = to_anthropic_messages(request.messages)
    settings = request.settings
    budget = settings.thinking_budget
    if budget and _unthought_tool_loop(messages):
        # With thinking on, the API rejects a tool loop whose assistant turn does not start with
        # a thinking block, and advises turning thinking off. That happens when another provider
        # (a switch or a fallback) made the tool calls; thinking resumes on the next user turn.
        budget = None
    max_tokens = settings.max_tokens
    if max_tokens is None:
        max_tokens = DEFAULT_MAX_TOKENS + (budget or 0)
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages}
    if system is not None:
        body["system"] = system
    if request.tools:
        body["tools"] = _tool_definitions(request.tools)
    if budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    output = request.output
    if output is not None and output.mode == "native":
        fmt = {"type": "json_schema", "schema": anthropic_output_schema(output.schema)}
        body["output_config"] = {"format": fmt}
    elif output is not None and output.mode == "tool" and request.tools and not budget:
        # forced tool use is refused with thinking on: then the model is asked, not forced
        body["tool_choice"] = {"type": "any"}
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    if settings.top_p is not None:
        body["top_p"] = settings.top_p
    if settings.stop:
        body["stop_sequences"] = list(settings.stop)
    if stream:
        body["stream"] = True
    if settings.extra_body:
        body.update(settings.extra_body)
    return body


# -- errors -----------------------------------------------------------------------------------


def error_from_payload(
    payload: Any, *, status_code: int | None = None, default: type[ProviderError] | None = None
) -> ProviderError:
    """The typed error for an Anthropic error body or ``error`` event:
    ``{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}``."""
    error = payload.get("error") if isinstance(payload, dict) else None
    kind = message = None
    if isinstance(error, dict):
        kind = error.get("type")
        message = error.get("message")
    cls = _ERROR_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        cls = default or ServerError
    text = message if isinstance(message, str) and message else (kind or "error reported by the provider")
    return cls(str(text), provider=PROVIDER, status_code=status_code, body=payload)


# -- stream -----------------------------------------------------------------------------------


class AnthropicStreamParser(StreamParser):
    """Folds Anthropic's SSE stream into provider events (the transport's ``StreamParser``).

    Content blocks are keyed by their ``index``: text and thinking deltas pass straight on,
    ``tool_use`` blocks become :class:`ToolCallDeltaChunk` fragments keyed by that index, and
    usage is re-emitted whole each time it changes (latest wins). ``ping`` and unknown event,
    block or delta types are ignored, as the API's versioning policy asks of clients. The event
    name is not needed: every payload carries its own ``type``.

    The usage of ``message_start`` is held back until the first output: until then nothing
    has reached the caller, so the transport may still retry or fall back (an overloaded
    ``error`` event often follows ``message_start`` directly), and the first-token timeout
    measures a real token.
    """

    __slots__ = (
        "_cache_create",
        "_cache_read",
        "_held",
        "_id",
        "_input",
        "_output",
        "_sse",
        "_start_inputs",
        "_stop",
        "_tools",
        "done",
        "model",
    )

    def __init__(self) -> None:
        super().__init__(PROVIDER)
        self._sse = SSEDecoder()
        self._tools: set[int] = set()  # indexes of our tool_use blocks
        self._start_inputs: dict[int, Any] = {}  # tool_use input given whole at block start
        self._input = 0
        self._cache_create = 0
        self._cache_read = 0
        self._output = 0
        self._held: UsageChunk | None = None  # message_start's usage, until the first output
        self._stop: str | None = None
        self.model = ""
        self._id: str | None = None
        self.done = False

    @property
    def recognized(self) -> bool:
        return self._sse.recognized

    def decode(self, data: bytes, out: list[ProviderEvent]) -> None:
        """The events completed by the next piece of the body."""
        for _, payload in self._sse.feed(data):
            self._event(payload, out)

    def finish(self) -> list[ProviderEvent]:
        """The body ended: fine after ``message_stop``, a cut connection before it."""
        self._sse.close()
        if not self.done:
            raise ProviderConnectionError("the stream ended before message_stop", provider=PROVIDER)
        return []

    def feed_data(self, data: str) -> list[ProviderEvent]:
        """The events of one SSE event's ``data`` (for callers that decode SSE themselves)."""
        out: list[ProviderEvent] = []
        self._event(data, out)
        return out

    def _event(self, data: str, out: list[ProviderEvent]) -> None:
        # One try around it all: valid JSON of the wrong shape is as broken as invalid JSON,
        # and a try costs nothing in Python 3.11 until something raises. Fields we keep pass
        # through _wire, so no event carries a type our model does not promise.
        try:
            payload = json.loads(data)
            kind = payload["type"]
            if kind == "content_block_delta":  # the hot path: one per token
                if self._held is not None:
                    out.append(self._held)
                    self._held = None
                delta = payload["delta"]
                dtype = delta["type"]
                if dtype == "text_delta":
                    out.append(TextChunk(_wire.text(delta["text"], "text")))
                elif dtype == "input_json_delta":
                    index = _wire.position(payload["index"], "a content block's index")
                    if index in self._tools:  # server tools stream their input too: not ours
                        partial = _wire.text(delta["partial_json"], "partial_json")
                        if partial:
                            # fragments replace an input given at the start; an empty one
                            # (the API often sends "" first) must not erase it
                            self._start_inputs.pop(index, None)
                            out.append(ToolCallDeltaChunk(partial, index))
                elif dtype == "thinking_delta":
                    out.append(ThinkingChunk(_wire.text(delta["thinking"], "thinking")))
                elif dtype == "signature_delta":
                    out.append(ThinkingChunk("", _wire.text(delta["signature"], "signature")))
                # citations_delta and future delta types carry nothing we keep
            elif kind == "content_block_start":
                index = _wire.position(payload["index"], "a content block's index")
                self._block_start(index, payload["content_block"], out)
            elif kind == "content_block_stop":
                index = _wire.position(payload["index"], "a content block's index")
                start_input = self._start_inputs.pop(index, None)
                if start_input:  # a tool_use given whole at its start, never as fragments
                    out.append(ToolCallDeltaChunk(json.dumps(start_input, ensure_ascii=False), index))
            elif kind == "message_start":
                message = payload["message"]
                self.model = _wire.name(message.get("model"), "model") or ""
                self._id = _wire.name(message.get("id"), "id")
                self._held = self._usage(message.get("usage"))
            elif kind == "message_delta":
                delta = _wire.obj(payload.get("delta"), "delta")
                self._stop = _wire.name(delta.get("stop_reason"), "stop_reason") or self._stop
                self._held = None
                usage = self._usage(payload.get("usage"))
                if usage is not None:
                    out.append(usage)
            elif kind == "message_stop":
                self.done = True
                raw = self._stop
                stop = _STOP_REASONS.get(raw, "end_turn") if raw else "end_turn"
                out.append(
                    TurnEndChunk(
                        stop, raw, model=self.model, usage=self._current_usage(), response_id=self._id
                    )
                )
            elif kind == "error":
                raise error_from_payload(payload)
            # ping, and event types added after this was written
        except StreamProtocolError as exc:  # a field of the wrong type (see _wire)
            raise StreamProtocolError(
                f"{exc.message} in the event {data[:200]!r}", provider=PROVIDER, body=data
            ) from exc
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            raise StreamProtocolError(
                f"malformed event in the stream: {data[:200]!r}", provider=PROVIDER, body=data
            ) from exc

    def _block_start(self, index: int, block: dict[str, Any], out: list[ProviderEvent]) -> None:
        btype = block.get("type")
        event: ProviderEvent | None = None
        if btype == "text":
            text = _wire.text(block.get("text"), "text")
            if text:
                event = TextChunk(text)
        elif btype == "tool_use":
            self._tools.add(index)
            if block.get("input"):
                self._start_inputs[index] = block["input"]
            event = ToolCallDeltaChunk(
                "", index, _wire.call_id(block.get("id")), _wire.name(block.get("name"), "a tool's name")
            )
        elif btype == "thinking":
            # usually empty: the deltas bring the text, and a signature opens the part by itself
            thinking = _wire.text(block.get("thinking"), "thinking")
            signature = _wire.name(block.get("signature"), "signature")
            if thinking or signature:
                event = ThinkingChunk(thinking, signature)
        elif btype == "redacted_thinking":
            event = ThinkingChunk("", _wire.text(block.get("data"), "data"), redacted=True)
        # server tool blocks and future block types are not ours to run
        if event is not None:
            if self._held is not None:
                out.append(self._held)
                self._held = None
            out.append(event)

    def _usage(self, usage: Any) -> UsageChunk | None:
        if not isinstance(usage, dict):
            return None
        # cumulative totals: a value present replaces the last one, an absent one stays
        value = usage.get("input_tokens")
        if value is not None:
            self._input = _wire.count(value, "usage.input_tokens")
        value = usage.get("cache_creation_input_tokens")
        if value is not None:
            self._cache_create = _wire.count(value, "usage.cache_creation_input_tokens")
        value = usage.get("cache_read_input_tokens")
        if value is not None:
            self._cache_read = _wire.count(value, "usage.cache_read_input_tokens")
        value = usage.get("output_tokens")
        if value is not None:
            self._output = _wire.count(value, "usage.output_tokens")
        return UsageChunk(self._current_usage())

    def _current_usage(self) -> Usage:
        return Usage(
            self._input + self._cache_create + self._cache_read,
            self._output,
            cache_read_tokens=self._cache_read,
            cache_write_tokens=self._cache_create,
        )


# -- the provider -------------------------------------------------------------------------------


class AnthropicProvider(HTTPProvider):
    """Claude over the Anthropic Messages API, streamed.

    >>> provider = AnthropicProvider("claude-sonnet-4-6", api_key="sk-ant-...")  # doctest: +SKIP

    The key comes from ``api_key`` or ``ANTHROPIC_API_KEY``; the host from ``base_url``, else
    ``ANTHROPIC_BASE_URL``, else https://api.anthropic.com (like the official SDK, without
    ``/v1``; a trailing ``/v1`` is tolerated). ``api_version`` is the ``anthropic-version``
    header. Transport options (``http_client``, ``timeouts``, ``retry``, ``headers``) are those
    of :class:`~agenticraft.providers._http.HTTPProvider`.
    """

    name = PROVIDER
    preferred_output_mode = "tool"
    default_base_url = DEFAULT_BASE_URL
    path = "/v1/messages"
    api_key_env = "ANTHROPIC_API_KEY"

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
        api_version: str = API_VERSION,
    ) -> None:
        base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        if base_url is not None:
            base_url = base_url.rstrip("/")
            base_url = base_url.removesuffix("/v1")
        super().__init__(
            model,
            base_url=base_url,
            api_key=api_key,
            http_client=http_client,
            timeouts=timeouts,
            retry=retry,
            headers=headers,
        )
        self.api_version = api_version

    def build_headers(self) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream",
            "anthropic-version": self.api_version,
        }
        if self.api_key:
            headers["x-api-key"] = self.api_key
        return headers

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        return build_request_body(request, self.model)

    def new_parser(self) -> AnthropicStreamParser:
        return AnthropicStreamParser()

    def media_support(self) -> MediaSupport:
        return anthropic_support(self.model)
