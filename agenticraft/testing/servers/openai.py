"""A local server that speaks OpenAI Chat Completions streaming, byte for byte.

Each scripted turn becomes the chunks the real API sends: a first chunk with the role, text
deltas, tool calls whose first fragment carries ``id``, ``type`` and ``name`` and whose later
fragments carry only ``index`` and argument text, a chunk with ``finish_reason``, the
usage-only chunk (``choices: []``) and ``data: [DONE]``::

    with OpenAIServer() as server:
        server.add_stream("Hello there!", usage=(12, 3))
        provider = OpenAIProvider("gpt-4o-mini", base_url=server.url + "/v1")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agenticraft.testing.servers._base import (
    EmbedFunction,
    ScriptedResponse,
    ScriptedServer,
    embeddings_handler,
    letter_counts,
    split_bytes,
)
from agenticraft.testing.servers._base import (
    embedding_inputs as _inputs,
)
from agenticraft.testing.servers._parts import ReceivedPart, openai_parts

__all__ = ["OpenAIServer", "ScriptedToolCall", "openai_stream_events"]


@dataclass(slots=True)
class ScriptedToolCall:
    """A tool call to stream; ``arguments`` (a dict, or raw text sent as is) is cut into
    fragments of ``fragment_size`` characters."""

    name: str
    arguments: dict[str, Any] | str
    id: str | None = None
    fragment_size: int = 6

    def raw(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


def _event(data: Any) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode() + b"\n\n"


def openai_stream_events(
    text: str | Sequence[str] = "",
    *,
    tool_calls: Sequence[ScriptedToolCall] = (),
    interleave_calls: bool = False,
    refusal: str | Sequence[str] | None = None,
    reasoning: str | Sequence[str] | None = None,
    finish_reason: str | None = None,
    usage: tuple[int, int] | None = (10, 5),
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
    error: dict[str, Any] | None = None,
    malformed: bool = False,
    done: bool = True,
    model: str = "gpt-4o-mini-2024-07-18",
    text_piece: int = 4,
) -> list[bytes]:
    """The SSE events (one bytes object each) of one streamed Chat Completions turn.

    ``text`` (a string, cut every ``text_piece`` characters, or explicit pieces) comes first,
    then the tool calls. ``error`` (an OpenAI error object) is sent after the text and ends
    the stream; ``malformed`` puts a line that is not JSON after the text. ``usage`` is
    (prompt, completion) tokens; ``cached_tokens`` and ``reasoning_tokens`` are the parts of
    them the usage details report as read from the prompt cache and spent on reasoning.
    """
    base = {
        "id": "chatcmpl-agenticraft",
        "object": "chat.completion.chunk",
        "created": 1_760_000_000,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_local",
    }
    with_usage = usage is not None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        data: dict[str, Any] = {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if with_usage:
            data["usage"] = None
        return _event(data)

    def pieces(value: str | Sequence[str] | None) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value[i : i + text_piece] for i in range(0, len(value), text_piece)]
        return list(value)

    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [chunk({"reasoning_content": p}) for p in pieces(reasoning)]
    events += [chunk({"content": p}) for p in pieces(text)]
    events += [chunk({"content": None, "refusal": p}) for p in pieces(refusal)]
    if malformed:
        events.append(b'data: {"choices": [{"delta": {"content": "oops"\n\n')
    if error is not None:
        events.append(_event({"error": error}))
        return events
    per_call: list[list[bytes]] = []
    for index, call in enumerate(tool_calls):
        raw = call.raw()
        size = max(1, call.fragment_size)
        fragments = [raw[i : i + size] for i in range(0, len(raw), size)]
        first = {
            "index": index,
            "id": call.id or f"call_local_{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        call_events = [chunk({"tool_calls": [first]})]
        call_events += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": f}}]}) for f in fragments
        ]
        per_call.append(call_events)
    if interleave_calls:
        longest = max((len(c) for c in per_call), default=0)
        events += [c[i] for i in range(longest) for c in per_call if i < len(c)]
    else:
        events += [e for c in per_call for e in c]
    if finish_reason is None:
        finish_reason = "tool_calls" if tool_calls else "stop"
    events.append(chunk({}, finish_reason))
    if usage is not None:
        prompt, completion = usage
        usage_body = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": 0},
        }
        events.append(_event({**base, "choices": [], "usage": usage_body}))
    if done:
        events.append(b"data: [DONE]\n\n")
    return events


class OpenAIServer(ScriptedServer):
    """A :class:`ScriptedServer` with OpenAI-shaped helpers. Point clients at ``url + "/v1"``."""

    def output_schema_of(self, body: Any) -> dict[str, Any] | None:
        """``response_format.json_schema.schema`` of a Chat Completions body."""
        fmt = body.get("response_format") if isinstance(body, dict) else None
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema: dict[str, Any] = fmt["json_schema"]["schema"]
            return schema
        return None

    def parts_of(self, body: Any) -> list[ReceivedPart]:
        return openai_parts(body)

    def text_response(self, text: str) -> ScriptedResponse:
        return ScriptedResponse(200, {"content-type": "text/event-stream"}, openai_stream_events(text))

    @property
    def base_url(self) -> str:
        """The base URL to give an OpenAI client (``.../v1``)."""
        return self.url + "/v1"

    def add_stream(
        self,
        text: str | Sequence[str] = "",
        *,
        split_every: int | None = None,
        split_at: Iterable[int] = (),
        split_seed: int | None = None,
        delay: float = 0.0,
        delays: dict[int, float] | None = None,
        cut_after: int | None = None,
        hang: bool = False,
        gates: dict[int, threading.Event] | None = None,
        **script: Any,
    ) -> list[bytes]:
        """Queue one streamed turn (arguments of :func:`openai_stream_events`); returns the
        pieces that will be written. By default each SSE event is one piece; ``split_*``
        re-cut the whole body at byte positions instead. ``delay`` seconds pass before each
        piece (``delays`` maps a piece index to its own delay); ``gates`` hold a piece until an
        event is set (see :class:`ScriptedResponse`)."""
        events = openai_stream_events(text, **script)
        body = b"".join(events)
        if split_every is not None or split_seed is not None or split_at:
            pieces = split_bytes(body, every=split_every, at=split_at, seed=split_seed, count=12)
        else:
            pieces = events
        self.add(
            ScriptedResponse(
                200,
                {"content-type": "text/event-stream"},
                pieces,
                delay=delay,
                delays=dict(delays or {}),
                cut_after=cut_after,
                hang=hang,
                gates=dict(gates or {}),
            )
        )
        return pieces

    def add_error(
        self,
        status: int,
        message: str,
        *,
        type: str = "server_error",
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Queue an HTTP error answer with OpenAI's error body."""
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        body = {"error": {"message": message, "type": type, "param": None, "code": code}}
        self.add(ScriptedResponse.json_body(status, body, headers))

    def serve_embeddings(self, embed: EmbedFunction = letter_counts) -> None:
        """Answer ``POST /v1/embeddings`` as OpenAI does, each input embedded by ``embed``
        (queued responses still come first; other paths go to the previous handler)."""

        def answer(body: Any, vectors: list[list[float]]) -> Any:
            tokens = sum(len(str(t).split()) for t in _inputs(body))
            return {
                "object": "list",
                "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }

        self.handler = embeddings_handler("/v1/embeddings", answer, embed, self.handler)
