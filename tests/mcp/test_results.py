"""MCP results, prompts and resources mapped to our model (the SDK's types, no server)."""

from __future__ import annotations

import base64

import mcp_types as types
import pytest

from agenticraft import Audio, Document, Image
from agenticraft.core.errors import ToolCallError
from agenticraft.core.messages import TextPart
from agenticraft.mcp import ResourceContent
from agenticraft.mcp.results import content_part, prompt_messages, tool_result_value
from agenticraft.testing.mcp_server import PNG_DOT

PNG = base64.b64encode(PNG_DOT).decode()
PDF = base64.b64encode(b"%PDF-1.4\n%fake\n").decode()
WAV = base64.b64encode(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24).decode()


def blob(mime: str, data: str, uri: str = "file:///x/thing") -> types.EmbeddedResource:
    return types.EmbeddedResource(resource=types.BlobResourceContents(uri=uri, mime_type=mime, blob=data))


def test_content_blocks_become_parts() -> None:
    assert content_part(types.TextContent(text="hi")) == TextPart("hi")
    image = content_part(types.ImageContent(data=PNG, mime_type="image/png"))
    assert isinstance(image, Image) and image.data == PNG_DOT
    assert isinstance(content_part(types.AudioContent(data=WAV, mime_type="audio/wav")), Audio)
    document = content_part(blob("application/pdf", PDF, "file:///docs/a.pdf"))
    assert isinstance(document, Document) and document.name == "a.pdf"
    assert isinstance(content_part(blob("image/png", PNG)), Image)


def test_what_cannot_be_sent_is_described() -> None:
    broken = content_part(types.ImageContent(data=PDF, mime_type="image/png"))  # the bytes are a PDF
    assert isinstance(broken, TextPart) and "could not be read" in broken.text
    other = content_part(blob("application/zip", base64.b64encode(b"PK\x03\x04" * 25).decode()))
    assert isinstance(other, TextPart)
    assert other.text == "[binary resource file:///x/thing (application/zip, about 100 bytes), not shown]"
    link = content_part(types.ResourceLink(uri="file:///big.csv", name="big.csv", description="All rows"))
    assert link == TextPart("[resource link: file:///big.csv big.csv (All rows)]")


def test_results_are_structured_json_text_or_text_with_parts() -> None:
    structured = types.CallToolResult(content=[types.TextContent(text="{}")], structured_content={"n": 1})
    assert tool_result_value("t", structured) == {"n": 1}
    assert (
        tool_result_value(
            "t", types.CallToolResult(content=[types.TextContent(text="a"), types.TextContent(text="b")])
        )
        == "a\nb"
    )
    mixed = types.CallToolResult(
        content=[types.TextContent(text="see"), types.ImageContent(data=PNG, mime_type="image/png")],
        structured_content={"n": 2},
    )
    value = tool_result_value("t", mixed)
    assert value[0] == {"n": 2} and value[1] == "see" and isinstance(value[2], Image)
    with pytest.raises(ToolCallError, match="Tool 't' failed: no details given"):
        tool_result_value("t", types.CallToolResult(content=[], is_error=True))


def test_prompts_join_consecutive_blocks_of_one_role() -> None:
    result = types.GetPromptResult(
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(text="Look:")),
            types.PromptMessage(role="user", content=types.ImageContent(data=PNG, mime_type="image/png")),
            types.PromptMessage(role="assistant", content=types.TextContent(text="I see a dot.")),
        ]
    )
    user, assistant = prompt_messages(result)
    assert user.role == "user" and user.text == "Look:" and isinstance(user.parts[1], Image)
    assert (assistant.role, assistant.text) == ("assistant", "I see a dot.")


def test_resource_content_parts() -> None:
    assert ResourceContent("note://a", "text/plain", text="hi").part() == TextPart("hi")
    assert isinstance(ResourceContent("img://b", "image/png", data=PNG_DOT).part(), Image)
