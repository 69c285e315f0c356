"""``POST /api/chat``: the Vercel AI SDK UI message stream, checked chunk by chunk against the
SDK's own chunk schema (strict objects: no key it does not know), and UI messages read back
into our canonical messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from serve_helpers import THINKING, sse_data, weather_agent

from agenticraft import Agent
from agenticraft.core.messages import Message, ThinkingPart, ToolCall, ToolResult
from agenticraft.serve import BackgroundServer, create_app, messages_from_ui
from agenticraft.testing import FunctionModel, ScriptedTurn

# the AI SDK's uiMessageChunkSchema (ui-message-chunks.ts): required and optional keys per type
_REQUIRED = {
    "start": set(),
    "finish": set(),
    "abort": set(),
    "start-step": set(),
    "finish-step": set(),
    "text-start": {"id"},
    "text-delta": {"id", "delta"},
    "text-end": {"id"},
    "reasoning-start": {"id"},
    "reasoning-delta": {"id", "delta"},
    "reasoning-end": {"id"},
    "error": {"errorText"},
    "tool-input-start": {"toolCallId", "toolName"},
    "tool-input-delta": {"toolCallId", "inputTextDelta"},
    "tool-input-available": {"toolCallId", "toolName", "input"},
    "tool-approval-request": {"approvalId", "toolCallId"},
    "tool-output-available": {"toolCallId", "output"},
    "tool-output-error": {"toolCallId", "errorText"},
    "data-*": {"data"},
}
_OPTIONAL = {
    "start": {"messageId", "messageMetadata"},
    "finish": {"finishReason", "messageMetadata"},
    "abort": {"reason"},
    "tool-input-start": {"providerExecuted", "providerMetadata", "dynamic", "title"},
    "tool-input-available": {"providerExecuted", "providerMetadata", "dynamic", "title"},
    "tool-output-available": {"providerExecuted", "dynamic", "preliminary"},
    "tool-output-error": {"providerExecuted", "dynamic"},
    "data-*": {"id", "transient"},
}
_FINISH_REASONS = {"stop", "length", "content-filter", "tool-calls", "error", "other"}


def check_chunk(chunk: dict[str, Any]) -> None:
    kind = chunk["type"]
    key = "data-*" if kind.startswith("data-") else kind
    assert key in _REQUIRED, f"not a UI message chunk type: {kind}"
    keys = set(chunk) - {"type"}
    assert _REQUIRED[key] <= keys, f"{kind} lacks {_REQUIRED[key] - keys}"
    extra = keys - _REQUIRED[key] - _OPTIONAL.get(key, set()) - {"providerMetadata"}
    assert not extra, f"{kind} has keys the strict schema refuses: {extra}"
    for name in ("id", "delta", "toolCallId", "toolName", "errorText", "approvalId", "inputTextDelta"):
        if name in chunk:
            assert isinstance(chunk[name], str), (kind, name)
    if kind == "finish" and "finishReason" in chunk:
        assert chunk["finishReason"] in _FINISH_REASONS


def check_stream(text: str, known_calls: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every chunk valid, parts opened before their deltas and closed once, [DONE] last.

    ``known_calls``: tool calls of the message the stream continues (useChat appends to it)."""
    data = list(sse_data(text))
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    open_parts: set[str] = set()
    tools: dict[str, str] = dict.fromkeys(known_calls, "available")
    for chunk in chunks:
        check_chunk(chunk)
        kind = chunk["type"]
        if kind.endswith("-start") and kind in ("text-start", "reasoning-start"):
            assert chunk["id"] not in open_parts
            open_parts.add(chunk["id"])
        elif kind in ("text-delta", "reasoning-delta"):
            assert chunk["id"] in open_parts
        elif kind in ("text-end", "reasoning-end"):
            open_parts.remove(chunk["id"])
        elif kind == "tool-input-start":
            tools[chunk["toolCallId"]] = "streaming"
        elif kind in ("tool-input-delta", "tool-input-available"):
            assert chunk["toolCallId"] in tools
            tools[chunk["toolCallId"]] = "available" if kind == "tool-input-available" else "streaming"
        elif kind.startswith("tool-output") or kind == "tool-approval-request":
            assert tools.get(chunk["toolCallId"]) == "available"
    assert not open_parts
    assert chunks[0]["type"] == "start"
    return chunks


