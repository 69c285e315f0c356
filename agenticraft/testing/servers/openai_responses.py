"""A local server that speaks OpenAI's Responses API (``POST /v1/responses``), byte for byte.

:func:`responses_stream_events` turns a script of output items into the SSE events the real
service sends: ``response.created`` and ``response.in_progress``, then per item
``response.output_item.added``, its content events (reasoning summary parts and their text
deltas, a message's content part and ``output_text`` deltas, a function call's argument
deltas and ``.done``) and ``response.output_item.done``, and last ``response.completed``
with the whole response and its usage. The script can end the response as
``response.incomplete`` or ``response.failed``, put an ``error`` event or a malformed line
after the items, or slip in event types a client must ignore. :func:`responses_body` is the
same response as the non-streamed JSON body::

    with OpenAIResponsesServer() as server:
        server.add_stream([Reasoning(["Checking the weather."]), Call("get_weather", {"city": "Paris"})])
        server.add_stream([Text(["It is ", "18 degrees."])])
        provider = OpenAIResponsesProvider("gpt-5-mini", base_url=server.base_url, api_key="test")
        ...
        server.requests[1].json()["input"]  # what the provider sent back
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agenticraft.testing.servers._base import ScriptedResponse, ScriptedServer, split_bytes

__all__ = [
    "Call",
    "OpenAIResponsesServer",
    "Reasoning",
    "Text",
    "responses_body",
    "responses_stream_events",
]

ENCRYPTED = "gAAAAABo-local-encrypted-reasoning-state=="


@dataclass(slots=True)
class Reasoning:
    """A reasoning item: summary parts (each a list of text deltas, or one string) and the
    ``encrypted_content`` sent when the request asked for it (``None``: none)."""

    summary: Sequence[Sequence[str] | str] = ()
    encrypted_content: str | None = ENCRYPTED
    id: str = ""


@dataclass(slots=True)
class Text:
    """An assistant message item whose ``output_text`` arrives as these deltas."""

    pieces: Sequence[str]
    id: str = ""


@dataclass(slots=True)
class Call:
    """A function call item; ``arguments`` (a dict, or raw text) is cut into deltas of
    ``fragment_size`` characters (``0``: no deltas, only ``function_call_arguments.done``)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str = ""
    fragment_size: int = 6
    id: str = ""

    def raw(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


Item = Reasoning | Text | Call | str


def _response(
    response_id: str, model: str, status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": 1_760_000_000,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "metadata": {},
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "low", "summary": "auto"},
        "service_tier": "default",
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage,
    }


def _usage(usage: tuple[int, int], cached: int, reasoning: int) -> dict[str, Any]:
    inputs, outputs = usage
    return {
        "input_tokens": inputs,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
        "output_tokens": outputs,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": inputs + outputs,
    }


class _Writer:
    def __init__(self) -> None:
        self.events: list[bytes] = []
        self.sequence = 0

    def event(self, payload: dict[str, Any]) -> None:
        payload = {"type": payload["type"], "sequence_number": self.sequence, **payload}
        self.sequence += 1
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        self.events.append(f"event: {payload['type']}\ndata: {data}\n\n".encode())


def _pieces(value: Sequence[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _items(items: Sequence[Item], response_id: str) -> list[tuple[Item, str]]:
    """Each item with its id (numbered within the response when the script gave none)."""
    tag = response_id.removeprefix("resp_")
    out: list[tuple[Item, str]] = []
    for n, item in enumerate(items):
        if isinstance(item, str):
            item = Text([item])
        prefix = {Reasoning: "rs", Text: "msg", Call: "fc"}[type(item)]
        out.append((item, item.id or f"{prefix}_{tag}{n:02d}"))
    return out


def _done_item(item: Item, item_id: str, index: int, status: str = "completed") -> dict[str, Any]:
    if isinstance(item, Reasoning):
        done: dict[str, Any] = {
            "id": item_id,
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "".join(_pieces(p))} for p in item.summary],
        }
        if item.encrypted_content is not None:
            done["encrypted_content"] = item.encrypted_content
        return done
    if isinstance(item, Call):
        return {
            "id": item_id,
            "type": "function_call",
            "status": status,
            "arguments": item.raw(),
            "call_id": item.call_id or f"call_{item_id[3:]}",
            "name": item.name,
        }
    assert isinstance(item, Text)
    text = {"type": "output_text", "annotations": [], "logprobs": [], "text": "".join(item.pieces)}
    return {"id": item_id, "type": "message", "status": status, "content": [text], "role": "assistant"}


