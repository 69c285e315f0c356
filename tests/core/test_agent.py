"""The run loop end to end on the in-process models: tools, turns, arun == stream, errors."""

import asyncio
import time
from typing import Literal

import pytest

from agenticraft import Agent, tool
from agenticraft.core.errors import ConfigurationError, MaxTurnsExceededError, ToolRetriesExceededError
from agenticraft.core.events import (
    DoneChunk,
    TextChunk,
    ToolCallChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, ToolCall
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn


@tool
def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Args:
        city: City name, e.g. "Paris".
        unit: Temperature unit.
    """
    return f"18 degrees {unit} in {city}"


def weather_model(messages: list[Message], tools: list) -> object:
    last = messages[-1]
    if last.role == "tool":
        return f"It is {last.results[0].content}."
    return [ToolCall("get_weather", {"city": "Paris"})]


def make_agent(model: object, **kwargs: object) -> Agent:
    return Agent(name="Ada", instructions="Be concise.", model=model, tools=[get_weather], **kwargs)  # type: ignore[arg-type]


def test_the_issue_snippet_sync() -> None:
    agent = make_agent(FunctionModel(weather_model))
    response = agent.run("Weather in Paris?")
    assert response.content == "It is 18 degrees celsius in Paris."
    assert [c.name for c in response.tool_calls] == ["get_weather"]
    assert response.tool_results[0].content == "18 degrees celsius in Paris"
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens > 0
    assert response.stop_reason == "end_turn"
    kinds = [s.kind for s in response.reasoning.steps]
    assert kinds == ["model_turn", "tool", "model_turn"]


async def test_stream_prints_exactly_the_answer_and_the_handle_has_the_response() -> None:
    agent = make_agent(FunctionModel(weather_model, chunk_size=3))
    printed = []
    async for chunk in agent.stream("Weather in Paris?"):
        printed.append(chunk.content)
    assert "".join(printed) == "It is 18 degrees celsius in Paris."
    async with agent.stream("Weather in Paris?") as stream:
        async for _ in stream:
            pass
    assert stream.response.content == "It is 18 degrees celsius in Paris."
    assert stream.response.usage.output_tokens > 0


async def test_event_order_of_a_tool_run() -> None:
    agent = make_agent(FunctionModel(weather_model))
    types = [c.type async for c in agent.stream("Weather?")]
    first_turn = types[: types.index("turn_end") + 1]
    assert first_turn[0] == "tool_call_start"
    assert first_turn[-3:] == ["tool_call", "usage", "turn_end"]
    rest = types[len(first_turn) :]
    assert rest[0] == "tool_result"
    assert rest[-3:] == ["usage", "turn_end", "done"]
    assert set(rest[1:-3]) == {"text"}


async def test_arun_and_stream_return_equal_responses() -> None:
    script = [
        ScriptedTurn(
            thinking="need weather", text="Checking. ", tool_calls=[ToolCall("get_weather", {"city": "Oslo"})]
        ),
        "Oslo is mild.",
    ]
    via_arun = await make_agent(ScriptedModel(script)).arun("Weather in Oslo?")
    stream = make_agent(ScriptedModel(script)).stream("Weather in Oslo?")
    chunks = [c async for c in stream]
    assert isinstance(chunks[-1], DoneChunk)
    assert chunks[-1].response == via_arun
    assert stream.response == via_arun
    assert via_arun.thinking == "need weather"
    assert via_arun.content == "Checking. Oslo is mild."
    assert via_arun.metrics.chunk_count == len(chunks) - 1  # every event before "done"


async def test_two_tools_in_one_turn_overlap_in_time() -> None:
    started: list[str] = []
    both_started = asyncio.Event()

    @tool
    async def first() -> str:
        started.append("first")
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 5)  # only returns if the other runs meanwhile
        return "1"

    @tool
    def second() -> str:
        started.append("second")
        if len(started) == 2:
            both_started.set()
        deadline = time.monotonic() + 5
        while not both_started.is_set() and time.monotonic() < deadline:
            time.sleep(0.001)
        return "2"

    model = ScriptedModel([[ToolCall("first", {}), ToolCall("second", {})], "done"])
    response = await Agent(model=model, tools=[first, second]).arun("go")
    assert both_started.is_set()
    assert sorted(r.content for r in response.tool_results) == ["1", "2"]
    sent_back = model.requests[1].messages[-1]
    assert [r.name for r in sent_back.results] == ["first", "second"]  # call order, not finish order


async def test_a_sequential_tool_runs_alone() -> None:
    running = 0
    peak = 0

    async def track() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    @tool(sequential=True)
    async def alone() -> str:
        await track()
        return "a"

    @tool
    async def shared() -> str:
        await track()
        return "s"

    calls = [ToolCall("alone", {}), ToolCall("alone", {}), ToolCall("shared", {}), ToolCall("shared", {})]
    await Agent(model=ScriptedModel([calls, "ok"]), tools=[alone, shared]).arun("x")
    assert peak == 2  # the two shared calls together, each alone call by itself


async def test_raising_tool_and_malformed_json_are_reported_to_the_model() -> None:
    @tool
    def fragile(n: int) -> str:
        raise RuntimeError("disk on fire")

    seen_errors: list[str] = []

    def model(messages: list[Message], tools: list) -> object:
        if messages[-1].role == "tool":
            seen_errors.extend(r.content for r in messages[-1].results if r.is_error)
            return "Recovered."
        return ScriptedTurn(
            tool_calls=[ToolCall("fragile", {"n": 1}), ToolCall("get_weather", {})],
            raw_arguments={1: '{"city": "Par'},
        )

    agent = Agent(model=FunctionModel(model), tools=[fragile, get_weather])
    events = [c async for c in agent.stream("go")]
    results = [c for c in events if isinstance(c, ToolResultChunk)]
    assert all(r.is_error for r in results)
    assert events[-1].type == "done" and events[-1].response.content == "Recovered."
    assert any("RuntimeError: disk on fire" in e for e in seen_errors)
    assert any("not valid JSON" in e for e in seen_errors)
    call_events = [c for c in events if isinstance(c, ToolCallChunk)]
    assert call_events[1].arguments_error is not None


async def test_unknown_tool_is_reported_with_the_available_ones() -> None:
    model = ScriptedModel([[ToolCall("nope", {})], "fine"])
    response = await make_agent(model).arun("x")
    assert response.tool_results[0].is_error
    assert response.tool_results[0].content == "Unknown tool 'nope'. Available tools: get_weather."


async def test_tool_retries_are_bounded() -> None:
    @tool(max_retries=1)
    def flaky() -> str:
        raise ValueError("no")

    model = ScriptedModel([[ToolCall("flaky", {})]] * 3)
    agent = Agent(model=model, tools=[flaky])
    with pytest.raises(ToolRetriesExceededError, match="'flaky' failed 2 times"):
        await agent.arun("x")
    history = agent.history  # every call kept with its result
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant", "tool"]


async def test_max_turns_is_a_clear_error_naming_the_limit() -> None:
    model = FunctionModel(lambda m, t: [ToolCall("get_weather", {"city": "X"})])
    agent = make_agent(model, max_turns=3)
    with pytest.raises(MaxTurnsExceededError, match="max_turns=3") as info:
        await agent.arun("loop forever")
    assert len(model.requests) == 3
    assert info.value.partial_response is not None
    assert len(info.value.partial_response.tool_results) == 3


async def test_usage_event_once_per_turn_and_totals_add_up() -> None:
    agent = make_agent(FunctionModel(weather_model))
    events = [c async for c in agent.stream("Weather?")]
    usage = [c.usage for c in events if isinstance(c, UsageChunk)]
    turn_ends = [c for c in events if isinstance(c, TurnEndChunk)]
    assert len(usage) == len(turn_ends) == 2
    assert [t.stop_reason for t in turn_ends] == ["tool_use", "end_turn"]
    total = events[-1].response.usage
    assert total.input_tokens == sum(u.input_tokens for u in usage)
    assert total.output_tokens == sum(u.output_tokens for u in usage)


async def test_memory_carries_history_across_runs_and_system_is_not_stored() -> None:
    model = FunctionModel(lambda m, t: f"{len(m)} messages seen")
    agent = Agent(instructions="Sys", model=model)
    await agent.arun("one")
    second = await agent.arun("two")
    assert second.content == "4 messages seen"  # system, user, assistant, user
    assert [m.role for m in model.requests[1].messages] == ["system", "user", "assistant", "user"]
    assert [m.role for m in agent.history] == ["user", "assistant", "user", "assistant"]
    agent.clear_memory()
    assert agent.history == []


async def test_per_call_model_override_and_set_provider() -> None:
    agent = Agent(model=FunctionModel(lambda m, t: "A"))
    assert (await agent.arun("x", model=FunctionModel(lambda m, t: "B"))).content == "B"
    agent.set_provider(FunctionModel(lambda m, t: "C"))
    assert (await agent.arun("x")).content == "C"
    assert [m.text for m in agent.history if m.role == "assistant"] == ["B", "C"]


def test_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="max_turns"):
        Agent(max_turns=0)
    with pytest.raises(ConfigurationError, match="cannot tell the provider"):
        Agent(model="mystery-model")
    with pytest.raises(ConfigurationError, match="two tools"):
        Agent(tools=[get_weather, get_weather])
    with pytest.raises(ConfigurationError, match="no model given"):
        Agent().run("x")


async def test_run_inside_a_running_loop_uses_a_worker_thread() -> None:
    agent = Agent(model=FunctionModel(lambda m, t: "from a thread"))
    assert agent.run("x").content == "from a thread"


async def test_plain_functions_are_tools_and_text_chunks_are_text_only() -> None:
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    model = ScriptedModel([[ToolCall("add", {"a": 2, "b": 3})], "5"])
    events = [c async for c in Agent(model=model, tools=[add]).stream("2+3")]
    assert [c.result for c in events if isinstance(c, ToolResultChunk)] == ["5"]
    assert [c.content for c in events if c.content] == ["5"]
    assert all(isinstance(c, TextChunk) for c in events if c.content)


def test_credentials_never_follow_a_switch_to_another_provider() -> None:
    agent = Agent(model="openai:gpt-4o-mini", base_url="http://127.0.0.1:9/v1", api_key="sk-openai")
    assert agent.provider.api_key == "sk-openai"  # type: ignore[attr-defined]
    agent.set_provider("openai:gpt-4o")  # same provider: same server and key
    assert agent.provider.base_url == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    agent.set_provider("ollama:llama3.2")  # another provider: its own defaults
    assert agent.provider.api_key is None  # type: ignore[attr-defined]
    assert "127.0.0.1:9" not in agent.provider.base_url  # type: ignore[attr-defined]
    agent.set_provider("anthropic:claude-sonnet-4-6", base_url="http://127.0.0.1:8/", api_key="sk-ant")
    assert agent.provider.api_key == "sk-ant"  # type: ignore[attr-defined]
    agent.set_provider("claude-haiku-4-5")
    assert agent.provider.api_key == "sk-ant"  # type: ignore[attr-defined]


def test_a_prompt_may_be_a_list_of_parts() -> None:
    from agenticraft.core.messages import TextPart

    agent = Agent(model=FunctionModel(lambda m, t: f"{len(m[-1].parts)} parts: {m[-1].text}"))
    assert agent.run(["Look at ", TextPart("this")]).content == "2 parts: Look at this"


async def test_async_with_agent_releases_the_provider_s_connections() -> None:
    from agenticraft.providers.openai import OpenAIProvider
    from agenticraft.testing.servers.openai import OpenAIServer

    with OpenAIServer() as server:
        server.add_stream("one")
        server.add_stream("two")
        provider = OpenAIProvider("gpt-4o-mini", base_url=server.base_url, api_key="k")
        async with Agent(model=provider) as agent:
            await agent.arun("a")
            await agent.arun("b")
            client = await provider.client()
            assert server.open_connections == 1  # one pooled connection for both runs
        assert client.is_closed
        assert await server.await_until(lambda: server.open_connections == 0)


def test_seams_given_the_wrong_kind_of_object_are_one_line_errors() -> None:
    import pytest

    from agenticraft.core.errors import ConfigurationError

    def search(q: str) -> str:
        return q

    with pytest.raises(ConfigurationError, match=r"toolsets= takes a Toolset; functions go in tools="):
        Agent(toolsets=[search])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="hooks= takes a RunHooks"):
        Agent(hooks=[object()])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match="capabilities= takes a Capability"):
        Agent(capabilities=["mcp"])  # type: ignore[list-item]


async def test_a_run_can_be_given_its_run_id() -> None:
    agent = Agent(model=FunctionModel(lambda m, t: "Hi"))
    async with agent.stream("Hello", run_id="my-run") as stream:
        ids = {chunk.run_id async for chunk in stream}
    assert ids == {"my-run"} and stream.response.run_id == "my-run"
    assert (await agent.arun("Hello")).run_id not in ("", "my-run")
