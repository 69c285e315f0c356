"""OpenAI Chat Completions, spoken directly on the wire (SSE ``data:`` lines, ``[DONE]``).

Works with OpenAI and with any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, Ollama's
``/v1``): pass ``base_url``. This module only translates: our messages into the request body,
and stream chunks into provider events. The transport (pooling, retries, timeouts, errors on
HTTP statuses) is :class:`~agenticraft.providers._http.HTTPProvider`'s.

Decisions where the protocol leaves room:

- ``refusal`` deltas are surfaced as text (the user sees why nothing else came) and the turn's
  stop reason becomes ``refusal``;
- ``reasoning_content`` / ``reasoning`` deltas (DeepSeek, vLLM, Ollama's ``/v1``) become
  thinking; thinking is never sent back (the API has no field for it);
- ``max_tokens`` goes out as ``max_completion_tokens`` to OpenAI itself (the o-series rejects
  ``max_tokens``) and as ``max_tokens`` to any other server (compatible servers know it);
- a turn that streamed tool calls ends as ``tool_use`` even when the server said ``stop``
  (``raw_stop_reason`` keeps its word); tool-call ``arguments`` sent as a JSON object rather
  than JSON text are taken as that object;
- tool-call ids longer than the 40 characters OpenAI accepts (other servers' ids) go out as a
  digest of themselves, the same in the call and in its result;
- ``content`` sent as a list of typed parts (Mistral's reasoning models) gives text and
  thinking by part type;
- a stream that ends without ``[DONE]`` but after a ``finish_reason`` is complete; one that
  ends before any ``finish_reason`` raises :class:`ProviderConnectionError`;
- content parts: an image is an ``image_url`` part (its URL, or a data URL, with ``detail``),
  a PDF a ``file`` part (``file_data`` as a data URL), a text document a ``text`` part, audio
  an ``input_audio`` part. A tool message takes text only, so the images and documents a tool
  returned follow in one user message after the turn's tool messages, each group introduced
  by the call's id, and the tool message itself says they follow there.
- a tool call is complete (its last fragment ``final``) when the next call begins (a new id)
  or the finish reason comes, as the API streams its calls one after the other; a server
  that interleaves them reopens a call, and the accumulator completes it again at the end.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from agenticraft.core.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderConnectionError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamProtocolError,
    error_for_status,
)
from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.media.parts import Audio, Document, Image, MediaPart
from agenticraft.core.media.support import MediaSupport
from agenticraft.core.messages import Message, TextPart, ToolCallPart, ToolResult, ToolResultPart, Usage
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.providers import _wire
from agenticraft.providers._http import HTTPProvider, StreamParser
from agenticraft.providers._media import openai_support
from agenticraft.providers._schema import openai_strict_schema
from agenticraft.providers._sse import SSEDecoder

__all__ = ["OpenAIProvider", "OpenAIStreamParser", "build_request_body", "to_openai_messages"]

#: finish_reason -> our stop reason
STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "content_filter",
}

# error "type" / "code" inside a stream or body -> our error class
_ERROR_TYPES: dict[str, type[ProviderError]] = {
    "invalid_request_error": BadRequestError,
    "BadRequestError": BadRequestError,
    "authentication_error": AuthenticationError,
    "invalid_api_key": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "model_not_found": NotFoundError,
    "rate_limit_exceeded": RateLimitError,
    "rate_limit_error": RateLimitError,
    "insufficient_quota": RateLimitError,
    "server_error": ServerError,
    "api_error": ServerError,
    "overloaded_error": OverloadedError,
    "engine_overloaded": OverloadedError,
}


# -- request -------------------------------------------------------------------------------

_MAX_ID = 40  # the longest tool-call id OpenAI accepts


def _call_id(call_id: str) -> str:
    # OpenAI rejects ids over 40 characters, and other servers make longer ones (vLLM's are 46):
    # a long id is replaced by a digest of it, the same for the call and for its result
    if len(call_id) <= _MAX_ID:
        return call_id
    return "call_" + hashlib.sha256(call_id.encode()).hexdigest()[:32]


def _tool_call(call: Any) -> dict[str, Any]:
    arguments = call.raw_arguments if call.arguments_error is not None else json.dumps(call.arguments)
    return {
        "id": _call_id(call.id),
        "type": "function",
        "function": {"name": call.name, "arguments": arguments or "{}"},
    }


def content_part(part: MediaPart) -> dict[str, Any]:
    """One content part as a Chat Completions content part."""
    if isinstance(part, Image):
        image_url: dict[str, Any] = {"url": part.url if part.url is not None else part.data_url}
        if part.detail is not None:
            image_url["detail"] = part.detail
        return {"type": "image_url", "image_url": image_url}
    if isinstance(part, Document):
        if part.is_text:
            title = f"{part.name}:\n" if part.name else ""
            return {"type": "text", "text": f"{title}{part.text}"}
        return {"type": "file", "file": {"filename": part.name or "document.pdf", "file_data": part.data_url}}
    assert isinstance(part, Audio)
    return {"type": "input_audio", "input_audio": {"data": part.base64, "format": part.format}}


def _user_content(message: Message) -> str | list[dict[str, Any]]:
    if not any(isinstance(p, MediaPart) for p in message.parts):
        return "".join(p.text for p in message.parts if isinstance(p, TextPart))
    content: list[dict[str, Any]] = []
    for p in message.parts:
        if isinstance(p, TextPart) and p.text:
            content.append({"type": "text", "text": p.text})
        elif isinstance(p, MediaPart):
            content.append(content_part(p))
    return content


def tool_results_and_follow_up(
    results: list[ToolResult],
    item: Callable[[str, str], dict[str, Any]],
    part: Callable[[MediaPart], dict[str, Any]],
    text_type: str,
) -> list[dict[str, Any]]:
    """One text-only item per tool result (``item(call_id, text)``), then one user message with
    the parts the tools returned, each group introduced by its call (Chat Completions and the
    Responses API take no parts in a tool result)."""
    out: list[dict[str, Any]] = []
    follow_up: list[dict[str, Any]] = []
    for result in results:
        content = result.content
        if result.parts:
            note = f"[{_count(result.parts)} returned by this call: in the next user message]"
            content = f"{content}\n{note}" if content else note
            intro = f"Returned by tool call {_call_id(result.tool_call_id)} ({result.name}):"
            follow_up.append({"type": text_type, "text": intro})
            follow_up.extend(part(p) for p in result.parts)
        out.append(item(_call_id(result.tool_call_id), content))
    if follow_up:
        out.append({"role": "user", "content": follow_up})
    return out


def _tool_messages(results: list[ToolResult]) -> list[dict[str, Any]]:
    return tool_results_and_follow_up(
        results,
        lambda call_id, text: {"role": "tool", "tool_call_id": call_id, "content": text},
        content_part,
        "text",
    )


def _count(parts: list[MediaPart]) -> str:
    kinds = [p.kind for p in parts]
    words = []
    for kind in dict.fromkeys(kinds):
        n = kinds.count(kind)
        words.append(
            f"{n} {kind}{'s' if n > 1 else ''}" if kind != "audio" else f"{n} audio clip{'s' * (n > 1)}"
        )
    return ", ".join(words)


def to_openai_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Our messages as Chat Completions messages (thinking is left out: the API cannot take it)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.role
        if role == "tool":
            out.extend(_tool_messages([p.result for p in message.parts if isinstance(p, ToolResultPart)]))
            continue
        if role == "user":
            out.append({"role": "user", "content": _user_content(message)})
            continue
        text = "".join(p.text for p in message.parts if isinstance(p, TextPart))
        if role == "assistant":
            calls = [_tool_call(p.call) for p in message.parts if isinstance(p, ToolCallPart)]
            entry: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                entry["tool_calls"] = calls
            elif not text:
                continue  # an empty assistant turn (only thinking): nothing the API accepts
            out.append(entry)
        else:
            out.append({"role": role, "content": text})
    return out


def _tools(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def build_request_body(
    request: ModelRequest, model: str, *, max_tokens_field: str = "max_completion_tokens"
) -> dict[str, Any]:
    """The Chat Completions request body for one streamed turn."""
    body: dict[str, Any] = {
        "model": model,
        "messages": to_openai_messages(request.messages),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.tools:
        body["tools"] = _tools(request.tools)
    output = request.output
    if output is not None and output.mode == "native":
        schema, strict = openai_strict_schema(output.schema)
        response_format: dict[str, Any] = {"name": output.name, "schema": schema, "strict": strict}
        if output.description:
            response_format["description"] = output.description
        body["response_format"] = {"type": "json_schema", "json_schema": response_format}
    elif output is not None and output.mode == "tool" and request.tools:
        body["tool_choice"] = "required"  # the answer is a call: of a tool or of the output tool
    s = request.settings
    if s.temperature is not None:
        body["temperature"] = s.temperature
    if s.max_tokens is not None:
        body[max_tokens_field] = s.max_tokens
    if s.top_p is not None:
        body["top_p"] = s.top_p
    if s.stop:
        body["stop"] = list(s.stop)
    if s.reasoning_effort is not None:
        body["reasoning_effort"] = s.reasoning_effort
    if s.extra_body:
        body.update(s.extra_body)
    return body


# -- stream --------------------------------------------------------------------------------


def error_from_payload(payload: dict[str, Any], provider: str = "openai") -> ProviderError:
    """The typed error for an error object sent inside a stream."""
    error = payload.get("error")
    if error is None:  # vLLM: {"object": "error", "message": ..., "type": ...}
        error = payload
    elif not isinstance(error, dict):
        error = {"message": str(error)}
    message = str(error.get("message") or "the provider reported an error in the stream")
    error_class: type[ProviderError] = ServerError
    for key in ("code", "type"):
        value = error.get(key)
        if isinstance(value, str) and value in _ERROR_TYPES:
            error_class = _ERROR_TYPES[value]
            break
        # OpenRouter, vLLM and LiteLLM put the HTTP status they would have answered in "code"
        if key == "code" and isinstance(value, int) and 400 <= value < 600:
            error_class = error_for_status(value)
            break
    return error_class(message, provider=provider, body=payload)


def _content_parts(parts: list[Any], out: list[ProviderEvent]) -> None:
    """``content`` sent as a list of parts (Mistral's reasoning models):
    ``{"type": "text", "text": ...}`` is text, ``{"type": "thinking", "thinking": [parts]}``
    thinking; other part types carry nothing we keep."""
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text":
            text = part.get("text")
            if isinstance(text, str) and text:
                out.append(TextChunk(text))
        elif kind == "thinking":
            thinking = part.get("thinking")
            for piece in thinking if isinstance(thinking, list) else [thinking]:
                text = piece.get("text") if isinstance(piece, dict) else piece
                if isinstance(text, str) and text:
                    out.append(ThinkingChunk(text))


def _usage(usage: dict[str, Any]) -> Usage:
    """``prompt_tokens`` already counts the cached tokens and ``completion_tokens`` the
    reasoning tokens, as our ``Usage`` wants; the details say how many of them were which."""
    prompt = _wire.obj(usage.get("prompt_tokens_details"), "usage.prompt_tokens_details")
    completion = _wire.obj(usage.get("completion_tokens_details"), "usage.completion_tokens_details")
    return Usage(
        _wire.count(usage.get("prompt_tokens"), "usage.prompt_tokens"),
        _wire.count(usage.get("completion_tokens"), "usage.completion_tokens"),
        cache_read_tokens=_wire.count(prompt.get("cached_tokens"), "usage.cached_tokens"),
        reasoning_tokens=_wire.count(completion.get("reasoning_tokens"), "usage.reasoning_tokens"),
    )


class OpenAIStreamParser(StreamParser):
    """Chat Completions chunks into provider events."""

    __slots__ = (
        "_called",
        "_decoder",
        "_done",
        "_finish",
        "_id",
        "_model",
        "_open",
        "_open_arguments",
        "_refused",
        "_usage",
    )

    def __init__(self, provider: str = "openai") -> None:
        super().__init__(provider)
        self._decoder = SSEDecoder()
        self._finish: str | None = None
        self._refused = False
        self._called = False  # a tool call was streamed
        self._open: tuple[int | None, str | None] | None = None  # (index, id) of the call streaming
        self._open_arguments = False  # whether that call has argument text yet
        self._done = False
        self._model = ""
        self._id: str | None = None
        self._usage: Usage | None = None

    @property
    def recognized(self) -> bool:
        return self._decoder.recognized

    def decode(self, data: bytes, out: list[ProviderEvent]) -> None:
        if self._done:
            return  # nothing after [DONE] counts
        loads = json.loads
        for _, payload in self._decoder.feed(data):
            if payload == "[DONE]":
                self._done = True
                out.append(self._turn_end())
                break
            try:
                chunk = loads(payload)
            except ValueError as exc:
                raise StreamProtocolError(
                    f"a stream chunk is not JSON ({exc}): {payload[:200]!r}",
                    provider=self.provider,
                    body=payload,
                ) from exc
            if not isinstance(chunk, dict):
                raise StreamProtocolError(
                    f"a stream chunk is not a JSON object: {payload[:200]!r}", provider=self.provider
                )
            if ("error" in chunk and chunk["error"] is not None) or chunk.get("object") == "error":
                raise error_from_payload(chunk, self.provider)
            choices = chunk.get("choices")
            if choices:
                choice = choices[0]
                delta = choice.get("delta")
                if delta:
                    content = delta.get("content")
                    if content and len(delta) == 1 and type(content) is str:  # the hot path: text only
                        out.append(TextChunk(content))
                    else:
                        self._other_delta(delta, content, out)
                finish = choice.get("finish_reason")
                if finish:
                    self._finish = _wire.name(finish, "finish_reason")
                    if self._open is not None:  # the turn's last call is complete
                        out.append(ToolCallDeltaChunk("", *self._open, final=True))
                        self._open = None
            usage = chunk.get("usage")
            if usage:
                self._usage = _usage(_wire.obj(usage, "usage"))
                out.append(UsageChunk(self._usage))
            if not self._model:
                self._model = _wire.name(chunk.get("model"), "model") or ""
            if self._id is None:
                self._id = _wire.name(chunk.get("id"), "id")

    def _other_delta(self, delta: dict[str, Any], content: Any, out: list[ProviderEvent]) -> None:
        # in the order a model produces them: reasoning, text, refusal, tool calls
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if reasoning:
            out.append(ThinkingChunk(_wire.text(reasoning, "reasoning_content")))
        if content:
            if isinstance(content, list):
                _content_parts(content, out)
            else:
                out.append(TextChunk(_wire.text(content, "content")))
        refusal = delta.get("refusal")
        if refusal:
            self._refused = True
            out.append(TextChunk(_wire.text(refusal, "refusal")))
        calls = delta.get("tool_calls")
        if calls:
            self._called = True
            if not isinstance(calls, list):
                calls = [calls]  # one call not wrapped in a list: its meaning is clear
            for call in calls:
                call = _wire.obj(call, "a tool call")
                function = _wire.obj(call.get("function"), "a tool call's function")
                arguments = function.get("arguments") or ""
                if not isinstance(arguments, str):  # some compatible servers send the object itself
                    arguments = json.dumps(arguments, ensure_ascii=False)
                index, call_id = _wire.index(call.get("index")), _wire.call_id(call.get("id"))
                current = self._open
                if current is not None and call_id is not None and (index, call_id) != current:
                    # the next call begins: the one before it is complete, if it has arguments
                    # (a server that interleaves its calls starts them all before any argument;
                    # and a JSON object that parses cannot grow, so a call it sends more of
                    # was never taken as complete with other arguments)
                    if self._open_arguments:
                        out.append(ToolCallDeltaChunk("", *current, final=True))
                    self._open_arguments = False
                if call_id is not None:
                    self._open = (index, call_id)
                elif current is None:
                    self._open = (index, None)
                if arguments and self._open is not None and index in (None, self._open[0]):
                    self._open_arguments = True  # a fragment of the open call
                out.append(
                    ToolCallDeltaChunk(
                        arguments, index, call_id, _wire.name(function.get("name"), "a tool call's name")
                    )
                )

    def _turn_end(self) -> TurnEndChunk:
        raw = self._finish
        stop = STOP_REASONS.get(raw or "", "end_turn")
        if self._refused and stop == "end_turn":
            stop = "refusal"
        elif self._called and stop == "end_turn":
            # some compatible servers (Ollama's /v1, llama.cpp) say "stop" after tool calls;
            # the turn still asks for tools, as the native Ollama adapter reports it too
            stop = "tool_use"
        return TurnEndChunk(stop, raw, model=self._model, usage=self._usage or Usage(), response_id=self._id)

    def finish(self) -> list[ProviderEvent]:
        self._decoder.close()
        if self._done:
            return []
        if self._finish is not None:
            self._done = True
            return [self._turn_end()]
        raise ProviderConnectionError(
            "the stream ended before the model finished its turn", provider=self.provider
        )


class OpenAIProvider(HTTPProvider):
    """OpenAI Chat Completions, or any OpenAI-compatible server through ``base_url``.

    >>> provider = OpenAIProvider("gpt-4o-mini", api_key="sk-...")  # doctest: +SKIP
    >>> local = OpenAIProvider("llama3.2", base_url="http://localhost:11434/v1")  # doctest: +SKIP

    The key comes from ``api_key`` or ``OPENAI_API_KEY``; the server from ``base_url`` or
    ``OPENAI_BASE_URL`` (a compatible server needs no key). ``OPENAI_ORG_ID`` and
    ``OPENAI_PROJECT_ID`` are sent when set, as the official SDK does. ``api="responses"``
    gives :class:`~agenticraft.providers.openai_responses.OpenAIResponsesProvider` (the
    Responses API) instead of Chat Completions. Other keyword arguments
    (``http_client``, ``timeouts``, ``retry``, ``headers``) are
    :class:`~agenticraft.providers._http.HTTPProvider`'s.
    """

    name = "openai"
    preferred_output_mode = "native"
    default_base_url = "https://api.openai.com/v1"
    path = "/chat/completions"
    api_key_env = "OPENAI_API_KEY"

    def __new__(cls, model: str, *, api: str = "chat", **options: Any) -> OpenAIProvider:
        # api="responses" gives the Responses API adapter, a subclass loaded on first use the
        # way the registry loads adapters (its module imports this one, never the reverse)
        if api == "responses" and cls is OpenAIProvider:
            module = importlib.import_module("agenticraft.providers.openai_responses")
            subclass: type[OpenAIProvider] = module.OpenAIResponsesProvider
            return super().__new__(subclass)
        return super().__new__(cls)

    def __init__(self, model: str, *, base_url: str | None = None, api: str = "chat", **options: Any) -> None:
        if api not in ("chat", "responses"):
            raise ConfigurationError(f"api must be 'chat' or 'responses', got {api!r}")
        super().__init__(model, base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None, **options)
        self.organization = os.environ.get("OPENAI_ORG_ID") or None
        self.project = os.environ.get("OPENAI_PROJECT_ID") or None

    def build_headers(self) -> dict[str, str]:
        headers = super().build_headers()
        if self.organization:
            headers["openai-organization"] = self.organization
        if self.project:
            headers["openai-project"] = self.project
        return headers

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        official = self.base_url == self.default_base_url
        field = "max_completion_tokens" if official else "max_tokens"
        return build_request_body(request, self.model, max_tokens_field=field)

    def new_parser(self) -> StreamParser:
        return OpenAIStreamParser(self.name)

    def media_support(self) -> MediaSupport:
        return openai_support(self.model)
