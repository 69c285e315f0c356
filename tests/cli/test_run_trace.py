"""``agenticraft run --trace``: the span tree on stderr after the answer, in a subprocess over
the local OpenAI-protocol server."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import run_cli

from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

TOOLS = '''
def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper()
'''


def test_trace_prints_the_span_tree_after_the_answer(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "mytools.py").write_text(TOOLS)
    openai_server.add_stream(tool_calls=[ScriptedToolCall("shout", {"text": "hi"}, id="c1")], usage=(12, 3))
    openai_server.add_stream("HI it is.", usage=(20, 4))
    result = run_cli(
        [
            "run",
            "Shout hi",
            "--tool",
            "mytools:shout",
            "--trace",
            "--model",
            "openai:local-model",
            "--base-url",
            openai_server.base_url,
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "HI it is.\n"  # stdout keeps the answer alone
    lines = [line for line in result.stderr.splitlines() if "invoke_agent" in line or "──" in line]
    assert lines[0].startswith("invoke_agent agenticraft  ") and "input_tokens=32" in lines[0]
    assert lines[1].startswith("├── chat local-model  ") and "finish_reasons=tool_calls" in lines[1]
    assert lines[2].startswith("├── execute_tool shout  ")
    assert lines[3].startswith("└── chat local-model  ") and "output_tokens=4" in lines[3]
    assert "traceparent" in openai_server.requests[0].headers


def test_without_trace_no_tree_is_printed(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("Hello.")
    result = run_cli(["run", "Hi", "--model", "openai:local-model", "--base-url", openai_server.base_url])
    assert result.returncode == 0, result.stderr
    assert "invoke_agent" not in result.stderr
    assert "traceparent" not in openai_server.requests[0].headers
