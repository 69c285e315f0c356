"""The agent the worker tests run in ``agenticraft worker`` subprocesses: a support agent on the
local OpenAI server (``AGENTICRAFT_TEST_MODEL_URL``) with a ``refund`` tool that appends each call
to ``AGENTICRAFT_TEST_TOOL_LOG`` as it starts and as it ends (the side effect the tests count)."""

from __future__ import annotations

import os
import time

from agenticraft import Agent, tool
from agenticraft.durable import DurableAgent
from agenticraft.providers import OpenAIProvider, RetryPolicy


@tool
def refund(order: int) -> str:
    """Refund an order.

    Args:
        order: The order number.
    """
    _log(order, "start")
    time.sleep(float(os.environ.get("AGENTICRAFT_TEST_TOOL_SECONDS", "0.1")))  # a thread of its own
    _log(order, "end")
    return f"refunded {order}"


def _log(order: int, event: str) -> None:
    with open(os.environ["AGENTICRAFT_TEST_TOOL_LOG"], "a") as log:  # one short append: atomic
        log.write(f"{order} {os.getpid()} {event}\n")


agent = Agent(
    name="support",
    instructions="Refund what is asked.",
    model=OpenAIProvider(
        "gpt-4o-mini",
        base_url=os.environ.get("AGENTICRAFT_TEST_MODEL_URL", "http://127.0.0.1:9/v1"),
        api_key="test",
        retry=RetryPolicy(max_retries=0),
    ),
    tools=[refund],
)
support = DurableAgent(agent, name="support")
