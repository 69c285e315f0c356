"""Typed output through the run loop: every output type in every mode, retries, validators,
partial snapshots, and the conversation kept consistent."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from agenticraft import Agent, RunContext, tool
from agenticraft.core.errors import ConfigurationError, ModelRetry, OutputValidationError
from agenticraft.core.events import OutputChunk, StreamChunk
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn

MODES = ["tool", "native", "prompted"]


class City(BaseModel):
    name: str
    country: str
    population: int


@dataclass
class Point:
    x: int
    y: int = 0


class Movie(TypedDict):
    title: str
    year: int


class Refusal(BaseModel):
    reason: str


PARIS = {"name": "Paris", "country": "France", "population": 2102650}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("output_type", "reply", "expected"),
    [
        (City, PARIS, City(**PARIS)),
        (Point, {"x": 3}, Point(3, 0)),
        (Movie, {"title": "Alien", "year": 1979}, {"title": "Alien", "year": 1979}),
        (int, "42", 42),
        (bool, "true", True),
        (list[City], json.dumps([PARIS, PARIS]), [City(**PARIS), City(**PARIS)]),
        (Literal["spam", "ham"], '"spam"', "spam"),
        (City | Refusal, {"reason": "unknown"}, Refusal(reason="unknown")),
    ],
)
async def test_every_output_type_in_every_mode(
    mode: str, output_type: Any, reply: Any, expected: Any
) -> None:
    model = ScriptedModel([reply])
    agent = Agent(model=model, output_type=output_type, output_mode=mode)  # type: ignore[arg-type]
    response = await agent.arun("Go")
    assert response.output == expected
    assert type(response.output) is type(expected)
    request = model.requests[0]
    assert request.output is not None and request.output.mode == mode
    if mode == "tool":
        assert [t.name for t in request.tools] == list(request.output.tool_names)
        assert response.content == ""
    else:
        assert request.tools == []
        assert json.loads(response.content) is not None  # the raw JSON text is kept
    system = request.messages[0]
    assert (system.role == "system" and "JSON schema" in system.text) is (mode == "prompted")


async def test_str_output_is_the_plain_text_and_a_run_can_override_the_agents_type() -> None:
    model = ScriptedModel(["Paris.", PARIS])
    agent = Agent(model=model, output_type=str)
    response = await agent.arun("Largest city in France?")
    assert response.output == "Paris." and model.requests[0].output is None
    typed = await agent.arun("Again, as data", output_type=City, output_mode="native")
    assert typed.output == City(**PARIS)


async def test_without_an_output_type_the_output_is_the_last_turns_text() -> None:
    @tool
    def lookup(city: str) -> str:
        return "big"

    model = ScriptedModel(
        [ScriptedTurn(text="Checking. ", tool_calls=[ToolCall("lookup", {"city": "P"})]), "Big."]
    )
    response = await Agent(model=model, tools=[lookup]).arun("Is Paris big?")
    assert response.content == "Checking. Big." and response.output == "Big."


@pytest.mark.parametrize("mode", MODES)
async def test_a_wrong_output_is_explained_to_the_model_which_fixes_it(mode: str) -> None:
    seen: list[Message] = []

    def answer(messages: list[Message], tools: list[ToolDefinition]) -> Any:
        seen.append(messages[-1])
        if len(seen) == 1:
            return {"name": "Paris", "country": "France", "population": "lots"}
        return PARIS

    agent = Agent(model=FunctionModel(answer), output_type=City, output_mode=mode)  # type: ignore[arg-type]
    response = await agent.arun("Largest city?")
    assert response.output == City(**PARIS)
    feedback = seen[1]
    text = feedback.results[0].content if mode == "tool" else feedback.text
    assert feedback.role == ("tool" if mode == "tool" else "user")
    assert "population: Input should be a valid integer" in text and '(got "lots")' in text
    assert [m.role for m in agent.history][-1] == ("tool" if mode == "tool" else "assistant")


@pytest.mark.parametrize("mode", MODES)
async def test_an_output_never_fixed_raises_with_the_raw_output_errors_and_partial(mode: str) -> None:
    bad = {"name": "Paris"}
    agent = Agent(model=ScriptedModel([bad, bad, bad]), output_type=City, output_mode=mode, output_retries=2)  # type: ignore[arg-type]
    with pytest.raises(OutputValidationError) as caught:
        await agent.arun("Largest city?")
    error = caught.value
    assert error.retries == 2 and json.loads(error.raw_output) == (
        {"name": "Paris"} if mode == "tool" else bad
    )
    assert error.errors == [
        'country: Field required (got {"name": "Paris"})',
        'population: Field required (got {"name": "Paris"})',
    ]
    assert error.partial_response is not None and len(error.partial_response.trace.turns) == 3
    assert error.partial_response.output is None
    # memory holds a consistent conversation: the next run starts cleanly
    agent.set_provider(ScriptedModel([PARIS]))
    assert (await agent.arun("Try again")).output == City(**PARIS)


async def test_output_retries_zero_fails_at_the_first_wrong_output() -> None:
    agent = Agent(model=ScriptedModel(["not json"]), output_type=City, output_mode="native", output_retries=0)
    with pytest.raises(OutputValidationError, match="after 0 retries: the value: Invalid JSON"):
        await agent.arun("Go")


async def test_a_text_answer_in_tool_mode_is_asked_again_as_a_call() -> None:
    model = ScriptedModel(["It is Paris.", PARIS])
    response = await Agent(model=model, output_type=City, output_mode="tool").arun("Largest city?")
    assert response.output == City(**PARIS)
    asked = model.requests[1].messages[-1]
    assert asked.role == "user" and "calling `final_result`" in asked.text


async def test_output_validators_sync_and_async_with_context_can_reject_and_change() -> None:
    model = ScriptedModel([{**PARIS, "population": 5}, PARIS])
    agent = Agent(model=model, output_type=City, output_mode="tool", deps_type=str)
    calls: list[str] = []

    @agent.output_validator
    def plausible(city: City) -> City:
        calls.append("sync")
        if city.population < 1000:
            raise ModelRetry("a capital has more than 1000 people")
        return city

    @agent.output_validator
    async def shout(ctx: RunContext[str], city: City) -> City:
        calls.append(f"async:{ctx.deps}")
        return city.model_copy(update={"name": city.name.upper()})

    response = await agent.arun("Largest city?", deps="d")
    assert response.output == City(name="PARIS", country="France", population=2102650)
    assert calls == ["sync", "sync", "async:d"]
    rejected = model.requests[1].messages[-1].results[0]
    assert rejected.is_error and "a capital has more than 1000 people" in rejected.content


async def test_other_calls_beside_a_valid_output_call_are_not_run_and_are_answered() -> None:
    ran: list[str] = []

    @tool
    def send_email(to: str) -> str:
        ran.append(to)
        return "sent"

    model = ScriptedModel(
        [[ToolCall("send_email", {"to": "a@b.c"}, id="c1"), ToolCall("final_result", PARIS, id="c2")]]
    )
    agent = Agent(model=model, output_type=City, output_mode="tool", tools=[send_email])
    response = await agent.arun("Go")
    assert response.output == City(**PARIS) and ran == []
    results = agent.history[-1].results
    assert [(r.tool_call_id, r.is_error) for r in results] == [("c1", False), ("c2", False)]
    assert results[0].content.startswith("Not run")


def test_a_tool_named_like_the_output_tool_is_refused() -> None:
    @tool
    def final_result(x: int) -> int:
        return x

    agent = Agent(model=ScriptedModel(["{}"]), output_type=City, output_mode="tool", tools=[final_result])
    with pytest.raises(ConfigurationError, match="name of the output tool"):
        agent.run("Go")


def test_an_output_type_pydantic_cannot_validate_is_refused_at_once() -> None:
    with pytest.raises(ConfigurationError, match=r"output_type=.* cannot be used"):
        Agent(model=ScriptedModel([]), output_type=object())
    with pytest.raises(ConfigurationError, match="output_mode must be"):
        Agent(model=ScriptedModel([]), output_type=City, output_mode="json")  # type: ignore[arg-type]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="typing.TypedDict works from Python 3.12")
def test_typing_typeddict_on_python_311_is_a_clear_error() -> None:
    import typing

    class Old(typing.TypedDict):
        a: int

    with pytest.raises(ConfigurationError, match=r"typing_extensions\.TypedDict"):
        Agent(model=ScriptedModel([]), output_type=Old)


# -- partial output ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_snapshots_of_a_slowly_streamed_object_are_valid_and_grow(mode: str) -> None:
    cities = [PARIS, {"name": "Lyon", "country": "France", "population": 522250}]
    agent = Agent(
        model=ScriptedModel([json.dumps(cities)], chunk_size=3, delay=0.001),
        output_type=list[City],
        output_mode=mode,
    )  # type: ignore[arg-type]
    async with agent.stream("Two French cities") as stream:
        snapshots = [s async for s in stream.stream_output(debounce=0)]
    assert len(snapshots) >= 3
    assert snapshots[-1] == stream.response.output == [City(**c) for c in cities]
    for before, after in itertools.pairwise(snapshots):
        assert all(isinstance(c, City) for c in after)
        assert len(after) >= len(before) and after[: len(before) - 1] == before[: len(before) - 1]


async def test_a_single_object_fills_in_field_by_field_without_a_wrong_number() -> None:
    agent = Agent(model=ScriptedModel([PARIS], chunk_size=2), output_type=City, output_mode="native")
    async with agent.stream("Largest city") as stream:
        snapshots = [s async for s in stream.stream_output(debounce=0)]
    assert [s.model_dump(exclude_unset=True) for s in snapshots[:2]] == [
        {"name": "P"},
        {"name": "Par"},
    ] or snapshots
    fields = [tuple(s.model_fields_set) for s in snapshots]
    assert fields[0] == ("name",) and set(fields[-1]) == {"name", "country", "population"}
    populations = [s.population for s in snapshots if "population" in s.model_fields_set]
    assert populations and set(populations) == {2102650}  # never a number cut off mid-stream
    assert all(isinstance(s, City) for s in snapshots)


async def test_snapshots_are_events_that_round_trip_and_the_last_one_is_final() -> None:
    agent = Agent(model=ScriptedModel([PARIS], chunk_size=5), output_type=City)
    events = [e async for e in agent.stream("Go")]
    outputs = [e for e in events if isinstance(e, OutputChunk)]
    assert outputs and [o.partial for o in outputs][-1] is False and all(o.partial for o in outputs[:-1])
    assert events[-2] is outputs[-1] and events[-1].type == "done"
    final = outputs[-1].to_dict()
    assert final["output"] == PARIS and final["type"] == "output"
    decoded = StreamChunk.from_dict(json.loads(json.dumps(final)))
    assert isinstance(decoded, OutputChunk) and decoded.output == PARIS and not decoded.partial


async def test_an_interrupted_typed_run_keeps_its_last_snapshot() -> None:
    agent = Agent(
        model=ScriptedModel([json.dumps([PARIS, PARIS])], chunk_size=4, delay=0.001),
        output_type=list[City],
        output_mode="native",
    )
    async with agent.stream("Go") as stream:
        async for snapshot in stream.stream_output(debounce=0):
            if len(snapshot) == 1:
                break
    assert stream.interrupted and stream.response.output == [City(**PARIS)]


async def test_stream_output_without_an_output_type_yields_the_text_so_far() -> None:
    agent = Agent(model=ScriptedModel(["Hello there, world"], chunk_size=3))
    async with agent.stream("Hi") as stream:
        texts = [t async for t in stream.stream_output(debounce=0)]
    assert texts[-1] == "Hello there, world" and all("Hello there, world".startswith(t) for t in texts)
    with pytest.raises(ConfigurationError):
        async for _ in agent.stream("Hi").stream_output(debounce=-1):
            pass


async def test_debounce_bounds_how_often_snapshots_are_taken() -> None:
    text = json.dumps([PARIS] * 20)
    agent = Agent(model=ScriptedModel([text] * 2, chunk_size=2), output_type=list[City], output_mode="native")
    async with agent.stream("Go") as stream:
        eager = [s async for s in stream.stream_output(debounce=0)]
    async with agent.stream("Go") as stream:
        calm = [s async for s in stream.stream_output(debounce=60)]
    assert len(eager) > 5 and len(calm) <= 2 and calm[-1] == eager[-1]


async def test_snapshot_work_stays_linear_in_the_length_of_the_output() -> None:
    from agenticraft.core.output.partial import SnapshotSchedule

    schedule = SnapshotSchedule(0)
    taken = [size for size in range(1, 1_000_001) if schedule.due(size)]
    assert len(taken) < 120  # geometric: about log(n) / log(1.125) snapshots
    assert sum(taken) < 10 * 1_000_000  # the work of all snapshots is a multiple of the length


async def test_concurrent_typed_runs_do_not_share_state() -> None:
    agent = Agent(
        model=FunctionModel(lambda m, t: {"name": m[-1].text, "country": "X", "population": 1}),
        output_type=City,
    )
    first, second = await asyncio.gather(
        agent.arun("A", conversation_id="a"), agent.arun("B", conversation_id="b")
    )
    assert (first.output.name, second.output.name) == ("A", "B")
