"""A local server that speaks Ollama's native chat protocol (``POST /api/chat``, NDJSON).

:func:`ollama_stream` turns a high-level script into the lines a real Ollama server writes:
one JSON object per line with ``message`` fragments and ``"done": false``, tool calls whole
(``arguments`` as an object) in a line of their own, and a last line with ``"done": true``,
``done_reason`` and the timing and token counts. Like Ollama (written in Go), the JSON is
compact, raw UTF-8, with ``<``, ``>`` and ``&`` escaped::

    with OllamaServer() as server:
        server.add_stream(["It is ", "18 degrees."], thinking=["Hmm."], split_seed=3)
        provider = OllamaProvider("llama3.2", base_url=server.url)
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
from agenticraft.testing.servers._parts import ReceivedPart, ollama_parts

__all__ = ["OllamaServer", "OllamaToolCall", "ollama_line", "ollama_stream"]

_CREATED_AT = "2025-05-27T22:54:57.641643Z"


@dataclass(slots=True)
class OllamaToolCall:
    """A tool call as Ollama sends it: whole, arguments as an object, ``id`` only when set."""

    name: str
    arguments: dict[str, Any]
    id: str = ""


def _go_json(obj: Any) -> str:
    # Go's encoding/json escapes these for HTML safety; real Ollama output has them escaped
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def ollama_line(obj: dict[str, Any]) -> bytes:
    """One NDJSON line as Ollama writes it."""
    return (_go_json(obj) + "\n").encode()


def _chunk(model: str, message: dict[str, Any]) -> bytes:
    return ollama_line(
        {
            "model": model,
            "created_at": _CREATED_AT,
            "message": {"role": "assistant", **message},
            "done": False,
        }
    )


def ollama_stream(
    pieces: Sequence[str] = (),
    *,
    thinking: Sequence[str] = (),
    tool_calls: Sequence[OllamaToolCall] = (),
    model: str = "llama3.2",
    prompt_eval_count: int = 26,
    eval_count: int | None = None,
    done_reason: str = "stop",
    error: str | None = None,
    error_after: int | None = None,
    malformed_after: int | None = None,
) -> list[bytes]:
    """The NDJSON body for one streamed chat turn, one byte piece per line.

    Thinking pieces come first, then text pieces, then one line per tool call. ``error``
    writes an ``{"error": ...}`` line after ``error_after`` lines (default: after the text)
    and ends the stream there; ``malformed_after=n`` puts a broken line after ``n`` lines.
    """
    lines = [_chunk(model, {"content": "", "thinking": piece}) for piece in thinking]
    lines += [_chunk(model, {"content": piece}) for piece in pieces]
    for i, call in enumerate(tool_calls):
        wire: dict[str, Any] = {"function": {"index": i, "name": call.name, "arguments": call.arguments}}
        if call.id:
            wire = {"id": call.id, **wire}
        lines.append(_chunk(model, {"content": "", "tool_calls": [wire]}))
    if malformed_after is not None:
        lines.insert(
            malformed_after, b'{"model":"' + model.encode() + b'","message":{"role":"assistant","con\n'
        )
    if error is not None:  # Ollama ends the stream with the error line
        cut = len(lines) if error_after is None else error_after
        return [*lines[:cut], ollama_line({"error": error})]
    lines.append(
        ollama_line(
            {
                "model": model,
                "created_at": _CREATED_AT,
                "message": {"role": "assistant", "content": ""},
                "done_reason": done_reason,
                "done": True,
                "total_duration": 4883583458,
                "load_duration": 1334875,
                "prompt_eval_count": prompt_eval_count,
                "prompt_eval_duration": 342546000,
                "eval_count": eval_count if eval_count is not None else len(pieces) + len(thinking),
                "eval_duration": 4535599000,
            }
        )
    )
    return lines


class OllamaServer(ScriptedServer):
    """A :class:`ScriptedServer` that answers ``POST /api/chat`` the way Ollama does."""

    def output_schema_of(self, body: Any) -> dict[str, Any] | None:
        """``format`` of a ``/api/chat`` body, when it is a schema (not ``"json"``)."""
        fmt = body.get("format") if isinstance(body, dict) else None
        return fmt if isinstance(fmt, dict) else None

    def parts_of(self, body: Any) -> list[ReceivedPart]:
        return ollama_parts(body)

    def text_response(self, text: str) -> ScriptedResponse:
        return ScriptedResponse(200, {"content-type": "application/x-ndjson"}, ollama_stream([text]))

    def add_stream(
        self,
        pieces: Sequence[str] = (),
        *,
        split_every: int | None = None,
        split_at: Iterable[int] = (),
        split_seed: int | None = None,
        delay: float = 0.0,
        delays: dict[int, float] | None = None,
        cut_after: int | None = None,
        hang: bool = False,
        gates: dict[int, threading.Event] | None = None,
        **options: Any,
    ) -> list[bytes]:
        """Queue one streamed chat turn (see :func:`ollama_stream` for ``options``).

        By default each line is one piece; ``split_every``, ``split_at`` and ``split_seed``
        re-cut the whole body at byte positions instead (see :func:`split_bytes`).
        ``cut_after=n`` drops the connection after ``n`` pieces; ``hang`` keeps it open without
        ending the body; ``delays`` and ``gates`` pace single pieces (see
        :class:`ScriptedResponse`). Returns the pieces as they will be sent.
        """
        body = ollama_stream(pieces, **options)
        if split_every is not None or split_seed is not None or split_at:
            body = split_bytes(b"".join(body), every=split_every, at=split_at, seed=split_seed, count=12)
        self.add(
            ScriptedResponse(
                200,
                {"content-type": "application/x-ndjson"},
                body,
                delay=delay,
                delays=dict(delays or {}),
                cut_after=cut_after,
                hang=hang,
                gates=dict(gates or {}),
            )
        )
        return body

    def add_error(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        """Queue an HTTP error with Ollama's body ``{"error": message}``."""
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        self.add(ScriptedResponse.json_body(status, {"error": message}, headers))

    def serve_embeddings(self, embed: EmbedFunction = letter_counts) -> None:
        """Answer ``POST /api/embed`` as Ollama does, each input embedded by ``embed``
        (queued responses still come first; other paths go to the previous handler)."""

        def answer(body: Any, vectors: list[list[float]]) -> Any:
            count = sum(len(str(t).split()) for t in _inputs(body))
            return {
                "model": body.get("model", ""),
                "embeddings": vectors,
                "total_duration": 14143917,
                "load_duration": 1019500,
                "prompt_eval_count": count,
            }

        self.handler = embeddings_handler("/api/embed", answer, embed, self.handler)