def responses_stream_events(
    items: Sequence[Item],
    *,
    model: str = "gpt-5-mini-2025-08-07",
    response_id: str = "resp_0123456789abcdef",
    usage: tuple[int, int] = (20, 10),
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
    incomplete: str | None = None,
    failed: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
    malformed: bool = False,
    unknown_events: bool = False,
    cut_inside: bool = False,
) -> list[bytes]:
    """The SSE events (one bytes object each) of one streamed response.

    A plain string is a message item of one delta. ``incomplete`` (a reason such as
    ``"max_output_tokens"``) ends the response as ``response.incomplete``; ``failed`` (an
    error object ``{"code": ..., "message": ...}``) as ``response.failed``; ``error`` (the
    same) sends an ``error`` event after the items and ends the stream, as does
    ``malformed`` (a line that is not JSON). ``unknown_events`` slips in event types a client
    must ignore. ``cut_inside`` stops after the last item's deltas, before its ``.done``
    events (a stream cut in the middle of an item, to pair with ``cut_after``).
    """
    w = _Writer()
    w.event({"type": "response.created", "response": _response(response_id, model, "in_progress", [], None)})
    w.event(
        {"type": "response.in_progress", "response": _response(response_id, model, "in_progress", [], None)}
    )
    output: list[dict[str, Any]] = []
    numbered = _items(items, response_id)
    for index, (item, item_id) in enumerate(numbered):
        last = index == len(numbered) - 1
        ids = {"item_id": item_id, "output_index": index}
        if isinstance(item, Reasoning):
            w.event(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {"id": item_id, "type": "reasoning", "summary": []},
                }
            )
            for s, summary in enumerate(item.summary):
                pieces = _pieces(summary)
                full = "".join(pieces)
                w.event(
                    {
                        "type": "response.reasoning_summary_part.added",
                        **ids,
                        "summary_index": s,
                        "part": {"type": "summary_text", "text": ""},
                    }
                )
                for piece in pieces:
                    w.event(
                        {
                            "type": "response.reasoning_summary_text.delta",
                            **ids,
                            "summary_index": s,
                            "delta": piece,
                        }
                    )
                w.event(
                    {"type": "response.reasoning_summary_text.done", **ids, "summary_index": s, "text": full}
                )
                w.event(
                    {
                        "type": "response.reasoning_summary_part.done",
                        **ids,
                        "summary_index": s,
                        "part": {"type": "summary_text", "text": full},
                    }
                )
        elif isinstance(item, Call):
            added = {**_done_item(item, item_id, index, "in_progress"), "arguments": ""}
            w.event({"type": "response.output_item.added", "output_index": index, "item": added})
            raw = item.raw()
            size = item.fragment_size
            for start in range(0, len(raw), size) if size > 0 else ():
                w.event(
                    {
                        "type": "response.function_call_arguments.delta",
                        **ids,
                        "delta": raw[start : start + size],
                    }
                )
            if unknown_events:
                w.event({"type": "response.function_call_arguments.future_event", **ids, "hint": "ignore me"})
            if cut_inside and last:
                return w.events
            w.event({"type": "response.function_call_arguments.done", **ids, "arguments": raw})
        else:
            assert isinstance(item, Text)
            added = {
                "id": item_id,
                "type": "message",
                "status": "in_progress",
                "content": [],
                "role": "assistant",
            }
            w.event({"type": "response.output_item.added", "output_index": index, "item": added})
            empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
            w.event({"type": "response.content_part.added", **ids, "content_index": 0, "part": empty})
            for piece in item.pieces:
                w.event(
                    {
                        "type": "response.output_text.delta",
                        **ids,
                        "content_index": 0,
                        "delta": piece,
                        "logprobs": [],
                    }
                )
            if unknown_events:
                w.event(
                    {
                        "type": "response.output_text.annotation.added",
                        **ids,
                        "annotation_index": 0,
                        "content_index": 0,
                        "annotation": {
                            "type": "url_citation",
                            "url": "https://example.com",
                            "title": "x",
                            "start_index": 0,
                            "end_index": 1,
                        },
                    }
                )
            if cut_inside and last:
                return w.events
            text = "".join(item.pieces)
            w.event(
                {"type": "response.output_text.done", **ids, "content_index": 0, "text": text, "logprobs": []}
            )
            w.event(
                {
                    "type": "response.content_part.done",
                    **ids,
                    "content_index": 0,
                    "part": {**empty, "text": text},
                }
            )
        if cut_inside and last:
            return w.events
        status = (
            "incomplete"
            if incomplete is not None and last and not isinstance(item, Reasoning)
            else "completed"
        )
        done = _done_item(item, item_id, index, status)
        output.append(done)
        w.event({"type": "response.output_item.done", "output_index": index, "item": done})
    if malformed:
        w.events.append(
            b'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "del\n\n'
        )
    if error is not None:
        w.event(
            {"type": "error", "code": error.get("code"), "message": error.get("message", ""), "param": None}
        )
        return w.events
    if unknown_events:
        w.event({"type": "response.future_lifecycle_event", "note": "a client must ignore this"})
    final = _response(response_id, model, "completed", output, _usage(usage, cached_tokens, reasoning_tokens))
    if failed is not None:
        final.update(status="failed", error=failed)
        w.event({"type": "response.failed", "response": final})
    elif incomplete is not None:
        final.update(status="incomplete", incomplete_details={"reason": incomplete})
        w.event({"type": "response.incomplete", "response": final})
    else:
        w.event({"type": "response.completed", "response": final})
    return w.events


