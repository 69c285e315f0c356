"""A support agent built on the seams: deps through RunContext, a toolset of its own, an audit
hook, one conversation per user, and a refund that waits for a human's approval.

Runs offline with a scripted model: ``python examples/support_agent.py``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from agenticraft import Agent, RunContext, RunHooks, ToolDefinition, Toolset, tool
from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.testing import FunctionModel


@dataclass
class Database:
    orders: dict[str, list[dict[str, str]]]
    refunds: list[str] = field(default_factory=list)


@dataclass
class Deps:
    db: Database
    user_id: str


@tool
async def latest_orders(ctx: RunContext[Deps], limit: int = 5) -> list[dict[str, str]]:
    """The user's latest orders.

    Args:
        limit: How many orders to return.
    """
    return ctx.deps.db.orders[ctx.deps.user_id][:limit]


@tool(requires_approval=True)
def refund(ctx: RunContext[Deps], order_id: str) -> str:
    """Refund an order."""
    ctx.deps.db.refunds.append(order_id)
    return f"refunded {order_id}"


class StatusToolset(Toolset):
    label = "status"

    async def list_tools(self, ctx: RunContext[Any]) -> list[ToolDefinition]:
        return [ToolDefinition("service_status", "Whether the shop's systems are up.")]

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        return "all systems go"


class Audit(RunHooks):
    async def on_tool_end(self, ctx: RunContext[Any], call: ToolCall, result: ToolResult) -> None:
        print(f"[audit] {ctx.deps.user_id}: {call.name}({call.arguments}) -> {result.content}")


def scripted(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    """Plays the model: look the order up, ask to refund it, then answer."""
    last = messages[-1]
    if last.role == "user":
        return ToolCall("latest_orders", {"limit": 1}, "c1")
    if last.results[0].name == "latest_orders":
        order = json.loads(last.results[0].content)[0]
        return ToolCall("refund", {"order_id": order["id"]}, "c2")
    return f"Done: {last.results[0].content}."


async def main() -> None:
    agent = Agent(
        model=FunctionModel(scripted),
        tools=[latest_orders, refund],
        toolsets=[StatusToolset()],
        hooks=[Audit()],
        deps_type=Deps,
    )
    db = Database({"u42": [{"id": "o7", "item": "lamp"}]})
    deps = Deps(db, "u42")
    r = await agent.arun("Refund my last order", deps=deps, conversation_id="u42")
    for call in r.pending_approvals:
        print(f"waiting for approval: {call.name} {call.arguments}")
    r = await agent.arun(approvals={r.pending_approvals[0].id: True}, deps=deps, conversation_id="u42")
    print(r.content)
    print("refunds:", db.refunds, "| messages in u42:", len(agent.conversation("u42")))


if __name__ == "__main__":
    asyncio.run(main())