def _user(text: str, mid: str = "u1") -> dict[str, Any]:
    return {"id": mid, "role": "user", "parts": [{"type": "text", "text": text}]}


@pytest.fixture
def served() -> Iterator[tuple[BackgroundServer, Agent]]:
    agent = weather_agent()
    with BackgroundServer(create_app(agent)) as server:
        yield server, agent


def test_a_tool_using_answer_streams_as_the_sdk_reads_it(served: tuple[BackgroundServer, Agent]) -> None:
    server, _ = served
    response = httpx.post(
        server.url + "/api/chat",
        json={"id": "chat-1", "messages": [_user("Weather in Paris?")], "trigger": "submit-message"},
    )
    assert response.status_code == 200
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = check_stream(response.text)
    kinds = [c["type"] for c in chunks]
    squeezed = [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]
    assert squeezed == [
        "start",
        "start-step",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-available",
        "tool-output-available",
        "finish-step",
        "start-step",
        "text-start",
        "text-delta",
        "text-end",
        "finish-step",
        "finish",
    ]
    by_kind = {c["type"]: c for c in chunks}
    assert "".join(c["delta"] for c in chunks if c["type"] == "reasoning-delta") == THINKING
    assert by_kind["tool-input-available"]["input"] == {"city": "Paris"}
    assert by_kind["tool-input-available"]["toolName"] == "get_weather"
    assert json.loads("".join(c["inputTextDelta"] for c in chunks if c["type"] == "tool-input-delta")) == {
        "city": "Paris"
    }
    assert by_kind["tool-output-available"]["output"] == "18°C and sunny in Paris"
    text = "".join(c["delta"] for c in chunks if c["type"] == "text-delta")
    assert text == "It is 18°C and sunny in Paris. A good day for a walk."
    assert by_kind["finish"]["finishReason"] == "stop"


def test_ui_messages_are_read_back_into_canonical_messages() -> None:
    messages, approvals = messages_from_ui(
        [
            {"id": "s", "role": "system", "parts": [{"type": "text", "text": "Be brief."}]},
            _user("Weather in Oslo?"),
            {
                "id": "a1",
                "role": "assistant",
                "parts": [
                    {"type": "step-start"},
                    {"type": "reasoning", "text": "need the tool", "state": "done"},
                    {
                        "type": "tool-get_weather",
                        "toolCallId": "c1",
                        "state": "output-available",
                        "input": {"city": "Oslo"},
                        "output": "cold",
                    },
                    {
                        "type": "dynamic-tool",
                        "toolName": "get_time",
                        "toolCallId": "c2",
                        "state": "output-error",
                        "input": {},
                        "errorText": "no clock",
                    },
                    {"type": "step-start"},
                    {"type": "text", "text": "It is cold.", "state": "done"},
                    {"type": "source-url", "sourceId": "x", "url": "https://example.org"},
                ],
            },
            _user("Thanks", "u2"),
        ]
    )
    assert approvals == {}
    assert [m.role for m in messages] == ["system", "user", "assistant", "tool", "assistant", "user"]
    first = messages[2]
    assert isinstance(first.parts[0], ThinkingPart) and first.thinking == "need the tool"
    assert first.tool_calls == [
        ToolCall("get_weather", {"city": "Oslo"}, "c1"),
        ToolCall("get_time", {}, "c2"),
    ]
    assert messages[3].results == [
        ToolResult("c1", "get_weather", "cold"),
        ToolResult("c2", "get_time", "no clock", True),
    ]
    assert messages[4] == Message.assistant("It is cold.")