def responses_body(items: Sequence[Item], **options: Any) -> dict[str, Any]:
    """The non-streamed JSON body of the response :func:`responses_stream_events` streams (the
    ``response`` of its last event)."""
    last = responses_stream_events(items, **options)[-1]
    data = last.decode().split("data: ", 1)[1]
    response: dict[str, Any] = json.loads(data)["response"]
    return response


class OpenAIResponsesServer(ScriptedServer):
    """A :class:`ScriptedServer` that answers ``POST /v1/responses`` the way OpenAI does.
    Point clients at :attr:`base_url` (``url + "/v1"``)."""

    _streams = 0  # numbers the default response ids, so item and call ids differ between turns

    @property
    def base_url(self) -> str:
        """The base URL to give an OpenAI client (``.../v1``)."""
        return self.url + "/v1"

    def output_schema_of(self, body: Any) -> dict[str, Any] | None:
        """``text.format.schema`` of a Responses body."""
        text = body.get("text") if isinstance(body, dict) else None
        fmt = text.get("format") if isinstance(text, dict) else None
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema: dict[str, Any] = fmt["schema"]
            return schema
        return None

    def _next_id(self, options: dict[str, Any]) -> None:
        self._streams += 1
        options.setdefault("response_id", f"resp_{self._streams:04d}0123456789abcdef")

    def add_stream(
        self,
        items: Sequence[Item],
        *,
        split_every: int | None = None,
        split_at: Iterable[int] = (),
        split_seed: int | None = None,
        delay: float = 0.0,
        cut_after: int | None = None,
        hang: bool = False,
        **options: Any,
    ) -> list[bytes]:
        """Queue one streamed response (see :func:`responses_stream_events` for ``options``).

        By default each SSE event is one piece; ``split_*`` re-cut the whole body at byte
        positions instead (see :func:`split_bytes`). ``cut_after=n`` drops the connection after
        ``n`` pieces; ``hang`` keeps it open without ending the body. Returns the pieces."""
        self._next_id(options)
        pieces = responses_stream_events(items, **options)
        if split_every is not None or split_seed is not None or split_at:
            pieces = split_bytes(b"".join(pieces), every=split_every, at=split_at, seed=split_seed, count=12)
        headers = {"content-type": "text/event-stream; charset=utf-8"}
        self.add(ScriptedResponse(200, headers, pieces, delay=delay, cut_after=cut_after, hang=hang))
        return pieces

    def add_response(self, items: Sequence[Item], **options: Any) -> dict[str, Any]:
        """Queue one non-streamed response (a JSON body); returns it."""
        self._next_id(options)
        body = responses_body(items, **options)
        self.add(ScriptedResponse.json_body(200, body))
        return body

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
