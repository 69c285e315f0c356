"""The seams issue's snippet, as written, on FunctionModel and on the local OpenAI server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agenticraft import Agent, RunContext, RunHooks, ToolDefinition, Toolset, tool
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import StreamingProvider
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing import FunctionModel
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall


@dataclass
class Database:
    rows: dict[str, list[dict[str, Any]]]
    refunds: list[str] = field(default_factory=list)

    async def orders(self, user_id: str, limit: int) -> list[dict[str, Any]]:
        return self.rows[user_id][:limit]


@dataclass
class Deps:
    db: Database
    user_id: str


@tool
async def orders(ctx: RunContext[Deps], limit: int = 5) -> list[dict[str, Any]]:
    """The user's latest orders.

    Args:
        limit: How many orders to return.
    """
    return await ctx.deps.db.orders(ctx.deps.user_id, limit)


refunded: list[str] = []


@tool(requires_approval=True)
def refund(order_id: str) -> str:
    """Refund an order."""
    refunded.append(order_id)
    return f"refunded {order_id}"


class MyToolset(Toolset):
    async def list_tools(self, ctx: RunContext[Any]) -> list[ToolDefinition]:
        return [ToolDefinition("status", "Service status.")]

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        return "all systems go"


class AuditHooks(RunHooks):
    def __init__(self) -> None:
        self.tools: list[str] = []

    async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: Any) -> None:
        self.tools.append(f"{ctx.deps.user_id}:{call.name}")


async def snippet(model: StreamingProvider) -> tuple[Agent[Deps], AuditHooks, Any]:
    audit = AuditHooks()
    agent: Agent[Deps] = Agent(
        model=model, tools=[orders, refund], toolsets=[MyToolset()], hooks=[audit], deps_type=Deps
    )
    db = Database({"u42": [{"id": "o7", "item": "lamp"}, {"id": "o3", "item": "pen"}]})
    first = await agent.arun("Refund my last order", deps=Deps(db, "u42"), conversation_id="u42")
    assert first.stop_reason == "approval_required"
    call = first.pending_approvals[0]
    assert (call.name, call.arguments) == ("refund", {"order_id": "o7"})
    second = await agent.arun(approvals={call.id: True}, deps=Deps(db, "u42"), conversation_id="u42")
    return agent, audit, second


def scripted(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    last = messages[-1]
    if last.role == "user":
        return ToolCall("orders", {"limit": 1}, "c1")
    if last.results[0].name == "orders":
        order = json.loads(last.results[0].content)[0]
        return ToolCall("refund", {"order_id": order["id"]}, "c2")
    return f"Done: {last.results[0].content}."


async def test_the_snippet_on_function_model() -> None:
    refunded.clear()
    agent, audit, second = await snippet(FunctionModel(scripted))
    assert refunded == ["o7"] and second.content == "Done: refunded o7."
    assert audit.tools == ["u42:orders", "u42:refund"]
    assert [m.role for m in agent.conversation("u42")] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]
    assert agent.history == []


async def test_the_snippet_on_the_local_openai_server() -> None:
    refunded.clear()
    with OpenAIServer() as server:
        server.add_stream(tool_calls=[ScriptedToolCall("orders", {"limit": 1}, id="call_1")])
        server.add_stream(tool_calls=[ScriptedToolCall("refund", {"order_id": "o7"}, id="call_2")])
        server.add_stream("Refunded order o7.")
        provider = OpenAIProvider(
            "gpt-4o-mini", base_url=server.base_url, api_key="k", retry=RetryPolicy(max_retries=0)
        )
        _, audit, second = await snippet(provider)
        bodies = [r.json() for r in server.requests]
    assert refunded == ["o7"] and second.content == "Refunded order o7."
    assert sorted(t["function"]["name"] for t in bodies[0]["tools"]) == ["orders", "refund", "status"]
    assert "ctx" not in json.dumps(bodies[0]["tools"])
    last = bodies[-1]["messages"]
    assert [m["role"] for m in last] == ["user", "assistant", "tool", "assistant", "tool"]
    assert last[-1] == {"role": "tool", "tool_call_id": "call_2", "content": "refunded o7"}
    assert audit.tools == ["u42:orders", "u42:refund"]


def test_the_support_agent_example_runs_offline() -> None:
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "examples" / "support_agent.py"
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.splitlines() == [
        '[audit] u42: latest_orders({\'limit\': 1}) -> [{"id": "o7", "item": "lamp"}]',
        "waiting for approval: refund {'order_id': 'o7'}",
        "[audit] u42: refund({'order_id': 'o7'}) -> refunded o7",
        "Done: refunded o7.",
        "refunds: ['o7'] | messages in u42: 6",
    ]
