"""``agenticraft run --output-type module:Type``: the validated output as JSON on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import assert_one_line_error, offline_env, run_cli

from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

TYPES_MODULE = """
from pydantic import BaseModel


class City(BaseModel):
    name: str
    country: str
    population: int


Cities = list[City]
not_a_type = 3
"""

PARIS = {"name": "Paris", "country": "France", "population": 2102650}


def _args(server: OpenAIServer, *extra: str) -> list[str]:
    return ["run", "Largest city in France?", "--model", "openai:m", "--base-url", server.base_url, *extra]


def test_the_validated_output_is_the_only_thing_on_stdout(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    (tmp_path / "shapes.py").write_text(TYPES_MODULE)
    openai_server.add_stream(json.dumps({**PARIS, "population": "2102650"}))  # coerced by validation
    result = run_cli(_args(openai_server, "--output-type", "shapes:City"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == PARIS
    body = openai_server.requests[0].json()
    assert body["response_format"]["json_schema"]["name"] == "City"


def test_an_alias_type_and_the_tool_mode(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(TYPES_MODULE)
    openai_server.add_stream(tool_calls=[ScriptedToolCall("final_result", {"result": [PARIS]})])
    result = run_cli(
        _args(openai_server, "--output-type", "shapes.py:Cities", "--output-mode", "tool", "--json"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    final = [e for e in events if e["type"] == "output" and not e["partial"]]
    assert [e["output"] for e in final] == [[PARIS]]
    assert events[-1]["type"] == "done" and events[-1]["response"]["output"] == [PARIS]


def test_a_name_that_is_not_a_type_is_a_usage_error(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(TYPES_MODULE)
    result = run_cli(
        _args(openai_server, "--output-type", "shapes:not_a_type"), cwd=tmp_path, env=offline_env()
    )
    assert_one_line_error(result, 2, "--output-type 'shapes:not_a_type'", "is not a type")
    assert openai_server.requests == []


def test_an_output_never_valid_is_a_one_line_error(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(TYPES_MODULE)
    openai_server.add_stream('{"name": "Paris"}')
    openai_server.add_stream('{"name": "Paris"}')
    result = run_cli(_args(openai_server, "--output-type", "shapes:City"), cwd=tmp_path)
    assert result.returncode != 0 and result.stdout == ""
    assert "did not fit City after 1 retry" in result.stderr and "Traceback" not in result.stderr
