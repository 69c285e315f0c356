"""Which model the CLI picks without ``--model``, and ``agenticraft providers``.

A local Ollama is played by a scripted server on 127.0.0.1 that answers ``/api/tags`` (the
discovery probe) and ``/api/chat`` (Ollama's own protocol), so the whole path runs over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_helpers import offline_env, run_cli

from agenticraft.cli.discovery import NoModelError, discover, ollama_base_url, resolve_cli_model
from agenticraft.testing.servers import RecordedRequest, ScriptedResponse, ScriptedServer
from agenticraft.testing.servers.ollama import ollama_stream

NOTHING = {"OLLAMA_HOST": "127.0.0.1:9"}


def fake_ollama(request: RecordedRequest) -> ScriptedResponse:
    if request.path == "/api/tags":
        return ScriptedResponse.json_body(
            200, {"models": [{"name": "qwen3:4b"}, {"name": "llama3.2:latest"}]}
        )
    if request.path == "/api/chat":
        model = request.json()["model"]
        return ScriptedResponse(
            200,
            {"content-type": "application/x-ndjson"},
            ollama_stream([f"Hello from {model}", "."], model=model),
        )
    return ScriptedResponse.json_body(404, {"error": "not found"})


@pytest.fixture
def ollama() -> Iterator[ScriptedServer]:
    with ScriptedServer(handler=fake_ollama) as server:
        yield server


def test_the_explicit_model_wins_then_agenticraft_model_then_keys() -> None:
    env = {
        **NOTHING,
        "AGENTICRAFT_MODEL": "anthropic:claude-x",
        "OPENAI_API_KEY": "sk-1",
        "ANTHROPIC_API_KEY": "a",
    }
    assert resolve_cli_model("ollama:phi4", env).model == "ollama:phi4"
    resolution = resolve_cli_model(None, env)
    assert (resolution.model, resolution.source) == ("anthropic:claude-x", "AGENTICRAFT_MODEL")
    del env["AGENTICRAFT_MODEL"]
    assert resolve_cli_model(None, env).model == "openai:gpt-4o-mini"  # OpenAI (chat) is first
    del env["OPENAI_API_KEY"]
    resolution = resolve_cli_model(None, env)
    assert (resolution.model, resolution.source) == ("anthropic:claude-sonnet-4-6", "ANTHROPIC_API_KEY")


def test_a_reachable_ollama_comes_after_the_keys(ollama: ScriptedServer) -> None:
    env = {"OLLAMA_HOST": ollama.url}
    resolution = resolve_cli_model(None, env)
    assert resolution.model == "ollama:qwen3:4b"  # the first model it has pulled
    assert resolution.source == f"Ollama at {ollama.url}"
    assert [r.path for r in ollama.requests] == ["/api/tags"]
    assert resolve_cli_model(None, {**env, "OPENAI_API_KEY": "sk"}).model == "openai:gpt-4o-mini"
    assert len(ollama.requests) == 1  # a key found means no probe at all


def test_nothing_found_says_every_way_to_configure_a_model() -> None:
    with pytest.raises(NoModelError) as caught:
        resolve_cli_model(None, {**NOTHING, "OPENAI_API_KEY": "  "})
    message = str(caught.value)
    for hint in ("--model", "AGENTICRAFT_MODEL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ollama serve"):
        assert hint in message


def test_discover_reports_keys_and_the_ollama_models(ollama: ScriptedServer) -> None:
    statuses = {s.name: s for s in discover({"OLLAMA_HOST": ollama.url, "ANTHROPIC_API_KEY": "x"})}
    assert not statuses["openai"].available and statuses["anthropic"].available
    assert statuses["ollama"].available and statuses["ollama"].models == ["qwen3:4b", "llama3.2:latest"]
    assert statuses["ollama"].detail == f"running at {ollama.url} (2 models)"
    silent = {s.name: s for s in discover(NOTHING)}
    assert not silent["ollama"].available and silent["ollama"].detail == "no server at http://127.0.0.1:9"


def test_ollama_host_is_read_like_ollama_reads_it() -> None:
    assert ollama_base_url({}) == "http://localhost:11434"
    assert ollama_base_url({"OLLAMA_HOST": "0.0.0.0"}) == "http://0.0.0.0:11434"
    assert ollama_base_url({"OLLAMA_HOST": "box:8080"}) == "http://box:8080"
    assert ollama_base_url({"OLLAMA_HOST": "https://ollama.example/"}) == "https://ollama.example:443"


def test_run_without_a_model_uses_the_local_ollama_over_its_own_protocol(ollama: ScriptedServer) -> None:
    result = run_cli(["run", "Hi"], env=offline_env(OLLAMA_HOST=ollama.url))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from qwen3:4b.\n"
    assert [r.path for r in ollama.requests] == ["/api/tags", "/api/chat"]


def test_the_providers_command_lists_status_and_the_default_model(ollama: ScriptedServer) -> None:
    result = run_cli(
        ["providers"], env=offline_env(OLLAMA_HOST=ollama.url, ANTHROPIC_API_KEY="sk-ant", COLUMNS="200")
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = {
        line.split()[0]: line
        for line in lines
        if line.split() and line.split()[0] in ("openai", "openai-responses", "anthropic", "ollama")
    }
    assert "✗ OPENAI_API_KEY is not set" in row["openai"] and "openai:gpt-4o-mini" in row["openai"]
    responses = row["openai-responses"]
    assert "✗ OPENAI_API_KEY is not set" in responses and "openai-responses:gpt-5-mini" in responses
    assert "✓ ANTHROPIC_API_KEY is set" in row["anthropic"]
    assert "✓ running at" in row["ollama"] and "ollama:qwen3:4b" in row["ollama"]
    assert "default model: anthropic:claude-sonnet-4-6 (from ANTHROPIC_API_KEY)" in result.stdout
    assert "sk-ant" not in result.stdout  # a key is never printed


def test_the_providers_command_without_anything_says_how_to_configure() -> None:
    result = run_cli(["providers"], env=offline_env(COLUMNS="200"))
    assert result.returncode == 0, result.stderr
    assert "no model configured" in result.stdout and "agenticraft demo" in result.stdout
    assert "no server at http://127.0.0.1:9" in result.stdout


def test_discover_shows_the_base_url_variables_without_their_credentials() -> None:
    env = {
        "OLLAMA_HOST": "http://user:sk-ollama@127.0.0.1:9",
        "OPENAI_BASE_URL": "http://user:sk-secret@127.0.0.1:8000/v1",
    }
    statuses = {s.name: s for s in discover(env, probe=False)}
    assert (
        statuses["openai"].detail == "OPENAI_API_KEY is not set; OPENAI_BASE_URL=http://***@127.0.0.1:8000/v1"
    )
    assert statuses["openai-responses"].detail == statuses["openai"].detail
    assert statuses["anthropic"].detail == "ANTHROPIC_API_KEY is not set"
    assert statuses["ollama"].detail == "no server at http://***@127.0.0.1:9"


def test_the_providers_command_says_how_to_use_a_local_server_or_none() -> None:
    env = offline_env(COLUMNS="200", OPENAI_BASE_URL="http://127.0.0.1:8000/v1")
    result = run_cli(["providers"], env=env)
    assert result.returncode == 0, result.stderr
    assert "OPENAI_BASE_URL=http://127.0.0.1:8000/v1" in result.stdout
    for hint in ("--base-url", "--offline", "agenticraft serve"):
        assert hint in result.stdout


def test_run_speaks_the_responses_api_by_its_model_string() -> None:
    from agenticraft.testing.servers.openai_responses import OpenAIResponsesServer, Reasoning, Text

    with OpenAIResponsesServer() as server:
        server.add_stream([Reasoning(["a thought"]), Text(["Hello ", "from Responses."])])
        result = run_cli(
            ["run", "--model", "openai-responses:gpt-5-mini", "--base-url", server.base_url, "Hi"],
            env=offline_env(),
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "Hello from Responses.\n"
        assert "a thought" in result.stderr  # the reasoning summary, shown beside the answer
        assert [r.path for r in server.requests] == ["/v1/responses"]
