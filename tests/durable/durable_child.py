"""A process that runs one durable agent run, for the tests that kill and resume it.

    python durable_child.py DB BASE_URL TOOL_LOG MODE RUN_ID

MODE ``kill``: SIGKILL this process right after the first tool call was recorded;
``resume`` / ``run``: run to the end. Every event streamed is printed as one JSON line, then
``RESPONSE <json>``. ``changed`` resumes with other instructions (a changed agent definition).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from agenticraft import Agent, RunHooks, tool
from agenticraft.core.context import RunContext
from agenticraft.core.messages import ToolCall, ToolResult
from agenticraft.durable import DurableAgent, configure
from agenticraft.providers.openai import OpenAIProvider

db, base_url, tool_log, mode, run_id = sys.argv[1:6]


@tool(idempotent=os.environ.get("DURABLE_IDEMPOTENT", "1") == "1")
def refund(order: str) -> str:
    """Refund an order."""
    with Path(tool_log).open("a") as f:
        f.write(order + "\n")
    if mode == "kill-inside":  # killed while the call runs: its end is never recorded
        os.kill(os.getpid(), signal.SIGKILL)
    return f"refunded {order}"


class KillAfterFirstTool(RunHooks):
    async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: ToolResult) -> None:
        os.kill(os.getpid(), signal.SIGKILL)  # the call's step is recorded by now


instructions = "Refund politely." if mode != "changed" else "Refund rudely."
agent = Agent(
    name="support",
    instructions=instructions,
    model=OpenAIProvider("gpt-4o-mini", base_url=base_url, api_key="sk-test"),
    tools=[refund],
    hooks=[KillAfterFirstTool()] if mode == "kill" else [],
)
configure(db, executor_id=os.environ.get("DURABLE_EXECUTOR"))
durable = DurableAgent(agent, name="support")


async def main() -> None:
    try:
        async with durable.stream("Refund order 123", run_id=run_id) as stream:
            async for event in stream:
                print(json.dumps(event.to_dict()), flush=True)
        print("RESPONSE " + json.dumps(stream.response.to_dict()), flush=True)
    except Exception as exc:
        print(f"ERROR {type(exc).__name__}: {exc}", flush=True)


asyncio.run(main())
