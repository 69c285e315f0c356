"""``agenticraft serve``: an agent (by default the demo agent) served on a chosen port."""

from __future__ import annotations

import signal
import socket
import subprocess

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
