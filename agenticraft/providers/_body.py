"""The JSON bytes of a request body, with the content parts' base64 spliced in."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from agenticraft.core.provider import ModelRequest

__all__ = ["request_bytes"]


def request_bytes(body: dict[str, Any], request: ModelRequest) -> bytes:
    """``body`` as compact JSON bytes: exactly ``json.dumps(body, separators=(",", ":"),
    ensure_ascii=False).encode()``, but with the request's base64 content spliced in as is.

    A conversation with an image sends it again with every request; escaping megabytes of
    base64 (which never needs it) on every turn would make a long conversation's JSON work
    grow with each turn. The strings are found by identity (the parts' cached ones), swapped
    for a token, and put back as bytes after the encoder ran.
    """
    verbatim = {id(s): s for m in request.messages for p in m.media for s in p.json_safe_strings()}
    if not verbatim:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    nonce = f"\u2063agenticraft-{os.urandom(6).hex()}-"
    spliced: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            if verbatim.get(id(value)) is value:
                spliced.append(value)
                return f"{nonce}{len(spliced) - 1}"
            return value
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(body), separators=(",", ":"), ensure_ascii=False)
    pieces = re.split(f'"{re.escape(nonce)}(\\d+)"', text)
    out = [pieces[0].encode()]
    for i in range(1, len(pieces), 2):
        out.append(b'"' + spliced[int(pieces[i])].encode("ascii") + b'"')
        out.append(pieces[i + 1].encode())
    return b"".join(out)
