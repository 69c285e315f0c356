"""Toolsets: tools listed at every turn, prefixes and filters, name clashes, lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import pytest

from agenticraft import Agent, RunContext, ToolDefinition, Toolset, tool
from agenticraft.core.errors import ConfigurationError, ToolCallError
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.toolsets import FunctionToolset
from agenticraft.testing import FunctionModel


class Counter(Toolset):
    """A toolset whose tool list grows by one tool per model turn, and that counts its entries."""

    label = "counter"

    def __init__(self) -> None:
        self.listed = 0
        self.entered = 0
        self.exited = 0
        self.calls: list[tuple[str, dict[str, Any], int]] = []

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        self.listed += 1
        return [ToolDefinition(f"step_{i}", f"Step {i}.") for i in range(ctx.turn)]

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        self.calls.append((name, arguments, ctx.turn))
        if name == "step_0" and arguments.get("fail"):
            raise ToolCallError("step 0 refuses")
        return {"ran": name}

    async def __aenter__(self) -> Counter:
        self.entered += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.exited += 1


def test_the_tool_list_is_asked_at_every_turn_and_may_change() -> None:
    seen: list[list[str]] = []

    def model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        seen.append([t.name for t in tools])
        return ToolCall("step_0", {}, "c1") if len(seen) == 1 else "done"

    counter = Counter()
    response = Agent(model=FunctionModel(model), toolsets=[counter]).run("go")
    assert seen == [["step_0"], ["step_0", "step_1"]]  # the second request carries the new list
    assert counter.calls == [("step_0", {}, 1)]
    assert response.tool_results[0].content == '{"ran": "step_0"}'
    assert (counter.entered, counter.exited) == (1, 1)


def test_a_toolset_error_message_reaches_the_model_as_is() -> None:
    replies = iter([ToolCall("step_0", {"fail": True}, "c1"), "ok"])
    response = Agent(model=FunctionModel(lambda m, t: next(replies)), toolsets=[Counter()]).run("go")
    assert response.tool_results[0].content == "step 0 refuses"
    assert response.tool_results[0].is_error


def test_prefixed_and_filtered_toolsets_rename_and_hide_tools() -> None:
    @tool
    def read(path: str) -> str:
        """Read a file."""
        return f"contents of {path}"

    @tool
    def delete(path: str) -> str:
        """Delete a file."""
        raise AssertionError("filtered out, never called")

    files = FunctionToolset([read, delete]).filtered(lambda ctx, d: d.name != "delete").prefixed("fs")
    seen: list[list[str]] = []

    def model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        seen.append([t.name for t in tools])
        return ToolCall("fs_read", {"path": "a.txt"}, "c1") if len(seen) == 1 else "done"

    response = Agent(model=FunctionModel(model), toolsets=[files]).run("go")
    assert seen[0] == ["fs_read"]
    assert response.tool_results[0].content == "contents of a.txt"


def test_two_tools_with_one_name_are_refused_before_any_request_naming_both() -> None:
    requests: list[int] = []

    @tool
    def step_0() -> str:
        """Clashes with the counter's first tool."""
        return ""

    def model(messages: list[Message], tools: list[ToolDefinition]) -> str:
        requests.append(1)
        return "never"

    agent = Agent(model=FunctionModel(model), tools=[step_0], toolsets=[Counter()])
    with pytest.raises(ConfigurationError) as info:
        agent.run("go")
    assert (
        "step_0" in str(info.value)
        and "the agent's tools" in str(info.value)
        and "counter" in str(info.value)
    )
    assert requests == []


def test_two_functions_with_one_name_are_refused_at_once() -> None:
    def twice() -> str:
        return ""

    with pytest.raises(ConfigurationError, match="twice"):
        Agent(tools=[twice, twice])


async def test_async_with_agent_enters_each_toolset_once_for_many_runs() -> None:
    counter = Counter()
    agent = Agent(model=FunctionModel(lambda m, t: "hi"), toolsets=[counter])
    async with agent:
        await agent.arun("one")
        await agent.arun("two")
        assert (counter.entered, counter.exited) == (1, 0)
    assert (counter.entered, counter.exited) == (1, 1)
    await agent.arun("three")  # outside the block: entered for the run alone
    assert (counter.entered, counter.exited) == (2, 2)


def test_unknown_tool_names_list_every_toolset_s_tools() -> None:
    replies = iter([ToolCall("nope", {}, "c1"), "ok"])
    response = Agent(model=FunctionModel(lambda m, t: next(replies)), toolsets=[Counter()]).run("go")
    assert response.tool_results[0].content == "Unknown tool 'nope'. Available tools: step_0."


def test_a_toolset_may_ask_for_approval_per_call() -> None:
    class Shell(Toolset):
        label = "shell"

        async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
            return [ToolDefinition("run", "Run a command.")]

        async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
            return f"ran {arguments['cmd']}"

        async def needs_approval(
            self, call_name: str, arguments: dict[str, Any], ctx: RunContext[Any]
        ) -> bool:
            return str(arguments.get("cmd", "")).startswith("rm")

    def model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        last = messages[-1]
        if last.role == "user":
            return [ToolCall("sh_run", {"cmd": "ls"}, "a"), ToolCall("sh_run", {"cmd": "rm -rf /tmp/x"}, "b")]
        return " / ".join(r.content for r in last.results)

    agent = Agent(model=FunctionModel(model), toolsets=[Shell().prefixed("sh")])
    first = agent.run("clean up")
    assert first.stop_reason == "approval_required"
    assert [c.id for c in first.pending_approvals] == ["b"]  # only the dangerous call waits
    assert agent.run(approvals={"b": False}).content == "ran ls / The user denied this call."
