"""What a worker and an enqueuing process say when they cannot work: an unreachable database is a
typed error (one line on the command line), and bad options are usage errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agenticraft.cli.main import main
from agenticraft.durable import DurableDatabaseError
from agenticraft.durable.database import is_postgres, redact_db
from agenticraft.durable.queue import RunQueue
from agenticraft.durable.worker import new_executor_id

APP = str(Path(__file__).parents[1] / "durable" / "worker_app.py")


def _closed_port() -> int:
    with socket.socket() as s:  # bound then released: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")]),
    )
    argv = [sys.executable, "-m", "agenticraft.cli.main", "worker", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


def test_a_worker_on_an_unreachable_database_exits_with_one_typed_error_line() -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{_closed_port()}/runs"
    done = _worker(f"{APP}:support", "--db", url)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "DBOS failed to launch" not in done.stderr
    [last] = done.stderr.strip().splitlines()  # one line: what DBOS logs while failing is held
    assert last.startswith(
        "agenticraft: error: cannot open the durable database postgresql://app:***@127.0.0.1:"
    )
    assert "s3cret" not in done.stderr
    assert "Connection refused" in last


async def test_enqueueing_on_an_unreachable_database_is_a_typed_error() -> None:
    queue = RunQueue(f"postgresql://app:s3cret@127.0.0.1:{_closed_port()}/runs")
    with pytest.raises(DurableDatabaseError, match="cannot be reached") as caught:
        await queue.enqueue("support", "Refund order 1", run_id="r1")
    assert "s3cret" not in str(caught.value) and "app:***@" in str(caught.value)
    assert "\n" not in str(caught.value)  # psycopg's message spans lines: the error is one
    queue.close()


def test_a_worker_needs_a_durable_agent() -> None:
    done = _worker(f"{APP}:refund", "--db", "unused.db")
    assert done.returncode == 2
    assert "Tool is not a DurableAgent or an Agent" in done.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "0"], "--concurrency must be at least 1, not 0"),
        (["--queue-concurrency", "-1"], "--queue-concurrency must be at least 1"),
        (["--dead-after", "0"], "--dead-after and --poll must be a number of seconds more than 0"),
        (["--poll", "nan"], "--dead-after and --poll"),
    ],
)
def test_bad_worker_options_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worker", f"{APP}:support", "--db", "x.db", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_worker_needs_a_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AGENTICRAFT_DURABLE_DB", raising=False)
    assert main(["worker", f"{APP}:support"]) == 2
    assert "worker needs --db" in capsys.readouterr().err


def test_database_urls_are_told_apart_and_shown_without_their_password() -> None:
    assert is_postgres("postgresql://h/db") and is_postgres("postgresql+psycopg://h/db")
    assert is_postgres("postgres://h/db") and not is_postgres("runs.db")
    assert not is_postgres("sqlite:///runs.db")
    assert redact_db("postgresql://app:pw@h:5432/db") == "postgresql://app:***@h:5432/db"
    assert redact_db("postgresql://app@h/db") == "postgresql://app@h/db"
    assert redact_db("runs.db") == "runs.db"
    assert new_executor_id() != new_executor_id()


AGENTS_MODULE = """
from agenticraft import Agent
from agenticraft.testing import FunctionModel

plain = Agent(name="cli-worker-plain", model=FunctionModel(lambda messages, tools: "hi"))
several = {"a": plain}
nothing = []
"""


def test_the_worker_makes_plain_agents_durable_and_needs_one(tmp_path: Path) -> None:
    from agenticraft.cli.session import UsageError
    from agenticraft.cli.worker import load_durable_agents
    from agenticraft.durable import DurableAgent

    module = tmp_path / "cli_worker_agents.py"
    module.write_text(AGENTS_MODULE)
    (durable,) = load_durable_agents(f"{module}:several")  # a plain Agent, made durable
    assert isinstance(durable, DurableAgent) and durable.name == "cli-worker-plain"
    with pytest.raises(UsageError, match="no agent to run"):
        load_durable_agents(f"{module}:nothing")
