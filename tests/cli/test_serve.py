"""``agenticraft serve``: an agent (by default the demo agent) served on a chosen port."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx
from cli_helpers import CLI, assert_one_line_error, offline_env, run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_serve_listens_on_the_chosen_port_until_ctrl_c() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--delay", "0"],
        env=offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base_url = f"http://127.0.0.1:{port}/v1"
        assert first.startswith(f"serving the demo agent agenticraft-demo at http://127.0.0.1:{port}/")
        # OPENAI_BASE_URL, as the hint says: no key, no --base-url
        answer = run_cli(
            ["run", "Tell me a story", "--model", "openai:agenticraft-demo"],
            env=offline_env(OPENAI_BASE_URL=base_url),
        )
        assert answer.returncode == 0, answer.stderr
        assert answer.stdout.startswith("The lighthouse keeper of Ouessant")
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors


def test_a_port_in_use_or_out_of_range_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_line_error(run_cli(["serve", "--port", str(port)]), 2, f"--port {port}: cannot listen")
    assert_one_line_error(run_cli(["serve", "--port", "70000"]), 2, "--port must be from 0 to 65535")


def _serve(args: list[str], **env: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*CLI, "serve", *args],
        env=offline_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    return errors


def test_the_demo_agent_runs_its_weather_tool_behind_the_openai_api() -> None:
    port = _free_port()
    process, first = _serve(["--port", str(port), "--delay", "0"])
    try:
        assert first.startswith("serving the demo agent agenticraft-demo")
        answer = run_cli(
            ["run", "What is the weather in Paris?", "--model", "openai:agenticraft-demo", "-q"],
            env=offline_env(OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1"),
        )
        assert answer.returncode == 0, answer.stderr
        assert "18°C and sunny" in answer.stdout and "Paris" in answer.stdout
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "<title>AgentiCraft chat</title>" in page.text
    finally:
        _stop(process)


def test_serve_module_agent_with_an_api_key(tmp_path: Path) -> None:
    (tmp_path / "myagents.py").write_text(
        "from agenticraft import Agent\n"
        "from agenticraft.testing import FunctionModel\n"
        "support_agent = Agent(name='support_agent', model=FunctionModel(lambda m, t: 'Happy to help.'))\n"
    )
    port = _free_port()
    process, first = _serve(
        [f"{tmp_path / 'myagents.py'}:support_agent", "--port", str(port), "--api-key", "s3cret"]
    )
    try:
        assert first.startswith(f"serving agent support_agent at http://127.0.0.1:{port}/")
        url = f"http://127.0.0.1:{port}/v1"
        assert httpx.get(url + "/models").status_code == 401
        models = httpx.get(url + "/models", headers={"authorization": "Bearer s3cret"}).json()
        assert [m["id"] for m in models["data"]] == ["support_agent"]
        answer = httpx.post(
            url + "/chat/completions",
            headers={"authorization": "Bearer s3cret"},
            json={"model": "support_agent", "messages": [{"role": "user", "content": "Hi"}]},
        )
        assert answer.json()["choices"][0]["message"]["content"] == "Happy to help."
    finally:
        _stop(process)


def test_serve_a_module_that_is_not_an_agent_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "things.py").write_text("value = 3\n")
    assert_one_line_error(run_cli(["serve", f"{tmp_path / 'things.py'}:value"]), 2, "is not an Agent")
    assert_one_line_error(run_cli(["serve", "nope.py:agent"]), 2, "no file nope.py")
