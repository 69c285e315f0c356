"""``POST /ag-ui``: every event validated with the ``ag-ui-protocol`` package's own types (and
re-encoded by its encoder to the same JSON), in an order an AG-UI client accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from ag_ui.core import (
    Event,
    MessagesSnapshotEvent,
    RunAgentInput,
    RunFinishedEvent,
    RunStartedEvent,
    StateSnapshotEvent,
    ToolCallResultEvent,
    UserMessage,
)
from ag_ui.encoder import EventEncoder
from pydantic import TypeAdapter
from serve_helpers import THINKING, sse_json, weather_agent

from agenticraft import Agent
from agenticraft.core.messages import ToolCall
from agenticraft.serve import BackgroundServer, create_app
from agenticraft.testing import FunctionModel

EVENTS: TypeAdapter[Any] = TypeAdapter(Event)


def parse_events(text: str) -> list[Any]:
    """The stream as the package's event objects; each must also re-encode to the same JSON."""
    encoder = EventEncoder()
    events = []
    for data in sse_json(text):
        event = EVENTS.validate_python(data)
        assert json.loads(encoder.encode(event)[len("data: ") :]) == data
        events.append(event)
    return events


def check_order(events: list[Any]) -> None:
    kinds = [e.type.value for e in events]
    assert kinds[0] == "RUN_STARTED" and kinds[-1] in ("RUN_FINISHED", "RUN_ERROR")
    open_text: set[str] = set()
    open_reasoning: set[str] = set()
    calls: dict[str, str] = {}
    for event in events:
        kind = event.type.value
        if kind == "TEXT_MESSAGE_START":
            open_text.add(event.message_id)
        elif kind == "TEXT_MESSAGE_CONTENT":
            assert event.message_id in open_text and event.delta
        elif kind == "TEXT_MESSAGE_END":
            open_text.remove(event.message_id)
        elif kind == "REASONING_MESSAGE_START":
            open_reasoning.add(event.message_id)
        elif kind == "REASONING_MESSAGE_CONTENT":
            assert event.message_id in open_reasoning
        elif kind == "REASONING_MESSAGE_END":
            open_reasoning.remove(event.message_id)
        elif kind == "TOOL_CALL_START":
            calls[event.tool_call_id] = "open"
        elif kind == "TOOL_CALL_ARGS":
            assert calls[event.tool_call_id] == "open"
        elif kind == "TOOL_CALL_END":
            calls[event.tool_call_id] = "ended"
        elif kind == "TOOL_CALL_RESULT":
            assert calls[event.tool_call_id] == "ended"
    assert not open_text and not open_reasoning


def _input(*messages: Any, **extra: Any) -> dict[str, Any]:
    """A RunAgentInput as a client sends it (built with the package's types)."""
    data = RunAgentInput(
        thread_id="thread-1",
        run_id="run-1",
        state={},
        messages=list(messages),
        tools=[],
        context=[],
        forwarded_props={},
        **extra,
    )
    return json.loads(data.model_dump_json(by_alias=True, exclude_none=True))  # type: ignore[no-any-return]


@pytest.fixture
def served() -> Iterator[tuple[BackgroundServer, Agent]]:
    agent = weather_agent()
    with BackgroundServer(create_app(agent)) as server:
        yield server, agent


