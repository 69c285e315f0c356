"""Tree of Thoughts against a function model whose tree of thoughts is given by the test.

The model reads the prompt like a real one would: the steps so far pick its proposals, the last
step picks its evaluation. So the search (what is proposed, evaluated, expanded, pruned, in
which order and how concurrently) is entirely the pattern's doing, and checked exactly.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import pytest

from agenticraft.core.agent import Agent
from agenticraft.core.errors import ConfigurationError, ProviderError
from agenticraft.core.messages import Message
from agenticraft.core.provider import ToolDefinition
from agenticraft.reasoning import ReasoningResponse, TreeOfThoughts, TreeOfThoughtsResult
from agenticraft.testing import FunctionModel

Tree = Mapping[tuple[str, ...], Sequence[str]]


class TreeModel:
    """Proposes ``tree[path]`` and evaluates the last step with ``values[step]``; counts how
    many calls are in flight at once."""

    def __init__(self, tree: Tree, values: Mapping[str, str]) -> None:
        self.tree = tree
        self.values = values
        self.in_flight = Counter[str]()
        self.peak = Counter[str]()
        self.prompts: list[str] = []

    @staticmethod
    def path(prompt: str) -> tuple[str, ...]:
        block = prompt.split("Steps so far:\n", 1)[1].split("\n\n", 1)[0]
        if block.strip() == "(none yet)":
            return ()
        return tuple(re.sub(r"^\d+\. ", "", line) for line in block.splitlines())

    async def __call__(self, messages: list[Message], tools: list[ToolDefinition]) -> str:
        prompt = messages[-1].text
        self.prompts.append(prompt)
        kind = "evaluate" if "Evaluate these steps" in prompt else "propose"
        self.in_flight[kind] += 1
        self.peak[kind] = max(self.peak[kind], self.in_flight[kind])
        await asyncio.sleep(0)  # let the other calls of a concurrent batch start
        self.in_flight[kind] -= 1
        path = self.path(prompt)
        if kind == "evaluate":
            return f"Considering {path[-1]!r}...\n{self.values[path[-1]]}"
        return "\n".join(self.tree.get(path, []))


# a: promising, b: best, c: hopeless. b's subtree holds the answer at depth 2.
WIDE: Tree = {
    (): ["a", "b", "c"],
    ("a",): ["a1", "a2", "a3"],
    ("b",): ["b1", "Answer: B"],
}
WIDE_VALUES = {
    "a": "likely",
    "b": "sure",
    "c": "impossible",
    "a1": "impossible",
    "a2": "likely",
    "a3": "score: 9/10",
    "b1": "likely",
    "Answer: B": "sure",
}

# the best-looking branch a is a dead end; the answer is under b
TRAP: Tree = {(): ["a", "b"], ("a",): ["a1", "a2"], ("b",): ["Answer: 42"]}
TRAP_VALUES = {"a": "sure", "b": "likely", "a1": "impossible", "a2": "impossible", "Answer: 42": "sure"}


async def run(
    model: TreeModel, **config: object
) -> tuple[ReasoningResponse, TreeOfThoughtsResult, FunctionModel]:
    provider = FunctionModel(model)
    response = await TreeOfThoughts(**config).run(Agent(model=provider), "Find the answer.")  # type: ignore[arg-type]
    assert isinstance(response.result, TreeOfThoughtsResult)
    return response, response.result, provider


def statuses(result: TreeOfThoughtsResult) -> dict[str, str]:
    return {n.thought: n.status for n in result.tree.nodes[1:]}


async def test_bfs_expands_evaluates_and_prunes_exactly_as_configured() -> None:
    model = TreeModel(WIDE, WIDE_VALUES)
    response, result, provider = await run(model, search="bfs", k=3, beam_width=2, threshold=0.3, max_depth=3)

    assert result.solved and response.content == "B" and result.path == ["b", "B"]
    assert (result.proposal_calls, result.evaluation_calls) == (3, 8)  # 1 + 2 proposals; 3 + 5 evaluations
    tree = result.tree
    assert [n.thought for n in tree.expanded] == [tree.root.thought, "a", "b"]
    assert statuses(result) == {
        "a": "expanded",
        "b": "expanded",
        "c": "pruned",  # impossible < threshold
        "b1": "unvisited",  # in the beam, but the level had an answer
        "B": "solution",
        "a1": "pruned",  # impossible
        "a2": "pruned",  # rank 3 in a beam of 2
        "a3": "unvisited",
    }
    reasons = {n.thought: n.prune_reason for n in tree.pruned}
    assert "below threshold" in (reasons["c"] or "") and "below threshold" in (reasons["a1"] or "")
    assert "outside the beam" in (reasons["a2"] or "")
    nodes = {n.thought: n for n in tree.nodes}
    assert nodes["a3"].value == pytest.approx(0.9) and nodes["a3"].parent == nodes["a"].id
    # both level-2 proposals were in flight together, and all five evaluations of that level
    assert model.peak["propose"] == 2 and model.peak["evaluate"] == 5
    # every model call is a model turn in the trace, with its text
    turns = response.reasoning.turns
    assert len(turns) == len(provider.requests) == len(response.calls) == 11
    assert Counter(c.purpose for c in response.calls) == {"propose": 3, "evaluate": 8}
    assert sorted(t.text for t in turns) == sorted(c.reply for c in response.calls)
    assert [t.turn for t in turns] == list(range(1, 12))


async def test_the_best_valued_solution_is_returned_not_the_first() -> None:
    tree: Tree = {(): ["Answer: X", "Answer: Y", "Answer: Z"]}
    values = {"Answer: X": "likely", "Answer: Y": "sure", "Answer: Z": "impossible"}
    response, result, _ = await run(TreeModel(tree, values), search="bfs", k=3)
    assert response.content == "Y"
    assert statuses(result) == {"X": "solution", "Y": "solution", "Z": "pruned"}
    assert result.solution is not None and result.solution.value == 1.0


async def test_dfs_stops_at_the_first_answer_without_expanding_siblings() -> None:
    model = TreeModel(WIDE, WIDE_VALUES)
    response, result, _ = await run(model, search="dfs", k=3, threshold=0.3, max_depth=3)
    assert response.content == "B"
    assert [n.thought for n in result.tree.expanded][1:] == ["b"]  # BFS also expanded "a"
    assert (result.proposal_calls, result.evaluation_calls) == (2, 5)
    assert statuses(result)["a"] == "unvisited"


async def test_dfs_backtracks_out_of_a_dead_end_where_a_narrow_beam_fails() -> None:
    dfs_model = TreeModel(TRAP, TRAP_VALUES)
    response, dfs, _ = await run(dfs_model, search="dfs", k=2, threshold=0.3)
    assert response.content == "42"
    assert [n.thought for n in dfs.tree.expanded][1:] == ["a", "b"]
    assert statuses(dfs) == {
        "a": "expanded",
        "b": "expanded",
        "a1": "pruned",
        "a2": "pruned",
        "42": "solution",
    }
    kinds = [s.data["kind"] for s in response.reasoning_steps]
    assert kinds.count("backtrack") == 1
    backtrack = next(s for s in response.reasoning_steps if s.data["kind"] == "backtrack")
    assert backtrack.description == "backtrack from n1 to n0"
    assert dfs_model.peak["propose"] == 1  # depth-first: one state at a time

    narrow_response, narrow, _ = await run(TreeModel(TRAP, TRAP_VALUES), search="bfs", k=2, beam_width=1)
    assert not narrow.solved and narrow.stop_reason == "no_solution"
    attempt = narrow.tree.best_attempt()
    assert attempt is not None and narrow_response.content == "\n".join(
        n.thought for n in narrow.tree.path(attempt)
    )  # the best-valued path, returned unverified
    assert statuses(narrow)["b"] == "pruned"

    wide_model = TreeModel(TRAP, TRAP_VALUES)
    _, wide, _ = await run(wide_model, search="bfs", k=2, beam_width=2)
    assert wide.solved and wide.answer == "42"
    assert wide_model.peak["propose"] == 2  # breadth-first: the level's states together


async def test_depth_limit_leaves_nodes_unexpanded() -> None:
    tree: Tree = {(): ["a"], ("a",): ["b"], ("a", "b"): ["Answer: deep"]}
    values = {"a": "sure", "b": "sure", "Answer: deep": "sure"}
    for search in ("bfs", "dfs"):
        _, result, provider = await run(TreeModel(tree, values), search=search, max_depth=2)
        assert not result.solved and result.stop_reason == "no_solution"
        assert statuses(result) == {"a": "expanded", "b": "leaf"}
        assert len(provider.requests) == 4


@pytest.mark.parametrize("search", ["bfs", "dfs"])
@pytest.mark.parametrize("budget", [2, 3, 4, 5, 6, 9, 10])
async def test_the_model_call_budget_is_never_exceeded(search: str, budget: int) -> None:
    response, result, provider = await run(
        TreeModel(WIDE, WIDE_VALUES), search=search, k=3, beam_width=2, max_model_calls=budget
    )
    assert len(provider.requests) <= budget
    assert len(response.reasoning.turns) == len(provider.requests)
    assert result.proposal_calls + result.evaluation_calls == len(provider.requests)
    if not result.solved:
        assert result.budget_exhausted and result.stop_reason == "budget_exhausted"


async def test_budget_cuts_a_concurrent_batch_to_what_is_left() -> None:
    # 1 proposal + 3 evaluations, then 1 call left for the two level-2 proposals
    _, result, provider = await run(TreeModel(WIDE, WIDE_VALUES), search="bfs", k=3, max_model_calls=5)
    assert len(provider.requests) == 5 and result.budget_exhausted
    assert statuses(result)["b"] == "expanded" and statuses(result)["a"] == "unvisited"
    assert {n.prune_reason for n in result.tree.nodes if n.parent == 2} == {"budget spent before evaluation"}


async def test_sample_mode_makes_k_concurrent_proposal_calls_per_state() -> None:
    calls: Counter[tuple[str, ...]] = Counter()
    options = {(): ["x", "y", "x"], ("y",): ["Answer: done"]}
    model = TreeModel({}, {"x": "impossible", "y": "sure", "Answer: done": "sure"})

    async def sampler(messages: list[Message], tools: list[ToolDefinition]) -> str:
        prompt = messages[-1].text
        if "Evaluate" in prompt:
            return await model(messages, tools)
        path = TreeModel.path(prompt)
        reply = options[path][calls[path] % len(options[path])]
        calls[path] += 1
        return await model(messages, tools) or reply

    provider = FunctionModel(sampler)
    response = await TreeOfThoughts(propose_mode="sample", k=3).run(Agent(model=provider), "t")
    result = response.result
    assert isinstance(result, TreeOfThoughtsResult)
    assert result.answer == "done"
    assert result.proposal_calls == 6 and calls == {(): 3, ("y",): 3}
    assert [n.thought for n in result.tree.nodes[1:3]] == ["x", "y"]  # duplicate "x" dropped
    assert model.peak["propose"] == 3


async def test_unreadable_evaluations_are_pruned_and_said_so() -> None:
    _, result, _ = await run(TreeModel({(): ["a"]}, {"a": "no idea"}), max_depth=2)
    assert statuses(result) == {"a": "pruned"}
    assert result.tree.nodes[1].prune_reason == "evaluation unreadable or failed"


async def test_mermaid_shows_every_node_edge_and_status() -> None:
    tree: Tree = {(): ['say "hi" <b>', "Answer: ok"]}
    _, result, _ = await run(TreeModel(tree, {'say "hi" <b>': "impossible", "Answer: ok": "sure"}))
    mermaid = result.tree.to_mermaid()
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    n1["say #quot;hi#quot; #lt;b#gt;<br/>impossible 0.00"]' in lines
    assert "    n0 --> n1" in lines and "    n0 --> n2" in lines
    assert (
        "    class n1 pruned" in lines
        and "    class n2 solution" in lines
        and "    class n0 expanded" in lines
    )


async def test_reasoning_steps_carry_values_as_confidence() -> None:
    response, _, _ = await run(TreeModel(WIDE, WIDE_VALUES), k=3)
    evaluations = {
        s.data["node"]: s.confidence for s in response.reasoning_steps if s.data["kind"] == "evaluate"
    }
    assert evaluations[2] == 1.0 and evaluations[3] == 0.0
    assert [s.number for s in response.reasoning_steps] == list(range(1, len(response.reasoning_steps) + 1))
    assert all(s.pattern == "tree_of_thoughts" for s in response.reasoning_steps)


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        TreeOfThoughts(search="astar")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        TreeOfThoughts(beam_width=0)


async def test_a_failed_call_prunes_its_node_and_shows_in_the_trace() -> None:
    model = TreeModel({(): ["a", "b"], ("b",): ["Answer: ok"]}, {"b": "sure", "Answer: ok": "sure"})

    async def flaky(messages: list[Message], tools: list[ToolDefinition]) -> str:
        if "Evaluate" in messages[-1].text and TreeModel.path(messages[-1].text) == ("a",):
            raise ProviderError("overloaded", status_code=529)
        return await model(messages, tools)

    provider = FunctionModel(flaky)
    response = await TreeOfThoughts(k=2).run(Agent(model=provider), "t")
    result = response.result
    assert isinstance(result, TreeOfThoughtsResult) and result.answer == "ok"
    assert result.tree.nodes[1].prune_reason == "evaluation unreadable or failed"
    failed = [s for s in response.reasoning_steps if s.data["kind"] == "call_failed"]
    assert len(failed) == 1 and failed[0].data["purpose"] == "evaluate"
    assert len(provider.requests) == len(response.calls) == len(response.reasoning.turns) + 1


# BFS meets "meh" a level before "great"; DFS meets "meh" in the branch it tries first
SHALLOW_MEH: Tree = {(): ["Answer: meh", "c"], ("c",): ["Answer: great"]}
BRANCH_MEH: Tree = {(): ["a", "c"], ("a",): ["Answer: meh"], ("c",): ["Answer: great"]}
MEH_VALUES = {"a": "sure", "c": "likely", "Answer: meh": "likely", "Answer: great": "sure"}


@pytest.mark.parametrize(("search", "tree"), [("bfs", SHALLOW_MEH), ("dfs", BRANCH_MEH)])
async def test_searching_on_past_the_first_answer_returns_the_best_one(search: str, tree: Tree) -> None:
    _, first, _ = await run(TreeModel(tree, MEH_VALUES), search=search)
    assert first.answer == "meh" and [n.thought for n in first.tree.solutions] == ["meh"]
    _, best, _ = await run(TreeModel(tree, MEH_VALUES), search=search, stop_at_first_solution=False)
    assert best.answer == "great" and {n.thought for n in best.tree.solutions} == {"meh", "great"}


async def test_several_evaluations_of_a_state_are_averaged() -> None:
    model = TreeModel({(): ["a", "b"], ("a",): ["Answer: x"]}, {"a": "-", "b": "-", "Answer: x": "sure"})
    verdicts = {"a": iter(["sure", "likely"]), "b": iter(["impossible", "likely"])}

    async def judge(messages: list[Message], tools: list[ToolDefinition]) -> str:
        prompt = messages[-1].text
        last = TreeModel.path(prompt)[-1] if "Evaluate" in prompt else ""
        if last in verdicts:
            await model(messages, tools)  # counts the call as in flight
            return next(verdicts[last])
        return await model(messages, tools)

    response = await TreeOfThoughts(k=2, n_evaluate=2, threshold=0.3).run(
        Agent(model=FunctionModel(judge)), "t"
    )
    result = response.result
    assert isinstance(result, TreeOfThoughtsResult) and result.answer == "x"
    nodes = {n.thought: n for n in result.tree.nodes}
    assert (nodes["a"].value, nodes["a"].label) == (0.75, "mean")
    assert (nodes["b"].value, nodes["b"].status) == (0.25, "pruned")
    assert result.evaluation_calls == 6 and model.peak["evaluate"] == 4


@pytest.mark.parametrize(
    "reply", ["Final answer: 24", "**Final answer:** 24", "The answer is 24.", "\\boxed{24}"]
)
async def test_without_a_verified_solution_the_best_attempt_is_returned_unsolved(reply: str) -> None:
    from agenticraft.reasoning import TreeOfThoughts

    # the model answers every proposal and every evaluation with the same line: nothing is
    # ever valued, so no branch is verified; the answer it kept giving is still the result
    response = await TreeOfThoughts().run(
        Agent(model=FunctionModel(lambda m, t: reply)), "Use 4 9 10 13 to make 24."
    )
    assert response.content == "24"
    assert response.result is not None and response.result.solved is False
    assert response.result.stop_reason == "no_solution"
