"""A local server that speaks the Anthropic Messages API's streaming protocol.

:func:`anthropic_stream` turns a high-level script into the exact SSE bytes the real service
sends (``event:`` and ``data:`` lines, compact JSON, raw UTF-8): ``message_start`` with the input
usage, a ``ping``, one ``content_block_start`` / deltas / ``content_block_stop`` per block,
``message_delta`` with the stop reason and cumulative usage, ``message_stop``. The script can
also put an ``error`` event or a malformed line where it likes::

    with AnthropicServer() as server:
        server.add_stream([Thinking(["Let me see."], signature="EqQB..."),
                           ToolUse("get_weather", ['{"city": ', '"Paris"}'], id="toolu_01")])
        server.add_stream(["It is ", "18 degrees."], split_seed=3)
        provider = AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="test")
        ...
        server.requests[1].json()["messages"]  # what the provider sent back
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agenticraft.testing.servers._base import ScriptedResponse, ScriptedServer, split_bytes
from agenticraft.testing.servers._parts import ReceivedPart, anthropic_parts

__all__ = [
    "AnthropicServer",
    "ErrorEvent",
    "Malformed",
    "RedactedThinking",
    "Text",
    "Thinking",
    "ToolUse",
    "anthropic_error_body",
    "anthropic_stream",
]


@dataclass(slots=True)
class Text:
    """A text block, streamed as one ``text_delta`` per piece."""

    pieces: Sequence[str]


@dataclass(slots=True)
class Thinking:
    """A thinking block: ``thinking_delta`` pieces, then one ``signature_delta``."""

    pieces: Sequence[str]
    signature: str = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"


@dataclass(slots=True)
class RedactedThinking:
    """A ``redacted_thinking`` block: its encrypted ``data`` arrives whole in the block start."""

    data: str


@dataclass(slots=True)
class ToolUse:
    """A ``tool_use`` block; ``fragments`` are the ``input_json_delta`` pieces of its input
    (the real API sends an empty one first). ``start_input`` is the ``input`` of its
    ``content_block_start`` (``{}`` from the real API; some proxies put the whole input there)."""

    name: str
    fragments: Sequence[str]
    id: str = ""
    start_input: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ErrorEvent:
    """An ``error`` event in the middle of the stream (the stream ends after it)."""

    type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass(slots=True)
class Malformed:
    """Bytes that break the protocol, sent as an event's data."""

    data: str = '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_de'


Block = str | Text | Thinking | RedactedThinking | ToolUse | ErrorEvent | Malformed


@dataclass(slots=True)
class _Writer:
    events: list[bytes] = field(default_factory=list)

    def event(self, name: str, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        self.events.append(f"event: {name}\ndata: {data}\n\n".encode())


def anthropic_stream(
    blocks: Sequence[Block],
    *,
    model: str = "claude-sonnet-4-6",
    message_id: str = "msg_01XFDUDYJgAACzvnptvVoYEL",
    input_tokens: int = 25,
    output_tokens: int | None = None,
    cache_read_input_tokens: int | None = None,
    cache_creation_input_tokens: int | None = None,
    stop_reason: str | None = None,
    ping: bool = True,
    final_input_tokens: int | None = None,
) -> list[bytes]:
    """The SSE body for one streamed message, one byte piece per event.

    A plain string is a text block of one piece. ``output_tokens`` defaults to a count of the
    pieces; ``stop_reason`` to ``tool_use`` when there is a tool call, else ``end_turn``.
    ``final_input_tokens`` repeats the input count in ``message_delta``, as newer API versions
    do. The stream stops right after an :class:`ErrorEvent`.
    """
    w = _Writer()
    start_usage: dict[str, Any] = {"input_tokens": input_tokens, "output_tokens": 1}
    if cache_creation_input_tokens is not None:
        start_usage["cache_creation_input_tokens"] = cache_creation_input_tokens
    if cache_read_input_tokens is not None:
        start_usage["cache_read_input_tokens"] = cache_read_input_tokens
    w.event(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": start_usage,
            },
        },
    )
    index = 0
    produced = 0
    tool_used = False
    for block in blocks:
        if isinstance(block, str):
            block = Text([block])
        if isinstance(block, ErrorEvent):
            w.event("error", {"type": "error", "error": {"type": block.type, "message": block.message}})
            return w.events
        if isinstance(block, Malformed):
            w.events.append(f"event: content_block_delta\ndata: {block.data}\n\n".encode())
            continue
        if isinstance(block, Text):
            w.event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
            if ping and index == 0:
                w.event("ping", {"type": "ping"})
            for piece in block.pieces:
                delta = {"type": "text_delta", "text": piece}
                w.event(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
                )
            produced += len(block.pieces)
        elif isinstance(block, Thinking):
            start: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
            w.event(
                "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
            )
            if ping and index == 0:
                w.event("ping", {"type": "ping"})
            for piece in block.pieces:
                delta = {"type": "thinking_delta", "thinking": piece}
                w.event(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
                )
            delta = {"type": "signature_delta", "signature": block.signature}
            w.event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
            produced += len(block.pieces)
        elif isinstance(block, RedactedThinking):
            start = {"type": "redacted_thinking", "data": block.data}
            w.event(
                "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
            )
        else:
            tool_used = True
            call_id = block.id or f"toolu_{message_id[4:]}{index:02d}"
            start = {"type": "tool_use", "id": call_id, "name": block.name, "input": block.start_input}
            w.event(
                "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
            )
            if ping and index == 0:
                w.event("ping", {"type": "ping"})
            for fragment in ["", *block.fragments]:
                delta = {"type": "input_json_delta", "partial_json": fragment}
                w.event(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
                )
            produced += len(block.fragments)
        w.event("content_block_stop", {"type": "content_block_stop", "index": index})
        index += 1
    stop = stop_reason or ("tool_use" if tool_used else "end_turn")
    final_usage: dict[str, Any] = {"output_tokens": output_tokens if output_tokens is not None else produced}
    if final_input_tokens is not None:
        final_usage = {"input_tokens": final_input_tokens, **final_usage}
    w.event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": final_usage,
        },
    )
    w.event("message_stop", {"type": "message_stop"})
    return w.events


