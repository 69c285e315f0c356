"""Every event kind round-trips through JSON, and a new kind cannot be silently ignored."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, get_args

import agenticraft
from agenticraft import Agent, tool
from agenticraft.core.events import (
    ExtensionChunk,
    OutputChunk,
    RunEvent,
    StreamChunk,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    TurnEndChunk,
    UsageChunk,
    chunk_from_dict,
)
from agenticraft.core.messages import ToolCall, Usage
from agenticraft.reasoning.steps import ReasoningStep, ReasoningStepChunk
from agenticraft.testing import ScriptedModel, ScriptedTurn


@tool(requires_approval=True)
def wipe(path: str) -> str:
    """Wipe a path."""
    return "wiped"


@tool
def size(path: str) -> int:
    """Size of a path."""
    return 3


async def every_kind_of_event() -> list[StreamChunk]:
    model = ScriptedModel(
        [
            ScriptedTurn(
                thinking="hmm",
                thinking_signature="sig",
                text="Let me look. ",
                tool_calls=[ToolCall("size", {"path": "/a"})],
            ),
            ScriptedTurn(text="It is small.", tool_calls=[ToolCall("wipe", {"path": "/a"})]),
        ]
    )
    events: list[StreamChunk] = [e async for e in Agent(model=model, tools=[size, wipe]).stream("Check /a")]
    events.append(
        ReasoningStepChunk.of(ReasoningStep(1, "a step", "content", 0.5, "cot", {"kind": "thought"}))
    )
    events.append(OutputChunk({"name": "Paris", "tags": ["big"]}, run_id="r", turn=2))
    events.append(ExtensionChunk("workflow_step", {"step": "fetch", "status": "started"}, run_id="r", turn=2))
    return events


async def test_every_event_kind_round_trips_through_json() -> None:
    events = await every_kind_of_event()
    kinds = {e.type for e in events}
    assert kinds == {cls.type for cls in get_args(RunEvent)}  # every kind is exercised here
    for event in events:
        decoded = StreamChunk.from_dict(json.loads(json.dumps(event.to_dict())))
        assert decoded == chunk_from_dict(event.to_dict())
        assert type(decoded) is type(event)
        assert decoded == event, event.type
        assert decoded.run_id == event.run_id


async def test_text_and_thinking_carry_their_part_position() -> None:
    events = await every_kind_of_event()
    first_turn = [(e.type, getattr(e, "part", None)) for e in events if e.turn == 1 and hasattr(e, "part")]
    assert ("thinking", 0) in first_turn and ("text", 1) in first_turn
    assert ("tool_call", 2) in first_turn and ("tool_call_start", 2) in first_turn


def test_an_unknown_extension_decodes_to_the_generic_event() -> None:
    data: dict[str, Any] = {"type": "extension", "name": "from_a_plugin", "payload": {"x": 1}, "turn": 3}
    decoded = chunk_from_dict(data)
    assert type(decoded) is ExtensionChunk and decoded.payload == {"x": 1} and decoded.turn == 3


def test_every_fold_and_renderer_ends_its_match_in_assert_never() -> None:
    root = Path(agenticraft.__file__).parent
    for module in ("core/fold.py", "core/accumulator.py", "cli/render.py", "reasoning/base.py"):
        tree = ast.parse((root / module).read_text())
        matches = [n for n in ast.walk(tree) if isinstance(n, ast.Match)]
        assert matches, module
        for match in matches:
            last = match.cases[-1]
            assert isinstance(last.pattern, ast.MatchAs) and last.pattern.pattern is None
            assert "assert_never" in ast.unparse(last.body[0]), module


def test_content_is_text_only_for_text_chunks() -> None:
    assert TextChunk("hi").content == "hi"
    others: list[StreamChunk] = [
        ThinkingChunk("hmm"),
        UsageChunk(Usage(1, 2)),
        TurnEndChunk("end_turn"),
        ToolCallChunk("c", "f", {}),
    ]
    assert [c.content for c in others] == ["", "", "", ""]
    assert [c.type for c in others] == ["thinking", "usage", "turn_end", "tool_call"]
    assert not hasattr(TextChunk("x"), "__dict__")  # slotted: cheap to make


async def test_chunks_serialize_to_json_lines_that_fold_back() -> None:
    model = ScriptedModel(
        [ScriptedTurn(thinking="t", text="Hi ", tool_calls=[ToolCall("f", {"a": 1})]), "done"]
    )

    def f(a: int) -> str:
        """F."""
        return str(a)

    lines = [json.dumps(c.to_dict()) async for c in Agent(model=model, tools=[f]).stream("x")]
    decoded = [json.loads(line) for line in lines]
    run_id = decoded[0]["run_id"]
    assert len(run_id) == 32 and all(d["run_id"] == run_id for d in decoded)
    assert decoded[0] == {
        "type": "thinking",
        "run_id": run_id,
        "turn": 1,
        "thinking": "t",
        "signature": None,
        "redacted": False,
        "part": 0,
    }
    done = decoded[-1]
    assert done["type"] == "done"
    assert done["response"]["content"] == "Hi done"
    assert done["response"]["usage"]["total_tokens"] > 0
    assert done["response"]["messages"][1]["parts"][-1]["kind"] == "tool_call"
