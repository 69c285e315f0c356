"""OpenAI Responses API streams (``POST /v1/responses``, SSE) folded into provider events.

Output items are keyed by their ``output_index``:

- ``response.output_text.delta`` is text, ``response.refusal.delta`` text with a ``refusal``
  stop; ``response.reasoning_summary_text.delta`` (and ``response.reasoning_text.delta``, the
  raw reasoning open-weight servers stream) is thinking, each summary part after the first
  opened by a blank line;
- a reasoning item's ``response.output_item.done`` signs its thinking with the item itself,
  as a line of JSON (when it carries ``encrypted_content``): the part then goes back
  verbatim on the next turn (only to this provider, see
  :mod:`agenticraft.providers.openai_responses`), and is kept when a later failure cuts
  the turn (unsigned thinking is not);
- a ``function_call`` item starts a call (``call_id`` and name) at ``output_item.added``;
  ``response.function_call_arguments.delta`` brings its arguments. A server that sends them
  only in ``.done`` (or only in the finished item) is read there, once;
- a message or call that arrives whole in ``output_item.done`` (no deltas before) is taken
  from it;
- ``response.completed`` ends the turn with its usage (``input_tokens`` already count the
  cached ones, ``output_tokens`` the reasoning ones, as our ``Usage`` wants) and the response
  id as provider state (for ``previous_response_id`` chaining); ``response.incomplete`` ends it
  with ``incomplete_details.reason`` as the raw stop reason; ``response.failed`` and ``error``
  raise typed errors (the events before them were delivered, so the run keeps the partial);
- every other event type (lifecycle, content part, annotation, future ones) is ignored, as
  OpenAI's versioning asks of clients.
"""

from __future__ import annotations

import json
from typing import Any

from agenticraft.core.errors import (
    BadRequestError,
    PermissionDeniedError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    StreamProtocolError,
)
from agenticraft.core.events import ProviderEvent, TextChunk, ThinkingChunk, ToolCallDeltaChunk, TurnEndChunk
from agenticraft.core.messages import Usage
from agenticraft.providers import _wire
from agenticraft.providers._parser import StreamParser
from agenticraft.providers._sse import SSEDecoder
from agenticraft.providers.openai import error_from_payload

__all__ = ["INCOMPLETE_REASONS", "ResponsesStreamParser", "usage_from_responses"]

#: ``incomplete_details.reason`` -> our stop reason
INCOMPLETE_REASONS = {
    "max_output_tokens": "max_tokens",
    "content_filter": "content_filter",
}


# ``response.error.code`` values of a failed response that Chat Completions never sends; the
# rest (server_error, rate_limit_exceeded, ...) are read as the Chat Completions adapter does
_RESPONSE_ERRORS: dict[str, type[ProviderError]] = {
    "vector_store_timeout": ProviderTimeoutError,
    "data_residency_mismatch": PermissionDeniedError,
}
_SERVER_CODES = ("server_error", "rate_limit_exceeded")


def _error(payload: dict[str, Any], provider: str) -> ProviderError:
    """The typed error of an ``error`` event or a failed response's ``error``: a code about
    the request (an image, a prompt, a policy) is a bad request, never retried elsewhere."""
    error = payload.get("error") if isinstance(payload.get("error"), dict) else payload
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, str) and code not in _SERVER_CODES:
        cls = _RESPONSE_ERRORS.get(code)
        if cls is None and ("image" in code or "prompt" in code or "policy" in code):
            cls = BadRequestError
        if cls is not None:
            message = str(error.get("message") or code) if isinstance(error, dict) else code
            return cls(message, provider=provider, body=payload)
    return error_from_payload(payload, provider)


def usage_from_responses(usage: dict[str, Any]) -> Usage:
    """A Responses ``usage`` object as our :class:`Usage`."""
    inputs = _wire.obj(usage.get("input_tokens_details"), "usage.input_tokens_details")
    outputs = _wire.obj(usage.get("output_tokens_details"), "usage.output_tokens_details")
    return Usage(
        _wire.count(usage.get("input_tokens"), "usage.input_tokens"),
        _wire.count(usage.get("output_tokens"), "usage.output_tokens"),
        cache_read_tokens=_wire.count(inputs.get("cached_tokens"), "usage.cached_tokens"),
        cache_write_tokens=_wire.count(inputs.get("cache_write_tokens"), "usage.cache_write_tokens"),
        reasoning_tokens=_wire.count(outputs.get("reasoning_tokens"), "usage.reasoning_tokens"),
    )


