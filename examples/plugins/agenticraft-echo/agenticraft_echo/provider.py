"""``EchoProvider``: a model that streams the prompt back, through the real provider interface."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator

from agenticraft import StreamingProvider, Usage
from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ToolCallDeltaChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.provider import ModelRequest


class EchoProvider(StreamingProvider):
    """Streams the last user message back, a word per event.

    A prompt ``/NAME text`` asks for the tool ``NAME`` (when the run offers it) with ``text``
    as its first parameter; the next turn answers with the tool's result. The model name after
    ``echo:`` is only a label.
    """

    name = "echo"

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None) -> None:
        self.model = model

    async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        request = await self.prepare_request(request)
        last = request.messages[-1]
        prompt_tokens = sum(len(m.text.split()) for m in request.messages)
        if last.role == "tool":
            text = "\n".join(r.content for r in last.results)
        else:
            text = last.text
            name, _, rest = text.removeprefix("/").partition(" ")
            tool = next((t for t in request.tools if t.name == name), None)
            if text.startswith("/") and tool is not None:
                first = next(iter(tool.parameters.get("properties", {})), "text")
                yield ToolCallDeltaChunk(json.dumps({first: rest}), 0, "echo-call-0", name, final=True)
                usage = Usage(prompt_tokens, 1)
                yield UsageChunk(usage)
                yield TurnEndChunk("tool_use", model=self.model, usage=usage)
                return
        words = text.split(" ")
        for i, word in enumerate(words):
            await asyncio.sleep(0)  # as a network read would, let other tasks run
            yield TextChunk(word if i == 0 else " " + word)
        usage = Usage(prompt_tokens, len(words))
        yield UsageChunk(usage)
        yield TurnEndChunk("end_turn", model=self.model, usage=usage)
