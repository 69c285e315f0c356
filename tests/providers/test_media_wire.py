"""Content parts over the local OpenAI, Anthropic and Ollama servers: the exact wire shape of
a PNG, a JPEG by URL, a PDF and a tool returning an image, each checked against the official
SDK's request types; unsupported parts refused before any request."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import anthropic.types.message_create_params as anthropic_params
import ollama._types as ollama_types
import openai.types.chat.completion_create_params as openai_params
import pydantic
import pytest

from agenticraft import Agent, Audio, ConfigurationError, Document, Image, tool
from agenticraft.core.provider import ModelSettings
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedResponse, ScriptedServer
from agenticraft.testing.servers.anthropic import AnthropicServer, ToolUse
from agenticraft.testing.servers.ollama import OllamaServer, OllamaToolCall
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

NO_RETRY = RetryPolicy(max_retries=0)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<<>>\nendobj\n" * 3
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24)
JPEG_URL = "https://example.com/photo.jpg"
B64 = base64.b64encode(PNG).decode()

_OPENAI_BODY = pydantic.TypeAdapter(openai_params.CompletionCreateParamsStreaming)
_ANTHROPIC_BODY = pydantic.TypeAdapter(anthropic_params.MessageCreateParamsStreaming)


def _plain(value: Any) -> Any:
    """A validated value with the SDK's lazy iterables read out (which validates them)."""
    if isinstance(value, pydantic.BaseModel):  # Anthropic's unions hold response models too
        return _plain(value.model_dump(exclude_unset=True))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ValidatorIterator":
        return [_plain(v) for v in value]
    return value


def assert_sdk_shape(adapter: pydantic.TypeAdapter[Any], body: dict[str, Any]) -> None:
    """``body`` fits the SDK's request type, and no key of ours was dropped as unknown."""
    assert _plain(adapter.validate_python(body)) == body


@tool
def screenshot(url: str) -> Image:
    """A screenshot of a page."""
    return Image.from_bytes(PNG, name="shot.png")


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as s:
        yield s


@pytest.fixture
def ollama_server() -> Iterator[OllamaServer]:
    with OllamaServer() as s:
        yield s


def openai_agent(server: OpenAIServer, model: str = "gpt-4o-mini", **options: Any) -> Agent[None]:
    provider = OpenAIProvider(model, base_url=server.base_url, api_key="sk-test", retry=NO_RETRY)
    return Agent(model=provider, **options)


def anthropic_agent(server: AnthropicServer, model: str = "claude-sonnet-4-6", **options: Any) -> Agent[None]:
    provider = AnthropicProvider(model, base_url=server.url, api_key="k", retry=NO_RETRY)
    return Agent(model=provider, **options)


def ollama_agent(server: OllamaServer, **options: Any) -> Agent[None]:
    return Agent(model=OllamaProvider("llama3.2-vision", base_url=server.url, retry=NO_RETRY), **options)


def _prompt() -> list[Any]:
    return [
        "Compare",
        Image.from_bytes(PNG, detail="high"),
        Image.from_url(JPEG_URL, detail="low"),
        Document.from_bytes(PDF, name="invoice.pdf"),
    ]


# -- OpenAI ------------------------------------------------------------------------------------


async def test_openai_user_parts(openai_server: OpenAIServer) -> None:
    openai_server.answer_about_parts()
    response = await openai_agent(openai_server).arun(_prompt())
    body = openai_server.requests[0].json()
    assert_sdk_shape(_OPENAI_BODY, body)
    assert body["messages"][-1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "Compare"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": JPEG_URL, "detail": "low"}},
            {
                "type": "file",
                "file": {
                    "filename": "invoice.pdf",
                    "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
                },
            },
        ],
    }
    parts = openai_server.received_parts[0]
    assert [(p.kind, p.media_type, p.source) for p in parts] == [
        ("image", "image/png", "base64"),
        ("image", None, "url"),
        ("document", "application/pdf", "base64"),
    ]
    assert parts[0].sha256 == hashlib.sha256(PNG).hexdigest() and parts[2].size == len(PDF)
    assert response.content.startswith("I received 3 parts: image image/png (48 bytes)")


async def test_openai_audio_on_an_audio_model(openai_server: OpenAIServer) -> None:
    openai_server.answer_about_parts()
    await openai_agent(openai_server, "gpt-4o-audio-preview").arun(["Transcribe", Audio.from_bytes(WAV)])
    body = openai_server.requests[0].json()
    assert_sdk_shape(_OPENAI_BODY, body)
    assert body["messages"][-1]["content"][1] == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(WAV).decode(), "format": "wav"},
    }


