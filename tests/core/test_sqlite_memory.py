"""SQLiteConversationMemory: conversations in a file, read back by a new process, consistent
whatever way a run ends."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agenticraft import Agent, SQLiteConversationMemory, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.testing import FunctionModel, ScriptedModel


def test_a_conversation_is_read_back_by_a_new_process(tmp_path: Path) -> None:
    db = tmp_path / "chats.db"
    script = textwrap.dedent(
        f"""
        from agenticraft import Agent, SQLiteConversationMemory
        from agenticraft.testing import FunctionModel
        import sys
        echo = FunctionModel(lambda messages, tools: f"{{len(messages)}} messages")
        agent = Agent(model=echo, memory=SQLiteConversationMemory({str(db)!r}))
        print(agent.run(sys.argv[1], conversation_id="u42").content)
        """
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, word], capture_output=True, text=True, check=True
        ).stdout
        for word in ("one", "two")
    ]
    assert outputs == ["1 messages\n", "3 messages\n"]
    with SQLiteConversationMemory(db) as memory:
        assert [m.text for m in memory.load("u42")] == ["one", "1 messages", "two", "3 messages"]
        assert memory.load("someone else") == [] and memory.conversations == ["u42"]


def test_tool_calls_thinking_and_interrupted_messages_survive_the_round_trip(tmp_path: Path) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    replies = iter([ToolCall("add", {"a": 1, "b": 2}, "c1"), "3"])
    memory = SQLiteConversationMemory(tmp_path / "m.db")
    Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[add], memory=memory).run("sum")
    again = SQLiteConversationMemory(tmp_path / "m.db")
    assert again.load() == memory.load()
    assert again.load()[1].tool_calls[0].arguments == {"a": 1, "b": 2}
    assert again.load()[2].results[0].content == "3"


async def test_an_interrupted_run_leaves_a_consistent_file(tmp_path: Path) -> None:
    memory = SQLiteConversationMemory(tmp_path / "m.db")
    agent = Agent(model=ScriptedModel(["partial answer " * 30], chunk_size=4, delay=0.001), memory=memory)
    async with agent.stream("go") as stream:
        async for chunk in stream:
            if chunk.type == "text":
                break
    stored = SQLiteConversationMemory(tmp_path / "m.db").load()
    assert [m.role for m in stored] == ["user", "assistant"] and stored[1].interrupted


def test_the_window_applies_on_load_and_the_file_keeps_everything(tmp_path: Path) -> None:
    memory = SQLiteConversationMemory(tmp_path / "m.db", max_messages=2)
    for word in "abc":
        memory.append([Message.user(word), Message.assistant(word.upper())])
    assert [m.text for m in memory.load()] == ["c", "C"]
    assert len(SQLiteConversationMemory(tmp_path / "m.db", max_messages=None).load()) == 6


def test_a_failed_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    memory = SQLiteConversationMemory(tmp_path / "m.db")
    memory.append([Message.user("kept")])

    bad = Message.user("x")
    bad.parts = [object()]  # type: ignore[list-item]
    with pytest.raises(AttributeError):
        memory.append([Message.user("lost"), bad])
    assert [m.text for m in memory.load()] == ["kept"]


async def test_concurrent_conversations_in_one_file(tmp_path: Path) -> None:
    memory = SQLiteConversationMemory(tmp_path / "m.db")
    agent = Agent(model=FunctionModel(lambda m, t: m[-1].text.upper()), memory=memory)
    await asyncio.gather(*(agent.arun(f"w{n}", conversation_id=f"c{n}") for n in range(20)))
    assert all([m.text for m in memory.load(f"c{n}")] == [f"w{n}", f"W{n}"] for n in range(20))