class ResponsesStreamParser(StreamParser):
    """Responses SSE events into provider events (see the module docstring)."""

    __slots__ = (
        "_args",
        "_call_ids",
        "_calls",
        "_decoder",
        "_done",
        "_message_ids",
        "_model",
        "_refused",
        "_texts",
        "_thought",
    )

    def __init__(self, provider: str = "openai-responses") -> None:
        super().__init__(provider)
        self._decoder = SSEDecoder()
        self._calls: set[int] = set()  # output indexes of function calls started
        self._args: set[int] = set()  # ... whose arguments arrived
        self._texts: set[int] = set()  # output indexes of items whose text or thinking streamed
        self._thought: dict[int, int] = {}  # reasoning item -> summary parts that brought text
        self._refused = False
        self._done = False
        self._model = ""
        # the ids of the items that follow reasoning, for sending them back paired with it
        self._message_ids: list[str] = []  # of messages that brought text, in order
        self._call_ids: dict[str, str] = {}  # call_id -> the function call item's id

    @property
    def recognized(self) -> bool:
        return self._decoder.recognized

    def decode(self, data: bytes, out: list[ProviderEvent]) -> None:
        if self._done:
            return  # nothing after the response's end counts
        loads = json.loads
        texts = self._texts
        for _, payload in self._decoder.feed(data):
            try:
                event = loads(payload)
                if event["type"] == "response.output_text.delta":  # the hot path: one per token
                    delta = event["delta"]
                    if type(delta) is str:
                        texts.add(event["output_index"])
                        out.append(TextChunk(delta))
                        continue
                self._event(event, out)
            except StreamProtocolError as exc:  # a field of the wrong type (see _wire)
                raise StreamProtocolError(
                    f"{exc.message} in the event {payload[:200]!r}", provider=self.provider, body=payload
                ) from exc
            except ProviderError:
                raise
            except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
                raise StreamProtocolError(
                    f"malformed event in the stream: {payload[:200]!r}", provider=self.provider, body=payload
                ) from exc
            if self._done:
                break

    def finish(self) -> list[ProviderEvent]:
        self._decoder.close()
        if not self._done:
            raise ProviderConnectionError(
                "the stream ended before response.completed", provider=self.provider
            )
        return []

    # -- events -------------------------------------------------------------------------
    def _event(self, event: dict[str, Any], out: list[ProviderEvent]) -> None:
        kind = event["type"]
        if kind == "response.output_text.delta":  # the hot path: one per token
            self._texts.add(event["output_index"])
            out.append(TextChunk(_wire.text(event["delta"], "delta")))
        elif kind == "response.reasoning_summary_text.delta" or kind == "response.reasoning_text.delta":
            delta = _wire.text(event["delta"], "delta")
            if delta:
                index = _wire.position(event.get("output_index"), "output_index")
                part = _wire.index(event.get("summary_index", event.get("content_index"))) or 0
                seen = self._thought.setdefault(index, -1)
                if seen != part:
                    if seen >= 0:
                        out.append(ThinkingChunk("\n\n"))  # the next summary part
                    self._thought[index] = part
                self._texts.add(index)
                out.append(ThinkingChunk(delta))
        elif kind == "response.function_call_arguments.delta":
            index = _wire.position(event["output_index"], "output_index")
            delta = _wire.text(event["delta"], "delta")
            if delta:
                self._args.add(index)
                out.append(ToolCallDeltaChunk(delta, index))
        elif kind == "response.function_call_arguments.done":
            index = _wire.position(event["output_index"], "output_index")
            if index not in self._args:  # only the whole arguments, never deltas
                arguments = _wire.text(event.get("arguments"), "arguments")
                if arguments:
                    self._args.add(index)
                    out.append(ToolCallDeltaChunk(arguments, index))
        elif kind == "response.output_item.added":
            index = _wire.position(event["output_index"], "output_index")
            item = _wire.obj(event.get("item"), "item")
            if item.get("type") == "function_call":
                self._start_call(index, item, out)
        elif kind == "response.output_item.done":
            index = _wire.position(event["output_index"], "output_index")
            self._item_done(index, _wire.obj(event.get("item"), "item"), out)
        elif kind == "response.refusal.delta":
            self._refused = True
            self._texts.add(_wire.position(event.get("output_index"), "output_index"))
            out.append(TextChunk(_wire.text(event["delta"], "delta")))
        elif kind == "response.created":
            response = _wire.obj(event.get("response"), "response")
            self._model = _wire.name(response.get("model"), "model") or self._model
        elif kind in ("response.completed", "response.incomplete"):
            out.append(self._turn_end(_wire.obj(event.get("response"), "response")))
        elif kind == "response.failed":
            response = _wire.obj(event.get("response"), "response")
            error = _wire.obj(response.get("error"), "response.error")
            raise _error({"error": error or {"message": "the response failed"}}, self.provider)
        elif kind == "error":
            raise _error(event, self.provider)
        # lifecycle (in_progress, queued), content parts, annotations and later event types

    def _start_call(self, index: int, item: dict[str, Any], out: list[ProviderEvent]) -> None:
        self._calls.add(index)
        call_id = _wire.call_id(item.get("call_id")) or _wire.call_id(item.get("id"))
        name = _wire.name(item.get("name"), "a function call's name")
        out.append(ToolCallDeltaChunk("", index, call_id, name))
        arguments = _wire.text(item.get("arguments"), "arguments")
        if arguments:
            self._args.add(index)
            out.append(ToolCallDeltaChunk(arguments, index))

    def _item_done(self, index: int, item: dict[str, Any], out: list[ProviderEvent]) -> None:
        kind = item.get("type")
        if kind == "reasoning":
            if index not in self._texts:  # a summary given whole, never streamed
                parts = item.get("summary") or []
                texts = [_wire.text(_wire.obj(p, "summary").get("text"), "summary text") for p in parts]
                text = "\n\n".join(t for t in texts if t)
                if text:
                    out.append(ThinkingChunk(text))
            if item.get("encrypted_content"):  # what can go back on the next turn
                # one JSON line per item: adjacent reasoning items with nothing between them
                # share one thinking part, and their lines stay apart
                line = json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
                out.append(ThinkingChunk("", line))
        elif kind == "function_call":
            item_id = _wire.name(item.get("id"), "a function call's id")
            call_id = _wire.call_id(item.get("call_id"))
            if item_id and call_id:
                self._call_ids[call_id] = item_id
            if index not in self._calls:
                self._start_call(index, item, out)
            elif index not in self._args:
                arguments = _wire.text(item.get("arguments"), "arguments")
                if arguments:
                    self._args.add(index)
                    out.append(ToolCallDeltaChunk(arguments, index))
        elif kind == "message":
            item_id = _wire.name(item.get("id"), "a message's id")
            if index not in self._texts:
                self._texts.update(self._message_text(item, index, out))
            if item_id and index in self._texts:
                self._message_ids.append(item_id)

    def _message_text(self, item: dict[str, Any], index: int, out: list[ProviderEvent]) -> set[int]:
        """A message given whole: its text (and refusal) parts; ``{index}`` if it had any."""
        found: set[int] = set()
        for part in item.get("content") or []:
            part = _wire.obj(part, "a message's content part")
            kind = part.get("type")
            text = _wire.text(part.get("text" if kind == "output_text" else "refusal"), "text")
            if kind in ("output_text", "refusal") and text:
                self._refused = self._refused or kind == "refusal"
                out.append(TextChunk(text))
                found.add(index)
        return found

    def _turn_end(self, response: dict[str, Any]) -> TurnEndChunk:
        self._done = True
        status = _wire.name(response.get("status"), "response.status")
        details = _wire.obj(response.get("incomplete_details"), "incomplete_details")
        reason = _wire.name(details.get("reason"), "incomplete_details.reason")
        if status == "incomplete" or reason:
            raw = reason or status
            stop = INCOMPLETE_REASONS.get(reason or "", "max_tokens")
        else:
            raw = status
            stop = "tool_use" if self._calls else ("refusal" if self._refused else "end_turn")
        usage = _wire.obj(response.get("usage"), "usage")
        model = _wire.name(response.get("model"), "model") or self._model
        response_id = _wire.name(response.get("id"), "response.id")
        state: dict[str, Any] = {"response_id": response_id} if response_id else {}
        if self._message_ids:
            state["message_ids"] = self._message_ids
        if self._call_ids:
            state["call_ids"] = self._call_ids
        return TurnEndChunk(
            stop,
            raw,
            model=model,
            usage=usage_from_responses(usage),
            response_id=response_id,
            provider_state=state or None,
        )
