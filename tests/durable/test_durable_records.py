"""What a durable run records: plain JSON that round-trips, and the check of tool results."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from pydantic import BaseModel

from agenticraft.core.events import TextChunk, ToolCallDeltaChunk, TurnEndChunk, UsageChunk
from agenticraft.core.media.parts import Image
from agenticraft.core.messages import Message, Usage
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.core.tools import ToolOutcome
from agenticraft.durable import DurableSerializationError
from agenticraft.durable.records import (
    check_recordable,
    events_from_record,
    events_record,
    fingerprint,
    outcome_from_record,
    outcome_record,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@dataclass
class Point:
    x: int
    y: int


class City(BaseModel):
    name: str


@pytest.mark.parametrize(
    "value",
    [
        "text",
        3,
        2.5,
        None,
        [1, "a"],
        {"a": [1, 2]},
        Point(1, 2),
        City(name="Paris"),
        [Image.from_bytes(PNG), "caption"],
    ],
)
def test_plain_values_are_recordable(value: object) -> None:
    check_recordable("t", value)


@pytest.mark.parametrize("value", [object(), {"when": {1, 2}}, [math.nan], (b"bytes",)])
def test_other_values_are_a_typed_error(value: object) -> None:
    with pytest.raises(DurableSerializationError, match="tool 't' returned a"):
        check_recordable("t", value)


def test_events_and_outcomes_round_trip_through_json() -> None:
    events = [
        TextChunk("Hi", turn=1),
        ToolCallDeltaChunk('{"a"', 0, "call_1", "lookup", final=True, turn=1),
        UsageChunk(Usage(3, 4), turn=1),
        TurnEndChunk("tool_use", "tool_calls", "m", Usage(3, 4), 0.1, provider_state={"id": "r1"}, turn=1),
    ]
    record = json.loads(json.dumps(events_record(events)))
    replayed = events_from_record(record)
    assert replayed == events
    assert replayed[3].provider_state == {"id": "r1"}  # type: ignore[union-attr]  # a chained turn's state
    outcome = ToolOutcome("done", parts=[Image.from_bytes(PNG)], value={"x": 1})
    back = outcome_from_record(json.loads(json.dumps(outcome_record(outcome))))
    assert back == ToolOutcome("done", parts=[Image.from_bytes(PNG)])
    failed = outcome_from_record(outcome_record(ToolOutcome(None, "boom", "ValueError")))
    assert (failed.error, failed.error_type) == ("boom", "ValueError")


def test_the_fingerprint_is_the_instructions_and_tools_not_the_conversation() -> None:
    tool = ToolDefinition("lookup", "Look up.", {"type": "object", "properties": {}})
    base = ModelRequest([Message.system("Be brief."), Message.user("Hi")], [tool])
    later = ModelRequest([Message.system("Be brief."), Message.user("Hi"), Message.user("More")], [tool])
    assert fingerprint(base) == fingerprint(later)
    other_tool = ToolDefinition("lookup", "Look something up.", tool.parameters)
    assert fingerprint(ModelRequest(base.messages, [other_tool])) != fingerprint(base)
    assert fingerprint(ModelRequest([Message.system("Be long."), Message.user("Hi")], [tool])) != fingerprint(
        base
    )
