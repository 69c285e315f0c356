import asyncio
import enum
import functools
import math
import threading
from collections.abc import Callable
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from agenticraft import Agent, tool
from agenticraft.core.errors import ToolDefinitionError, ToolRetriesExceededError
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.tools import Tool, parse_docstring
from agenticraft.testing import ScriptedModel, ScriptedTurn


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

    # a postponed annotation (as under ``from __future__ import annotations``) naming a class
    # local to this function: it cannot be resolved from the tool's globals
    def mixed(color: Color, extra: "Local | None" = None) -> str:
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


def assert_consistent(history: list[Message]) -> None:
    """Every user message has a reply after it; every tool call has its result next."""
    for i, message in enumerate(history):
        if message.role == "user":
            assert i + 1 < len(history), "a user message without a reply slot"
        if message.tool_calls:
            assert i + 1 < len(history) and history[i + 1].role == "tool"
            assert {r.tool_call_id for r in history[i + 1].results} == {c.id for c in message.tool_calls}


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("sync", [True, False])
async def test_keyboard_interrupt_or_system_exit_in_a_tool_reaches_the_caller_unchanged(
    exc_type: type[BaseException], sync: bool
) -> None:
    slow_cancelled = asyncio.Event()

    @tool
    async def slow() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            slow_cancelled.set()
            raise
        return "never"

    def fail_sync() -> str:
        raise exc_type("from the tool")

    async def fail_async() -> str:
        await asyncio.sleep(0)
        raise exc_type("from the tool")

    fail = tool(name="fail")(fail_sync if sync else fail_async)
    model = ScriptedModel(
        [ScriptedTurn(text="Calling.", tool_calls=[ToolCall("slow", {}, "c1"), ToolCall("fail", {}, "c2")])]
    )
    agent = Agent(model=model, tools=[slow, fail])
    # before the fix the run ended in CancelledError while the interrupt escaped the event loop
    # from the tool's task ("Task exception was never retrieved")
    with pytest.raises(exc_type, match="from the tool"):
        await agent.arun("go")
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    assert slow_cancelled.is_set()  # the other call of the turn was cancelled
    assert model.open_streams == 0
    history = agent.history
    assert_consistent(history)
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[1].interrupted and history[1].text == "Calling." and not history[1].tool_calls


async def test_a_tool_whose_own_inner_task_was_cancelled_is_a_tool_error_not_a_run_cancellation() -> None:
    @tool
    async def fetch() -> str:
        inner = asyncio.create_task(asyncio.sleep(30))
        asyncio.get_running_loop().call_soon(inner.cancel)
        await inner  # raises CancelledError although nobody cancelled the run
        return "never"

    model = ScriptedModel([[ToolCall("fetch", {}, "c1")], "Could not fetch."])
    agent = Agent(model=model, tools=[fetch])
    response = await agent.arun("go")
    assert response.content == "Could not fetch."
    [result] = response.tool_results
    assert result.is_error and "was cancelled" in result.content
    assert model.requests[1].messages[-1].results[0].is_error


