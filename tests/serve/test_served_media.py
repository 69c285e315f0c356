"""Images, audio and files in served messages become the agent's content parts (data URLs
decoded, http URLs kept as URL parts); bad data is a 400 naming where it is. OpenAI requests
are sent with the official client."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from agenticraft import Agent
from agenticraft.core.media import Audio, Document, Image
from agenticraft.core.messages import Message, TextPart
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
PDF = b"%PDF-1.4\n" + bytes(20)


def _url(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@pytest.fixture
def served() -> Iterator[tuple[BackgroundServer, list[Message]]]:
    seen: list[Message] = []

    def reply(messages: list[Message], tools: Any) -> str:
        seen.append(messages[-1])
        return "seen"

    with BackgroundServer(create_app(Agent(name="eyes", model=FunctionModel(reply)))) as server:
        yield server, seen


def _client(server: BackgroundServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)


def test_openai_image_url_parts_reach_the_agent_as_images(served: Any) -> None:
    server, seen = served
    completion = _client(server).chat.completions.create(
        model="eyes",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is on these?"},
                    {"type": "image_url", "image_url": {"url": _url(PNG, "image/png"), "detail": "low"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/chart.jpg"}},
                ],
            }
        ],
    )
    assert completion.choices[0].message.content == "seen"
    (message,) = seen
    text, inline, linked = message.parts
    assert text == TextPart("What is on these?")
    assert isinstance(inline, Image) and inline.data == PNG and inline.media_type == "image/png"
    assert inline.detail == "low" and inline.url is None
    assert isinstance(linked, Image) and linked.url == "https://example.com/chart.jpg"
    assert linked.media_type == "image/jpeg"


def test_openai_audio_and_file_parts_reach_the_agent(served: Any) -> None:
    server, seen = served
    _client(server).chat.completions.create(
        model="eyes",
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "input_audio",
                        "input_audio": {"data": base64.b64encode(WAV).decode(), "format": "wav"},
                    },
                    {
                        "type": "file",
                        "file": {"file_data": _url(PDF, "application/pdf"), "filename": "a.pdf"},
                    },
                ],
            }
        ],
    )
    audio, document = seen[0].parts
    assert isinstance(audio, Audio) and audio.data == WAV
    assert isinstance(document, Document) and document.data == PDF and document.name == "a.pdf"


@pytest.mark.parametrize(
    ("part", "says"),
    [
        ({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR***"}}, "not valid base64"),
        ({"type": "image_url", "image_url": {"url": "data:image/png,plain"}}, "must be base64"),
        (
            {"type": "image_url", "image_url": {"url": _url(PDF, "image/png")}},
            "its bytes are application/pdf",
        ),
        ({"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}, "must be http(s) or a data URL"),
        ({"type": "image_url", "image_url": {"url": _url(PNG, "image/png"), "detail": "max"}}, "detail"),
        ({"type": "file", "file": {"file_id": "file-1"}}, "file ids name no file"),
        ({"type": "video_url", "video_url": {}}, "'video_url' is not supported"),
    ],
)
def test_bad_content_parts_are_a_400_naming_where(served: Any, part: dict[str, Any], says: str) -> None:
    server, seen = served
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="eyes",
            messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}, part]}],  # type: ignore[list-item]
        )
    message = caught.value.body["message"]  # type: ignore[index]
    assert message.startswith("messages[0].content[1]") and says in message, message
    assert seen == []  # the agent never ran


def test_vercel_file_parts_reach_the_agent(served: Any) -> None:
    server, seen = served
    body = {
        "messages": [
            {
                "id": "u1",
                "role": "user",
                "parts": [
                    {"type": "text", "text": "Look"},
                    {
                        "type": "file",
                        "mediaType": "image/png",
                        "filename": "a.png",
                        "url": _url(PNG, "image/png"),
                    },
                    {"type": "file", "mediaType": "application/pdf", "url": "https://example.com/r.pdf"},
                ],
            }
        ]
    }
    response = httpx.post(server.url + "/api/chat", json=body)
    assert response.status_code == 200, response.text
    text, image, document = seen[0].parts
    assert text == TextPart("Look")
    assert isinstance(image, Image) and image.data == PNG and image.name == "a.png"
    assert isinstance(document, Document) and document.url == "https://example.com/r.pdf"
    bad = {
        "messages": [{"role": "user", "parts": [{"type": "file", "mediaType": "image/png", "url": "data:x"}]}]
    }
    refused = httpx.post(server.url + "/api/chat", json=bad)
    assert refused.status_code == 400 and "messages[0].parts[0]" in refused.json()["error"]["message"]


def test_agui_binary_parts_reach_the_agent(served: Any) -> None:
    server, seen = served
    body = {
        "threadId": "t",
        "runId": "r",
        "messages": [
            {
                "id": "u",
                "role": "user",
                "content": [
                    {"type": "text", "text": "Look"},
                    {"type": "binary", "mimeType": "image/png", "data": base64.b64encode(PNG).decode()},
                    {"type": "binary", "mimeType": "image/jpeg", "url": "https://example.com/p.jpg"},
                    {"type": "document", "source": {"type": "data", "value": base64.b64encode(PDF).decode()}},
                    {"type": "image", "source": {"type": "url", "value": "https://example.com/q.png"}},
                ],
            }
        ],
    }
    response = httpx.post(server.url + "/ag-ui", json=body)
    assert response.status_code == 200, response.text
    text, inline, linked, document, typed = seen[0].parts
    assert text == TextPart("Look")
    assert isinstance(inline, Image) and inline.data == PNG
    assert isinstance(linked, Image) and linked.url == "https://example.com/p.jpg"
    assert (
        isinstance(document, Document) and document.data == PDF and document.media_type == "application/pdf"
    )
    assert isinstance(typed, Image) and typed.url == "https://example.com/q.png"
    body["messages"][0]["content"] = [{"type": "binary", "mimeType": "image/png", "data": "%%%"}]  # type: ignore[index]
    refused = httpx.post(server.url + "/ag-ui", json=body)
    assert refused.status_code == 400 and "not valid base64" in refused.json()["error"]["message"]


def test_text_only_content_is_still_one_text_part(served: Any) -> None:
    server, seen = served
    _client(server).chat.completions.create(
        model="eyes",
        messages=[
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
        ],
    )
    assert seen[0] == Message.user("ab")
