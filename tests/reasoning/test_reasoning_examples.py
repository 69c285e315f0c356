"""The reasoning examples run offline, end to end, as a user would run them."""

from __future__ import annotations

import ast
import operator
import os
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "reasoning"
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def run_example(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def evaluate(expression: str) -> tuple[Fraction, list[int]]:
    """The value of an arithmetic expression and the numbers it uses (no eval)."""
    used: list[int] = []

    def walk(node: ast.expr) -> Fraction:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return Fraction(_OPS[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            used.append(node.value)
            return Fraction(node.value)
        raise ValueError(f"not arithmetic: {ast.dump(node)}")

    return walk(ast.parse(expression, mode="eval").body), used


@pytest.mark.parametrize("search", ["bfs", "dfs"])
def test_tree_of_thoughts_solves_game_of_24_where_the_greedy_chain_fails(search: str) -> None:
    out = run_example("tree_of_thoughts.py", "--search", search)
    blocks = re.findall(r"puzzle ([\d ]+)\n  greedy chain: (.*)\n  tree of thoughts \(\w+\): (.*)\n", out)
    assert len(blocks) == 5
    beaten = 0
    for puzzle, greedy, searched in blocks:
        match = re.match(r"solved: (.+) = 24 \((\d+) model calls", searched)
        assert match is not None, searched
        value, used = evaluate(match.group(1))
        assert value == 24 and sorted(used) == sorted(map(int, puzzle.split()))
        assert int(match.group(2)) <= 120  # the configured budget
        if greedy.startswith("no solution"):
            beaten += 1
    assert beaten >= 3
    assert f"summary: tree of thoughts solved 5/5, greedy chain {5 - beaten}/5" in out


def test_tree_of_thoughts_mermaid_output() -> None:
    out = run_example("tree_of_thoughts.py", "--puzzle", "4 9 10 13", "--mermaid")
    assert "flowchart TD" in out and "class n0 expanded" in out and re.search(r"class n\d+ solution", out)


def test_chain_of_thought_example_streams_steps_and_votes() -> None:
    out = run_example("chain_of_thought.py")
    assert re.search(r"step 1: From 14:00 to 17:00 is 3 hours", out)
    assert "answer: 215 minutes\n" in out
    votes = re.search(r"votes: '215 minutes': (\d), '180 minutes': (\d)", out)
    assert votes is not None and int(votes.group(1)) > int(votes.group(2))
    assert out.count("  sample ") == 5 and "(5 model calls in the trace)" in out


def test_react_example_uses_tools_and_survives_a_tool_error() -> None:
    out = run_example("react.py")
    assert "action: get_weather(city='Atlantis')" in out
    assert "observation from get_weather (error): " in out and "no weather station" in out
    assert "observation from subtract: 14.0" in out
    assert "answer: Paris is warmer than Oslo by 14 degrees" in out
    assert "3 model turns, 4 tool executions, stop: end_turn" in out


def test_auto_example_records_each_choice() -> None:
    out = run_example("auto.py")
    chosen = re.findall(r"pattern: (\w+) \(by (\w+):", out)
    assert chosen == [
        ("chain_of_thought", "model"),
        ("tree_of_thoughts", "model"),
        ("react", "model"),
        ("chain_of_thought", "heuristic"),
    ]
    assert "answer: 105 cents" in out and "answer: (2 * 3) * 4 = 24" in out and "522,250" in out


def test_examples_take_a_real_model_with_model() -> None:
    """``--model`` runs the same script on a real provider (here over HTTP to a local server)."""
    from agenticraft.testing.servers import OpenAIServer
    from agenticraft.testing.servers.openai import ScriptedToolCall

    env = {**os.environ, "OPENAI_API_KEY": "test-key"}
    with OpenAIServer() as server:
        server.add_stream(
            "Thought: weather first.",
            tool_calls=[ScriptedToolCall("get_weather", {"city": "Oslo"}, id="call_1")],
        )
        server.add_stream("Thought: done.\nFinal Answer: 4 degrees in Oslo")
        out = run_example("react.py", "--model", "openai:gpt-4o-mini", "--base-url", server.base_url, env=env)
        assert "observation from get_weather: " in out and '"celsius": 4' in out
        assert "answer: 4 degrees in Oslo" in out
        assert server.requests[0].json()["model"] == "gpt-4o-mini"
        assert server.requests[0].headers["authorization"] == "Bearer test-key"


@pytest.mark.parametrize("name", ["auto.py", "chain_of_thought.py", "react.py", "tree_of_thoughts.py"])
def test_an_example_with_a_real_model_and_no_key_says_so_in_one_line(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AGENTICRAFT_BLOCK_REAL_PROVIDERS"] = "1"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--model", "openai:gpt-4o-mini"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1
    [line] = done.stderr.splitlines()  # one line, no traceback
    assert line.startswith("error: no API key for openai") and "OPENAI_API_KEY" in line
