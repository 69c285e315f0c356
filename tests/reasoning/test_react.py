"""ReAct with real tools executed by the core run loop."""

from __future__ import annotations

from agenticraft.core.agent import Agent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.tools import tool
from agenticraft.reasoning import ReAct, ReActResult, ReasoningResponse
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn


def result_of(response: ReasoningResponse) -> ReActResult:
    assert isinstance(response.result, ReActResult)
    return response.result


async def test_tools_run_and_the_run_stops_at_the_final_answer() -> None:
    executed: list[str] = []

    @tool
    def get_weather(city: str) -> str:
        """Temperature of a city."""
        executed.append(city)
        return f"{len(city) * 3} degrees"

    model = ScriptedModel(
        [
            ScriptedTurn(
                "Thought: I need the weather.", [ToolCall("get_weather", {"city": "Paris"}, id="c1")]
            ),
            "Thought: I have it.\nFinal Answer: 15 degrees",
            "this turn must never be played",
        ]
    )
    response = await ReAct().run(Agent(model=model, tools=[get_weather]), "Weather in Paris?")
    assert executed == ["Paris"]
    assert response.content == "15 degrees" and result_of(response).solved
    assert model.remaining == 1  # stopped at the final answer
    kinds = [s.data["kind"] for s in response.reasoning_steps]
    assert kinds == ["thought", "action", "observation", "thought", "final_answer"]
    observation = response.reasoning_steps[2]
    assert observation.content == "15 degrees" and observation.data["error"] is False
    steps = result_of(response).steps
    assert [(s.thought, s.actions, s.observations) for s in steps] == [
        ("I need the weather.", ["get_weather(city='Paris')"], ["15 degrees"]),
        ("I have it.", [], []),
    ]
    # the trace: turn, tool, turn; the tool was offered natively
    assert [s.kind for s in response.reasoning.steps if s.kind != "reasoning_step"] == [
        "model_turn",
        "tool",
        "model_turn",
    ]
    assert [d.name for d in model.requests[0].tools] == ["get_weather"]
    assert response.tool_results[0].content == "15 degrees"


async def test_a_tool_error_becomes_an_observation_the_model_reads() -> None:
    @tool
    def divide(a: float, b: float) -> float:
        """a / b."""
        return a / b

    def model(messages: list[Message], tools: list[ToolDefinition]) -> ScriptedTurn | str:
        results = [r for m in messages if m.role == "tool" for r in m.results]
        if not results:
            return ScriptedTurn("Thought: divide.", [ToolCall("divide", {"a": 1, "b": 0}, id="d1")])
        if results[-1].is_error:
            return ScriptedTurn("Thought: b must not be 0.", [ToolCall("divide", {"a": 1, "b": 4}, id="d2")])
        return f"Final Answer: {results[-1].content}"

    response = await ReAct().run(Agent(model=FunctionModel(model), tools=[divide]), "1 / 0, else 1 / 4")
    assert response.content == "0.25"
    observations = [s for s in response.reasoning_steps if s.data["kind"] == "observation"]
    assert [o.data["error"] for o in observations] == [True, False]
    assert "ZeroDivisionError" in observations[0].content
    assert [t.error is not None for t in response.reasoning.tool_steps] == [True, False]


async def test_the_step_limit_stops_a_model_that_never_answers() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    provider = FunctionModel(lambda m, t: ScriptedTurn("Thought: again.", [ToolCall("ping", {})]))
    response = await ReAct(max_steps=3).run(Agent(model=provider, tools=[ping]), "loop")
    result = result_of(response)
    assert not result.solved and result.stop_reason == "max_steps" and response.content == ""
    assert len(provider.requests) == 3 == len(response.reasoning.turns)
    assert len(response.reasoning.tool_steps) == 3
    assert response.reasoning_steps[-1].data["kind"] == "stopped"


async def test_an_unmarked_answer_is_still_the_answer() -> None:
    response = await ReAct().run(Agent(model=ScriptedModel(["Thought: easy.\nIt is 4."])), "2 + 2?")
    assert response.content == "easy.\nIt is 4."
    assert response.reasoning_steps[-1].data["kind"] == "final_answer"


async def test_the_call_budget_cuts_the_steps_and_says_so() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    provider = FunctionModel(lambda m, t: ScriptedTurn("Thought: again.", [ToolCall("ping", {})]))
    response = await ReAct(max_steps=5, max_model_calls=2).run(Agent(model=provider, tools=[ping]), "loop")
    assert result_of(response).stop_reason == "budget_exhausted" and len(provider.requests) == 2


async def test_a_tool_that_keeps_failing_stops_the_run() -> None:
    @tool(max_retries=1)
    def broken() -> str:
        """Always fails."""
        raise RuntimeError("disk on fire")

    provider = FunctionModel(lambda m, t: ScriptedTurn("Thought: try.", [ToolCall("broken", {})]))
    response = await ReAct(max_steps=5).run(Agent(model=provider, tools=[broken]), "go")
    result = result_of(response)
    assert result.stop_reason == "tool_failed" and not result.solved
    assert len(provider.requests) == 2  # the second failure is past max_retries=1
    assert [s.data["kind"] for s in response.reasoning_steps].count("observation") == 2
    assert "disk on fire" in response.reasoning_steps[-1].description
