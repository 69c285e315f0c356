"""Tree of Thoughts on Game of 24: search finds what a single greedy chain misses.

Each puzzle is solved twice with the same model and the same code: once as a single greedy
chain (one thought per step, no pruning: ``k=1, beam_width=1, threshold=0``) and once as a
real search (several proposals per state, model evaluations, a beam or depth-first search
with pruning and backtracking).

Offline (the default) the model is a deterministic function: asked to propose, it lists
arithmetic steps on the remaining numbers in a fixed order; asked to evaluate, it judges
whether the remaining numbers can still make 24 (sure / likely / impossible). Its first
proposal is often a dead end, which is why the greedy chain fails and the search does not.

    python examples/reasoning/tree_of_thoughts.py
    python examples/reasoning/tree_of_thoughts.py --search dfs --mermaid
    python examples/reasoning/tree_of_thoughts.py --model openai:gpt-4o-mini --puzzle "4 9 10 13"
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from itertools import combinations

from agenticraft import AgentiCraftError
from agenticraft.agents import ReasoningAgent
from agenticraft.core.messages import Message
from agenticraft.core.provider import StreamingProvider, ToolDefinition
from agenticraft.providers import resolve_model
from agenticraft.reasoning import TreeOfThoughts, TreeOfThoughtsResult
from agenticraft.testing import FunctionModel

# Task-specific prompts, as in the paper: they fix the step format so the steps can be checked.
# They keep the placeholders of the default prompts: {task}, {steps} and {k}.
PROPOSE_24 = """Task: {task}

Steps so far:
{steps}

Each step combines two of the numbers left with + - * / and lists the numbers then left, like \
"4 + 9 = 13 (left: 10 13 13)". Propose up to {k} different possible next steps, one per line, with \
no numbering or commentary. If exactly one number is left and it is 24, reply instead with one \
line "Answer: <one expression over the original numbers> = 24"."""

EVALUATE_24 = """Task: {task}

Steps so far:
{steps}