def anthropic_error_body(error_type: str, message: str) -> dict[str, Any]:
    """The JSON body of an Anthropic HTTP error."""
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": "req_011CTest"}


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


class AnthropicServer(ScriptedServer):
    """A :class:`ScriptedServer` that answers ``POST /v1/messages`` the way Anthropic does."""

    def output_schema_of(self, body: Any) -> dict[str, Any] | None:
        """``output_config.format.schema`` of a Messages body."""
        config = body.get("output_config") if isinstance(body, dict) else None
        fmt = config.get("format") if isinstance(config, dict) else None
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema: dict[str, Any] = fmt["schema"]
            return schema
        return None

    _streams = 0  # numbers the default message ids, so tool-use ids differ between messages

    def parts_of(self, body: Any) -> list[ReceivedPart]:
        return anthropic_parts(body)

    def text_response(self, text: str) -> ScriptedResponse:
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
        return ScriptedResponse(200, headers, anthropic_stream([Text(text)]))

    def add_stream(
        self,
        blocks: Sequence[Block],
        *,
        split_every: int | None = None,
        split_at: Iterable[int] = (),
        split_seed: int | None = None,
        delay: float = 0.0,
        cut_after: int | None = None,
        hang: bool = False,
        **options: Any,
    ) -> list[bytes]:
        """Queue one streamed message (see :func:`anthropic_stream` for ``options``).

        By default each SSE event is one piece; ``split_every``, ``split_at`` and ``split_seed``
        re-cut the whole body at byte positions instead (see :func:`split_bytes`).
        ``cut_after=n`` drops the connection after ``n`` pieces; ``hang`` keeps it open without
        ending the body. Returns the pieces as they will be sent.
        """
        self._streams += 1
        options.setdefault("message_id", f"msg_01{self._streams:06d}XFDUDYJgAACzvnptvVoY")
        pieces = anthropic_stream(blocks, **options)
        if split_every is not None or split_seed is not None or split_at:
            pieces = split_bytes(b"".join(pieces), every=split_every, at=split_at, seed=split_seed, count=12)
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
        self.add(ScriptedResponse(200, headers, pieces, delay=delay, cut_after=cut_after, hang=hang))
        return pieces

    def add_error(
        self,
        status: int,
        message: str = "error",
        *,
        error_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Queue an HTTP error with Anthropic's error body (and ``retry-after`` when given)."""
        kind = error_type or _ERROR_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        headers = {"request-id": "req_011CTest"}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        self.add(ScriptedResponse.json_body(status, anthropic_error_body(kind, message), headers))
