"""The added cost of one MCP tool call through an agent, against the SDK's bare call.

``python bench/mcp_call.py`` (``--smoke``: a few calls, for CI; ``--json``: one JSON line).
One stdio test server (``agenticraft.testing.mcp_server``) is started once; every figure uses
the same connection to it, so the server and the pipe cost the same in each:

- ``bare``: ``ClientSession.call_tool("add", ...)`` on the SDK session (the floor);
- ``toolset``: ``MCPServerStdio.call_tool`` (argument check against the input schema, result
  mapping) on that session;
- ``agent_mcp``: a whole agent run on ``FunctionModel`` whose first turn calls the MCP tool;
- ``agent_local``: the same run with a local async ``@tool`` of the same name instead.

``agent_mcp - agent_local`` is what one MCP call adds to a run; the report gives it next to
``bare`` and as a ratio to it. Medians of ``--calls`` rounds, each figure in turn per round
(so a slower moment of the machine hits all of them alike).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agenticraft import Agent, tool  # noqa: E402
from agenticraft.core.context import RunContext  # noqa: E402
from agenticraft.core.messages import ToolCall  # noqa: E402
from agenticraft.testing import FunctionModel  # noqa: E402
from agenticraft.testing.mcp_server import stdio_test_server  # noqa: E402


def _model(messages: list[Any], tools: list[Any]) -> Any:
    if messages[-1].role == "tool":
        return "done"
    return ToolCall("add", {"a": 2, "b": 3}, "call_1")


@tool
async def add(a: int, b: int) -> int:
    """Add two numbers (async, like the MCP call: no worker thread in either run)."""
    return a + b


async def measure(calls: int, warmup: int) -> dict[str, Any]:
    server = stdio_test_server()
    samples: dict[str, list[float]] = {"bare": [], "toolset": [], "agent_mcp": [], "agent_local": []}
    async with server:
        client = await server._live(None)  # the SDK client of the toolset's own connection
        ctx = RunContext(None)
        await server.list_tools(ctx)
        with_mcp = Agent(model=FunctionModel(_model), toolsets=[server])
        with_local = Agent(model=FunctionModel(_model), tools=[add])

        async def bare() -> None:
            result = await client.session.call_tool("add", {"a": 2, "b": 3})
            assert result.structured_content == {"result": 5}

        async def toolset() -> None:
            assert await server.call_tool("add", {"a": 2, "b": 3}, ctx) == {"result": 5}

        async def agent_mcp() -> None:
            assert (await with_mcp.arun("2 + 3?", history=[])).content == "done"

        async def agent_local() -> None:
            assert (await with_local.arun("2 + 3?", history=[])).content == "done"

        figures = {"bare": bare, "toolset": toolset, "agent_mcp": agent_mcp, "agent_local": agent_local}
        for round_ in range(warmup + calls):
            for name, run in figures.items():
                started = time.perf_counter()
                await run()
                if round_ >= warmup:
                    samples[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) * 1e6 for name, values in samples.items()}
    added = medians["agent_mcp"] - medians["agent_local"]
    return {
        "calls": calls,
        "median_us": {k: round(v, 1) for k, v in medians.items()},
        "added_by_mcp_call_us": round(added, 1),
        "toolset_over_bare": round(medians["toolset"] / medians["bare"], 3),
        "added_over_bare": round(added / medians["bare"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300, help="measured rounds (default 300)")
    parser.add_argument("--smoke", action="store_true", help="5 rounds, for CI")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    calls, warmup = (5, 1) if args.smoke else (args.calls, 20)
    result = asyncio.run(measure(calls, warmup))
    if args.json:
        print(json.dumps(result))
        return 0
    m = result["median_us"]
    print(f"one MCP tool call (stdio test server, median of {calls})")
    print(f"  bare ClientSession.call_tool      {m['bare']:10.1f} µs   1.00")
    print(f"  MCPServerStdio.call_tool          {m['toolset']:10.1f} µs   {result['toolset_over_bare']:.2f}")
    print(f"  agent run with one MCP call       {m['agent_mcp']:10.1f} µs")
    print(f"  agent run with one local call     {m['agent_local']:10.1f} µs")
    print(
        f"  added by the MCP call in the run  {result['added_by_mcp_call_us']:10.1f} µs   "
        f"{result['added_over_bare']:.2f} x bare"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
