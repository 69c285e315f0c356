"""Content parts across a conversation: encoded once however many turns resend them, stored
once in SQLite, kept by history export and import, and never inlined in stream events."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agenticraft import Agent, Image, SQLiteConversationMemory, tool
from agenticraft.core.events import ToolResultChunk, chunk_from_dict
from agenticraft.core.media import parts as media_parts
from agenticraft.core.messages import messages_from_json, messages_to_json
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers.anthropic import AnthropicServer
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
B64 = base64.b64encode(PNG).decode()


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every base64 encoding of a part's bytes, by size."""
    calls: list[int] = []
    real = media_parts._encode

    def counting(data: bytes) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(media_parts, "_encode", counting)
    return calls


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        s.answer_about_parts()
        yield s


def agent_on(server: OpenAIServer, **options: Any) -> Agent[None]:
    provider = OpenAIProvider(
        "gpt-4o", base_url=server.base_url, api_key="k", retry=RetryPolicy(max_retries=0)
    )
    return Agent(model=provider, **options)


async def test_fifty_turns_with_one_image_encode_it_once(server: OpenAIServer, encodings: list[int]) -> None:
    agent = agent_on(server)
    await agent.arun(["What is on this chart?", Image.from_bytes(PNG)])
    for turn in range(49):
        await agent.arun(f"And detail {turn}?")
    assert len(server.requests) == 50
    assert all(len(parts) == 1 and parts[0].size == len(PNG) for parts in server.received_parts)
    assert encodings == [len(PNG)]


async def test_sqlite_memory_stores_a_part_once_and_never_reencodes(
    server: OpenAIServer, encodings: list[int], tmp_path: Path
) -> None:
    db = tmp_path / "chats.db"
    with SQLiteConversationMemory(db) as memory:
        agent = agent_on(server, memory=memory)
        await agent.arun(["Look", Image.from_bytes(PNG)])
        await agent.arun(["The same again", Image.from_bytes(PNG)])  # a new part, the same bytes
        for turn in range(10):
            await agent.arun(f"Turn {turn}")
    assert len(encodings) == 2  # once per part made from bytes; loads keep the stored base64
    assert [len(p) for p in server.received_parts] == [1] + [2] * 11
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM media").fetchone() == (1,)
        rows = [r[0] for r in raw.execute("SELECT message FROM messages")]
    assert not any(B64 in row for row in rows)  # messages hold a reference, not the bytes
    with SQLiteConversationMemory(db) as reopened:  # a restart: the parts come back whole
        images = [m.media for m in reopened.load() if m.media]
        assert [p.data for ps in images for p in ps] == [PNG, PNG]
        reopened.clear()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM media").fetchone() == (0,)


async def test_history_export_and_import_keep_parts(server: OpenAIServer, encodings: list[int]) -> None:
    first = agent_on(server)
    await first.arun(["Look", Image.from_bytes(PNG, name="chart.png", detail="high")])
    exported = messages_to_json(first.history)
    imported = messages_from_json(exported)
    assert imported == first.history
    second = agent_on(server)
    await second.arun("And now?", history=imported)
    sent = server.received_parts[-1]
    assert [(p.media_type, p.size, p.detail) for p in sent] == [("image/png", len(PNG), "high")]
    assert encodings == [len(PNG)]  # the import kept the exported base64


def test_a_missing_file_fails_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"Image\.from_path: no such file: .*chart\.png"):
        Image.from_path(tmp_path / "chart.png")


@tool
def screenshot() -> list[Any]:
    """A screenshot, with a caption."""
    return ["The home page", Image.from_bytes(PNG, name="home.png")]


async def test_stream_events_carry_no_bytes_unless_asked(server: OpenAIServer) -> None:
    server.add_stream(tool_calls=[ScriptedToolCall("screenshot", {}, id="call_1")])
    agent = agent_on(server, tools=[screenshot])
    events = []
    async with agent.stream(["Look", Image.from_bytes(PNG)]) as stream:
        async for event in stream:
            events.append(event)
    for event in events:
        assert B64 not in json.dumps(event.to_dict())
        assert chunk_from_dict(event.to_dict()) is not None
    result = next(e for e in events if isinstance(e, ToolResultChunk))
    assert result.result == "The home page" and [p.name for p in result.parts] == ["home.png"]
    slim = result.to_dict()["parts"][0]
    assert slim["sha256"] == result.parts[0].digest and "data" not in slim
    full = result.to_dict(inline_media=True)
    assert full["parts"][0]["data"] == B64
    assert chunk_from_dict(full).parts[0].data == PNG  # type: ignore[attr-defined]
    done = events[-1].to_dict()
    assert B64 not in json.dumps(done) and B64 in json.dumps(events[-1].to_dict(inline_media=True))


async def test_anthropic_fifty_turns_encode_once(encodings: list[int]) -> None:
    with AnthropicServer() as server:
        server.answer_about_parts()
        provider = AnthropicProvider("claude-sonnet-4-6", base_url=server.url, api_key="k")
        agent = Agent(model=provider)
        await agent.arun(["Read this", Image.from_bytes(PNG)])
        for turn in range(49):
            await agent.arun(f"More {turn}")
        assert len(server.requests) == 50
    assert encodings == [len(PNG)]


async def test_sqlite_keeps_parts_tools_returned(server: OpenAIServer, tmp_path: Path) -> None:
    server.add_stream(tool_calls=[ScriptedToolCall("screenshot", {}, id="call_1")])
    with SQLiteConversationMemory(tmp_path / "tools.db") as memory:
        await agent_on(server, tools=[screenshot], memory=memory).arun("Look at the home page")
    with SQLiteConversationMemory(tmp_path / "tools.db") as reopened:
        [result] = [r for m in reopened.load() for r in m.results]
    assert result.content == "The home page" and result.parts[0].data == PNG
    assert result.parts[0].name == "home.png"
