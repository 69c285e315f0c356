"""Request bodies with base64 content spliced in are byte for byte what ``json.dumps`` makes."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from agenticraft import Document, Image
from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.core.provider import ModelRequest
from agenticraft.providers import anthropic, ollama, openai
from agenticraft.providers._body import request_bytes

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
BUILDERS: list[Callable[..., dict[str, Any]]] = [
    openai.build_request_body,
    anthropic.build_request_body,
    ollama.build_request_body,
]


def plain(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("build", BUILDERS)
def test_spliced_bodies_equal_plain_json(build: Callable[..., dict[str, Any]]) -> None:
    image = Image.from_bytes(PNG, name='a "quoted" name.png')
    messages = [
        Message.user(['héllo "q" \u2063agenticraft-00-0', image, Document.from_text('ünïcode\n"x"')]),
        Message.assistant("", [ToolCall("shot", {}, "c1")]),
        Message.tool_results([ToolResult("c1", "shot", "", parts=[image])]),
        Message.user(["again", image]),
    ]
    request = ModelRequest(messages)
    body = build(request, "m")
    assert request_bytes(body, request) == plain(body)
    assert image.json_safe_strings()  # the splice was used


def test_base64_that_json_must_escape_is_not_spliced() -> None:
    b64 = base64.b64encode(PNG).decode()
    odd = Image.from_base64(b64[:48] + '"\\' + b64[48:], "image/png")
    request = ModelRequest([Message.user(["x", odd])])
    body = anthropic.build_request_body(request, "m")
    assert odd.json_safe_strings() == ()
    assert request_bytes(body, request) == plain(body)
