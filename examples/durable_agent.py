"""A durable run that survives a killed process, offline: crash it, then resume it.

    python examples/durable_agent.py crash ./runs.db    # killed (SIGKILL) right after the refund
    python examples/durable_agent.py resume ./runs.db   # a new process finishes the same run

The run is a DBOS workflow keyed by its ``run_id``; each model turn and each tool call is a
recorded step in the SQLite file. The resumed process reuses the recorded first model turn and
the recorded refund instead of running them again, so ``./runs.db.log`` (every model turn and
every refund, appended as they really happen) shows each exactly once. The model is a
``FunctionModel`` standing in for a real one: nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from agenticraft import Agent, RunHooks, tool
from agenticraft.core.context import RunContext
from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.durable import DurableAgent, configure, shutdown
from agenticraft.testing import FunctionModel

RUN_ID = "refund-123"


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("crash", "resume"):
        print(__doc__)
        return 2
    _, mode, db = argv
    log = Path(db + ".log")

    def model(messages: list[Message], tools: Any) -> Any:
        turn = sum(m.role == "assistant" for m in messages) + 1
        with log.open("a") as f:
            f.write(f"model turn {turn}\n")
        if messages[-1].role == "tool":
            return f"Done: {messages[-1].results[0].content}."
        return ToolCall("refund", {"order": "123"}, "call-1")

    @tool(idempotent=False)  # a second call would pay twice: never re-run once started
    def refund(order: str) -> str:
        """Refund an order."""
        with log.open("a") as f:
            f.write(f"refund {order}\n")
        return f"order {order} refunded"

    class CrashAfterTheRefund(RunHooks):
        async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: ToolResult) -> None:
            print("refund recorded; killing this process", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, like a machine that loses power

    agent = Agent(
        name="support",
        model=FunctionModel(model),
        tools=[refund],
        hooks=[CrashAfterTheRefund()] if mode == "crash" else [],
    )
    configure(db)
    durable = DurableAgent(agent, name="support")
    result = asyncio.run(durable.arun("Refund order 123", run_id=RUN_ID))
    print(result.content)
    shutdown()
    print(log.read_text(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
