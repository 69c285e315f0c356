from collections.abc import Sequence

from agenticraft import Agent
from agenticraft.core.memory import ConversationMemory, InMemoryConversation
from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.testing import FunctionModel


def test_window_cuts_at_a_user_message_so_tool_pairs_stay_together() -> None:
    memory = InMemoryConversation(max_messages=3)
    memory.append([Message.user("a"), Message.assistant("A")])
    memory.append(
        [
            Message.user("b"),
            Message.assistant("", [ToolCall("f", id="1")]),
            Message.tool_results([ToolResult("1", "f", "r")]),
            Message.assistant("B"),
        ]
    )
    # the last 3 would start at a tool message, and no user message follows: the exchange is
    # kept whole from its user message rather than cut apart or lost
    assert [m.role for m in memory.load()] == ["user", "assistant", "tool", "assistant"]
    memory.append([Message.user("c"), Message.assistant("C")])
    assert [m.text for m in memory.load()] == ["c", "C"]
    assert len(memory) == 2


def test_a_custom_memory_plugs_in() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.appended: list[list[Message]] = []

        def load(self, conversation_id: str = "default") -> list[Message]:
            return [m for batch in self.appended for m in batch]

        def append(self, messages: Sequence[Message], conversation_id: str = "default") -> None:
            self.appended.append(list(messages))

        def clear(self, conversation_id: str = "default") -> None:
            self.appended.clear()

    memory = Recorder()
    assert isinstance(memory, ConversationMemory)
    agent = Agent(model=FunctionModel(lambda m, t: "ok"), memory=memory)
    agent.run("one")
    agent.run("two")
    assert [len(batch) for batch in memory.appended] == [2, 2]  # one commit per run


async def test_a_failing_memory_does_not_replace_the_cancellation() -> None:
    import asyncio

    import pytest

    from agenticraft.testing import ScriptedModel

    class Broken(InMemoryConversation):
        def append(self, messages: object, conversation_id: str = "default") -> None:  # type: ignore[override]
            raise OSError("disk full")

    agent = Agent(model=ScriptedModel(["x" * 400], chunk_size=4, delay=0.005), memory=Broken())
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in agent.stream("go"):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    assert any("disk full" in note for note in getattr(info.value, "__notes__", []))
    with pytest.raises(OSError, match="disk full"):  # a finished run reports it plainly
        await Agent(model=ScriptedModel(["ok"]), memory=Broken()).arun("go")


def test_default_memory_is_bounded_and_keeps_tool_pairs_whole() -> None:
    from agenticraft.core.memory import DEFAULT_MAX_MESSAGES
    from agenticraft.testing import ToolCall as ScriptedCall

    def lookup() -> str:
        """A lookup."""
        return "found"

    def model(messages: list[Message], tools: object) -> object:
        if messages[-1].role == "tool":
            return "done"
        return [ScriptedCall("lookup", {})]

    agent = Agent(model=FunctionModel(model), tools=[lookup])
    for i in range(DEFAULT_MAX_MESSAGES):  # 4 messages a run: twice the window
        agent.run(f"q{i}")
    history = agent.history
    assert len(history) <= DEFAULT_MAX_MESSAGES
    assert history[0].role == "user"  # cut at a user message, never between a call and its result
    calls = {c.id for m in history for c in m.tool_calls}
    results = {r.tool_call_id for m in history if m.role == "tool" for r in m.results}
    assert calls == results and calls


def test_max_messages_none_is_unbounded() -> None:
    memory = InMemoryConversation(max_messages=None)
    for i in range(300):
        memory.append([Message.user(str(i)), Message.assistant("ok")])
    assert len(memory) == 600
