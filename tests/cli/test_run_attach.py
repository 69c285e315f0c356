"""``agenticraft run --attach FILE``: files go with the prompt as content parts, over real HTTP."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cli_helpers import assert_one_line_error, offline_env, run_cli

from agenticraft.testing.servers.openai import OpenAIServer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))
PDF = b"%PDF-1.7\n" + bytes(32)


def test_attach_sends_each_file_as_a_part(openai_server: OpenAIServer, tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(PNG)
    (tmp_path / "spec.pdf").write_bytes(PDF)
    openai_server.answer_about_parts()
    args = [
        "run",
        "Describe this",
        "--attach",
        str(tmp_path / "photo.png"),
        "--attach",
        str(tmp_path / "spec.pdf"),
    ]
    result = run_cli([*args, "--model", "openai:gpt-4o", "--base-url", openai_server.base_url])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "I received 2 parts: image image/png (40 bytes); document application/pdf"
    )
    content = openai_server.requests[0].json()["messages"][-1]["content"]
    assert content == [
        {"type": "text", "text": "Describe this"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
        },
        {
            "type": "file",
            "file": {
                "filename": "spec.pdf",
                "file_data": "data:application/pdf;base64," + base64.b64encode(PDF).decode(),
            },
        },
    ]


def test_json_events_name_attachments_without_their_bytes(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    (tmp_path / "photo.png").write_bytes(PNG)
    openai_server.answer_about_parts()
    args = ["run", "What?", "--json", "--attach", str(tmp_path / "photo.png")]
    result = run_cli([*args, "--model", "openai:gpt-4o", "--base-url", openai_server.base_url])
    assert result.returncode == 0, result.stderr
    done = json.loads(result.stdout.splitlines()[-1])
    image = done["response"]["messages"][0]["parts"][1]
    assert image["kind"] == "image" and image["size"] == len(PNG) and "data" not in image
    assert base64.b64encode(PNG).decode() not in result.stdout


def test_a_missing_attachment_is_a_usage_error_before_any_request(
    openai_server: OpenAIServer, tmp_path: Path
) -> None:
    args = ["run", "Describe", "--attach", str(tmp_path / "nope.png")]
    result = run_cli([*args, "--model", "openai:gpt-4o", "--base-url", openai_server.base_url])
    assert_one_line_error(result, 2, "--attach", "nope.png", "no such file")
    assert openai_server.requests == []


def test_offline_demo_takes_attachments(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(PNG)
    result = run_cli(["run", "Look", "--offline", "--attach", str(tmp_path / "photo.png")], env=offline_env())
    assert result.returncode == 0, result.stderr
    assert "I received 1 attachment(s) (image_url)" in result.stdout
