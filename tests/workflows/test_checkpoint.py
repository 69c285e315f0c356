"""Checkpoints and resume: SQLite keeps each finished step; a run whose process is killed
(SIGKILL) resumes in a new process running only what had not finished."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from agenticraft.workflows import MemoryCheckpoint, SQLiteCheckpoint, Workflow, WorkflowDefinitionError

PIPELINE = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    from agenticraft.workflows import SQLiteCheckpoint, Workflow

    LOG = Path(os.environ["WF_LOG"])
    wf = Workflow("pipeline", checkpoint=SQLiteCheckpoint(os.environ["WF_DB"]))

    def log(line):
        with LOG.open("a") as f:
            f.write(line + "\\n")

    @wf.step
    async def fetch(ctx, topic: str) -> list[str]:
        log("fetch")
        return [f"{topic} {i}" for i in range(3)]

    @wf.step
    async def summarise(ctx, fetch: str) -> str:
        log("summarise " + fetch)
        return fetch.upper()

    @wf.step
    async def review(ctx, summarise: list[str]) -> int:
        log("review")
        if os.environ.get("WF_CRASH"):
            Path(os.environ["WF_MARK"]).write_text("reviewing")
            await asyncio.Event().wait()  # killed here
        return len(summarise)

    @wf.step
    async def publish(ctx, review: int, summarise: list[str]) -> str:
        log("publish")
        return f"{review}: " + ", ".join(summarise)

    async def main():
        if sys.argv[1] == "run":
            async with wf.stream(topic="cell") as stream:
                print(stream.run_id, flush=True)
                async for _ in stream:
                    pass
        else:
            result = await wf.resume(sys.argv[2])
            print(result["publish"])
            print(",".join(k for k, r in result.steps.items() if r.restored))

    asyncio.run(main())
    """
)


def test_resume_after_sigkill_reruns_only_the_unfinished_steps(tmp_path: Path) -> None:
    script = tmp_path / "pipeline.py"
    script.write_text(PIPELINE)
    mark = tmp_path / "mark"
    env = {
        **os.environ,
        "WF_LOG": str(tmp_path / "log"),
        "WF_DB": str(tmp_path / "runs.db"),
        "WF_MARK": str(mark),
    }
    child = subprocess.Popen(
        [sys.executable, str(script), "run"], env={**env, "WF_CRASH": "1"}, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        run_id = child.stdout.readline().strip()
        deadline = time.monotonic() + 30
        while not mark.exists():  # the review step has started: everything before it is saved
            assert child.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the review step never started"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    before = (tmp_path / "log").read_text().splitlines()
    assert before == ["fetch", "summarise cell 0", "summarise cell 1", "summarise cell 2", "review"]

    done = subprocess.run(
        [sys.executable, str(script), "resume", run_id], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    output, restored = done.stdout.splitlines()
    assert output == "3: CELL 0, CELL 1, CELL 2"
    assert set(restored.split(",")) == {"fetch", "summarise"}  # a finished fan-out comes back whole
    after = (tmp_path / "log").read_text().splitlines()[len(before) :]
    assert after == ["review", "publish"]  # only what had not finished ran again
    saved = asyncio.run(SQLiteCheckpoint(tmp_path / "runs.db").load_run(run_id))
    assert saved is not None and saved.status == "done"
    assert saved.inputs == {"topic": "cell"}
    assert saved.steps["review"] == 3


def test_a_resumed_fan_out_reruns_only_its_unfinished_items() -> None:
    checkpoint = MemoryCheckpoint()
    ran: list[str] = []

    def build() -> Workflow:
        wf = Workflow("items", checkpoint=checkpoint)

        @wf.step
        async def numbers(ctx: Any) -> list[int]:
            ran.append("numbers")
            return [1, 2, 3]

        @wf.step
        async def square(ctx: Any, numbers: int) -> int:
            ran.append(f"square {numbers}")
            return numbers * numbers

        return wf

    async def crash_after_two() -> str:
        wf = build()
        async with wf.stream() as stream:
            async for event in stream:
                if (
                    event.type == "extension"
                    and event.payload.get("step") == "square[1]"
                    and event.name == "step_end"
                ):
                    break  # the consumer goes away: square[2] may not have finished
        saved = await checkpoint.load_run(stream.run_id)
        assert saved is not None
        saved.steps.pop("square[2]", None)  # as if the process died before it
        saved.steps.pop("square", None)
        return stream.run_id

    run_id = asyncio.run(crash_after_two())
    ran.clear()
    result = asyncio.run(build().resume(run_id))
    assert result["square"] == [1, 4, 9]
    assert ran == ["square 3"]


def test_resume_of_an_unknown_run_or_another_workflow_is_refused(tmp_path: Path) -> None:
    checkpoint = SQLiteCheckpoint(tmp_path / "c.db")
    wf = Workflow("one", checkpoint=checkpoint)

    @wf.step
    async def only(ctx: Any) -> int:
        return 1

    result = asyncio.run(wf.run())
    with pytest.raises(WorkflowDefinitionError, match="no run 'nope'"):
        asyncio.run(wf.resume("nope"))
    other = Workflow("two", checkpoint=checkpoint)
    other.add(only)
    with pytest.raises(WorkflowDefinitionError, match="is a run of 'one'"):
        asyncio.run(other.resume(result.run_id))
    checkpoint.close()


def test_the_default_checkpoint_is_a_sqlite_file_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTICRAFT_WORKFLOW_DB", str(tmp_path / "default.db"))
    wf = Workflow("default")

    @wf.step
    async def one(ctx: Any) -> int:
        return 1

    result = asyncio.run(wf.run())
    assert isinstance(wf.checkpoint, SQLiteCheckpoint)
    assert (tmp_path / "default.db").exists()
    saved = asyncio.run(wf.checkpoint.load_run(result.run_id))
    assert saved is not None and saved.steps == {"one": 1}
