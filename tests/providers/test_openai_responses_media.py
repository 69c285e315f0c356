"""Content parts on the Responses API over the local server: ``input_image`` (bytes with
detail, a URL), ``input_file`` for a PDF, a text document as ``input_text``, a tool returning an
image (its output text, then the image in a user message naming the call); audio refused
before any request. Every body is checked against the official SDK's request type."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import openai.types.responses.response_create_params as responses_params
import pydantic
import pytest

from agenticraft import Agent, Audio, ConfigurationError, Document, Image, tool
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai_responses import OpenAIResponsesProvider
from agenticraft.testing.servers.openai_responses import Call, OpenAIResponsesServer, Text

_BODY = pydantic.TypeAdapter(responses_params.ResponseCreateParamsStreaming)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<<>>\nendobj\n" * 3
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24)
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def server() -> Iterator[OpenAIResponsesServer]:
    with OpenAIResponsesServer() as s:
        yield s


def _agent(server: OpenAIResponsesServer, **options: Any) -> Agent[None]:
    provider = OpenAIResponsesProvider(
        "gpt-5-mini", base_url=server.base_url, api_key="k", retry=RetryPolicy(max_retries=0)
    )
    return Agent(model=provider, **options)


def _sent(server: OpenAIResponsesServer) -> list[dict[str, Any]]:
    bodies = [r.json() for r in server.requests]
    for body in bodies:
        _BODY.validate_python(body)
    return bodies


async def test_images_pdf_and_text_documents_go_as_input_parts(server: OpenAIResponsesServer) -> None:
    server.add_stream([Text(["Seen."])])
    prompt = [
        "Compare",
        Image.from_bytes(PNG, detail="low"),
        Image.from_url("https://example.com/a.jpg"),
        Document.from_bytes(PDF, name="invoice.pdf"),
        Document.from_text("line one", name="notes.txt"),
    ]
    assert (await _agent(server).arun(prompt)).content == "Seen."
    [body] = _sent(server)
    assert body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Compare"},
                {"type": "input_image", "image_url": PNG_URL, "detail": "low"},
                {"type": "input_image", "image_url": "https://example.com/a.jpg", "detail": "auto"},
                {
                    "type": "input_file",
                    "filename": "invoice.pdf",
                    "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
                },
                {"type": "input_text", "text": "notes.txt:\nline one"},
            ],
        }
    ]


@tool
def screenshot(url: str) -> Image:
    """A screenshot of a page."""
    return Image.from_bytes(PNG, name="shot.png")


async def test_a_tool_returning_an_image_sends_it_in_a_user_message_naming_the_call(
    server: OpenAIResponsesServer,
) -> None:
    server.add_stream([Call("screenshot", {"url": "https://x.test"}, call_id="call_s")])
    server.add_stream([Text(["A login page."])])
    r = await _agent(server, tools=[screenshot]).arun("What is on the page?")
    assert r.content == "A login page."
    second = _sent(server)[1]["input"]
    output = next(i for i in second if i.get("type") == "function_call_output")
    assert output["call_id"] == "call_s"
    assert "1 image returned by this call" in output["output"]
    assert second[-1] == {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "Returned by tool call call_s (screenshot):"},
            {"type": "input_image", "image_url": PNG_URL, "detail": "auto"},
        ],
    }


async def test_audio_is_refused_before_any_request(server: OpenAIResponsesServer) -> None:
    with pytest.raises(ConfigurationError, match="Responses API takes no audio"):
        await _agent(server).arun(["Transcribe", Audio.from_bytes(WAV)])
    assert server.requests == []