def test_a_tool_using_run_is_a_valid_ag_ui_event_stream(served: tuple[BackgroundServer, Agent]) -> None:
    server, _ = served
    response = httpx.post(
        server.url + "/ag-ui", json=_input(UserMessage(id="u1", content="Weather in Paris?"))
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    check_order(events)
    kinds = [e.type.value for e in events]
    squeezed = [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]
    assert squeezed == [
        "RUN_STARTED",
        "REASONING_START",
        "REASONING_MESSAGE_START",
        "REASONING_MESSAGE_CONTENT",
        "REASONING_MESSAGE_END",
        "REASONING_END",
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "MESSAGES_SNAPSHOT",
        "RUN_FINISHED",
    ]
    started = events[0]
    assert isinstance(started, RunStartedEvent) and (started.thread_id, started.run_id) == (
        "thread-1",
        "run-1",
    )
    assert "".join(e.delta for e in events if e.type.value == "REASONING_MESSAGE_CONTENT") == THINKING
    args = "".join(e.delta for e in events if e.type.value == "TOOL_CALL_ARGS")
    assert json.loads(args) == {"city": "Paris"}
    result = next(e for e in events if isinstance(e, ToolCallResultEvent))
    assert result.content == "18°C and sunny in Paris" and result.tool_call_id == "call_Paris"
    text = "".join(e.delta for e in events if e.type.value == "TEXT_MESSAGE_CONTENT")
    assert text == "It is 18°C and sunny in Paris. A good day for a walk."
    snapshot = next(e for e in events if isinstance(e, MessagesSnapshotEvent))
    assert [m.role for m in snapshot.messages] == ["user", "assistant", "tool", "assistant"]
    assert snapshot.messages[1].tool_calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    finished = events[-1]
    assert isinstance(finished, RunFinishedEvent) and finished.outcome is not None
    assert finished.outcome.type == "success" and finished.usage and finished.usage[0].total_tokens


def test_a_tool_needing_approval_interrupts_the_run_and_resume_answers_it(
    served: tuple[BackgroundServer, Agent],
) -> None:
    server, agent = served
    agent.tools["get_weather"].requires_approval = True
    user = UserMessage(id="u1", content="Weather in Rome?")
    events = parse_events(httpx.post(server.url + "/ag-ui", json=_input(user)).text)
    check_order(events)
    finished = events[-1]
    assert isinstance(finished, RunFinishedEvent) and finished.outcome is not None
    assert finished.outcome.type == "interrupt"
    (interrupt,) = finished.outcome.interrupts  # type: ignore[union-attr]
    assert interrupt.tool_call_id == "call_Rome" and interrupt.reason == "tool_approval"
    assert not any(isinstance(e, ToolCallResultEvent) for e in events)
    # the client sends the conversation so far (the snapshot) and resumes the interrupt
    snapshot = next(e for e in events if isinstance(e, MessagesSnapshotEvent))
    resumed = _input(*snapshot.messages, resume=[{"interrupt_id": interrupt.id, "status": "resolved"}])
    events = parse_events(httpx.post(server.url + "/ag-ui", json=resumed).text)
    check_order([e for e in events if e.type.value != "TOOL_CALL_RESULT"])
    result = next(e for e in events if isinstance(e, ToolCallResultEvent))
    assert result.content == "18°C and sunny in Rome"
    assert events[-1].outcome.type == "success"
    after = next(e for e in events if isinstance(e, MessagesSnapshotEvent))
    assert [m.role for m in after.messages] == ["user", "assistant", "tool", "assistant"]
    cancelled = _input(*snapshot.messages, resume=[{"interrupt_id": interrupt.id, "status": "cancelled"}])
    events = parse_events(httpx.post(server.url + "/ag-ui", json=cancelled).text)
    assert "denied" in next(e for e in events if isinstance(e, ToolCallResultEvent)).content.lower()


def test_typed_output_is_a_state_snapshot(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    agent.output_type = City
    agent.set_provider(FunctionModel(lambda m, t: {"name": "Paris", "population": 2100000}))
    events = parse_events(
        httpx.post(server.url + "/ag-ui", json=_input(UserMessage(id="u", content="Paris?"))).text
    )
    states = [e for e in events if isinstance(e, StateSnapshotEvent)]
    assert states[-1].snapshot == {"output": {"name": "Paris", "population": 2100000}, "partial": False}


def test_a_failed_run_is_a_run_error_event(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    agent.max_turns = 1  # the model keeps calling the tool: too many turns
    agent.set_provider(FunctionModel(lambda m, t: ToolCall("get_weather", {"city": "A"})))
    events = parse_events(
        httpx.post(server.url + "/ag-ui", json=_input(UserMessage(id="u", content="?"))).text
    )
    assert events[-1].type.value == "RUN_ERROR" and events[-1].code == "run_failed"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messages": []}, "body.threadId is required"),
        ({"threadId": "t", "messages": [{"role": "user"}]}, "messages[0].content is required"),
        ({"threadId": "t", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role 'wizard'"),
        ({"threadId": "t", "messages": []}, "the last message must be the user's"),
        (
            {
                "threadId": "t",
                "messages": [{"role": "user", "content": "x"}],
                "resume": [{"status": "resolved"}],
            },
            "body.resume[0].interruptId is required",
        ),
    ],
)
def test_wrong_shapes_are_a_400(served: tuple[BackgroundServer, Agent], body: Any, message: str) -> None:
    server, _ = served
    response = httpx.post(server.url + "/ag-ui", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_a_conversation_header_keeps_the_thread_on_the_server(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    headers = {"x-conversation-id": "thread-9"}
    for city in ("Paris", "Lima"):
        body = _input(UserMessage(id=city, content=f"Weather in {city}?"))
        events = parse_events(httpx.post(server.url + "/ag-ui", json=body, headers=headers).text)
    kept = agent.conversation("thread-9")
    assert [m.role for m in kept] == ["user", "assistant", "tool", "assistant"] * 2
    # the snapshot is the whole conversation the server holds, not only this request's
    snapshot = next(e for e in events if isinstance(e, MessagesSnapshotEvent))
    assert [m.role for m in snapshot.messages] == ["user", "assistant", "tool", "assistant"] * 2
