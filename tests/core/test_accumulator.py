import pytest

from agenticraft import Agent, tool
from agenticraft.core.accumulator import TurnAccumulator, parse_arguments
from agenticraft.core.events import (
    ProviderEvent,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    ToolCallDeltaChunk,
    ToolCallStartChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.messages import Message, TextPart, ThinkingPart, ToolCallPart, Usage
from agenticraft.core.provider import ModelRequest, StreamingProvider


def feed_all(acc: TurnAccumulator, events: list) -> list:
    out = []
    for e in events:
        out.extend(acc.feed(e))
    return out


def test_tool_call_fragments_assemble_by_index_with_id_and_name_only_first() -> None:
    acc = TurnAccumulator("openai", turn=1)
    out = feed_all(
        acc,
        [
            TextChunk("Let me "),
            TextChunk("check."),
            ToolCallDeltaChunk('{"ci', index=0, id="call_a", name="weather"),
            ToolCallDeltaChunk('{"q":', index=1, id="call_b", name="search"),
            ToolCallDeltaChunk('ty": "Pa', index=0),
            ToolCallDeltaChunk('"x"}', index=1),
            ToolCallDeltaChunk('ris"}', index=0),
            TurnEndChunk("tool_use"),
        ],
    )
    starts = [e for e in out if isinstance(e, ToolCallStartChunk)]
    assert [(s.id, s.name) for s in starts] == [("call_a", "weather"), ("call_b", "search")]
    deltas = [e for e in out if isinstance(e, ToolCallDeltaChunk)]
    assert all(d.id and d.name for d in deltas)  # filled in for the user
    calls, turn = acc.finish()
    assert [(c.id, c.name, c.arguments) for c in calls if isinstance(c, ToolCallChunk)] == [
        ("call_a", "weather", {"city": "Paris"}),
        ("call_b", "search", {"q": "x"}),
    ]
    kinds = [type(p) for p in turn.message.parts]
    assert kinds == [TextPart, ToolCallPart, ToolCallPart]
    assert turn.text == "Let me check."
    assert turn.stop_reason == "tool_use"


def test_repair_rules_missing_id_repeated_index_and_no_index() -> None:
    acc = TurnAccumulator("x", turn=3)
    feed_all(
        acc,
        [
            ToolCallDeltaChunk('{"a":', index=0, name="f"),  # no id at all
            ToolCallDeltaChunk("1}"),  # neither index nor id: continues the last call
            ToolCallDeltaChunk("{}", index=0, id="real_2", name="g"),  # index 0 reused with a new id
        ],
    )
    calls, _ = acc.finish()
    assert [(c.name, c.arguments) for c in calls] == [("f", {"a": 1}), ("g", {})]
    assert calls[0].id == "call_ac_3_0"  # stable generated id
    assert calls[1].id == "real_2"


def test_malformed_and_non_object_arguments_are_kept_not_raised() -> None:
    assert parse_arguments("") == ({}, None)
    args, error = parse_arguments('{"city": "Par')
    assert args == {} and error is not None and "not valid JSON" in error
    args, error = parse_arguments("[1, 2]")
    assert args == {} and error is not None and "JSON object" in error
    acc = TurnAccumulator()
    feed_all(acc, [ToolCallDeltaChunk("{oops", index=0, id="c", name="f")])
    calls, turn = acc.finish()
    assert calls[0].arguments_error is not None
    assert turn.tool_calls[0].raw_arguments == "{oops"


def test_thinking_signature_and_usage_latest_wins() -> None:
    acc = TurnAccumulator("anthropic")
    feed_all(
        acc,
        [
            UsageChunk(Usage(10, 1)),
            ThinkingChunk("hmm "),
            ThinkingChunk("ok"),
            ThinkingChunk("", signature="EqQBCgIYAh"),
            ThinkingChunk("", signature="=="),
            TextChunk("Answer"),
            UsageChunk(Usage(10, 7)),
        ],
    )
    _, turn = acc.finish()
    thinking = turn.message.parts[0]
    assert isinstance(thinking, ThinkingPart)
    assert (thinking.text, thinking.signature, thinking.provider) == ("hmm ok", "EqQBCgIYAh==", "anthropic")
    assert turn.usage == Usage(10, 7)
    assert turn.stop_reason == "end_turn"


def test_interrupted_finish_keeps_text_drops_open_calls_and_changes_nothing() -> None:
    acc = TurnAccumulator()
    feed_all(
        acc, [ThinkingChunk("unsigned"), TextChunk("partial "), ToolCallDeltaChunk('{"a"', index=0, name="f")]
    )
    _, cut = acc.finish(interrupted=True)
    assert cut.message.interrupted and cut.stop_reason == "interrupted"
    assert [type(p) for p in cut.message.parts] == [TextPart]
    acc.feed(ToolCallDeltaChunk(": 1}", index=0))
    calls, full = acc.finish()
    assert calls[0].arguments == {"a": 1}
    assert full.text == "partial "


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


def test_a_surrogate_pair_split_across_deltas_is_joined_and_a_lone_one_replaced() -> None:
    import json

    acc = TurnAccumulator("test", 1)
    for piece in ["smile \ud83d", "\ude00 and a lone \udc80"]:
        acc.feed(TextChunk(piece))
    acc.feed(ToolCallDeltaChunk('{"path": "caf\\udce9.txt"}', 0, "c1", "read"))
    _, turn = acc.finish()
    assert turn.message.text == "smile \U0001f600 and a lone \ufffd"
    assert turn.tool_calls[0].arguments == {"path": "caf\ufffd.txt"}
    json.dumps([turn.message.text, turn.tool_calls[0].arguments], ensure_ascii=False).encode()  # sendable


def test_arguments_nested_thousands_deep_are_an_arguments_error_not_a_crash() -> None:
    arguments, error = parse_arguments('{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    assert arguments == {} and error is not None and "nested too deeply" in error


def test_provider_state_is_kept_as_an_opaque_part_of_that_provider() -> None:
    from agenticraft.core.messages import OpaquePart, message_from_dict, message_to_dict

    acc = TurnAccumulator("openai-responses")
    acc.feed(TextChunk("hi"))
    acc.feed(TurnEndChunk("end_turn", "completed", provider_state={"response_id": "resp_1"}))
    _, turn = acc.finish()
    assert turn.message.parts[-1] == OpaquePart("openai-responses", {"response_id": "resp_1"})
    assert turn.text == "hi"  # nobody else reads it
    assert message_from_dict(message_to_dict(turn.message)) == turn.message  # memory keeps it
    cut = TurnAccumulator("openai-responses")
    cut.feed(TextChunk("half"))
    cut.feed(TurnEndChunk("end_turn", provider_state={"response_id": "resp_2"}))
    # an interrupted turn's state is not the provider's to resume from
    assert not any(isinstance(p, OpaquePart) for p in cut.finish(interrupted=True)[1].message.parts)