async def test_openai_tool_image_follows_in_a_user_message(openai_server: OpenAIServer) -> None:
    openai_server.add_stream(tool_calls=[ScriptedToolCall("screenshot", {"url": "x"}, id="call_1")])
    openai_server.answer_about_parts()
    response = await openai_agent(openai_server, tools=[screenshot]).arun("Look at x")
    body = openai_server.requests[1].json()
    assert_sdk_shape(_OPENAI_BODY, body)
    assert body["messages"][-2:] == [
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": "[1 image returned by this call: in the next user message]",
        },
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Returned by tool call call_1 (screenshot):"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}},
            ],
        },
    ]
    assert [p.tool_call_id for p in openai_server.received_parts[1]] == ["call_1"]
    assert "from tool call call_1" in response.content
    assert response.tool_results[0].parts == [Image.from_bytes(PNG, name="shot.png")]


async def test_openai_text_only_model_refused_before_sending(openai_server: OpenAIServer) -> None:
    with pytest.raises(ConfigurationError, match=r"openai:gpt-3\.5-turbo cannot take image .*text-only"):
        await openai_agent(openai_server, "gpt-3.5-turbo").arun(["What is this?", Image.from_bytes(PNG)])
    with pytest.raises(ConfigurationError, match=r"openai:gpt-4o-mini cannot take audio .*audio model"):
        await openai_agent(openai_server).arun(["Transcribe", Audio.from_bytes(WAV)])
    assert openai_server.requests == []


# -- Anthropic ---------------------------------------------------------------------------------


async def test_anthropic_user_parts(anthropic_server: AnthropicServer) -> None:
    anthropic_server.answer_about_parts()
    prompt = [
        *_prompt(),
        Document.from_text("Net 30 days.", name="terms.md", media_type="text/markdown", cache=True),
    ]
    response = await anthropic_agent(anthropic_server).arun(prompt)
    body = anthropic_server.requests[0].json()
    assert_sdk_shape(_ANTHROPIC_BODY, body)
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Compare"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64}},
        {"type": "image", "source": {"type": "url", "url": JPEG_URL}},
        {
            "type": "document",
            "source": {
                "type": "base64",
                "media_type": "application/pdf",
                "data": base64.b64encode(PDF).decode(),
            },
            "title": "invoice.pdf",
        },
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "Net 30 days."},
            "title": "terms.md",
            "cache_control": {"type": "ephemeral"},
        },
    ]
    assert [p.source for p in anthropic_server.received_parts[0]] == ["base64", "url", "base64", "text"]
    assert response.content.startswith("I received 4 parts")


async def test_anthropic_tool_result_carries_the_image(anthropic_server: AnthropicServer) -> None:
    anthropic_server.add_stream([ToolUse("screenshot", ['{"url": "x"}'], id="toolu_01")])
    anthropic_server.answer_about_parts()
    response = await anthropic_agent(anthropic_server, tools=[screenshot]).arun("Look at x")
    body = anthropic_server.requests[1].json()
    assert_sdk_shape(_ANTHROPIC_BODY, body)
    assert body["messages"][-1]["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_01",
            "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64}}
            ],
        }
    ]
    assert "from tool call toolu_01" in response.content


async def test_anthropic_refuses_audio_and_oversized_images(anthropic_server: AnthropicServer) -> None:
    agent = anthropic_agent(anthropic_server)
    with pytest.raises(ConfigurationError, match=r"anthropic:claude-sonnet-4-6 cannot take audio .*no audio"):
        await agent.arun(["Listen", Audio.from_bytes(WAV)])
    big = Image.from_bytes(PNG + bytes(6 * 1024 * 1024), name="big.png")
    with pytest.raises(
        ConfigurationError, match=r"'big\.png'.* 6\.3 MB and the limit is 5\.2 MB.*downscale_images"
    ):
        await agent.arun(["Look", big])
    with pytest.raises(ConfigurationError, match=r"claude-2\.1 cannot take image"):
        await anthropic_agent(anthropic_server, "claude-2.1").arun(["Look", Image.from_bytes(PNG)])
    with pytest.raises(ConfigurationError, match="at most 100 images"):
        await agent.arun(["Many", *[Image.from_bytes(PNG) for _ in range(101)]])
    assert anthropic_server.requests == []


# -- Ollama ------------------------------------------------------------------------------------


