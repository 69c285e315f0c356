"""The in-process span recorder (on the API alone, no SDK), the content format and its size
limit, and instrument() / uninstrument() as process-wide hooks."""

from __future__ import annotations

import json
import subprocess
import sys

from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from agenticraft import Agent
from agenticraft.core.hooks import global_hooks
from agenticraft.core.messages import Message, TextPart, ThinkingPart, ToolCall, ToolCallPart, ToolResult
from agenticraft.core.provider import ToolDefinition
from agenticraft.telemetry import Instrumentation, SpanRecorder, instrument, uninstrument
from agenticraft.telemetry.content import (
    bounded_json,
    input_messages,
    output_messages,
    system_instructions,
    tool_definitions,
)
from agenticraft.telemetry.instrumentation import error_type
from agenticraft.testing import FunctionModel


def test_the_recorder_keeps_a_tree_and_counts_ends() -> None:
    recorder = SpanRecorder()
    replies = iter([ToolCall("nope", {}, "c1"), "done"])
    Agent(name="a", model=FunctionModel(lambda m, t: next(replies)), hooks=[Instrumentation(recorder)]).run(
        "go"
    )
    assert [s.ends for s in recorder.spans] == [1, 1, 1, 1]
    tree = recorder.render(durations=False, attributes=["gen_ai.tool.call.id"])
    assert tree.splitlines() == [
        "invoke_agent a",
        "├── chat <lambda>",
        "├── execute_tool nope  id=c1  ERROR tool_error",
        "└── chat <lambda>",
    ]
    root = recorder.children(None)[0]
    assert root.kind is SpanKind.INTERNAL and root.end is not None and root.duration >= 0
    assert recorder.spans[1].kind is SpanKind.CLIENT


def test_the_recorder_is_a_working_api_tracer_provider() -> None:
    recorder = SpanRecorder()
    tracer = recorder.get_tracer("test")
    with tracer.start_as_current_span("outer") as outer:
        assert trace.get_current_span() is outer
        inner = tracer.start_span("inner")
        inner.set_attributes({"k": 1})
        inner.add_event("e", {"x": 1})
        inner.update_name("renamed")
        inner.record_exception(ValueError("bad"))
        inner.set_status(StatusCode.ERROR, "bad")
        inner.add_link(outer.get_span_context())
        assert inner.is_recording()
        inner.end()
        inner.end()
        assert not inner.is_recording()
    renamed = next(s for s in recorder.spans if s.name == "renamed")
    assert renamed.ends == 2  # counted, so a double end shows; the end time is the first
    assert renamed.parent == outer.get_span_context()
    assert renamed.events[0] == ("e", {"x": 1}) and renamed.events[1][0] == "exception"
    assert recorder.render(durations=False) == "outer\n└── renamed  ERROR"


def test_the_recorder_and_instrument_need_no_sdk() -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry.sdk'] = None\n"  # as if the SDK were not installed
        "from agenticraft import Agent\n"
        "from agenticraft.telemetry import SpanRecorder, instrument\n"
        "from agenticraft.testing import FunctionModel\n"
        "r = SpanRecorder()\n"
        "instrument(tracer_provider=r)\n"
        "Agent(model=FunctionModel(lambda m, t: 'hi')).run('x')\n"
        "print(r.render(durations=False))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["invoke_agent agent", "└── chat <lambda>"]


def test_without_opentelemetry_instrument_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None\n"
        "sys.modules['opentelemetry.trace'] = None\n"
        "from agenticraft.telemetry import instrument\n"
        "from agenticraft.core.errors import ConfigurationError\n"
        "try:\n"
        "    instrument()\n"
        "except ConfigurationError as exc:\n"
        "    print(exc)\n"
        "try:\n"
        "    from agenticraft.telemetry import SpanRecorder\n"
        "except ConfigurationError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("pip install 'agenticraft[otel]'") == 2


def test_instrument_installs_one_global_hook_and_uninstrument_removes_it() -> None:
    before = global_hooks()
    first = instrument(SpanRecorder())
    second = instrument(SpanRecorder())  # replaces the first
    try:
        assert global_hooks() == (*before, second)
        assert first not in global_hooks()
    finally:
        uninstrument()
    assert global_hooks() == before


def test_error_types() -> None:
    import asyncio

    assert error_type(None) == "interrupted"
    assert error_type(GeneratorExit()) == "interrupted"
    assert error_type(asyncio.CancelledError()) == "cancelled"
    assert error_type(ValueError()) == "ValueError"


def test_content_in_the_conventions_format() -> None:
    call = ToolCall("weather", {"city": "Paris"}, "c1")
    bad = ToolCall("weather", {}, "c2", raw_arguments="{oops", arguments_error="not JSON")
    messages = [
        Message.system("Be brief."),
        Message.user("Weather?"),
        Message(
            "assistant", [ThinkingPart("hmm"), ThinkingPart("", "sig", redacted=True), ToolCallPart(call)]
        ),
        Message.tool_results([ToolResult("c1", "weather", "sunny")]),
    ]
    assert system_instructions(messages) == [{"type": "text", "content": "Be brief."}]
    assert input_messages(messages) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather?"}]},
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "hmm"},  # redacted thinking is left out
                {"type": "tool_call", "id": "c1", "name": "weather", "arguments": {"city": "Paris"}},
            ],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "sunny"}]},
    ]
    [out] = output_messages(Message("assistant", [TextPart("x"), ToolCallPart(bad)]), "max_tokens")
    assert out["finish_reason"] == "length"
    assert out["parts"][1]["arguments"] == "{oops"  # arguments that are not JSON are kept raw
    [definition] = tool_definitions([ToolDefinition("weather", "The weather.")])
    assert definition == {
        "type": "function",
        "name": "weather",
        "description": "The weather.",
        "parameters": {"type": "object", "properties": {}},
    }


def test_bounded_json_keeps_valid_json_and_the_latest_messages() -> None:
    messages = [
        {"role": "user", "parts": [{"type": "text", "content": f"message {i} " * 40}]} for i in range(30)
    ]
    text = bounded_json(messages, limit=500)
    assert len(text) <= 500
    kept = json.loads(text)
    assert kept[-1]["parts"][0]["content"].startswith("message 29")
    assert len(kept) < 30
    assert bounded_json({"a": "b"}, 1000) == '{"a":"b"}'
    many = {"rows": ["x" * 100] * 100}  # an object of many values: no message to leave out
    last_resort = bounded_json(many, 200)
    assert len(last_resort) <= 200 and json.loads(last_resort).startswith('{"rows":["xxx')
