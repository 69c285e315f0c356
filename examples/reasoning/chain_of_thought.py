"""Chain of Thought, then self-consistency: five chains sampled concurrently, majority vote.

Offline (the default) the model is a deterministic function that works the problem out from
the numbers in the prompt and writes its steps in the untidy markdown real models use; on
every third sample it makes the classic slip of ignoring the minutes, so the vote has
something to outvote. With ``--model`` a real model does the reasoning.

    python examples/reasoning/chain_of_thought.py
    python examples/reasoning/chain_of_thought.py --model openai:gpt-4o-mini --samples 5
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from itertools import count

from agenticraft import AgentiCraftError
from agenticraft.agents import ReasoningAgent
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.providers import resolve_model
from agenticraft.reasoning import ChainOfThoughtResult
from agenticraft.reasoning.steps import ReasoningStepChunk
from agenticraft.testing import FunctionModel

TASK = "A train leaves at 14:10 and arrives at 17:45 the same day. How many minutes does the trip take?"


def make_offline_model() -> FunctionModel:
    calls = count()

    def trip_model(messages: list[Message], tools: list[ToolDefinition]) -> str:
        (h1, m1), (h2, m2) = [map(int, t) for t in re.findall(r"(\d{1,2}):(\d{2})", messages[-1].text)[:2]]
        slip = next(calls) % 3 == 2  # this sample forgets the minutes
        hours = h2 - h1
        minutes = hours * 60 if slip else hours * 60 + (m2 - m1)
        lines = [
            "Let's work through it.",
            "",
            f"**Step 1:** From {h1}:00 to {h2}:00 is {hours} hours, i.e. {hours * 60} minutes.",
        ]
        if not slip:
            lines.append(f"2) The minutes change from :{m1:02d} to :{m2:02d}, which adds {m2 - m1} minutes.")
        lines += ["", f"### Final answer: **{minutes} minutes.**", "Confidence: 0.9" if not slip else ""]
        return "\n".join(lines)

    return FunctionModel(trip_model, model="offline-reasoner")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="a model string such as openai:gpt-4o-mini (default: offline)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server for --model (e.g. a local one)")
    parser.add_argument("--samples", type=int, default=5, help="chains for self-consistency")
    parser.add_argument("--task", default=TASK)
    args = parser.parse_args()
    model = resolve_model(args.model, base_url=args.base_url) if args.model else make_offline_model()
    try:
        print("== one chain, streamed ==")
        agent = ReasoningAgent(name="Thinker", model=model, reasoning_pattern="chain_of_thought")
        async with agent.stream(args.task) as stream:
            async for chunk in stream:
                if isinstance(chunk, ReasoningStepChunk):
                    step = chunk.step
                    confidence = f" (confidence {step.confidence:.2f})" if step.confidence is not None else ""
                    print(f"  step {step.number}: {step.description}{confidence}")
        print(f"answer: {stream.response.content}")

        print(f"== self-consistency over {args.samples} samples ==")
        voter = ReasoningAgent(
            name="Voter",
            model=model,
            reasoning_pattern="chain_of_thought",
            pattern_config={"samples": args.samples},
        )
        response = await voter.think_and_act(args.task)
        result = response.result
        assert isinstance(result, ChainOfThoughtResult)
        for sample in result.samples:
            print(f"  sample {sample.index + 1}: {sample.chain.answer!r} -> {sample.normalized!r}")
        votes = ", ".join(
            f"{answer!r}: {n}" for answer, n in sorted(result.votes.items(), key=lambda kv: -kv[1])
        )
        print(f"votes: {votes}")
        print(f"answer: {response.content} ({len(response.reasoning.turns)} model calls in the trace)")
    finally:
        await model.aclose()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        sys.exit(f"error: {exc}")