async def test_ollama_images_and_text_documents(ollama_server: OllamaServer) -> None:
    ollama_server.answer_about_parts()
    prompt = ["Compare", Image.from_bytes(PNG), Document.from_text("Total: 42", name="notes.txt")]
    response = await ollama_agent(ollama_server).arun(prompt)
    body = ollama_server.requests[0].json()
    ollama_types.ChatRequest.model_validate(body)
    assert body["messages"][-1] == {
        "role": "user",
        "content": "Compare\n\nnotes.txt:\nTotal: 42",
        "images": [B64],
    }
    assert response.content == "I received 1 part: image image/png (48 bytes)."


async def test_ollama_url_refused_unless_fetching_is_allowed(ollama_server: OllamaServer) -> None:
    with ScriptedServer(
        default=ScriptedResponse(200, {"content-type": "image/png"}, [PNG], chunked=False)
    ) as cdn:
        url = cdn.url + "/cat.png"
        with pytest.raises(ConfigurationError, match=r"cannot fetch image .*fetch_media_urls=True"):
            await ollama_agent(ollama_server).arun(["What?", Image.from_url(url)])
        assert ollama_server.requests == [] and cdn.requests == []
        ollama_server.answer_about_parts()
        part = Image.from_url(url)
        agent = ollama_agent(ollama_server, settings=ModelSettings(fetch_media_urls=True))
        await agent.arun(["What?", part])
        await agent.arun(["And now?", part])  # fetched once, kept on the part
        assert [r.path for r in cdn.requests] == ["/cat.png"]
        body = ollama_server.requests[-1].json()
        ollama_types.ChatRequest.model_validate(body)
        assert body["messages"][-1]["images"] == [B64]


async def test_ollama_refuses_pdfs_before_sending(ollama_server: OllamaServer) -> None:
    with pytest.raises(
        ConfigurationError, match=r"ollama:llama3\.2-vision cannot take document 'invoice\.pdf'"
    ):
        await ollama_agent(ollama_server).arun(["Total?", Document.from_bytes(PDF, name="invoice.pdf")])
    assert ollama_server.requests == []


async def test_ollama_tool_image_follows_in_a_user_message(ollama_server: OllamaServer) -> None:
    ollama_server.add_stream(tool_calls=[OllamaToolCall("screenshot", {"url": "x"})])
    ollama_server.answer_about_parts()
    response = await ollama_agent(ollama_server, tools=[screenshot]).arun("Look at x")
    body = ollama_server.requests[1].json()
    ollama_types.ChatRequest.model_validate(body)
    assert body["messages"][-2:] == [
        {
            "role": "tool",
            "content": "[what this call returned besides text is in the next user message]",
            "tool_name": "screenshot",
            "tool_call_id": "call_1_0",
        },
        {"role": "user", "content": "Returned by tool call call_1_0 (screenshot):", "images": [B64]},
    ]
    assert "from tool call call_1_0" in response.content


async def test_openai_pdf_url_is_fetched_only_when_allowed(openai_server: OpenAIServer) -> None:
    pdf = ScriptedResponse(200, {"content-type": "application/pdf"}, [PDF], chunked=False)
    with ScriptedServer(default=pdf) as files:
        with pytest.raises(ConfigurationError, match=r"openai:gpt-4o-mini cannot fetch document"):
            await openai_agent(openai_server).arun(["Total?", Document.from_url(files.url + "/inv.pdf")])
        assert openai_server.requests == [] and files.requests == []
        openai_server.answer_about_parts()
        agent = openai_agent(openai_server, settings=ModelSettings(fetch_media_urls=True))
        await agent.arun(["Total?", Document.from_url(files.url + "/inv.pdf"), Image.from_url(JPEG_URL)])
        assert [r.path for r in files.requests] == ["/inv.pdf"]  # the image URL is OpenAI's to fetch
    body = openai_server.requests[0].json()
    assert_sdk_shape(_OPENAI_BODY, body)
    parts = openai_server.received_parts[0]
    assert [(p.kind, p.source, p.size) for p in parts] == [
        ("document", "base64", len(PDF)),
        ("image", "url", None),
    ]


async def test_a_fetch_that_fails_is_a_clear_error_before_the_model_request(
    ollama_server: OllamaServer,
) -> None:
    agent = ollama_agent(ollama_server, settings=ModelSettings(fetch_media_urls=True))
    with ScriptedServer(default=ScriptedResponse.json_body(404, {"error": "gone"})) as files:
        with pytest.raises(ConfigurationError, match=r"could not fetch image .*HTTP 404"):
            await agent.arun(["What?", Image.from_url(files.url + "/cat.png")])
        closed = files.url + "/cat.png"
    with pytest.raises(ConfigurationError, match="could not fetch image"):
        await agent.arun(["What?", Image.from_url(closed)])  # the server is gone: connection refused
    assert ollama_server.requests == []
