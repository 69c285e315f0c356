"""Tests."""

from __future__ import annotations

import pytest

from agenticraft import Agent
from agenticraft.testing import FunctionModel, ScriptedModel


def test_scripted_model_refuses_to_run_past_its_script() -> None:
    agent = Agent(model=ScriptedModel(["only one"]))
    assert agent.run("a").content == "only one"
    with pytest.raises(AssertionError, match=r"called 2 times but has 1 turns"):
        agent.run("b")


async def test_function_model_accepts_async_functions_and_sees_tools() -> None:
    seen = {}

    async def fn(messages, tools):  # type: ignore[no-untyped-def]
        seen["tools"] = [t.name for t in tools]
        return "ok"

    def lookup(q: str) -> str:
        """Look up."""
        return q

    assert (await Agent(model=FunctionModel(fn), tools=[lookup]).arun("x")).content == "ok"
    assert seen["tools"] == ["lookup"]
