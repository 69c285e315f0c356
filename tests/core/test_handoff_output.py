"""``stream_output()`` on a run with handoffs follows the agent that answers: a target with an
output type of its own yields its typed snapshots, a target without one yields its text."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import BaseModel

from agenticraft import Agent
from agenticraft.core.messages import ToolCall
from agenticraft.testing import FunctionModel


class Invoice(BaseModel):
    number: str
    total: int


INVOICE = json.dumps({"number": "7", "total": 42})


def _triage(target: Agent, **options: Any) -> Agent:
    return Agent(
        name="triage",
        model=FunctionModel(lambda m, t: ToolCall("transfer_to_billing", {}, "t1")),
        handoffs=[target],
        **options,
    )


def _outputs(agent: Agent) -> tuple[list[Any], Any]:
    async def main() -> tuple[list[Any], Any]:
        async with agent.stream("What do I owe?") as stream:
            seen = [value async for value in stream.stream_output(debounce=0)]
        return seen, stream.response

    return asyncio.run(main())


def test_an_untyped_entry_agent_handing_to_a_typed_target_yields_the_targets_snapshots() -> None:
    billing = Agent(
        name="billing", model=FunctionModel(lambda m, t: INVOICE, chunk_size=5), output_type=Invoice
    )
    seen, response = _outputs(_triage(billing))
    assert response.agent == "billing" and response.output == Invoice(number="7", total=42)
    assert seen and all(isinstance(v, Invoice) for v in seen)  # not the JSON text
    assert seen[-1] == Invoice(number="7", total=42)


def test_a_typed_entry_agent_handing_to_an_untyped_target_yields_the_targets_text() -> None:
    billing = Agent(name="billing", model=FunctionModel(lambda m, t: "You owe 42 EUR.", chunk_size=4))
    seen, response = _outputs(_triage(billing, output_type=Invoice))
    assert response.agent == "billing" and response.output == "You owe 42 EUR."
    assert seen, "the target's answer must be seen"
    assert all(isinstance(v, str) for v in seen) and seen[-1] == "You owe 42 EUR."
    assert [len(v) for v in seen] == sorted(len(v) for v in seen)  # it grows
