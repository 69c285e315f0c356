"""Triage hands the customer to billing, which answers with its own tool, in one stream.
Runs offline: the models are FunctionModels.

    python examples/workflows/handoffs.py
"""

from __future__ import annotations

from typing import Any

from agenticraft import Agent
from agenticraft.core.events import ToolCallChunk
from agenticraft.core.handoffs import HandoffChunk
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel


def invoice_total(number: str) -> str:
    """The total of an invoice.

    Args:
        number: The invoice number.
    """
    return f"Invoice {number} comes to 42.00 EUR."


def billing_model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    last = messages[-1]
    if last.role == "tool" and last.results[0].name == "invoice_total":
        return f"Billing here: {last.results[0].content}"
    return ToolCall("invoice_total", {"number": "A-7"})


def triage_model(messages: list[Message], tools: list[ToolDefinition]) -> Any:
    asked = next(m.text for m in messages if m.role == "user")
    target = "transfer_to_billing" if "invoice" in asked else "transfer_to_support"
    return ToolCall(target, {})


billing = Agent(
    name="billing",
    instructions="You handle invoices.",
    model=FunctionModel(billing_model),
    tools=[invoice_total],
)
support = Agent(
    name="support", instructions="You fix problems.", model=FunctionModel(lambda m, t: "Support here.")
)
triage = Agent(
    name="triage",
    instructions="Route the customer.",
    model=FunctionModel(triage_model),
    handoffs=[billing, support],
)


def main() -> None:
    import asyncio

    async def run() -> None:
        async with triage.stream("How much is my invoice A-7?") as stream:
            async for event in stream:
                if isinstance(event, HandoffChunk):
                    print(f"[handoff {event.payload['from']} -> {event.payload['to']}]")
                elif isinstance(event, ToolCallChunk) and not event.name.startswith("transfer_to_"):
                    print(f"[{event.name}({event.arguments})]")
        print(stream.response.content)
        print(f"answered by: {stream.response.agent}")
        print(f"conversation: {[m.role for m in triage.history]}")

    asyncio.run(run())


if __name__ == "__main__":
    main()