async def test_an_outer_cancellation_during_a_tool_still_propagates() -> None:
    started = asyncio.Event()

    @tool
    async def wait() -> str:
        started.set()
        await asyncio.sleep(30)
        return "never"

    agent = Agent(model=ScriptedModel([[ToolCall("wait", {}, "c1")]]), tools=[wait])
    task = asyncio.create_task(agent.arun("go"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert agent.history == []


async def test_tool_retries_exceeded_carries_the_partial_response() -> None:
    @tool(max_retries=0)
    def flaky() -> str:
        raise ValueError("boom")

    model = ScriptedModel([ScriptedTurn(text="Let me try.", tool_calls=[ToolCall("flaky", {}, "c1")])])
    agent = Agent(model=model, tools=[flaky])
    with pytest.raises(ToolRetriesExceededError) as info:
        await agent.arun("go")
    partial = info.value.partial_response
    assert partial is not None and partial.interrupted
    assert partial.content == "Let me try."
    assert [r.content for r in partial.tool_results] == ["Tool 'flaky' raised ValueError: boom"]
    assert_consistent(agent.history)


async def test_a_sync_tool_raising_stop_iteration_is_reported_not_hung() -> None:
    @tool
    def first_match(items: list[str]) -> str:
        return next(i for i in items if i.startswith("z"))

    model = ScriptedModel([[ToolCall("first_match", {"items": ["a"]}, "c1")], "None matched."])
    agent = Agent(model=model, tools=[first_match])
    # before: asyncio refused StopIteration on the future, so the tool call never finished
    response = await asyncio.wait_for(agent.arun("go"), 10)
    assert response.content == "None matched."
    assert response.tool_results[0].content == "Tool 'first_match' raised StopIteration: "


async def test_a_validator_raising_type_error_is_an_argument_error_not_a_crash() -> None:
    from pydantic import BaseModel, field_validator

    class Query(BaseModel):
        text: str

        @field_validator("text")
        @classmethod
        def not_blank(cls, value: str) -> str:
            if not value.strip():
                raise TypeError("text must not be blank")  # pydantic wraps only ValueError
            return value

    @tool
    def search(query: Query) -> str:
        return query.text

    model = ScriptedModel([[ToolCall("search", {"query": {"text": " "}}, "c1")], "Nothing to search."])
    agent = Agent(model=model, tools=[search])
    response = await agent.arun("go")  # before: the TypeError ended the run
    assert response.content == "Nothing to search."
    [result] = response.tool_results
    assert result.is_error and result.content.startswith("Invalid arguments for tool 'search': TypeError")


async def test_a_result_that_cannot_be_turned_into_text_is_a_tool_error() -> None:
    class Opaque:
        def __str__(self) -> str:
            raise RuntimeError("no text for this")

    @tool
    def make() -> object:
        return Opaque()

    model = ScriptedModel([[ToolCall("make", {}, "c1")], "ok"])
    response = await Agent(model=model, tools=[make]).arun("go")  # before: RuntimeError ended the run
    [result] = response.tool_results
    assert result.is_error and "no text for this" in result.content


def test_a_tool_result_that_is_not_valid_unicode_does_not_poison_later_runs() -> None:
    import json

    from agenticraft.testing import FunctionModel

    @tool
    def listdir() -> list[str]:
        """Files, one of them named in Latin-1 (os.listdir gives a lone surrogate)."""
        return [b"caf\xe9.txt".decode("utf-8", "surrogateescape"), "notes.txt"]

    sent: list[bytes] = []

    def model(messages: list[Message], tools: object) -> object:
        # what an adapter does with the conversation: it must encode
        sent.append(
            json.dumps(
                [m.text for m in messages] + [r.content for m in messages for r in m.results],
                ensure_ascii=False,
            ).encode()
        )
        return ToolCall("listdir", {}, f"c{len(sent)}") if messages[-1].role == "user" else "two files"

    agent = Agent(model=FunctionModel(model), tools=[listdir])
    agent.run("What is here?")
    assert agent.run("And now?").content == "two files"  # before: UnicodeEncodeError on every run
    assert "caf\ufffd.txt" in agent.history[2].results[0].content


async def test_a_failed_outcome_names_its_error_type() -> None:
    import asyncio as _asyncio

    from agenticraft.core.errors import ModelRetry
    from agenticraft.core.tools import outcome_of

    async def raises(exc: BaseException) -> None:
        raise exc

    async def slow() -> None:
        await _asyncio.sleep(5)

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    async def unprintable() -> Unprintable:
        return Unprintable()

    assert (await outcome_of("t", raises(ValueError("x")), None)).error_type == "ValueError"
    assert (await outcome_of("t", raises(ModelRetry("again")), None)).error_type == "ModelRetry"
    assert (await outcome_of("t", slow(), 0.01)).error_type == "timeout"
    assert (await outcome_of("t", unprintable(), None)).error_type == "invalid_result"
    assert (await outcome_of("t", _asyncio.sleep(0, "ok"), None)).error_type is None


def test_idempotent_false_is_part_of_the_definition() -> None:
    @tool(idempotent=False)
    def pay(amount: int) -> str:
        """Pay."""
        return "paid"

    assert pay.definition().idempotent is False

    def read() -> str:
        """Read."""
        return "x"

    assert tool(read).definition().idempotent is True


async def test_an_outcome_keeps_the_tools_return_value() -> None:
    from agenticraft.core.tools import outcome_of

    async def value() -> dict[str, int]:
        return {"a": 1}

    outcome = await outcome_of("t", value(), None)
    assert outcome.output == '{"a": 1}' and outcome.value == {"a": 1}
