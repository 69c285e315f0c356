"""What an MCP server returns, in our canonical model.

A tool result becomes what a toolset's ``call_tool`` returns to the run loop: the structured
content (checked by the SDK against the tool's ``outputSchema``) as JSON, or the text blocks,
with images, audio and binary resources as :mod:`agenticraft.core.media` parts, which each
provider adapter maps to its own tool-result format. An ``isError`` result raises
:class:`~agenticraft.core.errors.ToolCallError`, so the model reads it as a failed call. Prompts
become :class:`~agenticraft.core.messages.Message` lists; resources :class:`ResourceContent`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agenticraft.core.errors import MediaError, ToolCallError
from agenticraft.core.media import Audio, Document, Image
from agenticraft.core.messages import Message, Part, Role, TextPart

if TYPE_CHECKING:
    import mcp_types

__all__ = ["ResourceContent", "content_part", "prompt_messages", "resource_contents", "tool_result_value"]


@dataclass(slots=True)
class ResourceContent:
    """One piece of a read resource: ``text``, or ``data`` (bytes) for a binary one."""

    uri: str
    mime_type: str | None = None
    text: str | None = None
    data: bytes | None = None

    def part(self) -> Part:
        """This content as a message part: text, or the image, audio or document it holds."""
        if self.text is not None:
            return TextPart(self.text)
        blob = base64.b64encode(self.data or b"").decode("ascii")
        return _blob_part(self.uri, self.mime_type, blob)


def _blob_part(uri: str, mime_type: str | None, blob: str) -> Part:
    """A base64 blob as the media part its type says, or a line saying what it is."""
    kind = (mime_type or "").partition("/")[0]
    cls: type[Image | Audio | Document] | None
    if kind == "image":
        cls = Image
    elif kind == "audio":
        cls = Audio
    elif mime_type == "application/pdf":
        cls = Document
    else:
        cls = None
    if cls is not None:
        try:
            part: Part = cls.from_base64(blob, mime_type, name=uri.rsplit("/", 1)[-1] or None)
            return part
        except MediaError:
            pass  # a type the bytes do not match, say: described, not sent
    size = len(blob) * 3 // 4 - blob[-2:].count("=")
    return TextPart(f"[binary resource {uri} ({mime_type or 'unknown type'}, about {size} bytes), not shown]")


def content_part(block: mcp_types.ContentBlock) -> Part:
    """One MCP content block as a part of ours."""
    import mcp_types

    if isinstance(block, mcp_types.TextContent):
        return TextPart(block.text)
    if isinstance(block, mcp_types.ImageContent | mcp_types.AudioContent):
        cls: type[Image | Audio] = Image if isinstance(block, mcp_types.ImageContent) else Audio
        try:
            part: Part = cls.from_base64(block.data, block.mime_type)
            return part
        except MediaError as exc:
            return TextPart(f"[{block.type} content the server sent could not be read: {exc}]")
    if isinstance(block, mcp_types.EmbeddedResource):
        resource = block.resource
        if isinstance(resource, mcp_types.TextResourceContents):
            return TextPart(f"[resource {resource.uri}]\n{resource.text}")
        return _blob_part(resource.uri, resource.mime_type, resource.blob)
    # a resource link: the model learns where it is; reading it is up to the application
    described = f" ({block.description})" if block.description else ""
    return TextPart(f"[resource link: {block.uri} {block.name}{described}]")


def tool_result_value(name: str, result: mcp_types.CallToolResult) -> Any:
    """What a tool call returned, as a toolset returns it: the structured content (a dict)
    when there is some and nothing else but text, else the text with any media parts
    (a list). An ``isError`` result raises :class:`ToolCallError` with its text."""
    parts = [content_part(b) for b in result.content]
    texts = [p.text for p in parts if isinstance(p, TextPart)]
    if result.is_error:
        detail = "\n".join(texts).strip() or "no details given"
        raise ToolCallError(f"Tool {name!r} failed: {detail}")
    media = [p for p in parts if not isinstance(p, TextPart)]
    if result.structured_content is not None and not media:
        return result.structured_content
    if not media:
        return "\n".join(texts)
    out: list[Any] = []
    for part in parts:
        out.append(part.text if isinstance(part, TextPart) else part)
    if result.structured_content is not None:
        out.insert(0, result.structured_content)
    return out


def prompt_messages(result: mcp_types.GetPromptResult) -> list[Message]:
    """A prompt's messages as ours (consecutive blocks of one role are one message)."""
    messages: list[Message] = []
    for item in result.messages:
        role: Role = "assistant" if item.role == "assistant" else "user"
        part = content_part(item.content)
        if messages and messages[-1].role == role:
            messages[-1].parts.append(part)
        else:
            messages.append(Message(role, [part]))
    return messages


def resource_contents(result: mcp_types.ReadResourceResult) -> list[ResourceContent]:
    """A read resource's contents."""
    import mcp_types

    out: list[ResourceContent] = []
    for item in result.contents:
        if isinstance(item, mcp_types.TextResourceContents):
            out.append(ResourceContent(item.uri, item.mime_type, text=item.text))
        else:
            out.append(ResourceContent(item.uri, item.mime_type, data=base64.b64decode(item.blob)))
    return out