def test_the_agent_gets_the_request_messages(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    seen: list[str] = []

    def echo(messages, tools):  # type: ignore[no-untyped-def]
        seen.extend(f"{m.role}:{m.text}" for m in messages)
        return "Noted."

    agent.set_provider(FunctionModel(echo))
    earlier = {"id": "a0", "role": "assistant", "parts": [{"type": "text", "text": "Hello!"}]}
    response = httpx.post(
        server.url + "/api/chat", json={"messages": [_user("Hi", "u0"), earlier, _user("Again")]}
    )
    check_stream(response.text)
    assert seen == ["user:Hi", "assistant:Hello!", "user:Again"]
    assert agent.history == []  # stateless without a conversation id


def test_a_tool_needing_approval_is_requested_then_resumed(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    agent.tools["get_weather"].requires_approval = True
    first = httpx.post(server.url + "/api/chat", json={"messages": [_user("Weather in Rome?")]})
    chunks = check_stream(first.text)
    request = next(c for c in chunks if c["type"] == "tool-approval-request")
    assert request == {"type": "tool-approval-request", "approvalId": "call_Rome", "toolCallId": "call_Rome"}
    assert chunks[-1] == {"type": "finish", "finishReason": "tool-calls"}
    assert not any(c["type"].startswith("tool-output") for c in chunks)
    # what useChat sends after addToolApprovalResponse: the tool part, approval-responded
    assistant = {
        "id": "a1",
        "role": "assistant",
        "parts": [
            {"type": "step-start"},
            {
                "type": "tool-get_weather",
                "toolCallId": "call_Rome",
                "state": "approval-responded",
                "input": {"city": "Rome"},
                "approval": {"id": "call_Rome", "approved": True},
            },
        ],
    }
    second = httpx.post(server.url + "/api/chat", json={"messages": [_user("Weather in Rome?"), assistant]})
    chunks = check_stream(second.text, ("call_Rome",))
    output = next(c for c in chunks if c["type"] == "tool-output-available")
    assert output["toolCallId"] == "call_Rome" and output["output"] == "18°C and sunny in Rome"
    assert "".join(c["delta"] for c in chunks if c["type"] == "text-delta").startswith("It is 18°C")
    # denied: the model reads the denial as the tool's error
    assistant["parts"][1]["approval"] = {"id": "call_Rome", "approved": False, "reason": "not now"}  # type: ignore[index]
    third = check_stream(
        httpx.post(server.url + "/api/chat", json={"messages": [_user("Weather in Rome?"), assistant]}).text,
        ("call_Rome",),
    )
    error = next(c for c in third if c["type"] == "tool-output-error")
    assert "not now" in error["errorText"]


def test_a_run_that_fails_midway_ends_with_an_error_chunk_that_leaks_nothing(
    served: tuple[BackgroundServer, Agent],
) -> None:
    server, agent = served
    agent.set_provider(
        FunctionModel(lambda m, t: ScriptedTurn(text="Partial", error=RuntimeError("/srv/secret.py")))
    )
    chunks = check_stream(httpx.post(server.url + "/api/chat", json={"messages": [_user("Hi")]}).text)
    error = chunks[-1]
    assert error["type"] == "error" and "internal error" in error["errorText"]
    assert "/srv" not in json.dumps(chunks) and "Traceback" not in json.dumps(chunks)
    assert "".join(c["delta"] for c in chunks if c["type"] == "text-delta") == "Partial"


def test_a_conversation_id_keeps_the_conversation_on_the_server(
    served: tuple[BackgroundServer, Agent],
) -> None:
    server, agent = served
    headers = {"x-conversation-id": "page-1"}
    for city in ("Paris", "Lima"):
        # the page sends only the new message: the server holds the rest
        response = httpx.post(
            server.url + "/api/chat", headers=headers, json={"messages": [_user(f"Weather in {city}?")]}
        )
        assert response.headers["x-conversation-id"] == "page-1"
        check_stream(response.text)
    stored = httpx.get(server.url + "/api/conversations/page-1").json()
    assert stored["id"] == "page-1" and stored["agent"] == "support_agent"
    roles = [m["role"] for m in stored["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"]
    answer = stored["messages"][-1]["parts"]
    tool = next(p for p in answer if p["type"] == "dynamic-tool")
    assert tool["state"] == "output-available" and tool["output"] == "18°C and sunny in Lima"
    assert any(p["type"] == "reasoning" for p in answer)
    assert answer[-1] == {
        "type": "text",
        "text": "It is 18°C and sunny in Lima. A good day for a walk.",
        "state": "done",
    }
    assert len(agent.conversation("page-1")) == 8
    assert httpx.get(server.url + "/api/conversations/unknown").json()["messages"] == []


def test_typed_output_streams_as_a_data_part(served: tuple[BackgroundServer, Agent]) -> None:
    server, agent = served
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    agent.output_type = City
    agent.set_provider(FunctionModel(lambda m, t: {"name": "Paris", "population": 2100000}))
    chunks = check_stream(httpx.post(server.url + "/api/chat", json={"messages": [_user("Paris?")]}).text)
    outputs = [c for c in chunks if c["type"] == "data-output"]
    assert outputs and all(c["id"] == "output" for c in outputs)
    assert outputs[-1]["data"] == {"output": {"name": "Paris", "population": 2100000}, "partial": False}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "body.messages is required"),
        ({"messages": []}, "body.messages must hold at least one message"),
        ({"messages": ["hi"]}, "messages[0] must be a JSON object, not a string"),
        ({"messages": [{"role": "user"}]}, "messages[0].parts is required"),
        (
            {"messages": [{"role": "robot", "parts": []}]},
            "messages[0].role must be system, user or assistant",
        ),
        (
            {"messages": [{"role": "user", "parts": [{"type": "text"}]}]},
            "messages[0].parts[0].text is required",
        ),
        (
            {"messages": [{"role": "assistant", "parts": [{"type": "text", "text": "x"}]}]},
            "the last message must be the user's",
        ),
        ([1, 2], "the request body must be a JSON object, not a list"),
    ],
)
def test_wrong_shapes_are_a_400_saying_what_is_wrong(
    served: tuple[BackgroundServer, Agent], body: Any, message: str
) -> None:
    server, _ = served
    response = httpx.post(server.url + "/api/chat", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_an_approval_in_a_server_conversation_resumes_from_memory(
    served: tuple[BackgroundServer, Agent],
) -> None:
    """The chat page's flow: only the newest message is sent, the server holds the rest."""
    server, agent = served
    agent.tools["get_weather"].requires_approval = True
    headers = {"x-conversation-id": "page-approve"}
    first = check_stream(
        httpx.post(
            server.url + "/api/chat", headers=headers, json={"messages": [_user("Weather in Oslo?")]}
        ).text
    )
    assert any(c["type"] == "tool-approval-request" for c in first)
    part = {
        "type": "dynamic-tool",
        "toolName": "get_weather",
        "toolCallId": "call_Oslo",
        "state": "approval-responded",
        "input": {"city": "Oslo"},
        "approval": {"id": "call_Oslo", "approved": True},
    }
    answer = {"id": "a1", "role": "assistant", "parts": [part]}
    second = check_stream(
        httpx.post(server.url + "/api/chat", headers=headers, json={"messages": [answer]}).text,
        ("call_Oslo",),
    )
    assert (
        next(c for c in second if c["type"] == "tool-output-available")["output"] == "18°C and sunny in Oslo"
    )
    kept = agent.conversation("page-approve")
    assert [m.role for m in kept] == ["user", "assistant", "tool", "assistant"]
    assert kept[-1].text.startswith("It is 18°C and sunny in Oslo")
