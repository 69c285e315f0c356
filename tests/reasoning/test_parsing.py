"""The tolerant parsers against the messy output real models produce."""

from __future__ import annotations

import pytest

from agenticraft.reasoning import normalize_answer, parse_chain, parse_proposals, parse_value
from agenticraft.reasoning.react import split_final_answer
from agenticraft.reasoning.selector import heuristic_choice, parse_choice


def test_plain_step_format() -> None:
    chain = parse_chain("Step 1: 3 apples plus 4 apples is 7.\nStep 2: Eating 2 leaves 5.\nAnswer: 5")
    assert [s.text for s in chain.steps] == ["3 apples plus 4 apples is 7.", "Eating 2 leaves 5."]
    assert chain.answer == "5" and chain.explicit_answer


def test_markdown_numbering_continuations_and_confidence() -> None:
    text = """Sure! Let's think.

**Step 1:** Convert 2 hours to minutes:
2 * 60 = 120 minutes. (confidence: 0.9)

2) Add the 15 minutes: 135.

### **Final Answer:**
**135 minutes.**
Confidence: 80%
"""
    chain = parse_chain(text)
    assert [s.text for s in chain.steps] == [
        "Convert 2 hours to minutes: 2 * 60 = 120 minutes.",
        "Add the 15 minutes: 135.",
    ]
    assert chain.steps[0].confidence == 0.9 and chain.steps[1].confidence is None
    assert chain.answer == "135 minutes" and chain.confidence == pytest.approx(0.8)


def test_json_in_a_code_fence() -> None:
    text = (
        "Here you go:\n```json\n"
        '{"steps": ["a is 2", {"text": "b is 3", "confidence": 0.5}], "answer": 6}\n```'
    )
    chain = parse_chain(text)
    assert [s.text for s in chain.steps] == ["a is 2", "b is 3"]
    assert chain.steps[1].confidence == 0.5 and chain.answer == "6"


def test_no_answer_marker_falls_back_to_boxed_then_answer_is_then_last_sentence() -> None:
    assert parse_chain("1. x = 2\n2. so y = \\boxed{4}").answer == "4"
    assert parse_chain("First, 6 * 7.\nTherefore the answer is 42.").answer == "42"
    guessed = parse_chain("We add them. It makes 12 in total.")
    assert guessed.answer == "It makes 12 in total." and not guessed.explicit_answer
    assert parse_chain("").answer == "" and parse_chain("").steps == []


def test_an_answer_written_as_the_last_step() -> None:
    chain = parse_chain("1. 2 + 3 = 5\n2. Final answer: 5")
    assert [s.text for s in chain.steps] == ["2 + 3 = 5"] and chain.answer == "5" and chain.explicit_answer


def test_decimal_numbers_are_not_step_numbers() -> None:
    chain = parse_chain("3.5 plus 1.5 is 5\nAnswer: 5")
    assert [s.text for s in chain.steps] == ["3.5 plus 1.5 is 5"]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("**42**", "42"),
        ("The answer is 42.", "42"),
        ("$1,200.00", "1200"),
        ("  Paris. ", "paris"),
        ("\\boxed{7}", "7"),
        ("-3.50", "-3.5"),
        ('"Blue Whale"', "blue whale"),
    ],
)
def test_normalize_answer(raw: str, normal: str) -> None:
    assert normalize_answer(raw) == normal


@pytest.mark.parametrize(
    ("text", "value", "label"),
    [
        ("10 14: 10 + 14 = 24\nsure", 1.0, "sure"),
        ("maybe, but 3 * 13 is 39 - it looks impossible", 0.0, "impossible"),
        ("unlikely", 0.1, "unlikely"),
        ("Score: 7/10", 0.7, "score"),
        ("I'd rate it 8", 0.8, "score"),
        ("85%", 0.85, "score"),
        ('{"value": 0.25}', 0.25, "value"),
        ("no idea", None, ""),
    ],
)
def test_parse_value(text: str, value: float | None, label: str) -> None:
    got, got_label = parse_value(text)
    assert got == (pytest.approx(value) if value is not None else None) and got_label == label


def test_parse_proposals_strips_numbering_drops_headers_and_duplicates() -> None:
    text = (
        "Possible next steps:\n1. 4 + 9 = 13 (left: 10 13 13)\n- 10 - 4 = 6 (left: 6 9 13)\n"
        "* 4 + 9 = 13 (left: 10 13 13)\n**Answer:** 6 * 4 = 24\nextra"
    )
    proposals = parse_proposals(text, 3)
    assert [(p.text, p.final) for p in proposals] == [
        ("4 + 9 = 13 (left: 10 13 13)", False),
        ("10 - 4 = 6 (left: 6 9 13)", False),
        ("6 * 4 = 24", True),
    ]


def test_split_final_answer() -> None:
    assert split_final_answer("Thought: I know it.\nFinal Answer: **Paris**") == ("I know it.", "Paris")
    assert split_final_answer("Thought: need the weather") == ("need the weather", None)


def test_parse_choice_and_heuristic() -> None:
    assert parse_choice("tree_of_thoughts: it is a puzzle") == ("tree_of_thoughts", "it is a puzzle")
    assert parse_choice("I'd go with **ReAct** - needs a lookup") == ("react", "needs a lookup")
    assert parse_choice('{"pattern": "cot", "reason": "simple"}') == ("chain_of_thought", "simple")
    assert parse_choice("hmm, hard to say") is None
    assert heuristic_choice("What is the weather in Paris?", ["get_weather"])[0] == "react"
    assert heuristic_choice("Use 4 9 10 13 to make 24", [])[0] == "tree_of_thoughts"
    assert heuristic_choice("Why is the sky blue?", [])[0] == "chain_of_thought"
    assert heuristic_choice("Why is the sky blue?", ["get_weather"])[0] == "chain_of_thought"
    assert heuristic_choice("Look up the latest news", [])[0] == "chain_of_thought"  # no tools to look with


def test_proposals_read_the_common_answer_markers_as_final() -> None:
    from agenticraft.reasoning.parsing import parse_proposals

    for line in [
        "Final answer: 24",
        "**Final answer:** 24",
        "**Answer**: 24",
        "The answer is 24.",
        "So the answer is 24",
        "\\boxed{24}",
    ]:
        [proposal] = parse_proposals(line, 3)
        assert (proposal.text, proposal.final) == ("24", True), line
    [plain] = parse_proposals("13 - 9 = 4 (left: 4 4 10)", 3)
    assert not plain.final
