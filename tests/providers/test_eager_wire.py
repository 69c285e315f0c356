"""Eager tools over the local OpenAI, Anthropic and Ollama servers.

The proof that a call starts before its turn ends is the server's, not a clock's: the server
holds the rest of the turn (a gate) right after the call's complete point, and only the tool
opens it. The tool records how many pieces the server had sent when it started, and the
server records when it sent each piece; an eager call must have started before the last one.
Without eager execution the gate would only open at its timeout and the tool would see the
whole turn sent.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from agenticraft import Agent, tool
from agenticraft.core.eager import EagerStartChunk
from agenticraft.core.errors import ProviderConnectionError
from agenticraft.core.events import ApprovalRequiredChunk, RunEvent, ToolCallChunk, TurnEndChunk
from agenticraft.core.provider import StreamingProvider
from agenticraft.core.response import ToolStep, TurnStep
from agenticraft.providers._http import NO_RETRY
from agenticraft.providers.anthropic import AnthropicProvider
from agenticraft.providers.ollama import OllamaProvider
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedServer
from agenticraft.testing.servers.anthropic import AnthropicServer, Text, ToolUse
from agenticraft.testing.servers.ollama import OllamaServer, OllamaToolCall
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall

DIALECTS = ("openai", "anthropic", "ollama")


@dataclass
class Wire:
    """One dialect's server, and how to script a turn with two lookups on it."""

    dialect: str
    server: Any
    gate: threading.Event = field(default_factory=threading.Event)

    def provider(self) -> StreamingProvider:
        if self.dialect == "openai":
            return OpenAIProvider("gpt-4o-mini", base_url=self.server.base_url, api_key="k", retry=NO_RETRY)
        if self.dialect == "anthropic":
            return AnthropicProvider(
                "claude-sonnet-4-6", base_url=self.server.url, api_key="k", retry=NO_RETRY
            )
        return OllamaProvider("llama3.2", base_url=self.server.url, retry=NO_RETRY)

    def two_lookups(
        self, *, gated: bool = True, cut: bool = False, names: tuple[str, str] = ("lookup", "lookup")
    ) -> list[bytes]:
        """A turn: some text, lookup(q="a"), lookup(q="b"). With ``gated``, the server holds
        everything after the first call's complete point until the gate opens; with ``cut``,
        it drops the connection there instead of finishing the turn."""
        first, second = names
        if self.dialect == "openai":
            calls = [
                ScriptedToolCall(first, {"q": "a"}, id="call_a"),
                ScriptedToolCall(second, {"q": "b"}, id="call_b"),
            ]
            from agenticraft.testing.servers.openai import openai_stream_events

            pieces = openai_stream_events("Let me look. ", tool_calls=calls)
            marker = b'"call_b"'  # the next call begins: the first is complete
        elif self.dialect == "anthropic":
            from agenticraft.testing.servers.anthropic import anthropic_stream

            blocks = [
                Text(["Let me look. "]),
                ToolUse(first, ['{"q": ', '"a"}'], id="toolu_a"),
                ToolUse(second, ['{"q": "b"}'], id="toolu_b"),
            ]
            pieces = anthropic_stream(blocks)
            marker = b'"content_block_stop","index":1'
        else:
            from agenticraft.testing.servers.ollama import ollama_stream

            pieces = ollama_stream(
                ["Let me look. "],
                tool_calls=[OllamaToolCall(first, {"q": "a"}), OllamaToolCall(second, {"q": "b"})],
            )
            marker = b'"tool_calls"'
        at = next(i for i, p in enumerate(pieces) if marker in p) + 1
        gates = {at: self.gate} if gated else {}
        self._queue(pieces, gates=gates, cut_after=at if cut else None)
        return pieces

    def answer(self, text: str = "Found A and B.") -> None:
        if self.dialect == "anthropic":
            self.server.add_stream([text])
        else:
            self.server.add_stream([text] if self.dialect == "ollama" else text)

    def _queue(self, pieces: list[bytes], **options: Any) -> None:
        from agenticraft.testing.servers import ScriptedResponse

        content_type = "application/x-ndjson" if self.dialect == "ollama" else "text/event-stream"
        self.server.add(
            ScriptedResponse(200, {"content-type": content_type}, pieces, gate_timeout=3.0, **options)
        )

    def next_request(self, index: int = 1) -> Any:
        return self.server.requests[index].json()


@pytest.fixture(params=DIALECTS)
def wire(request: pytest.FixtureRequest) -> Iterator[Wire]:
    servers: dict[str, Callable[[], ScriptedServer]] = {
        "openai": OpenAIServer,
        "anthropic": AnthropicServer,
        "ollama": OllamaServer,
    }
    with servers[request.param]() as server:
        yield Wire(request.param, server)


@dataclass
class Started:
    query: str
    pieces_sent: int
    at: float


def _lookup(wire: Wire, log: list[Started], **options: Any) -> Any:
    @tool(**options)
    async def lookup(q: str) -> str:
        """Look something up."""
        exchange = wire.server.exchanges[-1]
        log.append(Started(q, exchange.pieces_sent, time.monotonic()))
        wire.gate.set()
        return q.upper()

    return lookup


async def _events(agent: Agent, prompt: str = "look up a and b", **options: Any) -> list[RunEvent]:
    events: list[RunEvent] = []
    async with agent.stream(prompt, **options) as stream:
        async for chunk in stream:
            events.append(chunk)
    return events


def _trace_key(steps: list[Any]) -> list[Any]:
    """The trace with each round's tool steps in call order (their order is timing's)."""
    out: list[Any] = []
    tools: list[ToolStep] = []
    for step in steps:
        if isinstance(step, ToolStep):
            tools.append(step)
            continue
        out.extend(sorted(tools, key=lambda s: s.id))
        tools = []
        out.append(step)
    return out + sorted(tools, key=lambda s: s.id)


