"""A process that runs one durable workflow run, for the test that kills and resumes it.

    python durable_workflow_child.py DB LOG MODE RUN_ID

Steps ``fetch`` and ``count`` run in parallel, ``report`` after both; each appends its name to
LOG when it starts. MODE ``kill``: SIGKILL this process when ``report`` starts (``fetch`` and
``count`` are recorded by then). Prints ``RESULT <json outputs>``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from agenticraft.durable import DurableWorkflow, configure
from agenticraft.workflows import Workflow

db, log, mode, run_id = sys.argv[1:5]
wf = Workflow("report")


def seen(name: str) -> None:
    with Path(log).open("a") as f:
        f.write(name + "\n")


@wf.step
async def fetch(topic: str) -> list[str]:
    seen("fetch")
    return [f"{topic} one", f"{topic} two"]


@wf.step
async def count(topic: str) -> int:
    seen("count")
    return len(topic)


@wf.step
async def report(fetch: list[str], count: int) -> str:
    seen("report")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return f"{count}: " + "; ".join(fetch)


configure(db)
durable = DurableWorkflow(wf)


async def main() -> None:
    result = await durable.run(run_id=run_id, topic="batteries")
    print("RESULT " + json.dumps(result.outputs), flush=True)


asyncio.run(main())
