"""``agenticraft chat`` driven in a pseudo-terminal, as a person would: type, read the streamed
answer, press Ctrl-C during an answer, keep chatting, press Ctrl-D to leave. The model is the
local OpenAI-protocol server (the `openai_server` fixture of our pytest plugin), over real HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
from cli_helpers import CLI, offline_env

from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

PROMPT = "\r\n> "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def spawn_chat(server: OpenAIServer, *extra: str, cwd: Path | None = None) -> pexpect.spawn:
    child = pexpect.spawn(
        CLI[0],
        [*CLI[1:], "chat", "--model", "openai:local-model", "--base-url", server.base_url, *extra],
        env=offline_env(TERM="xterm-256color", COLUMNS="100", LINES="40"),
        cwd=str(cwd) if cwd else None,
        encoding="utf-8",
        dimensions=(40, 100),
        timeout=20,
    )
    child.expect("agenticraft chat")
    child.expect_exact(PROMPT)
    return child


def leave_with_ctrl_d(child: pexpect.spawn) -> None:
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_streamed_answer_then_usage_and_speed_then_ctrl_d_leaves(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("Hello! I am *streaming* from the local server.", usage=(11, 9))
    child = spawn_chat(openai_server)
    child.sendline("Hi there")
    child.expect("streaming")
    child.expect("from the local server")
    child.expect(r"11 in · 9 out tokens · [0-9.]+ s · [0-9.]+ tok/s")
    child.expect_exact(PROMPT)
    leave_with_ctrl_d(child)
    assert openai_server.requests[0].json()["messages"][-1] == {"role": "user", "content": "Hi there"}


def test_ctrl_c_stops_the_answer_the_partial_stays_in_the_conversation(openai_server: OpenAIServer) -> None:
    # the first words, then the server holds the stream open: only Ctrl-C can end this answer
    openai_server.add_stream("Once upon a time there was a lighthouse", hang=True)
    openai_server.add_stream("I was telling you about a lighthouse.")
    child = spawn_chat(openai_server)
    child.sendline("Tell me a long story")
    child.expect("lighthouse")
    child.sendintr()  # Ctrl-C
    child.expect("interrupted")
    child.expect(r"interrupted after 39 characters \(kept in the conversation\)")
    child.expect_exact(PROMPT)  # still in the chat
    assert openai_server.wait_until(lambda: openai_server.exchanges[0].client_disconnected)

    child.sendline("What were you saying?")
    child.expect("I was telling you about a lighthouse")
    child.expect_exact(PROMPT)
    leave_with_ctrl_d(child)
    messages = openai_server.requests[1].json()["messages"]
    assert messages[-3:] == [
        {"role": "user", "content": "Tell me a long story"},
        {"role": "assistant", "content": "Once upon a time there was a lighthouse"},
        {"role": "user", "content": "What were you saying?"},
    ]


def test_tool_calls_show_as_they_start_and_finish_and_thinking_is_dimmed(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    (tmp_path / "weather.py").write_text(
        "def get_weather(city: str) -> str:\n"
        '    """Current weather for a city."""\n'
        '    return f"18 degrees in {city}"\n'
    )
    openai_server.add_stream(
        reasoning="The user asks about Paris weather.",
        tool_calls=[ScriptedToolCall("get_weather", {"city": "Paris"}, "call_w")],
    )
    openai_server.add_stream("It is 18 degrees in Paris.")
    child = spawn_chat(openai_server, "--tool", "weather:get_weather", cwd=tmp_path)
    child.sendline("Weather in Paris?")
    child.expect(r"\x1b\[[0-9;]*\b2\b[0-9;]*m[^\x1b]*The user asks about Paris weather")  # dim (SGR 2)
    child.expect("get_weather")
    child.expect("started")
    child.expect(r"get_weather\(city=Paris\)")
    child.expect("18 degrees in Paris")
    child.expect(r"It is 18 degrees in Paris\.")
    child.expect_exact(PROMPT)
    leave_with_ctrl_d(child)
    assert openai_server.requests[1].json()["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_w",
        "content": "18 degrees in Paris",
    }


def test_ctrl_c_at_the_prompt_does_not_leave_and_a_provider_error_does_not_end_the_chat(
    openai_server: OpenAIServer,
) -> None:
    openai_server.add_error(404, "The model `local-model` does not exist", type="invalid_request_error")
    openai_server.add_stream("Still here.")
    child = spawn_chat(openai_server)
    # CPython's readline checks for a signal only when select() is interrupted: a Ctrl-C that
    # lands between drawing the prompt and that select() waits for the next key. A person
    # would press again; so does the test (the pending and the new one make one interrupt).
    child.sendintr()
    while child.expect([r"Ctrl-D leaves the chat", pexpect.TIMEOUT], timeout=3) == 1:
        child.sendintr()
    child.expect_exact(PROMPT)
    child.sendline("Hello?")
    child.expect("error:")
    child.expect("does not exist")
    child.expect_exact(PROMPT)
    child.sendline("Hello again")
    child.expect("Still here")
    child.expect_exact(PROMPT)
    leave_with_ctrl_d(child)
    assert "Traceback" not in ANSI.sub("", child.before or "")


def test_run_in_a_terminal_renders_markdown_and_the_usage_line(openai_server: OpenAIServer) -> None:
    openai_server.add_stream("# Plan\n\n- first **step**\n- second step\n", usage=(5, 4))
    child = pexpect.spawn(
        CLI[0],
        [*CLI[1:], "run", "Plan it", "--model", "openai:m", "--base-url", openai_server.base_url],
        env=offline_env(TERM="xterm-256color"),
        encoding="utf-8",
        dimensions=(40, 100),
        timeout=20,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = ANSI.sub("", child.before or "")
    assert "# Plan" not in screen and "**" not in screen  # rendered, not raw Markdown
    assert "Plan" in screen and "• first step" in screen and "• second step" in screen
    assert "5 in · 4 out tokens" in screen


def test_chat_offline_talks_to_the_demo_model_without_a_key() -> None:
    child = pexpect.spawn(
        CLI[0],
        [*CLI[1:], "chat", "--offline"],
        env=offline_env(TERM="xterm-256color", COLUMNS="100", LINES="40"),
        encoding="utf-8",
        dimensions=(40, 100),
        timeout=20,
    )
    child.expect("agenticraft chat")
    child.expect(r"openai:agenticraft-demo \(from --offline")
    child.expect_exact(PROMPT)
    child.sendline("What is the weather in Tokyo?")
    child.expect("get_weather")
    child.expect("22°C and clear")
    child.expect_exact(PROMPT)
    child.sendline("Which city did I just ask you about?")
    child.expect("Tokyo")  # the demo model answers from the conversation it was sent
    child.expect_exact(PROMPT)
    leave_with_ctrl_d(child)
