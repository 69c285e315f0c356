import json

import pytest

from agenticraft.core.messages import (
    Message,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolResult,
    Usage,
    message_from_dict,
    message_to_dict,
    messages_from_json,
    messages_to_json,
)


def test_every_part_kind_round_trips_through_json() -> None:
    conversation = [
        Message.system("Be concise."),
        Message.user("Weather in Paris?"),
        Message(
            "assistant",
            [
                ThinkingPart("let me check", signature="sig==", provider="anthropic"),
                TextPart("Checking."),
            ],
        ),
        Message.assistant(
            "", [ToolCall("get_weather", {"city": "Paris"}, id="c1", raw_arguments='{"city":"Paris"}')]
        ),
        Message.tool_results([ToolResult("c1", "get_weather", "18 C", is_error=False)]),
        Message("assistant", [TextPart("It is 18")], interrupted=True),
    ]
    text = messages_to_json(conversation)
    assert json.loads(text)[3]["parts"][0]["arguments"] == {"city": "Paris"}
    assert messages_from_json(text) == conversation


def test_message_views() -> None:
    msg = Message.assistant("Hi", [ToolCall("a", {"x": 1}, id="1"), ToolCall("b", id="2")])
    assert msg.text == "Hi"
    assert [c.name for c in msg.tool_calls] == ["a", "b"]
    results = Message.tool_results([ToolResult("1", "a", "ok"), ToolResult("2", "b", "bad", True)])
    assert [r.is_error for r in results.results] == [False, True]


def test_unknown_kinds_are_rejected() -> None:
    with pytest.raises(ValueError, match="role"):
        message_from_dict({"role": "robot", "parts": []})
    with pytest.raises(ValueError, match="kind"):
        message_from_dict({"role": "user", "parts": [{"kind": "video"}]})


def test_usage_adds_and_totals() -> None:
    total = Usage(10, 5) + Usage(3, 2)
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (13, 7, 20)
    assert total.to_dict() == {"input_tokens": 13, "output_tokens": 7, "total_tokens": 20}
    assert message_to_dict(Message.user("x")) == {"role": "user", "parts": [{"kind": "text", "text": "x"}]}


def test_usage_details_add_and_appear_in_to_dict_when_reported() -> None:
    total = Usage(100, 20, cache_read_tokens=80, cache_write_tokens=5, reasoning_tokens=12) + Usage(
        10, 2, cache_read_tokens=1
    )
    assert total == Usage(110, 22, cache_read_tokens=81, cache_write_tokens=5, reasoning_tokens=12)
    assert total.to_dict() == {
        "input_tokens": 110,
        "output_tokens": 22,
        "total_tokens": 132,
        "cache_read_tokens": 81,
        "cache_write_tokens": 5,
        "reasoning_tokens": 12,
    }
