"""Repair rules for servers that give several parallel tool calls one id (DeepSeek, GLM and
some gateways reuse the id; one OpenRouter engine also reuses the index)."""

import pytest

from agenticraft import Agent, tool
from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.events import ProviderEvent, TextChunk, ToolCallDeltaChunk, TurnEndChunk
from agenticraft.core.messages import Message
from agenticraft.core.provider import ModelRequest, StreamingProvider


def fold(events: list[ToolCallDeltaChunk]) -> list[tuple[str, str, dict[str, object], str | None]]:
    acc = TurnAccumulator("p", 1)
    for event in events:
        acc.feed(event)
    calls, _ = acc.finish()
    return [(c.id, c.name, c.arguments, c.arguments_error) for c in calls]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "events",
    [
        # one id at two indexes, each fragment repeating it
        [
            ToolCallDeltaChunk('{"a"', 0, "X", "f"),
            ToolCallDeltaChunk('{"b"', 1, "X", "g"),
            ToolCallDeltaChunk(":1}", 0, "X"),
            ToolCallDeltaChunk(":2}", 1, "X"),
        ],
        # one id and one index, told apart only by the tool name
        [ToolCallDeltaChunk('{"a":1}', 0, "X", "f"), ToolCallDeltaChunk('{"b":2}', 0, "X", "g")],
    ],
)
def test_parallel_calls_sharing_one_id_stay_apart_with_unique_ids(events: list[ToolCallDeltaChunk]) -> None:
    # before: one call 'f' with arguments '{"a":1}{"b":2}' (not JSON) and 'g' lost
    assert fold(events) == [("X", "f", {"a": 1}, None), ("X_1", "g", {"b": 2}, None)]


def test_the_existing_rules_still_hold() -> None:
    # fragments that repeat their own name continue the call
    assert fold([ToolCallDeltaChunk('{"a"', 0, "X", "f"), ToolCallDeltaChunk(":1}", 0, "X", "f")]) == [
        ("X", "f", {"a": 1}, None)
    ]
    # a bare id later names a call that arrived without one
    assert fold([ToolCallDeltaChunk('{"a"', 0, None, "f"), ToolCallDeltaChunk(":1}", 0, "real")]) == [
        ("real", "f", {"a": 1}, None)
    ]


class SharedIdModel(StreamingProvider):
    """Calls two tools in parallel with one id, then answers with what it was sent back."""

    name = "shared"
    model = "shared"

    def __init__(self) -> None:
        self.requests: list[list[Message]] = []

    async def stream_turn(self, request: ModelRequest):  # type: ignore[no-untyped-def,override]
        self.requests.append(list(request.messages))
        last = request.messages[-1]
        if last.role == "tool":
            events: list[ProviderEvent] = [TextChunk(", ".join(r.content for r in last.results))]
            events.append(TurnEndChunk("end_turn"))
        else:
            events = [
                ToolCallDeltaChunk('{"n": 1}', 0, "call_0", "double"),
                ToolCallDeltaChunk('{"n": 5}', 1, "call_0", "negate"),
                TurnEndChunk("tool_use"),
            ]
        for event in events:
            yield event


async def test_a_run_with_a_shared_id_calls_both_tools_and_sends_distinct_results() -> None:
    @tool
    def double(n: int) -> int:
        return 2 * n

    @tool
    def negate(n: int) -> int:
        return -n

    model = SharedIdModel()
    response = await Agent(model=model, tools=[double, negate]).arun("go")
    assert response.content == "2, -5"
    calls = model.requests[1][-2].tool_calls
    results = model.requests[1][-1].results
    assert [c.id for c in calls] == [r.tool_call_id for r in results] == ["call_0", "call_0_1"]
