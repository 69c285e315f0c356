"""Tool failures that are not ordinary exceptions, and what the run keeps when a tool gives up."""

import asyncio

import pytest

from agenticraft import Agent, tool
from agenticraft.core.errors import ToolRetriesExceededError
from agenticraft.core.messages import Message, ToolCall
from agenticraft.testing import ScriptedModel, ScriptedTurn


def assert_consistent(history: list[Message]) -> None:
    """Every user message has a reply after it; every tool call has its result next."""
    for i, message in enumerate(history):
        if message.role == "user":
            assert i + 1 < len(history), "a user message without a reply slot"
        if message.tool_calls:
            assert i + 1 < len(history) and history[i + 1].role == "tool"
            assert {r.tool_call_id for r in history[i + 1].results} == {c.id for c in message.tool_calls}


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("sync", [True, False])
async def test_keyboard_interrupt_or_system_exit_in_a_tool_reaches_the_caller_unchanged(
    exc_type: type[BaseException], sync: bool
) -> None:
    slow_cancelled = asyncio.Event()

    @tool
    async def slow() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            slow_cancelled.set()
            raise
        return "never"

    def fail_sync() -> str:
        raise exc_type("from the tool")

    async def fail_async() -> str:
        await asyncio.sleep(0)
        raise exc_type("from the tool")

    fail = tool(name="fail")(fail_sync if sync else fail_async)
    model = ScriptedModel(
        [ScriptedTurn(text="Calling.", tool_calls=[ToolCall("slow", {}, "c1"), ToolCall("fail", {}, "c2")])]
    )
    agent = Agent(model=model, tools=[slow, fail])
    # before the fix the run ended in CancelledError while the interrupt escaped the event loop
    # from the tool's task ("Task exception was never retrieved")
    with pytest.raises(exc_type, match="from the tool"):
        await agent.arun("go")
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    assert slow_cancelled.is_set()  # the other call of the turn was cancelled
    assert model.open_streams == 0
    history = agent.history
    assert_consistent(history)
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].interrupted and history[1].text == "Calling." and not history[1].tool_calls


async def test_a_tool_whose_own_inner_task_was_cancelled_is_a_tool_error_not_a_run_cancellation() -> None:
    @tool
    async def fetch() -> str:
        inner = asyncio.create_task(asyncio.sleep(30))
        asyncio.get_running_loop().call_soon(inner.cancel)
        await inner  # raises CancelledError although nobody cancelled the run
        return "never"

    model = ScriptedModel([[ToolCall("fetch", {}, "c1")], "Could not fetch."])
    agent = Agent(model=model, tools=[fetch])
    response = await agent.arun("go")
    assert response.content == "Could not fetch."
    [result] = response.tool_results
    assert result.is_error and "was cancelled" in result.content
    assert model.requests[1].messages[-1].results[0].is_error


async def test_an_outer_cancellation_during_a_tool_still_propagates() -> None:
    started = asyncio.Event()

    @tool
    async def wait() -> str:
        started.set()
        await asyncio.sleep(30)
        return "never"

    agent = Agent(model=ScriptedModel([[ToolCall("wait", {}, "c1")]]), tools=[wait])
    task = asyncio.create_task(agent.arun("go"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert agent.history == []


async def test_tool_retries_exceeded_carries_the_partial_response() -> None:
    @tool(max_retries=0)
    def flaky() -> str:
        raise ValueError("boom")

    model = ScriptedModel([ScriptedTurn(text="Let me try.", tool_calls=[ToolCall("flaky", {}, "c1")])])
    agent = Agent(model=model, tools=[flaky])
    with pytest.raises(ToolRetriesExceededError) as info:
        await agent.arun("go")
    partial = info.value.partial_response
    assert partial is not None and partial.interrupted
    assert partial.content == "Let me try."
    assert [r.content for r in partial.tool_results] == ["Tool 'flaky' raised ValueError: boom"]
    assert_consistent(agent.history)


async def test_a_sync_tool_raising_stop_iteration_is_reported_not_hung() -> None:
    @tool
    def first_match(items: list[str]) -> str:
        return next(i for i in items if i.startswith("z"))

    model = ScriptedModel([[ToolCall("first_match", {"items": ["a"]}, "c1")], "None matched."])
    agent = Agent(model=model, tools=[first_match])
    # before: asyncio refused StopIteration on the future, so the tool call never finished
    response = await asyncio.wait_for(agent.arun("go"), 10)
    assert response.content == "None matched."
    assert response.tool_results[0].content == "Tool 'first_match' raised StopIteration: "


async def test_a_validator_raising_type_error_is_an_argument_error_not_a_crash() -> None:
    from pydantic import BaseModel, field_validator

    class Query(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def not_blank(cls, value: str) -> str:
            if not value.strip():
                raise TypeError("text must not be blank")  # pydantic wraps only ValueError
            return value

    @tool
    def search(query: Query) -> str:
        return query.text

    model = ScriptedModel([[ToolCall("search", {"query": {"text": " "}}, "c1")], "Nothing to search."])
    agent = Agent(model=model, tools=[search])
    response = await agent.arun("go")  # before: the TypeError ended the run
    assert response.content == "Nothing to search."
    [result] = response.tool_results
    assert result.is_error and result.content.startswith("Invalid arguments for tool 'search': TypeError")


async def test_a_result_that_cannot_be_turned_into_text_is_a_tool_error() -> None:
    class Opaque:
        def __str__(self) -> str:
            raise RuntimeError("no text for this")

    @tool
    def make() -> object:
        return Opaque()

    model = ScriptedModel([[ToolCall("make", {}, "c1")], "ok"])
    response = await Agent(model=model, tools=[make]).arun("go")  # before: RuntimeError ended the run
    [result] = response.tool_results
    assert result.is_error and "no text for this" in result.content
