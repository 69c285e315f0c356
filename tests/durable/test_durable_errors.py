"""The engine's edges: an unreachable database is a typed error, the URL forms, one DBOS per
process, and the extra is optional (``import agenticraft`` loads no DBOS)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError
from agenticraft.durable import DurableAgent, DurableDatabaseError, configure, database_url, launch, shutdown
from agenticraft.testing import FunctionModel


def test_a_sqlite_file_that_cannot_be_opened_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    configure(tmp_path / "file" / "runs.db")  # under a file: no database there
    with pytest.raises(DurableDatabaseError, match="cannot open the durable database sqlite:///"):
        launch()
    # nothing is left half-started: the next configuration works
    configure(tmp_path / "runs.db")
    try:
        durable = DurableAgent(Agent(model=FunctionModel(lambda m, t: "ok")), name="after-bad-db")
        assert durable.run("Hi", run_id="ok-1").content == "ok"
    finally:
        shutdown()


def test_an_unreachable_postgresql_server_is_a_typed_error_without_the_password() -> None:
    configure("postgresql://agent:s3cret@127.0.0.1:1/runs")  # port 1: connection refused
    with pytest.raises(DurableDatabaseError, match=r"postgresql://agent:\*\*\*@127.0.0.1:1/runs") as caught:
        launch()
    assert "s3cret" not in str(caught.value)
    configure(None)


def test_database_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert database_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    monkeypatch.setenv("AGENTICRAFT_DURABLE_DB", str(tmp_path / "env.db"))
    assert database_url() == f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.delenv("AGENTICRAFT_DURABLE_DB")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert database_url() == f"sqlite:///{tmp_path / '.agenticraft' / 'durable.db'}"


def test_one_engine_per_process_configured_before_it_starts(tmp_path: Path) -> None:
    configure(tmp_path / "runs.db")
    launch()
    try:
        launch()  # a second launch does nothing
        with pytest.raises(ConfigurationError, match="configure\\(\\) comes first"):
            configure(tmp_path / "other.db")
    finally:
        shutdown()


def test_a_durable_agent_name_is_registered_once() -> None:
    agent = Agent(model=FunctionModel(lambda m, t: "ok"))
    DurableAgent(agent, name="twice")
    DurableAgent(agent, name="twice")  # the same agent again: fine, one capability
    assert sum(1 for c in agent.capabilities if c.hooks) == 1
    with pytest.raises(ConfigurationError, match="'twice' is already registered"):
        DurableAgent(Agent(model=FunctionModel(lambda m, t: "ok")), name="twice")
    with pytest.raises(ConfigurationError, match="needs a name"):
        DurableAgent(agent, name="")


def test_import_agenticraft_loads_no_engine_and_a_missing_extra_names_it() -> None:
    code = (
        "import sys, agenticraft\n"
        "assert 'dbos' not in sys.modules and 'sqlalchemy' not in sys.modules\n"
        "sys.modules['dbos'] = None\n"
        "try:\n"
        "    import agenticraft.durable\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "pip install 'agenticraft[durable]'" in out.stdout


async def test_a_run_id_that_is_not_a_non_empty_str_is_refused(tmp_path: Path) -> None:
    from agenticraft.durable import DurableWorkflow, RunQueue
    from agenticraft.workflows import Workflow

    durable = DurableAgent(Agent(model=FunctionModel(lambda m, t: "ok")), name="run-id-checks")
    wf = Workflow("run-id-checks")

    @wf.step
    async def only() -> str:
        return "x"

    durable_wf = DurableWorkflow(wf)
    queue = RunQueue(str(tmp_path / "never-opened.db"))
    for bad, error in ((123, TypeError), ("", ValueError), ("  ", ValueError)):
        with pytest.raises(error, match="run_id must"):
            await durable.arun("Hi", run_id=bad)  # type: ignore[arg-type]
        with pytest.raises(error, match="run_id must"):
            await durable_wf.run(run_id=bad)  # type: ignore[arg-type]
        with pytest.raises(error, match="run_id must"):
            await queue.enqueue("run-id-checks", "Hi", run_id=bad)  # type: ignore[arg-type]
    queue.close()


async def test_a_run_id_used_again_for_another_request_is_a_typed_error(tmp_path: Path) -> None:
    from agenticraft.core.messages import Message
    from agenticraft.durable import DurableRunConflictError

    configure(tmp_path / "runs.db")
    seen: list[str] = []

    def answer(messages: list[Message], tools: object) -> str:
        seen.append(messages[-1].text)
        return f"answered {messages[-1].text}"

    durable = DurableAgent(Agent(model=FunctionModel(answer)), name="run-id-reuse")
    other = DurableAgent(Agent(model=FunctionModel(answer)), name="run-id-reuse-other")
    try:
        assert (await durable.arun("Refund order 123", run_id="r-1")).content == "answered Refund order 123"
        # the same request again (a caller retrying) is the same run, not run again
        assert (await durable.arun("Refund order 123", run_id="r-1")).content == "answered Refund order 123"
        assert (await durable.arun(run_id="r-1")).content == "answered Refund order 123"  # no prompt: read it
        with pytest.raises(DurableRunConflictError, match=r"'r-1' was started with another prompt"):
            await durable.arun("Refund order 456", run_id="r-1")
        with pytest.raises(DurableRunConflictError, match=r"another agent 'run-id-reuse'"):
            await other.arun("Refund order 123", run_id="r-1")
        assert seen == ["Refund order 123"]  # nothing ran for the refused requests
    finally:
        shutdown()