async def test_an_eager_call_starts_before_the_turns_last_chunk_arrives(wire: Wire) -> None:
    log: list[Started] = []
    pieces = wire.two_lookups()
    wire.answer()
    agent = Agent(model=wire.provider(), tools=[_lookup(wire, log, eager=True)])
    events = await _events(agent)

    first = log[0]
    assert first.query == "a"
    exchange = wire.server.exchanges[0]
    assert first.pieces_sent < len(pieces)  # the server had not sent the whole turn
    assert first.at < exchange.sent_at[-1]  # and sent its last piece after the tool started
    kinds = [(type(e).__name__, getattr(e, "payload", {}).get("id")) for e in events]
    starts = [i for i, e in enumerate(events) if isinstance(e, EagerStartChunk)]
    turn_end = next(i for i, e in enumerate(events) if isinstance(e, TurnEndChunk))
    assert len(starts) == 2 and all(i < turn_end for i in starts), kinds
    # the first started before the second call had even arrived whole
    second_call = next(
        i for i, e in enumerate(events) if isinstance(e, ToolCallChunk) and e.arguments == {"q": "b"}
    )
    assert starts[0] < second_call


async def test_results_next_request_memory_and_trace_equal_a_non_eager_run(wire: Wire) -> None:
    runs = []
    for eager in (True, False):
        log: list[Started] = []
        wire.gate = threading.Event()
        wire.two_lookups(gated=eager)
        wire.answer()
        agent = Agent(model=wire.provider(), tools=[_lookup(wire, log)], eager_tools=eager)
        events = await _events(agent)
        response = next(e for e in events if e.type == "done").response  # type: ignore[union-attr]
        started = [e for e in events if isinstance(e, EagerStartChunk)]
        assert len(started) == (2 if eager else 0)
        runs.append((response, agent.history, wire.server.requests[-1].json()))
    (eager_r, eager_mem, eager_req), (plain_r, plain_mem, plain_req) = runs
    assert eager_req == plain_req  # the next request, byte for byte as JSON
    assert eager_mem == plain_mem
    assert eager_r.content == plain_r.content == "Let me look. Found A and B."
    assert eager_r.tool_results == plain_r.tool_results
    assert [r.content for r in eager_r.tool_results] == ["A", "B"]
    assert _trace_key(eager_r.trace.steps) == _trace_key(plain_r.trace.steps)
    assert [type(s) for s in _trace_key(eager_r.trace.steps)] == [TurnStep, ToolStep, ToolStep, TurnStep]


async def test_interrupting_the_turn_cancels_the_eager_call_and_memory_stays_consistent(wire: Wire) -> None:
    cancelled = asyncio.Event()
    running = asyncio.Event()

    @tool(eager=True)
    async def lookup(q: str) -> str:
        """Look something up, slowly."""
        running.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return q

    wire.two_lookups(names=("lookup", "other"))  # held at the gate: the turn never ends
    agent = Agent(model=wire.provider(), tools=[lookup])
    async with agent.stream("look") as stream:
        async for chunk in stream:
            if isinstance(chunk, EagerStartChunk):
                await running.wait()
                break
    assert cancelled.is_set()
    assert stream.interrupted and stream.response.tool_results == []
    assert [m.role for m in agent.history] == ["user", "assistant"]  # the text so far, no calls
    assert agent.history[-1].text == "Let me look. " and agent.history[-1].tool_calls == []
    wire.gate.set()


async def test_a_failed_turn_cancels_the_eager_call_and_commits_no_result(wire: Wire) -> None:
    cancelled = asyncio.Event()

    @tool(eager=True)
    async def lookup(q: str) -> str:
        """Look something up, slowly."""
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return q

    wire.two_lookups(gated=False, cut=True)  # the connection drops right after the first call
    agent = Agent(model=wire.provider(), tools=[lookup])
    events: list[RunEvent] = []
    with pytest.raises(ProviderConnectionError) as caught:
        async for chunk in agent.stream("look"):
            events.append(chunk)
    assert any(isinstance(e, EagerStartChunk) for e in events)
    assert cancelled.is_set()
    assert caught.value.partial_response is not None
    assert caught.value.partial_response.tool_results == []
    assert all(m.role != "tool" and not m.tool_calls for m in agent.history)


async def test_a_tool_needing_approval_waits_and_stops_the_turn(wire: Wire) -> None:
    log: list[Started] = []

    @tool(requires_approval=True)
    async def pay(q: str) -> str:
        """Pay."""
        log.append(Started(q, 0, 0.0))
        return "paid"

    lookup = _lookup(wire, log)
    wire.two_lookups(gated=False, names=("pay", "lookup"))
    agent = Agent(model=wire.provider(), tools=[pay, lookup], eager_tools=True)
    events = await _events(agent)
    started = [e.payload["name"] for e in events if isinstance(e, EagerStartChunk)]
    assert "pay" not in started  # never early
    waiting = next(e for e in events if isinstance(e, ApprovalRequiredChunk))
    assert [c.name for c in waiting.calls] == ["pay"]
    assert all(entry.query != "a" for entry in log)  # pay never ran
    # the turn stopped for approval: nothing of the eager lookup was kept as a result
    assert all(m.role != "tool" for m in agent.history)
    wire.answer("Paid and found.")
    pending = {c.id: True for c in waiting.calls}
    resumed = await agent.arun(approvals=pending)
    assert resumed.content == "Paid and found."
    assert sorted(r.content for r in resumed.tool_results) == ["B", "paid"]
