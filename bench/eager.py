"""Eager tools and mid-stream fallback, with realistic delays: ``python bench/eager.py``
(``--smoke`` for CI sizes).

Runs against the local wire servers (:mod:`agenticraft.testing.servers`) paced like a real
model: 40 ms to the first token, then 20 ms per chunk.

- **Eager tools.** One turn streams 200 text chunks with three tool calls of 300 ms spread
  across it (Anthropic: text, a call, text, a call, text, a call, text; every call is
  complete at its ``content_block_stop``), then a 20-chunk answer. The wall time of the run
  with ``Agent(eager_tools=True)`` against the same run without; both runs must give the same
  answer and tool results. The same on OpenAI, whose calls all come after the text.
- **Mid-stream fallback.** OpenAI streams 100 of a 200-chunk answer and the connection drops.
  With ``fallback="continue"`` Anthropic goes on from the partial answer; the figure is the time
  from the failure to the first new text. Against it: a user (or a framework) retrying the
  whole request on the next model, which streams the answer again from its start, so the first
  text the user has not seen yet comes after the 100 chunks already shown.

Results go to ``bench/results/eager-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from report import machine_info  # noqa: E402

from agenticraft import Agent, tool  # noqa: E402
from agenticraft.core.errors import ProviderError  # noqa: E402
from agenticraft.core.events import TextChunk  # noqa: E402
from agenticraft.providers._http import NO_RETRY  # noqa: E402
from agenticraft.providers.anthropic import AnthropicProvider  # noqa: E402
from agenticraft.providers.fallback import FallbackChunk  # noqa: E402
from agenticraft.providers.openai import OpenAIProvider  # noqa: E402
from agenticraft.testing.servers import ScriptedResponse  # noqa: E402
from agenticraft.testing.servers.anthropic import AnthropicServer, Text, ToolUse, anthropic_stream  # noqa: E402
from agenticraft.testing.servers.openai import OpenAIServer, ScriptedToolCall, openai_stream_events  # noqa: E402


@dataclass(frozen=True, slots=True)
class Scenario:
    first_token: float = 0.040
    per_chunk: float = 0.020
    text_chunks: int = 200
    tool_seconds: float = 0.300
    tools: int = 3
    answer_chunks: int = 20
    cut_at: int = 100  # of text_chunks, for the fallback figure


SMOKE = Scenario(0.004, 0.001, 24, 0.02, 3, 4, 12)


def _paced(pieces: list[bytes], s: Scenario, content_type: str) -> ScriptedResponse:
    return ScriptedResponse(
        200, {"content-type": content_type}, pieces, delay=s.per_chunk, delays={0: s.first_token}
    )


def _words(n: int, start: int = 0) -> list[str]:
    return [f"w{i} " for i in range(start, start + n)]


# -- eager tools -----------------------------------------------------------------------------


def _anthropic_turn(s: Scenario) -> list[bytes]:
    per = s.text_chunks // (s.tools + 1)
    blocks: list[Any] = []
    for k in range(s.tools):
        blocks.append(Text(_words(per, k * per)))
        blocks.append(ToolUse("lookup", ['{"q": ', f'"item {k}"' + "}"], id=f"toolu_{k}"))
    blocks.append(Text(_words(s.text_chunks - per * s.tools, s.tools * per)))
    return anthropic_stream(blocks)


def _openai_turn(s: Scenario) -> list[bytes]:
    calls = [ScriptedToolCall("lookup", {"q": f"item {k}"}, id=f"call_{k}") for k in range(s.tools)]
    return openai_stream_events(_words(s.text_chunks), tool_calls=calls)


class Wire:
    """One OpenAI and one Anthropic server for the whole bench, with a provider on each that
    is used once before measuring (a client's first request to an endpoint builds its
    connection pool and TLS context, 150 ms here: not what is measured)."""

    def __init__(self) -> None:
        self.openai = OpenAIServer().start()
        self.anthropic = AnthropicServer().start()
        self.gpt = OpenAIProvider("gpt", base_url=self.openai.base_url, api_key="k", retry=NO_RETRY)
        self.claude = AnthropicProvider("claude", base_url=self.anthropic.url, api_key="k", retry=NO_RETRY)

    async def warm(self) -> None:
        self.openai.add_stream("warm")
        self.anthropic.add_stream(["warm"])
        await Agent(model=self.gpt).arun("warm")
        await Agent(model=self.claude).arun("warm")

    def close(self) -> None:
        self.openai.stop()
        self.anthropic.stop()


SSE = "text/event-stream"


async def _tool_run(wire: Wire, protocol: str, s: Scenario, eager: bool) -> tuple[float, float, Any]:
    """The run's wall time, the wait from the first turn's end to its last tool result, and
    the response."""

    @tool
    async def lookup(q: str) -> str:
        """Look something up (a 300 ms request)."""
        await asyncio.sleep(s.tool_seconds)
        return q.upper()

    if protocol == "anthropic":
        wire.anthropic.add(_paced(_anthropic_turn(s), s, SSE))
        wire.anthropic.add(_paced(anthropic_stream([Text(_words(s.answer_chunks))]), s, SSE))
        provider: Any = wire.claude
    else:
        wire.openai.add(_paced(_openai_turn(s), s, SSE))
        wire.openai.add(_paced(openai_stream_events(_words(s.answer_chunks)), s, SSE))
        provider = wire.gpt
    agent = Agent(model=provider, tools=[lookup], eager_tools=eager)
    started = time.perf_counter()
    turn_end = last_result = 0.0
    async with agent.stream("look up three items and explain") as stream:
        async for chunk in stream:
            if chunk.type == "turn_end" and not turn_end:
                turn_end = time.perf_counter()
            elif chunk.type == "tool_result":
                last_result = time.perf_counter()
    wall = time.perf_counter() - started
    return wall, last_result - turn_end, stream.response


async def eager_figures(wire: Wire, s: Scenario, reps: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for protocol in ("anthropic", "openai"):
        walls: dict[str, list[float]] = {"plain": [], "eager": []}
        waits: dict[str, list[float]] = {"plain": [], "eager": []}
        answers = set()
        for mode in ("plain", "eager"):  # once unmeasured: the tool's schema, the first turn
            await _tool_run(wire, protocol, s, mode == "eager")
        for _ in range(reps):
            for mode in ("plain", "eager"):
                wall, wait, response = await _tool_run(wire, protocol, s, mode == "eager")
                walls[mode].append(wall)
                waits[mode].append(wait)
                answers.add(
                    (response.content, tuple((r.tool_call_id, r.content) for r in response.tool_results))
                )
        if len(answers) != 1:
            raise RuntimeError(f"{protocol}: the eager and plain runs answered differently: {answers}")
        plain, eager = statistics.median(walls["plain"]), statistics.median(walls["eager"])
        out[protocol] = {
            "plain_s": plain,
            "eager_s": eager,
            "saved_s": plain - eager,
            # runs alternate plain, eager: the median of each pair's difference is steadier
            # than the difference of the medians on a loaded machine
            "saved_paired_s": statistics.median(
                p - e for p, e in zip(walls["plain"], walls["eager"], strict=True)
            ),
            "eager/plain": eager / plain,
            "tools_after_turn_plain_s": statistics.median(waits["plain"]),
            "tools_after_turn_eager_s": statistics.median(waits["eager"]),
            "walls": walls,
            "tools_after_turn": waits,
        }
    return out


# -- mid-stream fallback -----------------------------------------------------------------------


async def _cut_then(wire: Wire, s: Scenario, continue_: bool) -> dict[str, float]:
    """Seconds from the failure to the first text the user had not seen, and to the end."""
    # the role chunk, then cut_at text chunks, then the connection drops
    wire.openai.add(
        ScriptedResponse(
            200,
            {"content-type": SSE},
            openai_stream_events(_words(s.text_chunks)),
            delay=s.per_chunk,
            delays={0: s.first_token},
            cut_after=1 + s.cut_at,
        )
    )
    rest = _words(s.text_chunks - s.cut_at, s.cut_at) if continue_ else _words(s.text_chunks)
    wire.anthropic.add(_paced(anthropic_stream([Text(rest)]), s, SSE))
    models: list[Any] = [wire.gpt, wire.claude]
    seen = "".join(_words(s.cut_at))
    failed = new = None
    if continue_:
        agent = Agent(model=models, fallback="continue")
        async for chunk in agent.stream("write it"):
            if isinstance(chunk, FallbackChunk):
                failed = time.perf_counter()
            elif isinstance(chunk, TextChunk) and failed is not None and new is None:
                new = time.perf_counter()
        end = time.perf_counter()
        text = agent.history[-1].text
    else:
        try:
            await Agent(model=models).arun("write it")
            raise RuntimeError("the cut stream did not fail")
        except ProviderError:
            failed = time.perf_counter()
        shown = ""
        async for chunk in Agent(model=wire.claude).stream("write it"):  # the whole request again
            if isinstance(chunk, TextChunk):
                shown += chunk.content
                if new is None and len(shown) > len(seen):
                    new = time.perf_counter()
        end = time.perf_counter()
        text = shown
    if text != "".join(_words(s.text_chunks)) or failed is None or new is None:
        raise RuntimeError(f"the answer after the failure is wrong: {text[:80]!r}...")
    return {"to_new_text_s": new - failed, "to_end_s": end - failed}


async def fallback_figures(wire: Wire, s: Scenario, reps: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"continue": [], "retry": []}
    for _ in range(reps):
        runs["continue"].append(await _cut_then(wire, s, True))
        runs["retry"].append(await _cut_then(wire, s, False))
    out: dict[str, Any] = {}
    for mode, values in runs.items():
        out[mode] = {k: statistics.median(v[k] for v in values) for k in ("to_new_text_s", "to_end_s")}
    out["retry/continue to new text"] = out["retry"]["to_new_text_s"] / out["continue"]["to_new_text_s"]
    return out


# -- report ---------------------------------------------------------------------------------------


def render(document: dict[str, Any]) -> str:
    s = document["scenario"]
    lines = [
        f"Scenario: {s['first_token'] * 1000:.0f} ms to the first token, {s['per_chunk'] * 1000:.0f} ms per "
        f"chunk, {s['text_chunks']} text chunks, {s['tools']} tool calls of "
        f"{s['tool_seconds'] * 1000:.0f} ms, "
        f"{s['answer_chunks']}-chunk answer; cut after {s['cut_at']} chunks.",
        "",
        "| eager tools | plain wall | eager wall | saved (paired) | eager/plain "
        "| tools after the turn: plain | eager |",
        "|---|---|---|---|---|---|---|",
    ]
    for protocol, row in document["eager"].items():
        lines.append(
            f"| {protocol} | {row['plain_s'] * 1000:.0f} ms | {row['eager_s'] * 1000:.0f} ms | "
            f"{row['saved_s'] * 1000:.0f} ms ({row['saved_paired_s'] * 1000:.0f} ms) | "
            f"{row['eager/plain']:.3f} | "
            f"{row['tools_after_turn_plain_s'] * 1000:.0f} ms | "
            f"{row['tools_after_turn_eager_s'] * 1000:.0f} ms |"
        )
    fb = document["fallback"]
    lines += [
        "",
        "| after a cut midway | to the first new text | to the end of the answer |",
        "|---|---|---|",
        f"| fallback='continue' | {fb['continue']['to_new_text_s'] * 1000:.0f} ms | "
        f"{fb['continue']['to_end_s'] * 1000:.0f} ms |",
        f"| retry the whole request | {fb['retry']['to_new_text_s'] * 1000:.0f} ms | "
        f"{fb['retry']['to_end_s'] * 1000:.0f} ms |",
        "",
        f"- retry/continue, time to the first new text: {fb['retry/continue to new text']:.1f}x",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="eager tools and mid-stream fallback, paced servers")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and delays (CI)")
    parser.add_argument("--reps", type=int, help="runs per figure (median)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--name", help="file name stem (default: eager-<timestamp>)")
    args = parser.parse_args(argv)
    scenario = SMOKE if args.smoke else Scenario()
    reps = args.reps or (1 if args.smoke else 5)

    async def both() -> tuple[dict[str, Any], dict[str, Any]]:
        wire = Wire()
        try:
            await wire.warm()
            return await eager_figures(wire, scenario, reps), await fallback_figures(wire, scenario, reps)
        finally:
            wire.close()

    eager, fallback = asyncio.run(both())
    document = {
        "meta": {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "python "
            + " ".join(["bench/eager.py", *(argv if argv is not None else sys.argv[1:])]),
            "reps": reps,
            **machine_info(),
        },
        "scenario": {k: getattr(scenario, k) for k in scenario.__dataclass_fields__},
        "eager": eager,
        "fallback": fallback,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.name or f"eager-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    (args.out / f"{stem}.json").write_text(json.dumps(document, indent=1) + "\n")
    table = render(document)
    (args.out / f"{stem}.md").write_text(
        f"# Eager tools and mid-stream fallback, {document['meta']['date']}\n\n{table}"
    )
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
