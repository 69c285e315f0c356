"""``agenticraft run``: one answer from the local OpenAI-protocol server over real HTTP, as
plain text, as JSON lines, with tools; and every user mistake as one line and an exit code."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from cli_helpers import CLI, assert_one_line_error, offline_env, run_cli

from agenticraft.testing.servers import ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events

TOOLS_MODULE = '''
def shout(text: str) -> str:
    """Upper-case a text and add an exclamation mark."""
    return text.upper() + "!"


def broken(
'''


def model_args(server: OpenAIServer, model: str = "openai:local-model") -> list[str]:
    return ["--model", model, "--base-url", server.base_url]


def test_plain_run_prints_the_answer_on_stdout_and_the_stats_on_stderr(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("Hello from the local server.", usage=(12, 6))
    result = run_cli(["run", "Say hello", *model_args(openai_server)])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from the local server.\n"
    assert "12 in · 6 out tokens" in result.stderr
    body = openai_server.requests[0].json()
    assert body["model"] == "local-model" and body["stream"] is True
    assert body["messages"][-1] == {"role": "user", "content": "Say hello"}


def test_json_prints_every_event_as_one_json_line(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("Streaming, one event per line.", reasoning="Think first.", usage=(9, 7))
    result = run_cli(["run", "Go", "--json", *model_args(openai_server)])
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert types[0] == "thinking" and types[-1] == "done"
    assert {"text", "usage", "turn_end"} <= set(types)
    assert "".join(e["content"] for e in events if e["type"] == "text") == "Streaming, one event per line."
    assert "".join(e["thinking"] for e in events if e["type"] == "thinking") == "Think first."
    done = events[-1]["response"]
    assert done["content"] == "Streaming, one event per line."
    assert done["usage"] == {"input_tokens": 9, "output_tokens": 7, "total_tokens": 16}
    assert result.stderr == ""


def test_a_tool_from_a_module_is_called_and_its_result_goes_back(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    (tmp_path / "mytools.py").write_text(TOOLS_MODULE.split("\n\ndef broken")[0] + "\n")
    openai_server.add_stream(tool_calls=[ScriptedToolCall("shout", {"text": "hi there"}, "call_1")])
    openai_server.add_stream("The tool said HI THERE!")
    result = run_cli(
        ["run", "Shout hi there", "--tool", "mytools:shout", *model_args(openai_server)], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The tool said HI THERE!\n"
    assert "[tool shout started]" in result.stderr
    assert "[tool shout(text=hi there) -> HI THERE!]" in result.stderr
    first, second = (r.json() for r in openai_server.requests)
    assert first["tools"][0]["function"]["name"] == "shout"
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "call_1", "content": "HI THERE!"}


def test_a_tool_from_a_file_path(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "mytools.py").write_text(TOOLS_MODULE.split("\n\ndef broken")[0] + "\n")
    openai_server.add_stream(tool_calls=[ScriptedToolCall("shout", {"text": "ok"})])
    openai_server.add_stream("Done.")
    result = run_cli(
        ["run", "x", "--tool", str(tmp_path / "mytools.py") + ":shout", *model_args(openai_server)]
    )
    assert result.returncode == 0, result.stderr
    assert openai_server.requests[1].json()["messages"][-1]["content"] == "OK!"


def test_the_prompt_can_come_from_stdin(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("Read it.")
    result = run_cli(["run", "-", *model_args(openai_server)], stdin="A prompt from a pipe\n")
    assert result.returncode == 0, result.stderr
    assert openai_server.requests[0].json()["messages"][-1]["content"] == "A prompt from a pipe\n"


def test_agenticraft_model_is_used_when_no_model_is_given(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("From the environment.")
    env = offline_env(AGENTICRAFT_MODEL="openai:model-from-env")
    result = run_cli(["run", "Hi", "--base-url", openai_server.base_url], env=env)
    assert result.returncode == 0, result.stderr
    assert openai_server.requests[0].json()["model"] == "model-from-env"


def test_ctrl_c_stops_the_answer_keeps_what_arrived_and_exits_130(openai_server: OpenAIServer) -> None:
    # the server sends the first words, then holds the stream open until the client leaves
    openai_server.add_stream("The first words arrived", hang=True)
    process = subprocess.Popen(
        [*CLI, "run", "Talk", *model_args(openai_server)],
        env=offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    received = ""
    while "arrived" not in received:
        piece = process.stdout.read(1)
        assert piece, "the answer never arrived"
        received += piece
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=30)
    assert process.returncode == 130, errors
    assert (received + rest).strip() == "The first words arrived"
    assert "interrupted after 23 characters" in errors
    # `run` keeps no conversation, so it does not claim the partial answer was kept in one
    assert "conversation" not in errors
    assert "Traceback" not in errors
    assert openai_server.wait_until(lambda: openai_server.exchanges[0].client_disconnected)


def test_json_stopped_by_ctrl_c_ends_with_an_interrupted_event(openai_server: OpenAIServer) -> None:
    # the text deltas only (no finish chunk, no [DONE]), then the stream stays open
    pieces = openai_stream_events("The first words arrived", usage=None)[:-2]
    openai_server.add(ScriptedResponse(200, {"content-type": "text/event-stream"}, pieces, hang=True))
    process = subprocess.Popen(
        [*CLI, "run", "Talk", "--json", *model_args(openai_server)],
        env=offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    text = ""
    while text != "The first words arrived":
        line = process.stdout.readline()
        assert line, "the answer never arrived"
        lines.append(line)
        text += json.loads(line).get("content", "")
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=30)
    assert process.returncode == 130, errors
    events = [json.loads(line) for line in [*lines, *rest.splitlines()]]
    last = events[-1]
    assert last["type"] == "interrupted"
    assert last["response"]["content"] == "The first words arrived"
    assert last["response"]["interrupted"] is True
    assert "done" not in [e["type"] for e in events]


def test_offline_answers_with_the_demo_model_without_a_key_or_network() -> None:
    result = run_cli(["run", "What is the weather in Paris?", "--offline"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is **18°C and sunny** in Paris right now. A good day for a walk.\n"
    assert "[tool get_weather(city=Paris) -> 18°C and sunny]" in result.stderr
    assert "agenticraft-demo" in result.stderr


def test_offline_refuses_a_model_or_a_base_url() -> None:
    result = run_cli(["run", "Hi", "--offline", "--model", "openai:gpt-4o-mini"])
    assert_one_line_error(result, 2, "--offline", "--model")


# -- user mistakes: one line on stderr, a non-zero exit, never a traceback ----------------


def test_no_model_anywhere_says_how_to_configure_one() -> None:
    assert_one_line_error(
        run_cli(["run", "Hi"]), 2, "no model configured", "OPENAI_API_KEY", "agenticraft demo"
    )


def test_no_key_for_the_provider_is_a_configuration_error() -> None:
    assert_one_line_error(run_cli(["run", "Hi", "--model", "openai:gpt-4o-mini"]), 2, "OPENAI_API_KEY")


def test_the_missing_key_message_names_the_variable_and_the_options_not_python() -> None:
    result = run_cli(["run", "Hi", "--model", "anthropic:claude-sonnet-4-6"])
    assert_one_line_error(result, 2, "set ANTHROPIC_API_KEY", "--base-url", "--offline")
    assert "api_key=" not in result.stderr


def test_a_malformed_base_url_is_a_usage_error_naming_the_option_and_sends_nothing(
    openai_server: OpenAIServer,
) -> None:
    port = openai_server.url.rpartition(":")[2]
    cases = {
        f"htp://127.0.0.1:{port}/v1": "the scheme must be http or https, not 'htp'",
        "http://127.0.0.1:80a0/v1": "the port must be a number",
        "127.0.0.1:8000/v1": "it needs a scheme",
    }
    for base_url, problem in cases.items():
        result = run_cli(["run", "Hi", "--model", "openai:m", "--base-url", base_url])
        assert_one_line_error(result, 2, f"--base-url {base_url!r}", problem)
    assert openai_server.requests == []


def test_a_malformed_openai_base_url_variable_is_a_configuration_error() -> None:
    result = run_cli(
        ["run", "Hi", "--model", "openai:m"], env=offline_env(OPENAI_BASE_URL="http://host:port/v1")
    )
    assert_one_line_error(result, 2, "base_url 'http://host:port/v1'", "the port must be a number")


def test_credentials_in_the_base_url_never_reach_the_terminal(openai_server: OpenAIServer) -> None:
    openai_server.add_error(401, "Incorrect API key provided", type="invalid_request_error")
    base_url = openai_server.base_url.replace("http://", "http://user:sk-secret@")
    result = run_cli(["run", "Hi", "--model", "openai:m", "--base-url", base_url])
    assert_one_line_error(result, 3, "Incorrect API key provided")
    assert "sk-secret" not in result.stderr + result.stdout
    bad = run_cli(["run", "Hi", "--model", "openai:m", "--base-url", "htp://user:sk-secret@host/v1"])
    assert_one_line_error(bad, 2, "'htp://***@host/v1'")
    assert "sk-secret" not in bad.stderr


def test_a_model_string_with_an_unknown_provider_is_a_usage_error() -> None:
    assert_one_line_error(run_cli(["run", "Hi", "--model", "acme:big-model"]), 2, "acme:big-model")


def test_an_unknown_model_on_the_server_is_a_provider_error(openai_server: OpenAIServer) -> None:
    openai_server.add_error(
        404, "The model `nope` does not exist", type="invalid_request_error", code="model_not_found"
    )
    result = run_cli(["run", "Hi", *model_args(openai_server, "openai:nope")])
    assert_one_line_error(result, 3, "does not exist", "'openai:nope'")


def test_a_rejected_key_is_a_provider_error(openai_server: OpenAIServer) -> None:
    openai_server.add_error(
        401, "Incorrect API key provided", type="invalid_request_error", code="invalid_api_key"
    )
    result = run_cli(["run", "Hi", *model_args(openai_server)])
    assert_one_line_error(result, 3, "Incorrect API key provided", "check the API key")


def test_an_unreachable_server_is_a_provider_error() -> None:
    # OLLAMA_HOST is the discard port (see offline_env): nothing answers there
    result = run_cli(["run", "Hi", "--model", "ollama:llama3.2"])
    assert_one_line_error(result, 3, "ollama: ", "ollama serve", "http://127.0.0.1:9/api/chat")


def test_bad_tool_paths_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "mytools.py").write_text(TOOLS_MODULE)  # ends in a syntax error
    model = ["--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1"]
    cases = {
        "no_such_module:f": "cannot import 'no_such_module'",
        "no-colon": "module:function",
        "mytools:shout": "SyntaxError",
        str(tmp_path / "missing.py") + ":f": "no file",
    }
    for spec, fragment in cases.items():
        result = run_cli(["run", "Hi", "--tool", spec, *model], cwd=tmp_path)
        assert_one_line_error(result, 2, fragment)
    (tmp_path / "good.py").write_text("VALUE = 1\n\ndef ok(x: int) -> int:\n    return x\n")
    assert_one_line_error(
        run_cli(["run", "Hi", "--tool", "good:nothing", *model], cwd=tmp_path), 2, "no 'nothing'"
    )
    assert_one_line_error(
        run_cli(["run", "Hi", "--tool", "good:VALUE", *model], cwd=tmp_path), 2, "not a function"
    )


def test_an_empty_prompt_is_a_usage_error() -> None:
    assert_one_line_error(run_cli(["run", "  ", "--model", "openai:m"]), 2, "empty")


def test_argparse_mistakes_exit_with_2() -> None:
    result = run_cli(["run"])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the following arguments are required: prompt" in result.stderr


def test_chat_without_a_model_exits_before_the_first_prompt() -> None:
    assert_one_line_error(run_cli(["chat"], stdin=""), 2, "no model configured")


def test_a_model_that_keeps_calling_tools_ends_with_exit_1(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    (tmp_path / "mytools.py").write_text(TOOLS_MODULE.split("\n\ndef broken")[0] + "\n")
    openai_server.add_stream(tool_calls=[ScriptedToolCall("shout", {"text": "again"})])
    args = ["run", "Loop", "--tool", "mytools:shout", "--max-turns", "1", *model_args(openai_server)]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    *tool_lines, error = result.stderr.strip().splitlines()
    assert tool_lines == ["[tool shout started]", "[tool shout(text=again) -> AGAIN!]"]
    assert error.startswith("agenticraft: error: ") and "raise --max-turns" in error
    assert len(openai_server.requests) == 1
