import asyncio
import threading
from typing import Literal

import pytest
from pydantic import BaseModel

from agenticraft.core.errors import ToolDefinitionError
from agenticraft.core.tools import Tool, parse_docstring, tool


class Address(BaseModel):
    street: str
    zip_code: str


@tool
def plan_trip(
    cities: list[str],
    mode: Literal["train", "plane"],
    address: Address,
    days: int = 3,
    note: str | None = None,
) -> str:
    """Plan a trip through several cities.

    Args:
        cities: Cities to visit, in order.
        mode: How to travel.
        address: Where to start from.
        days: Number of days.
        note: Anything else
            the planner should know.

    Returns:
        The plan.
    """
    return f"{mode}:{','.join(cities)}:{address.zip_code}:{days}:{note}"


def test_schema_from_signature_and_docstring() -> None:
    schema = plan_trip.parameters
    props = schema["properties"]
    assert plan_trip.description == "Plan a trip through several cities."
    assert props["cities"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": "Cities to visit, in order.",
    }
    assert props["mode"]["enum"] == ["train", "plane"]
    assert props["days"]["default"] == 3 and props["days"]["type"] == "integer"
    assert props["note"]["description"] == "Anything else the planner should know."
    assert {"type": "null"} in props["note"]["anyOf"]
    assert sorted(schema["required"]) == ["address", "cities", "mode"]
    address_ref = props["address"]["$ref"].split("/")[-1]
    assert schema["$defs"][address_ref]["properties"]["zip_code"]["type"] == "string"
    assert "title" not in schema and "title" not in props["cities"]


def test_sphinx_and_numpy_docstrings() -> None:
    desc, params = parse_docstring(
        """Search.

        :param query: what to look for
        :param limit: how many
        :returns: hits
        """
    )
    assert desc == "Search." and params == {"query": "what to look for", "limit": "how many"}
    desc, params = parse_docstring(
        """Search.

        Parameters
        ----------
        query : str
            what to look for
        """
    )
    assert params == {"query": "what to look for"}


async def test_validation_converts_and_rejects() -> None:
    out = await plan_trip.execute(
        {
            "cities": ["Paris", "Lyon"],
            "mode": "train",
            "address": {"street": "x", "zip_code": "75001"},
            "days": "2",
        }
    )
    assert out.error is None and out.output == "train:Paris,Lyon:75001:2:None"
    bad = await plan_trip.execute({"cities": "Paris", "mode": "bus", "address": {}})
    assert bad.output is None and bad.error is not None
    assert "Invalid arguments for tool 'plan_trip'" in bad.error
    assert "mode" in bad.error and "address.street" in bad.error
    extra = await plan_trip.execute(
        {"cities": [], "mode": "train", "address": {"street": "a", "zip_code": "b"}, "x": 1}
    )
    assert extra.error is not None and "x" in extra.error


async def test_sync_tools_run_in_a_worker_thread_async_ones_on_the_loop() -> None:
    seen: dict[str, int] = {}

    @tool
    def where_sync() -> str:
        seen["sync"] = threading.get_ident()
        return "ok"

    @tool
    async def where_async() -> str:
        seen["async"] = threading.get_ident()
        return "ok"

    await where_sync.execute({})
    await where_async.execute({})
    assert seen["sync"] != threading.get_ident()
    assert seen["async"] == threading.get_ident()


async def test_raise_and_timeout_become_errors_for_the_model() -> None:
    @tool
    def boom(x: int) -> str:
        raise ValueError(f"bad x {x}")

    @tool(timeout=0.05)
    async def slow() -> str:
        await asyncio.sleep(10)
        return "never"

    out = await boom.execute({"x": 3})
    assert out.error == "Tool 'boom' raised ValueError: bad x 3"
    out = await slow.execute({})
    assert out.error is not None and "timed out after 0.05 s" in out.error


async def test_return_values_become_text() -> None:
    @tool
    def structured() -> dict[str, object]:
        return {"a": [1, 2], "b": "é"}

    @tool
    def model_out() -> Address:
        return Address(street="s", zip_code="z")

    assert (await structured.execute({})).output == '{"a": [1, 2], "b": "é"}'
    assert (await model_out.execute({})).output == '{"street":"s","zip_code":"z"}'


def test_bad_definitions_are_refused() -> None:
    def variadic(*args: int) -> None: ...

    with pytest.raises(ToolDefinitionError, match=r"\*args"):
        Tool(variadic)
    with pytest.raises(ToolDefinitionError, match="name"):
        Tool(lambda: None, name="has space")


def test_options_and_direct_call() -> None:
    @tool(name="renamed", description="Custom.", sequential=True, max_retries=1)
    def f(a: int) -> int:
        return a * 2

    assert (f.name, f.description, f.sequential, f.max_retries) == ("renamed", "Custom.", True, 1)
    assert f(21) == 42
    assert f.definition().parameters["properties"]["a"]["type"] == "integer"
