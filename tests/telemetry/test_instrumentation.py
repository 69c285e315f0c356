"""Spans and metrics of runs over the local wire servers, checked with the OpenTelemetry SDK's
in-memory exporter and metric reader: names, kinds, parents, attributes, and correct ends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from telemetry_helpers import Telemetry, attrs, parent_of, span_id, telemetry

from agenticraft import Agent, tool
from agenticraft.core.accumulator import ModelTurn
from agenticraft.core.errors import MaxTurnsExceededError, ProviderConnectionError, ServerError
from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.core.provider import ModelSettings
from agenticraft.core.tools import ToolOutcome
from agenticraft.providers._http import NO_RETRY, RetryPolicy
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing import FunctionModel
from agenticraft.testing.servers.anthropic import AnthropicServer, Thinking, ToolUse
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@pytest.fixture
def otel() -> Iterator[Telemetry]:
    yield from telemetry()


@pytest.fixture
def otel_content() -> Iterator[Telemetry]:
    yield from telemetry(capture_content=True)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def _openai(server: OpenAIServer, model: str = "gpt-4o-mini", **kwargs: Any) -> OpenAIProvider:
    kwargs.setdefault("retry", NO_RETRY)
    return OpenAIProvider(model, base_url=server.base_url, api_key="sk-test", **kwargs)


def _trace_parent(request_headers: dict[str, str]) -> tuple[int, int]:
    _version, trace_id, parent_id, _flags = request_headers["traceparent"].split("-")
    return int(trace_id, 16), int(parent_id, 16)


# -- a streamed run with two concurrent tools over the local OpenAI server -------------------
async def test_streamed_run_with_two_concurrent_tools(otel: Telemetry, server: OpenAIServer) -> None:
    both_started = asyncio.Event()
    started: list[str] = []
    user_tracer = otel.tracer_provider.get_tracer("user-code")

    async def lookup(city: str) -> str:
        """Look a city up."""
        started.append(city)
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 5)  # each waits for the other: concurrent
        with user_tracer.start_as_current_span(f"user work {city}"):
            return f"{city}: sunny"

    server.add_stream(
        tool_calls=[
            ScriptedToolCall("lookup", {"city": "Paris"}, id="call_P"),
            ScriptedToolCall("lookup", {"city": "Rome"}, id="call_R"),
        ],
        usage=(30, 7),
    )
    server.add_stream("Both are sunny.", usage=(50, 9))
    agent = Agent(name="weather", model=_openai(server), tools=[lookup])
    async with agent.stream("Weather in Paris and Rome?") as run:
        text = "".join([chunk.content async for chunk in run])
    assert text == "Both are sunny."

    otel.assert_all_ended_once()
    root = otel.one("invoke_agent")
    assert root.name == "invoke_agent weather" and root.kind is SpanKind.INTERNAL and root.parent is None
    assert attrs(root)["gen_ai.operation.name"] == "invoke_agent"
    assert attrs(root)["gen_ai.agent.name"] == "weather"
    assert attrs(root)["gen_ai.usage.input_tokens"] == 80
    assert root.status.status_code is StatusCode.UNSET

    chats = otel.named("chat ")
    assert [c.name for c in chats] == ["chat gpt-4o-mini"] * 2
    for chat in chats:
        a = attrs(chat)
        assert chat.kind is SpanKind.CLIENT and parent_of(chat) == span_id(root)
        assert a["gen_ai.operation.name"] == "chat"
        assert a["gen_ai.provider.name"] == "openai"
        assert a["gen_ai.request.model"] == "gpt-4o-mini"
        assert a["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
        assert a["gen_ai.response.id"] == "chatcmpl-agenticraft"
        assert a["server.address"] == "127.0.0.1" and a["server.port"] == server.port
        assert a["gen_ai.response.time_to_first_chunk"] > 0
        assert "gen_ai.input.messages" not in a  # content capture is off by default
    assert attrs(chats[0])["gen_ai.response.finish_reasons"] == ("tool_calls",)
    assert attrs(chats[1])["gen_ai.response.finish_reasons"] == ("stop",)
    assert (attrs(chats[0])["gen_ai.usage.input_tokens"], attrs(chats[0])["gen_ai.usage.output_tokens"]) == (
        30,
        7,
    )
    assert (attrs(chats[1])["gen_ai.usage.input_tokens"], attrs(chats[1])["gen_ai.usage.output_tokens"]) == (
        50,
        9,
    )

    tools = otel.named("execute_tool")
    assert sorted(attrs(t)["gen_ai.tool.call.id"] for t in tools) == ["call_P", "call_R"]
    for tool_span in tools:
        a = attrs(tool_span)
        assert tool_span.name == "execute_tool lookup" and tool_span.kind is SpanKind.INTERNAL
        assert parent_of(tool_span) == span_id(root)
        assert a["gen_ai.operation.name"] == "execute_tool"
        assert (a["gen_ai.tool.name"], a["gen_ai.tool.type"]) == ("lookup", "function")
        assert a["gen_ai.tool.description"] == "Look a city up."
    # the tool's own spans nest under its tool span, each under its own
    by_city = {attrs(t)["gen_ai.tool.call.id"]: t for t in tools}
    assert parent_of(otel.one("user work Paris")) == span_id(by_city["call_P"])
    assert parent_of(otel.one("user work Rome")) == span_id(by_city["call_R"])

    # the trace context went out on each provider request: the turn's chat span is the parent
    for request, chat in zip(server.requests, chats, strict=True):
        trace_id, parent = _trace_parent(request.headers)
        assert chat.context is not None
        assert (trace_id, parent) == (chat.context.trace_id, chat.context.span_id)

    # metrics carry the token counts the server reported
    usage = otel.points("gen_ai.client.token.usage")
    by_type = {p.attributes["gen_ai.token.type"]: p for p in usage}
    assert (by_type["input"].sum, by_type["input"].count) == (80, 2)
    assert (by_type["output"].sum, by_type["output"].count) == (16, 2)
    assert by_type["input"].attributes["gen_ai.provider.name"] == "openai"
    assert by_type["input"].attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert by_type["input"].attributes["server.port"] == server.port
    duration = otel.points("gen_ai.client.operation.duration")
    assert sum(p.count for p in duration) == 2 and all("error.type" not in p.attributes for p in duration)
    assert sum(p.count for p in otel.points("gen_ai.client.operation.time_to_first_chunk")) == 2
    tool_points = otel.points("gen_ai.execute_tool.duration")
    assert sum(p.count for p in tool_points) == 2
    assert tool_points[0].attributes["gen_ai.tool.name"] == "lookup"


async def test_a_sync_tool_runs_inside_its_span_in_its_thread(otel: Telemetry) -> None:
    @tool
    def stamp() -> str:
        """Stamp."""
        with otel.tracer_provider.get_tracer("user-code").start_as_current_span("in the thread"):
            return "ok"

    replies = iter([ToolCall("stamp", {}, "c1"), "done"])
    await Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[stamp]).arun("go")
    assert parent_of(otel.one("in the thread")) == span_id(otel.one("execute_tool stamp"))


# -- an Anthropic run with thinking, content captured ------------------------------------------
async def test_anthropic_run_with_thinking_and_captured_content(otel_content: Telemetry) -> None:
    otel = otel_content

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"18C in {city}"

    with AnthropicServer() as server:
        server.add_stream(
            [
                Thinking(["The user wants ", "the weather."]),
                "Let me check.",
                ToolUse("get_weather", ['{"city": ', '"Paris"}'], id="toolu_W"),
            ],
            input_tokens=100,
            output_tokens=40,
            cache_read_input_tokens=60,
        )
        server.add_stream(["It is 18C."], input_tokens=180, output_tokens=12)
        provider = AnthropicProvider(
            "claude-sonnet-4-6", base_url=server.url, api_key="sk-ant-test", retry=NO_RETRY
        )
        agent = Agent(
            instructions="Be brief.",
            model=provider,
            tools=[get_weather],
            settings=ModelSettings(thinking_budget=2048, max_tokens=4096),
        )
        response = await agent.arun("Weather in Paris?")
        assert response.content == "Let me check.It is 18C."
        assert "traceparent" in server.requests[0].headers

    otel.assert_all_ended_once()
    first, second = otel.named("chat ")
    a = attrs(first)
    assert first.name == "chat claude-sonnet-4-6"
    assert a["gen_ai.provider.name"] == "anthropic"
    assert a["gen_ai.response.id"].startswith("msg_01")
    assert a["gen_ai.response.finish_reasons"] == ("tool_use",)
    # the whole prompt, cache reads included (Anthropic reports them apart; the conventions don't)
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (160, 40)
    assert a["gen_ai.usage.cache_read.input_tokens"] == 60
    assert a["gen_ai.request.max_tokens"] == 4096
    assert json.loads(a["gen_ai.system_instructions"]) == [{"type": "text", "content": "Be brief."}]
    assert json.loads(a["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    ]
    [definition] = json.loads(a["gen_ai.tool.definitions"])
    assert (definition["type"], definition["name"]) == ("function", "get_weather")
    assert definition["parameters"]["properties"]["city"]["type"] == "string"
    [output] = json.loads(a["gen_ai.output.messages"])
    assert output["role"] == "assistant" and output["finish_reason"] == "tool_call"
    assert output["parts"] == [
        {"type": "reasoning", "content": "The user wants the weather."},
        {"type": "text", "content": "Let me check."},
        {"type": "tool_call", "id": "toolu_W", "name": "get_weather", "arguments": {"city": "Paris"}},
    ]
    # the second turn's input holds the call and its result in the conventions' shape
    second_input = json.loads(attrs(second)["gen_ai.input.messages"])
    assert second_input[-1] == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "toolu_W", "response": "18C in Paris"}],
    }
    tool_span = otel.one("execute_tool get_weather")
    assert json.loads(attrs(tool_span)["gen_ai.tool.call.arguments"]) == {"city": "Paris"}
    assert attrs(tool_span)["gen_ai.tool.call.result"] == "18C in Paris"
    usage = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert usage == {"input": 340, "output": 52}


@pytest.fixture
def otel_small() -> Iterator[Telemetry]:
    yield from telemetry(capture_content=True, content_limit=300)


def test_content_is_cut_to_the_limit_and_stays_json(otel_small: Telemetry) -> None:
    capture = otel_small
    replies = iter([ToolCall("echo", {"text": "x" * 5000}, "c1"), "y" * 5000])

    @tool
    def echo(text: str) -> str:
        """Echo."""
        return text

    Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[echo]).run("z" * 5000)
    first_input = json.loads(attrs(capture.named("chat ")[0])["gen_ai.input.messages"])
    assert first_input[0]["parts"][0]["content"].endswith("...[truncated]")
    for span in capture.spans:
        for key, value in attrs(span).items():
            if key.startswith(("gen_ai.input", "gen_ai.output", "gen_ai.tool.call.arguments")):
                assert len(value) <= 300, key
                json.loads(value)
    assert len(attrs(capture.one("execute_tool"))["gen_ai.tool.call.result"]) <= 300 + 20


# -- fallback after a 503, and retries ---------------------------------------------------------
async def test_fallback_after_a_503_is_an_attempt_event_on_the_turn(
    otel: Telemetry, server: OpenAIServer
) -> None:
    with OpenAIServer() as backup:
        server.add_error(503, "first is down")
        backup.add_stream("from the backup", model="backup-0613")
        agent = Agent(model=[_openai(server, "primary"), _openai(backup, "backup")])
        assert (await agent.arun("hi")).content == "from the backup"
        assert "traceparent" in backup.requests[0].headers

    otel.assert_all_ended_once()
    chat = otel.one("chat ")
    a = attrs(chat)
    assert chat.name == "chat backup"  # named for the model that answered
    assert a["gen_ai.request.model"] == "backup" and a["gen_ai.response.model"] == "backup-0613"
    assert a["server.port"] == backup.port
    assert a["agenticraft.request.attempts"] == 2
    assert chat.status.status_code is StatusCode.UNSET
    [event] = [e for e in chat.events if e.name == "gen_ai.request.attempt"]
    e = dict(event.attributes or {})
    assert e["error.type"] == "ServerError" and e["http.response.status_code"] == 503
    assert (e["gen_ai.request.model"], e["agenticraft.request.retrying"]) == ("primary", False)
    assert e["server.port"] == server.port
    [point] = otel.points("gen_ai.client.operation.duration")
    assert point.attributes["gen_ai.request.model"] == "backup"


async def test_a_retry_is_an_attempt_event_and_a_final_failure_an_error(
    otel: Telemetry, server: OpenAIServer
) -> None:
    server.add_error(503, "busy")
    server.add_error(503, "still busy")
    provider = _openai(server, retry=RetryPolicy(max_retries=1, initial_delay=0.0, jitter=0.0))
    with pytest.raises(ServerError):
        await Agent(model=provider).arun("hi")
    otel.assert_all_ended_once()
    chat = otel.one("chat ")
    events = [dict(e.attributes or {}) for e in chat.events if e.name == "gen_ai.request.attempt"]
    assert [(e["agenticraft.request.attempt"], e["agenticraft.request.retrying"]) for e in events] == [
        (1, True),
        (2, False),
    ]
    assert chat.status.status_code is StatusCode.ERROR
    assert attrs(chat)["error.type"] == "ServerError" and attrs(chat)["http.response.status_code"] == 503
    root = otel.one("invoke_agent")
    assert root.status.status_code is StatusCode.ERROR and attrs(root)["error.type"] == "ServerError"
    [point] = otel.points("gen_ai.client.operation.duration")
    assert point.attributes["error.type"] == "ServerError"


# -- correct ends --------------------------------------------------------------------------------
def _interrupted(otel: Telemetry, kind: str) -> None:
    otel.assert_all_ended_once()
    for name in ("invoke_agent", "chat "):
        span = otel.one(name)
        assert span.status.status_code is StatusCode.ERROR, name
        assert attrs(span)["error.type"] == kind, name


async def test_a_run_broken_off_after_three_chunks(otel: Telemetry, server: OpenAIServer) -> None:
    server.add_stream("one two three four five six seven eight", text_piece=4)
    agent = Agent(model=_openai(server))
    seen = 0
    async with agent.stream("count") as run:
        async for chunk in run:
            seen += chunk.type == "text"
            if seen == 3:
                break
    _interrupted(otel, "interrupted")
    assert otel.points("gen_ai.client.token.usage") == []  # no usage was reported: none is invented


async def test_aclose_ends_every_span(otel: Telemetry) -> None:
    model = FunctionModel(lambda m, t: "a long answer " * 20, chunk_size=2)
    run = Agent(model=model).stream("go")
    async for _ in run:
        break
    await run.aclose()
    _interrupted(otel, "interrupted")


async def test_a_cancelled_run(otel: Telemetry, server: OpenAIServer) -> None:
    server.add_stream(["a", "b", "c", "d"], delays={3: 30.0})
    run = Agent(model=_openai(server)).stream("go")
    seen = asyncio.Event()

    async def consume() -> None:
        async for chunk in run:
            if chunk.type == "text":
                seen.set()

    task = asyncio.ensure_future(consume())
    await asyncio.wait_for(seen.wait(), 5)
    run.cancel()
    await asyncio.wait_for(task, 5)
    assert run.interrupted
    _interrupted(otel, "cancelled")


async def test_task_cancellation_ends_every_span(otel: Telemetry, server: OpenAIServer) -> None:
    server.add_stream(["a", "b", "c"], delays={2: 30.0})
    task = asyncio.ensure_future(Agent(model=_openai(server)).arun("go"))
    assert await server.await_until(lambda: len(server.requests) == 1)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    _interrupted(otel, "cancelled")


async def test_cancelling_a_running_tool_ends_its_span(otel: Telemetry) -> None:
    entered = asyncio.Event()

    async def slow() -> str:
        """Slow."""
        entered.set()
        await asyncio.sleep(30)
        return "never"

    run = Agent(model=FunctionModel(lambda m, t: ToolCall("slow", {}, "c1")), tools=[slow]).stream("go")

    async def consume() -> None:
        async for _ in run:
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.wait_for(entered.wait(), 5)
    run.cancel()
    await asyncio.wait_for(task, 5)
    otel.assert_all_ended_once()
    tool_span = otel.one("execute_tool slow")
    assert tool_span.status.status_code is StatusCode.ERROR and attrs(tool_span)["error.type"] == "cancelled"
    assert attrs(otel.one("invoke_agent"))["error.type"] == "cancelled"


async def test_a_provider_error_mid_stream(otel: Telemetry, server: OpenAIServer) -> None:
    server.add_stream("half an answer", cut_after=3)
    with pytest.raises(ProviderConnectionError):
        await Agent(model=_openai(server)).arun("go")
    _interrupted(otel, "ProviderConnectionError")
    assert otel.one("chat ").events[-1].name == "exception"


async def test_a_tool_error(otel: Telemetry) -> None:
    @tool
    def broken(zone: str) -> str:
        """Broken."""
        raise RuntimeError(f"clock for {zone} is broken")

    replies = iter([ToolCall("broken", {"zone": "CET"}, "c1"), ToolCall("nope", {}, "c2"), "sorry"])
    response = await Agent(model=FunctionModel(lambda m, t: next(replies)), tools=[broken]).arun("time?")
    assert response.content == "sorry"
    otel.assert_all_ended_once()
    failed = otel.one("execute_tool broken")
    assert failed.status.status_code is StatusCode.ERROR
    assert attrs(failed)["error.type"] == "RuntimeError"
    assert "clock for CET is broken" in (failed.status.description or "")
    unknown = otel.one("execute_tool nope")  # a call of an unknown tool is a failed tool call too
    assert attrs(unknown)["error.type"] == "tool_error"
    root = otel.one("invoke_agent")
    assert root.status.status_code is StatusCode.UNSET  # the model read the errors and answered
    kinds = {p.attributes.get("error.type") for p in otel.points("gen_ai.execute_tool.duration")}
    assert kinds == {"RuntimeError", "tool_error"}


async def test_max_turns(otel: Telemetry) -> None:
    @tool
    def again() -> str:
        """Again."""
        return "more"

    agent = Agent(
        model=FunctionModel(lambda m, t: ToolCall("again", {}, f"c{len(m)}")), tools=[again], max_turns=2
    )
    with pytest.raises(MaxTurnsExceededError):
        await agent.arun("loop")
    otel.assert_all_ended_once()
    root = otel.one("invoke_agent")
    assert attrs(root)["error.type"] == "MaxTurnsExceededError"
    assert len(otel.named("chat ")) == 2 and len(otel.named("execute_tool")) == 2
    assert all(s.status.status_code is StatusCode.UNSET for s in otel.named("chat "))


# -- runs inside runs ----------------------------------------------------------------------------
async def test_a_reasoning_pattern_nests_its_model_calls_under_its_run(otel: Telemetry) -> None:
    from agenticraft.reasoning import ChainOfThought

    answer = "Step 1: 6 * 7 is 42.\nFinal answer: 42"
    agent = Agent(name="thinker", model=FunctionModel(lambda m, t: answer))
    response = await ChainOfThought(samples=3).run(agent, "6 * 7?")
    assert response.content == "42"
    otel.assert_all_ended_once()
    runs = otel.named("invoke_agent")
    [pattern] = [r for r in runs if r.parent is None]
    assert pattern.name == "invoke_agent thinker"
    calls = [r for r in runs if r is not pattern]
    assert len(calls) == 3  # three concurrent samples, each a run of its own
    assert all(parent_of(c) == span_id(pattern) for c in calls)
    assert all(c.context is not None and pattern.context is not None for c in calls)
    assert {c.context.trace_id for c in calls} == {pattern.context.trace_id}  # type: ignore[union-attr]
    for chat in otel.named("chat "):
        assert parent_of(chat) in {span_id(c) for c in calls}


async def test_an_agent_used_as_a_tool_nests_under_the_tool_span(otel: Telemetry) -> None:
    inner = Agent(name="inner", model=FunctionModel(lambda m, t: "inner answer"))

    async def ask_inner(question: str) -> str:
        """Ask the inner agent."""
        return (await inner.arun(question)).content

    replies = iter([ToolCall("ask_inner", {"question": "?"}, "c1"), "outer answer"])
    outer = Agent(name="outer", model=FunctionModel(lambda m, t: next(replies)), tools=[ask_inner])
    await outer.arun("go")
    otel.assert_all_ended_once()
    tool_span = otel.one("execute_tool ask_inner")
    inner_run = otel.one("invoke_agent inner")
    assert parent_of(inner_run) == span_id(tool_span)
    assert parent_of(tool_span) == span_id(otel.one("invoke_agent outer"))


async def test_a_run_nests_under_the_callers_span(otel: Telemetry) -> None:
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("request handler") as handler:
        await Agent(model=FunctionModel(lambda m, t: "hi")).arun("hello")
    assert parent_of(otel.one("invoke_agent")) == handler.get_span_context().span_id


# -- opting out ----------------------------------------------------------------------------------
async def test_instrument_false_opts_one_agent_out(otel: Telemetry) -> None:
    await Agent(model=FunctionModel(lambda m, t: "hi"), instrument=False).arun("hello")
    assert otel.spans == []
    await Agent(name="seen", model=FunctionModel(lambda m, t: "hi")).arun("hello")
    assert [s.name for s in otel.spans] == ["invoke_agent seen", "chat <lambda>"]


async def test_break_without_async_with_ends_every_span_when_the_stream_is_collected(otel: Telemetry) -> None:
    import gc

    model = FunctionModel(lambda m, t: "a long answer " * 20, chunk_size=2)

    async def consume() -> None:
        async for _ in Agent(model=model).stream("go"):
            break  # nobody closes the stream: the event loop's finalizer does

    await consume()
    for _ in range(5):
        gc.collect()
        await asyncio.sleep(0.01)
    _interrupted(otel, "interrupted")


async def test_a_break_after_the_turn_streamed_ends_its_chat_span_as_a_turn(otel: Telemetry) -> None:
    @tool
    def noop() -> str:
        """Nothing."""
        return ""

    run = Agent(model=FunctionModel(lambda m, t: ToolCall("noop", {}, "c1")), tools=[noop]).stream("go")
    async with run:
        async for chunk in run:
            if chunk.type == "tool_call":  # after the provider stream, before the turn's end
                break
    otel.assert_all_ended_once()
    assert attrs(otel.one("chat "))["error.type"] == "interrupted"
    assert attrs(otel.one("invoke_agent"))["error.type"] == "interrupted"


async def test_hooks_that_missed_the_run_start_pass_everything_through() -> None:
    from agenticraft.core.context import RunContext
    from agenticraft.core.events import TextChunk
    from agenticraft.core.provider import ModelRequest
    from agenticraft.telemetry import Instrumentation, SpanRecorder

    hooks = Instrumentation(SpanRecorder())
    ctx: RunContext[None] = RunContext(None, "unknown-run")

    async def handler(request: ModelRequest) -> Any:
        yield TextChunk("hi")

    events = [e async for e in hooks.wrap_model_turn(ctx, ModelRequest([]), handler)]
    assert [e.content for e in events] == ["hi"]
    assert (await hooks.wrap_tool_call(ctx, ToolCall("t", {}, "c"), _outcome)).output == "ok"
    await hooks.on_tool_start(ctx, ToolCall("t", {}, "c"))
    await hooks.on_tool_end(ctx, ToolCall("t", {}, "c"), ToolResult("c", "t", "ok"))
    await hooks.on_turn_end(ctx, ModelTurn(Message.assistant("x")))


async def _outcome(call: ToolCall) -> ToolOutcome:
    return ToolOutcome("ok")


def test_a_long_json_tool_result_stays_json() -> None:
    from agenticraft.telemetry.instrumentation import _bounded_text

    text = json.dumps({"rows": ["x" * 100] * 100})
    assert len(_bounded_text(text, 500)) <= 500
    json.loads(_bounded_text(text, 500))
    assert _bounded_text("short", 500) == "short"


async def test_a_fallback_between_in_process_models_reports_its_attempts_too(otel: Telemetry) -> None:
    def down(messages: Any, tools: Any) -> str:
        raise ServerError("down", provider="function", status_code=503)

    agent = Agent(
        model=[FunctionModel(down, model="first"), FunctionModel(lambda m, t: "ok", model="second")]
    )
    assert (await agent.arun("hi")).content == "ok"
    chat = otel.one("chat ")
    assert chat.name == "chat second"
    [event] = [dict(e.attributes or {}) for e in chat.events if e.name == "gen_ai.request.attempt"]
    assert (event["gen_ai.request.model"], event["error.type"], event["http.response.status_code"]) == (
        "first",
        "ServerError",
        503,
    )
    assert "server.address" not in attrs(chat)
