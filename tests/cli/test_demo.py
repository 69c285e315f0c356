"""``agenticraft demo``: offline, no key, over real HTTP to the local OpenAI-protocol server."""

from __future__ import annotations

import re

import pexpect
from cli_helpers import CLI, assert_one_line_error, offline_env, run_cli

from agenticraft.cli.demo import INTERRUPT_AFTER, STORY, DemoTurn, demo_reply


def test_the_demo_runs_offline_and_shows_every_scene() -> None:
    result = run_cli(["demo", "--delay", "0"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert result.stderr == ""
    scenes = [
        "1. Streaming with a tool call",
        "2. Memory across turns",
        "3. The reasoning trace",
        "4. Interruption",
    ]
    positions = [out.index(s) for s in scenes]
    assert positions == sorted(positions)
    # the tool ran and the answer used its result
    assert "✓ get_weather(city=Paris) → 18°C and sunny" in out
    assert "It is 18°C and sunny in Paris right now." in out
    # memory: the second answer was computed from the history sent over HTTP
    assert "You asked about Paris." in out
    # the trace lists both model turns and the tool step; the thinking came as reasoning_content
    assert re.search(r"turn 1 .*stop=tool_use.*calls: get_weather", out)
    assert "tool get_weather({'city': 'Paris'}) -> '18°C and sunny'" in out
    assert "thinking: The user wants the current weather in Paris" in out
    # a reasoning pattern streamed its steps; one sample slipped and was outvoted
    assert len(re.findall(r"◆ \d+: sample \d · 17:10 to 17:45 adds 35: 215\.", out)) == 2
    assert len(re.findall(r"◆ \d+: sample \d · answer: 180 minutes", out)) == 1
    assert "majority vote: 215 minutes with 2 of 3 votes" in out
    # the interruption kept exactly what arrived, and the next turn continued from it
    assert f"interrupted=True, {INTERRUPT_AFTER} characters" in out
    assert f"continuing after “…{STORY[INTERRUPT_AFTER - 24 : INTERRUPT_AFTER]}”" in out
    assert re.search(r"8 requests went over HTTP to http://127\.0\.0\.1:\d+/v1", out)


def test_the_demo_in_a_terminal_streams_and_exits_cleanly() -> None:
    child = pexpect.spawn(
        CLI[0],
        [*CLI[1:], "demo", "--delay", "0.001"],
        env=offline_env(TERM="xterm-256color"),
        encoding="utf-8",
        dimensions=(40, 100),
        timeout=30,
    )
    child.expect("Streaming with a tool call")
    child.expect("get_weather")
    child.expect("Interruption")
    child.expect("interrupted")
    child.expect("requests went over HTTP")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_demo_model_reads_the_conversation_it_is_sent() -> None:
    weather = demo_reply([{"role": "user", "content": "What is the weather in Tokyo?"}])
    assert weather.tool_calls[0].arguments == {"city": "Tokyo"}
    no_memory = demo_reply([{"role": "user", "content": "Which city did I ask about?"}])
    assert no_memory == DemoTurn(text="You have not asked me about any city yet.")
    with_memory = demo_reply(
        [
            {"role": "user", "content": "What is the weather in Tokyo?"},
            {"role": "assistant", "content": "Clear."},
            {"role": "user", "content": "Which city did I ask about?"},
        ]
    )
    assert with_memory.text == "You asked about **Tokyo**."
    chain = [{"role": "user", "content": "Two trains. Think step by step."}]
    assert demo_reply(chain, call=0).text.endswith("Answer: 215 minutes")
    assert demo_reply(chain, call=2).text.endswith("Answer: 180 minutes")


def test_a_negative_or_non_finite_delay_is_refused() -> None:
    for delay in ("-1", "nan", "inf"):
        assert_one_line_error(run_cli(["demo", "--delay", delay]), 2, "--delay must be")
