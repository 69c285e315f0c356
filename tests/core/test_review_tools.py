"""Tools defined in a module with postponed annotations (this one): callable objects, partials,
and a parameter whose type cannot be resolved."""

from __future__ import annotations

import asyncio
import enum
import functools
import math
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from agenticraft import Agent, tool
from agenticraft.core.errors import ToolDefinitionError
from agenticraft.core.messages import ToolCall
from agenticraft.core.tools import Tool
from agenticraft.testing import ScriptedModel


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Brush(BaseModel):
    width: int = 1


class Painter:
    """Paint a wall."""

    def __call__(self, color: Color, brush: Brush | None = None, *, coats: int = 1) -> str:
        return f"{color.value} x{coats} width {brush.width if brush else 0}"


def paint(color: Color, coats: int) -> str:
    """Paint with a fixed number of coats."""
    return f"{color.value} x{coats}"


@pytest.mark.parametrize(
    ("function", "arguments", "expected"),
    [
        (Painter(), {"color": "red", "brush": {"width": 3}, "coats": 2}, "red x2 width 3"),
        (functools.partial(paint, coats=2), {"color": "blue"}, "blue x2"),
    ],
)
async def test_callable_objects_and_partials_resolve_postponed_annotations(
    function: object, arguments: dict[str, object], expected: str
) -> None:
    t = Tool(function, name="paint")  # type: ignore[arg-type]
    assert t.parameters["properties"]["color"] == {"$ref": "#/$defs/Color"}
    assert t.parameters["$defs"]["Color"]["enum"] == ["red", "blue"]
    outcome = await t.execute(arguments)
    assert (outcome.output, outcome.error) == (expected, None)
    refused = await t.execute({"color": "green"})
    assert refused.error is not None and "color" in refused.error


def make_local_tool() -> Tool:
    class Local(BaseModel):
        y: int

    def mixed(color: Color, extra: Local | None = None) -> str:
        return color.value

    return tool(mixed)


async def test_one_unresolvable_annotation_is_a_tool_definition_error_naming_the_tool() -> None:
    t = make_local_tool()
    with pytest.raises(ToolDefinitionError, match=r"'mixed'.*Local"):
        t.definition()
    # the run fails before anything reaches memory
    agent = Agent(model=ScriptedModel([[ToolCall("mixed", {"color": "red"})]]), tools=[t])
    with pytest.raises(ToolDefinitionError):
        await agent.arun("go")
    assert agent.history == []


def sync_wrapper(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator as many logging / retry helpers are written: a sync wrapper."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


@sync_wrapper
async def forecast(city: str) -> str:
    """The forecast for a city."""
    await asyncio.sleep(0)
    return f"sunny in {city}"


async def test_a_sync_wrapper_around_a_coroutine_function_is_awaited() -> None:
    t = tool(forecast)
    assert not t.is_async  # nothing tells it apart before the call
    outcome = await t.execute({"city": "Paris"})
    # before: '"<coroutine object forecast at 0x...>"' and "coroutine was never awaited"
    assert (outcome.output, outcome.error) == ("sunny in Paris", None)
    timed = await tool(timeout=5)(forecast).execute({"city": "Rome"})
    assert timed.output == "sunny in Rome"


def awkward(json: str, model_config: int, model_dump: str = "d", _hidden: int = 0) -> str:
    """Parameters named like pydantic's own attributes.

    Args:
        json: A JSON text.
        model_config: A number.
    """
    return f"{json} {model_config} {model_dump} {_hidden}"


async def test_parameters_named_like_pydantic_attributes_are_described_and_passed() -> None:
    import warnings

    t = tool(awkward)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: "shadows an attribute in parent BaseModel"
        schema = t.parameters
    # before: model_config vanished from the schema, model_dump / _hidden raised at the first run
    assert list(schema["properties"]) == ["json", "model_config", "model_dump", "_hidden"]
    assert schema["required"] == ["json", "model_config"]
    assert schema["properties"]["json"]["description"] == "A JSON text."
    outcome = await t.execute({"json": "{}", "model_config": "3", "_hidden": 1})
    assert (outcome.output, outcome.error) == ("{} 3 d 1", None)
    refused = await t.execute({"json": "{}"})
    assert refused.error is not None and "model_config: Field required" in refused.error


def scale(value: float, /, factor: float = 2.0) -> float:
    """Scale a value."""
    return value * factor


@pytest.mark.parametrize(("function", "arguments", "expected"), [(scale, {"value": 3}, "6.0")])
async def test_positional_only_parameters_are_passed_by_position(
    function: Callable[..., Any], arguments: dict[str, Any], expected: str
) -> None:
    # before: "got some positional-only arguments passed as keyword arguments", at every call
    outcome = await tool(function).execute(arguments)
    assert (outcome.output, outcome.error) == (expected, None)
    assert (await Tool(math.sqrt).execute({"x": 9})).output == "3.0"  # builtins are positional-only


def test_a_partial_or_callable_object_is_named_and_described_by_what_it_wraps() -> None:
    # before: both were named "tool", and the partial was described to the model by
    # functools.partial's own docstring
    wrapped = tool(functools.partial(paint, coats=2))
    assert (wrapped.name, wrapped.description) == ("paint", "Paint with a fixed number of coats.")
    obj = tool(Painter())
    assert (obj.name, obj.description) == ("Painter", "Paint a wall.")
    Agent(tools=[functools.partial(paint, coats=1), Painter()])  # two distinct names