Evaluate these steps: can the numbers left still make 24? If the last step is an answer, is it \
a correct expression using each original number exactly once? Think briefly, then end with one \
word on the last line: sure, likely or impossible."""

PUZZLES = ["4 9 10 13", "1 4 8 8", "4 4 6 8", "5 6 7 8", "3 5 7 9"]

# -- the offline model: deterministic, it only ever sees the prompt ---------------------------
_STEP = re.compile(r"^(\d+) ([-+*/]) (\d+) = (\d+) \(left: ([\d ]*)\)$")
_ANSWER = re.compile(r"^Answer: (.+) = 24$")


def _reaches(numbers: list[int], target: int = 24) -> bool:
    """Whether the numbers make ``target`` with + - * / (exact integer steps, as proposed)."""
    if len(numbers) == 1:
        return numbers[0] == target
    for i, j in combinations(range(len(numbers)), 2):
        rest = [n for k, n in enumerate(numbers) if k not in (i, j)]
        if any(_reaches([*rest, value], target) for _, value in _steps(numbers[i], numbers[j])):
            return True
    return False


def _steps(a: int, b: int) -> list[tuple[str, int]]:
    big, small = max(a, b), min(a, b)
    out = [(f"{a} + {b}", a + b)]
    if big - small > 0:
        out.append((f"{big} - {small}", big - small))
    out.append((f"{a} * {b}", a * b))
    if small and big % small == 0:
        out.append((f"{big} / {small}", big // small))
    return out


def _state(prompt: str) -> tuple[list[tuple[int, str]], str | None]:
    """The remaining numbers (with the expression each stands for) after the steps in the
    prompt, and the answer if the last step is one."""
    task = re.search(r"^Task: Use ([\d ]+?) and", prompt, re.MULTILINE)
    numbers = [(int(n), n) for n in (task.group(1).split() if task else [])]
    steps = prompt.split("Steps so far:\n", 1)[-1].split("\n\n", 1)[0]
    answer = None
    for line in steps.splitlines():
        thought = re.sub(r"^\d+\. ", "", line.strip())
        step = _STEP.match(thought)
        final = _ANSWER.match(thought)
        if final:
            answer = final.group(1)
        elif step:
            a, op, b, c = int(step.group(1)), step.group(2), int(step.group(3)), int(step.group(4))
            exprs = []
            for value in (a, b):
                index = next((i for i, (v, _) in enumerate(numbers) if v == value), None)
                exprs.append(numbers.pop(index)[1] if index is not None else str(value))
            numbers.append((c, f"({exprs[0]} {op} {exprs[1]})"))
    return numbers, answer


def game24_model(messages: list[Message], tools: list[ToolDefinition]) -> str:
    prompt = messages[-1].text
    numbers, answer = _state(prompt)
    values = sorted(v for v, _ in numbers)
    if "Evaluate these steps" in prompt:
        if answer is not None or len(values) == 1:
            verdict = "sure" if values == [24] else "impossible"
        elif not _reaches(values):
            verdict = "impossible"
        else:
            verdict = "sure" if len(values) <= 2 else "likely"
        return f"Remaining numbers: {' '.join(map(str, values))}.\n{verdict}"
    if len(values) == 1:
        return f"Answer: {numbers[0][1].removeprefix('(').removesuffix(')')} = 24" if values == [24] else ""
    k = int(re.search(r"up to (\d+)", prompt).group(1)) if "up to" in prompt else 1  # type: ignore[union-attr]
    proposals = []
    for i, j in combinations(range(len(values)), 2):
        rest = [n for idx, n in enumerate(values) if idx not in (i, j)]
        for text, value in _steps(values[i], values[j]):
            left = " ".join(map(str, sorted([*rest, value])))
            proposals.append(f"{text} = {value} (left: {left})")
    return "\n".join(proposals[:k])


# -- the comparison -------------------------------------------------------------------------
def _describe(name: str, result: TreeOfThoughtsResult, calls: int) -> str:
    tree = result.tree
    counts = (
        f"{calls} model calls: {result.proposal_calls} proposals, {result.evaluation_calls} evaluations; "
        f"{len(tree.expanded)} expanded, {len(tree.pruned)} pruned"
    )
    if result.solved:
        return f"  {name}: solved: {result.answer} ({counts})"
    return f"  {name}: no solution, stopped by {result.stop_reason} ({counts})"


async def solve(model: StreamingProvider, puzzle: str, search: str, mermaid: bool) -> tuple[bool, bool]:
    task = f"Use {puzzle} and + - * / to make 24. Use each number exactly once."
    prompts = {"propose_prompt": PROPOSE_24, "evaluate_prompt": EVALUATE_24}
    greedy = ReasoningAgent(
        name="greedy",
        model=model,
        reasoning_pattern=TreeOfThoughts(k=1, beam_width=1, threshold=0.0, **prompts),
    )
    searcher = ReasoningAgent(
        name="search",
        model=model,
        reasoning_pattern="tree_of_thoughts",
        pattern_config={
            "search": search,
            "k": 8,
            "beam_width": 3,
            "threshold": 0.5,
            "max_model_calls": 120,
            **prompts,
        },
    )
    print(f"puzzle {puzzle}")
    outcomes = []
    for label, agent in (("greedy chain", greedy), (f"tree of thoughts ({search})", searcher)):
        response = await agent.think_and_act(task)
        result = response.result
        assert isinstance(result, TreeOfThoughtsResult)
        print(_describe(label, result, len(response.calls)))
        outcomes.append(result.solved)
        if mermaid and agent is searcher:
            print(result.tree.to_mermaid())
    return outcomes[0], outcomes[1]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="a model string such as openai:gpt-4o-mini (default: offline)")
    parser.add_argument("--base-url", help="an OpenAI-compatible server for --model (e.g. a local one)")
    parser.add_argument("--search", choices=["bfs", "dfs"], default="bfs")
    parser.add_argument("--puzzle", action="append", help="four numbers, e.g. '4 9 10 13' (repeatable)")
    parser.add_argument("--mermaid", action="store_true", help="print each search tree as Mermaid")
    args = parser.parse_args()
    model = (
        resolve_model(args.model, base_url=args.base_url)
        if args.model
        else FunctionModel(game24_model, model="offline-game24")
    )
    try:
        puzzles = args.puzzle or PUZZLES
        greedy_solved = search_solved = 0
        for puzzle in puzzles:
            greedy_ok, search_ok = await solve(model, puzzle, args.search, args.mermaid)
            greedy_solved += greedy_ok
            search_solved += search_ok
        total = len(puzzles)
        print(
            f"summary: tree of thoughts solved {search_solved}/{total}, greedy chain {greedy_solved}/{total}"
        )
    finally:
        await model.aclose()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AgentiCraftError as exc:  # no key, no server, a refused key: one line, not a traceback
        sys.exit(f"error: {exc}")
