"""A lean zero-delay streaming server for the benchmarks: OpenAI, Anthropic and Ollama protocols.

Run it as its own process (``python bench/server.py``); it prints ``PORT <n>`` once listening.
It must never be the bottleneck, so it speaks HTTP/1.1 over raw asyncio streams and sends
response bodies built once per scenario and cached as bytes.

The scenario is encoded in the URL path prefix, so every SDK can reach it through its base URL::

    /b/<chunks>/<interval_ms>/<mode>/v1/chat/completions   OpenAI chat completions (SSE)
    /b/<chunks>/<interval_ms>/<mode>/v1/responses          OpenAI Responses API (SSE)
    /b/<chunks>/<interval_ms>/<mode>/v1/messages           Anthropic messages (SSE)
    /b/<chunks>/<interval_ms>/<mode>/api/chat              Ollama chat (NDJSON)

``mode`` is ``text`` (``chunks`` text deltas), ``json`` (``chunks`` text deltas that together are
the JSON document ``{"result":["w0","w1",...]}``, the answer to a typed ``list[str]`` output in
native mode) or ``tool``: a turn that calls the tool
``get_weather`` unless the request already carries the tool's result (:data:`TOOL_MARKER`), in
which case it answers with ``chunks`` text deltas. With ``interval_ms > 0`` each text delta is
``@<monotonic_ns>``, stamped right before the write, so a client can compute its delivery delay
(``time.monotonic_ns`` is system-wide on Linux).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections.abc import Callable

TOOL_MARKER = b"BENCH-TOOL-RESULT"
PLACEHOLDER = "@@TEXT@@"  # where a text delta goes in a pre-built event
TOOL_NAME = "get_weather"
TOOL_ARG_FRAGMENTS = ['{"ci', 'ty": "Par', 'is"}']

_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _sse(data: object, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {_dumps(data)}\n\n".encode()


# -- OpenAI chat completions -------------------------------------------------------------------
def _openai_chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "bench",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def openai_events(n: int, tool_turn: bool, usage: bool) -> tuple[list[bytes], bytes, list[bytes]]:
    """(head events, text-delta template with :data:`PLACEHOLDER` for the text, tail events)."""
    head = [_sse(_openai_chunk({"role": "assistant", "content": ""}))]
    tail: list[bytes] = []
    if tool_turn:
        head.append(
            _sse(
                _openai_chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_bench_1",
                                "type": "function",
                                "function": {"name": TOOL_NAME, "arguments": ""},
                            }
                        ]
                    }
                )
            )
        )
        for frag in TOOL_ARG_FRAGMENTS:
            head.append(_sse(_openai_chunk({"tool_calls": [{"index": 0, "function": {"arguments": frag}}]})))
        tail.append(_sse(_openai_chunk({}, "tool_calls")))
    else:
        tail.append(_sse(_openai_chunk({}, "stop")))
    if usage:
        done = {**_openai_chunk({}), "choices": []}
        done["usage"] = {"prompt_tokens": 10, "completion_tokens": n, "total_tokens": 10 + n}
        tail.append(_sse(done))
    tail.append(b"data: [DONE]\n\n")
    template = _sse(_openai_chunk({"content": PLACEHOLDER}))
    return head, template, tail


# -- OpenAI Responses API ------------------------------------------------------------------------
def _response(status: str, output: list[object], usage: object) -> dict[str, object]:
    return {
        "id": "resp_bench",
        "object": "response",
        "created_at": 1700000000,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "model": "bench",
        "output": output,
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "usage": usage,
    }


def responses_events(n: int, tool_turn: bool) -> tuple[list[bytes], bytes, list[bytes]]:
    """(head events, text-delta template, tail events). Sequence numbers are left out: no
    client reads them, and the cached body could not renumber its deltas."""

    def event(data: dict[str, object]) -> bytes:
        return _sse(data, str(data["type"]))

    head = [
        event({"type": "response.created", "response": _response("in_progress", [], None)}),
        event({"type": "response.in_progress", "response": _response("in_progress", [], None)}),
    ]
    tail: list[bytes] = []
    if tool_turn:
        call = {
            "id": "fc_bench_1",
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": "call_bench_1",
            "name": TOOL_NAME,
        }
        head.append(event({"type": "response.output_item.added", "output_index": 0, "item": call}))
        ids = {"item_id": "fc_bench_1", "output_index": 0}
        for frag in TOOL_ARG_FRAGMENTS:
            head.append(event({"type": "response.function_call_arguments.delta", **ids, "delta": frag}))
        arguments = "".join(TOOL_ARG_FRAGMENTS)
        head.append(event({"type": "response.function_call_arguments.done", **ids, "arguments": arguments}))
        item: dict[str, object] = {**call, "status": "completed", "arguments": arguments}
    else:
        message = {
            "id": "msg_bench",
            "type": "message",
            "status": "in_progress",
            "content": [],
            "role": "assistant",
        }
        part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        ids = {"item_id": "msg_bench", "output_index": 0}
        head.append(event({"type": "response.output_item.added", "output_index": 0, "item": message}))
        head.append(event({"type": "response.content_part.added", **ids, "content_index": 0, "part": part}))
        # the done events repeat the text; no client checks it against the deltas
        tail.append(
            event(
                {"type": "response.output_text.done", **ids, "content_index": 0, "text": "", "logprobs": []}
            )
        )
        tail.append(event({"type": "response.content_part.done", **ids, "content_index": 0, "part": part}))
        item = {**message, "status": "completed", "content": [part]}
    tail.append(event({"type": "response.output_item.done", "output_index": 0, "item": item}))
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": n,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 10 + n,
    }
    tail.append(event({"type": "response.completed", "response": _response("completed", [item], usage)}))
    delta = {
        "type": "response.output_text.delta",
        "item_id": "msg_bench",
        "output_index": 0,
        "content_index": 0,
        "delta": PLACEHOLDER,
        "logprobs": [],
    }
    return head, event(delta), tail


# -- Anthropic messages ------------------------------------------------------------------------
def anthropic_events(n: int, tool_turn: bool) -> tuple[list[bytes], bytes, list[bytes]]:
    """(head events, text-delta template, tail events)."""
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_bench",
            "type": "message",
            "role": "assistant",
            "model": "bench",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1},
        },
    }
    head = [_sse(start, "message_start")]
    tail: list[bytes] = []
    if tool_turn:
        block = {"type": "tool_use", "id": "toolu_bench_1", "name": TOOL_NAME, "input": {}}
        head.append(
            _sse({"type": "content_block_start", "index": 0, "content_block": block}, "content_block_start")
        )
        for frag in TOOL_ARG_FRAGMENTS:
            delta = {"type": "input_json_delta", "partial_json": frag}
            head.append(
                _sse({"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta")
            )
        stop = "tool_use"
    else:
        block = {"type": "text", "text": ""}
        head.append(
            _sse({"type": "content_block_start", "index": 0, "content_block": block}, "content_block_start")
        )
        stop = "end_turn"
    tail.append(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
    tail.append(
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": n},
            },
            "message_delta",
        )
    )
    tail.append(_sse({"type": "message_stop"}, "message_stop"))
    delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": PLACEHOLDER}}
    template = _sse(delta, "content_block_delta")
    return head, template, tail


# -- Ollama chat ---------------------------------------------------------------------------------
def _ollama_line(data: dict[str, object]) -> bytes:
    return _dumps(data).encode() + b"\n"


def ollama_events(n: int, tool_turn: bool) -> tuple[list[bytes], bytes, list[bytes]]:
    """(head events, text-delta template, tail events)."""
    base = {"model": "bench", "created_at": "2026-01-01T00:00:00Z"}
    head: list[bytes] = []
    reason = "stop"
    if tool_turn:
        call = {"function": {"name": TOOL_NAME, "arguments": {"city": "Paris"}}}
        message = {"role": "assistant", "content": "", "tool_calls": [call]}
        head.append(_ollama_line({**base, "message": message, "done": False}))
    final = {
        **base,
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": reason,
        "total_duration": 1000,
        "load_duration": 10,
        "prompt_eval_count": 10,
        "prompt_eval_duration": 100,
        "eval_count": n,
        "eval_duration": 1000,
    }
    template = _ollama_line({**base, "message": {"role": "assistant", "content": PLACEHOLDER}, "done": False})
    return head, template, [_ollama_line(final)]


def _json_deltas(n: int) -> list[bytes]:
    """``n`` deltas whose concatenation is ``{"result":["w0",...,"w<n-1>"]}``, escaped for
    insertion into a JSON string (every template carries the text inside a JSON string)."""
    deltas = [(b"," if i else b"") + b'\\"w%d\\"' % i for i in range(n)]
    if deltas:
        deltas[0] = b'{\\"result\\":[' + deltas[0]
        deltas[-1] += b"]}"
    return deltas


# -- HTTP ------------------------------------------------------------------------------------------
def _chunked(event: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(event), event)


_CONTENT_TYPES = {
    "openai": b"text/event-stream",
    "responses": b"text/event-stream",
    "anthropic": b"text/event-stream",
    "ollama": b"application/x-ndjson",
}


def _headers(protocol: str) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: %s\r\ntransfer-encoding: chunked\r\n"
        b"cache-control: no-cache\r\nconnection: keep-alive\r\n\r\n" % _CONTENT_TYPES[protocol]
    )


def _events(protocol: str, n: int, tool_turn: bool, usage: bool) -> tuple[list[bytes], bytes, list[bytes]]:
    if protocol == "openai":
        return openai_events(n, tool_turn, usage)
    if protocol == "anthropic":
        return anthropic_events(n, tool_turn)
    if protocol == "responses":
        return responses_events(n, tool_turn)
    return ollama_events(n, tool_turn)


def _protocol_of(path: str) -> tuple[str, str] | None:
    """(protocol, scenario prefix) from a request path."""
    for suffix, protocol in (
        ("/v1/chat/completions", "openai"),
        ("/chat/completions", "openai"),
        ("/v1/responses", "responses"),
        ("/v1/messages", "anthropic"),
        ("/api/chat", "ollama"),
    ):
        if path.endswith(suffix):
            return protocol, path[: -len(suffix)]
    return None


class BenchServer:
    """Serves canned streams; bodies without timestamps are cached whole."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, bool, bool, bool], bytes] = {}
        self._parts: dict[tuple[str, int, bool, bool], tuple[list[bytes], bytes, list[bytes]]] = {}
        self.requests = 0

    def _body(self, key: tuple[str, int, bool, bool], json_mode: bool = False) -> bytes:
        body = self._cache.get((*key, json_mode))
        if body is None:
            head, template, tail = self._parts_for(key)
            # text deltas go between head and tail; a tool-call turn carries none. They differ
            # from each other because LiteLLM aborts a stream that repeats one chunk too often.
            texts = _json_deltas(key[1]) if json_mode else (b" w%d" % i for i in range(key[1]))
            deltas = b"".join(_chunked(template.replace(PLACEHOLDER.encode(), text)) for text in texts)
            body = (
                _headers(key[0])
                + b"".join(_chunked(e) for e in head)
                + (b"" if key[2] else deltas)
                + b"".join(_chunked(e) for e in tail)
                + b"0\r\n\r\n"
            )
            self._cache[(*key, json_mode)] = body
        return body

    def _parts_for(self, key: tuple[str, int, bool, bool]) -> tuple[list[bytes], bytes, list[bytes]]:
        parts = self._parts.get(key)
        if parts is None:
            parts = self._parts[key] = _events(*key)
        return parts

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, _, header_block = head.partition(b"\r\n")
                parts = request_line.split(b" ")
                path = parts[1].decode() if len(parts) > 1 else "/"
                length = 0
                for line in header_block.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                self.requests += 1
                if not await self._respond(writer, path, body):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _respond(self, writer: asyncio.StreamWriter, path: str, body: bytes) -> bool:
        route = _protocol_of(path.split("?", 1)[0])
        scenario = route[1].split("/") if route else []
        if route is None or len(scenario) < 5 or scenario[1] != "b":
            msg = b"not found: " + path.encode()
            writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: %d\r\n\r\n%s" % (len(msg), msg))
            await writer.drain()
            return True
        protocol = route[0]
        n, interval_ms, mode = int(scenario[2]), float(scenario[3]), scenario[4]
        tool_turn = mode == "tool" and TOOL_MARKER not in body
        usage = protocol == "openai" and b"include_usage" in body
        key = (protocol, n, tool_turn, usage)
        if interval_ms <= 0 or tool_turn:
            writer.write(self._body(key, json_mode=mode == "json"))
            await writer.drain()
            return True
        await self._paced(writer, key, n, interval_ms / 1000.0)
        return True

    async def _paced(
        self, writer: asyncio.StreamWriter, key: tuple[str, int, bool, bool], n: int, interval: float
    ) -> None:
        """One text delta every ``interval`` seconds, each stamped right before its write."""
        head, template, tail = self._parts_for(key)
        writer.write(_headers(key[0]) + b"".join(_chunked(e) for e in head))
        await writer.drain()
        loop = asyncio.get_running_loop()
        due = loop.time()
        stamp: Callable[[], int] = time.monotonic_ns
        for _ in range(n):
            due += interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(_chunked(template.replace(PLACEHOLDER.encode(), b"@%d" % stamp())))
            await writer.drain()
        writer.write(b"".join(_chunked(e) for e in tail) + b"0\r\n\r\n")
        await writer.drain()


def raise_fd_limit() -> None:
    """Thousands of concurrent connections need more than the default 1024 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def serve(host: str, port: int) -> None:
    """Serve until killed; announce the port on stdout."""
    raise_fd_limit()
    bench = BenchServer()
    server = await asyncio.start_server(bench.handle, host, port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
