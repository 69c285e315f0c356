"""Telemetry content records images and documents by reference, never with their bytes."""

from __future__ import annotations

import json

from agenticraft import Document, Image
from agenticraft.core.messages import Message
from agenticraft.telemetry.content import input_messages

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


def test_parts_are_references() -> None:
    image = Image.from_bytes(PNG)
    messages = [
        Message.user(["Look", image, Image.from_url("https://example.com/a.jpg"), Document.from_text("t")])
    ]
    [message] = input_messages(messages)
    assert message["parts"][1:3] == [
        {
            "type": "blob",
            "modality": "image",
            "mime_type": "image/png",
            "size": len(PNG),
            "sha256": image.digest,
        },
        {"type": "uri", "modality": "image", "mime_type": "image/jpeg", "uri": "https://example.com/a.jpg"},
    ]
    assert message["parts"][3]["modality"] == "document"
    assert image.base64 not in json.dumps(message)
