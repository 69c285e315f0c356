"""Automatic selection: one cheap classification call picks the pattern for each task.

Three tasks go to the same ``auto`` agent: a question one chain of reasoning answers, a Game of
24 puzzle that needs search, and a question that needs a tool. For a fourth task the offline
classifier gives an unreadable reply, and the deterministic heuristic decides instead; the
choice, the method and the reason are printed for each.

Offline (the default) the model is a deterministic function: it classifies by reading the
task, and answers the pattern prompts the way the other examples' offline models do.

    python examples/reasoning/auto.py
    python examples/reasoning/auto.py --model openai:gpt-4o-mini
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys

from agenticraft import AgentiCraftError
from agenticraft.agents import ReasoningAgent
from agenticraft.core.messages import Message, ToolCall
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.tools import tool
from agenticraft.providers import resolve_model
from agenticraft.testing import FunctionModel, ScriptedTurn

TASKS = [
    "If 3 pencils cost 45 cents, what do 7 pencils cost in cents?",
    "Use 2 3 4 and + - * / to make 24 (three numbers this time).",
    "What is the population of Lyon according to the census tool?",
    "Explain briefly: is 91 a prime number?",
]


@tool
def census(city: str) -> str:
    """The population of a French city.

    Args:
        city: the city's name.
    """
    return {"lyon": "522,250"}.get(city.lower(), "unknown")


def offline_model(messages: list[Message], tools: list[ToolDefinition]) -> str | ScriptedTurn:
    prompt = messages[-1].text if messages[-1].role == "user" else ""
    if prompt.startswith("Choose the reasoning strategy"):
        task = prompt.split("Task: ", 1)[1]
        if "prime" in task:
            return "Hmm, hard to say."  # unreadable: the heuristic will decide
        if "make 24" in task:
            return "tree_of_thoughts: the numbers can be combined in many ways and most dead-end"
        if "tool" in task:
            return "react: the population has to be looked up"
        return "chain_of_thought: a single proportional calculation"
    if messages[-1].role == "tool":
        population = messages[-1].results[0].content
        return f"Thought: the tool answered.\nFinal Answer: Lyon has {population} inhabitants."
    if tools and "census" in prompt:
        return ScriptedTurn("Thought: I should ask the census tool.", [ToolCall("census", {"city": "Lyon"})])
    if "Evaluate these steps" in prompt:
        last = prompt.split("Steps so far:\n", 1)[1].split("\n\n", 1)[0].splitlines()[-1]
        return "sure" if "= 24" in last or "left: 4 6" in last else "impossible"
    if "Propose up to" in prompt:
        steps = prompt.split("Steps so far:\n", 1)[1].split("\n\n", 1)[0]
        if "(none yet)" in steps:
            return "2 + 3 = 5 (left: 4 5)\n2 * 3 = 6 (left: 4 6)"
        return "Answer: (2 * 3) * 4 = 24" if "left: 4 6" in steps else ""
    if "prime" in prompt:
        return "Step 1: 91 = 7 * 13.\nStep 2: So it has divisors other than 1 and itself.\nAnswer: no"
    numbers = [int(n) for n in re.findall(r"\d+", prompt)[:3]]
    each = numbers[1] // numbers[0]
    step = f"Step 1: One pencil costs {numbers[1]} / {numbers[0]} = {each} cents."
    return f"{step}\nAnswer: {each * numbers[2]} cents"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="a model string such as openai:gpt-4o-mini (default: offline)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server for --model (e.g. a local one)")
    args = parser.parse_args()
    model = (
        resolve_model(args.model, base_url=args.base_url)
        if args.model
        else FunctionModel(offline_model, model="offline-auto")
    )
    try:
        agent = ReasoningAgent(
            name="Generalist",
            model=model,
            tools=[census],
            reasoning_pattern="auto",
            pattern_config={"tree_of_thoughts": {"k": 4, "beam_width": 2, "max_model_calls": 40}},
        )
        for task in TASKS:
            response = await agent.think_and_act(task)
            selection = response.selection
            assert selection is not None
            why = f" [{selection.error}]" if selection.error else ""
            print(f"task: {task}")
            print(f"  pattern: {selection.pattern} (by {selection.method}: {selection.reason}){why}")
            print(f"  answer: {response.content} ({len(response.reasoning.turns)} model calls)")
            agent.clear_memory()
    finally:
        await model.aclose()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        sys.exit(f"error: {exc}")
