"""Tree of Thoughts (after Yao et al., 2023, "Tree of Thoughts: Deliberate Problem Solving with
Large Language Models").

The model proposes candidate next thoughts for a state and evaluates states; the search is
ours. Breadth-first search keeps the ``beam_width`` best states of each level; depth-first
search follows the best child first, prunes children valued below ``threshold`` and
backtracks out of dead ends. All proposals of a level (BFS) or of a state (DFS, sample mode)
run concurrently, and so do all evaluations of the new states. ``max_model_calls`` bounds
the whole search: a concurrent batch is cut to what the budget still allows, never beyond.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from agenticraft.core.errors import ProviderError
from agenticraft.reasoning.base import PatternResult, ReasoningContext, config_error
from agenticraft.reasoning.parsing import Proposal, parse_proposals, parse_value
from agenticraft.reasoning.pattern import ReasoningPattern
from agenticraft.reasoning.tree import ThoughtNode, ThoughtTree

__all__ = ["EVALUATE_PROMPT", "PROPOSE_PROMPT", "TreeOfThoughts", "TreeOfThoughtsResult"]

PROPOSE_PROMPT = """Task: {task}

Steps so far:
{steps}

Propose up to {k} different possible next steps toward solving the task, one per line, with no \
numbering or commentary. If the steps so far already solve the task, reply instead with a single \
line "Answer: <the final answer>"."""

PROPOSE_ONE_PROMPT = """Task: {task}

Steps so far:
{steps}

Propose the single most promising next step toward solving the task, on one line with no \
commentary. If the steps so far already solve the task, reply instead with "Answer: <the final answer>"."""

EVALUATE_PROMPT = """Task: {task}

Steps so far:
{steps}

Evaluate these steps: can they still lead to a correct solution? If the last step is an answer, \
is it correct? Think briefly, then end with one word on the last line: sure, likely or impossible."""

SYSTEM = "You are one part of a search over possible solution steps. Follow the requested format exactly."


@dataclass(slots=True)
class TreeOfThoughtsResult(PatternResult):
    """The conclusion and the explored tree, with the counts of each kind of model call."""

    tree: ThoughtTree = field(default_factory=lambda: ThoughtTree.for_task(""))
    solution: ThoughtNode | None = None
    proposal_calls: int = 0
    evaluation_calls: int = 0
    budget_exhausted: bool = False

    @property
    def path(self) -> list[str]:
        """The thoughts leading to the solution."""
        return [n.thought for n in self.tree.path(self.solution)] if self.solution else []


def _steps_text(thoughts: Sequence[str]) -> str:
    if not thoughts:
        return "(none yet)"
    return "\n".join(f"{i}. {t}" for i, t in enumerate(thoughts, 1))


@dataclass
class TreeOfThoughts(ReasoningPattern):
    """Search over the model's thoughts.

    >>> tot = TreeOfThoughts(search="bfs", k=5, beam_width=2, max_depth=4, max_model_calls=60)

    - ``k``: candidate thoughts asked for per state (in ``"list"`` mode one call returns up to
      ``k`` lines; in ``"sample"`` mode ``k`` concurrent calls return one thought each);
    - ``beam_width``: BFS keeps this many best states per level;
    - ``threshold``: states valued below it are pruned (both searches; values are in [0, 1]:
      sure 1.0, likely 0.5, impossible 0.0, or a score);
    - ``n_evaluate``: evaluation calls per state, averaged;
    - ``stop_at_first_solution``: DFS stops at the first surviving answer and BFS at the end of
      the first level that has one; otherwise the search runs on and returns the best.
    """

    name: ClassVar[str] = "tree_of_thoughts"
    search: Literal["bfs", "dfs"] = "bfs"
    k: int = 3
    beam_width: int = 2
    max_depth: int = 4
    threshold: float = 0.3
    max_model_calls: int | None = 60
    propose_mode: Literal["list", "sample"] = "list"
    n_evaluate: int = 1
    stop_at_first_solution: bool = True
    propose_prompt: str = PROPOSE_PROMPT
    propose_one_prompt: str = PROPOSE_ONE_PROMPT
    evaluate_prompt: str = EVALUATE_PROMPT
    system: str = SYSTEM

    def __post_init__(self) -> None:
        if self.search not in ("bfs", "dfs"):
            raise config_error(self.name, f"search must be 'bfs' or 'dfs', got {self.search!r}")
        if self.propose_mode not in ("list", "sample"):
            raise config_error(
                self.name, f"propose_mode must be 'list' or 'sample', got {self.propose_mode!r}"
            )
        for attr in ("k", "beam_width", "max_depth", "n_evaluate"):
            if getattr(self, attr) < 1:
                raise config_error(self.name, f"{attr} must be at least 1")
        if self.max_model_calls is not None and self.max_model_calls < 2:
            raise config_error(self.name, "max_model_calls must allow a proposal and an evaluation")

    # -- the two model operations ----------------------------------------------------------
    @property
    def _calls_per_proposal(self) -> int:
        return self.k if self.propose_mode == "sample" else 1

    async def _propose(self, ctx: ReasoningContext, task: str, thoughts: list[str]) -> list[Proposal]:
        steps = _steps_text(thoughts)
        if self.propose_mode == "list":
            prompt = self.propose_prompt.format(task=task, steps=steps, k=self.k)
            text = await ctx.ask(prompt, purpose="propose", system=self.system)
            return parse_proposals(text, self.k)
        prompt = self.propose_one_prompt.format(task=task, steps=steps, k=self.k)
        replies = await asyncio.gather(
            *(ctx.ask(prompt, purpose="propose", system=self.system) for _ in range(self.k))
        )
        return parse_proposals(
            "\n".join(r.strip().splitlines()[0] if r.strip() else "" for r in replies), self.k
        )

    async def _evaluate(self, ctx: ReasoningContext, task: str, tree: ThoughtTree, node: ThoughtNode) -> None:
        thoughts = [n.thought if not n.final else f"Answer: {n.thought}" for n in tree.path(node)]
        prompt = self.evaluate_prompt.format(task=task, steps=_steps_text(thoughts), k=self.k)
        replies = await asyncio.gather(
            *(ctx.ask(prompt, purpose="evaluate", system=self.system) for _ in range(self.n_evaluate)),
            return_exceptions=True,
        )
        values: list[float] = []
        labels: list[str] = []
        for reply in replies:
            if isinstance(reply, ProviderError):
                continue
            if isinstance(reply, BaseException):
                raise reply
            value, label = parse_value(reply)
            if value is not None:
                values.append(value)
                labels.append(label)
        node.evaluation = "\n---\n".join(r for r in replies if isinstance(r, str))
        if values:
            node.value = sum(values) / len(values)
            node.label = labels[0] if len(set(labels)) == 1 else "mean"
            ctx.step(
                f"evaluate n{node.id}: {node.label} ({node.value:.2f})",
                node.evaluation,
                node.value,
                kind="evaluate",
                node=node.id,
            )

    # -- shared pieces of both searches ----------------------------------------------------
    async def _expand(
        self,
        ctx: ReasoningContext,
        task: str,
        tree: ThoughtTree,
        nodes: list[ThoughtNode],
        result: TreeOfThoughtsResult,
    ) -> list[ThoughtNode]:
        """Propose for ``nodes`` concurrently and evaluate all their children concurrently;
        returns the children, evaluated (or pruned for want of budget)."""
        per_node = self._calls_per_proposal
        affordable = ctx.affordable(per_node * len(nodes)) // per_node
        if affordable < len(nodes):  # the states left out stay "unvisited"
            result.budget_exhausted = True
        nodes = nodes[:affordable]
        proposals = await asyncio.gather(
            *(self._propose(ctx, task, [n.thought for n in tree.path(node)]) for node in nodes),
            return_exceptions=True,
        )
        result.proposal_calls += per_node * len(nodes)
        children: list[ThoughtNode] = []
        for node, proposed in zip(nodes, proposals, strict=True):
            node.status = "expanded"
            if isinstance(proposed, ProviderError):
                ctx.step(
                    f"expand n{node.id}: the proposal call failed", str(proposed), kind="expand", node=node.id
                )
                continue
            if isinstance(proposed, BaseException):
                raise proposed
            new = [tree.add(node, p.text, final=p.final) for p in proposed]
            children += new
            ctx.step(
                f"expand n{node.id}: {len(new)} thoughts proposed",
                "\n".join(f"n{c.id}: {'Answer: ' if c.final else ''}{c.thought}" for c in new),
                kind="expand",
                node=node.id,
                children=[c.id for c in new],
            )
        evaluable = ctx.affordable(self.n_evaluate * len(children)) // self.n_evaluate
        for child in children[evaluable:]:
            child.prune("budget spent before evaluation")
            result.budget_exhausted = True
        await asyncio.gather(*(self._evaluate(ctx, task, tree, c) for c in children[:evaluable]))
        result.evaluation_calls += self.n_evaluate * evaluable
        for child in children[:evaluable]:
            if child.value is None:
                child.prune("evaluation unreadable or failed")
            elif child.value < self.threshold:
                child.prune(f"value {child.value:.2f} below threshold {self.threshold:.2f}")
            if child.pruned:
                ctx.step(
                    f"prune n{child.id}: {child.prune_reason}",
                    child.thought,
                    child.value,
                    kind="prune",
                    node=child.id,
                )
        return children

    def _accept(self, ctx: ReasoningContext, node: ThoughtNode) -> None:
        node.status = "solution"
        ctx.step(
            f"solution n{node.id}: {node.thought}", node.thought, node.value, kind="solution", node=node.id
        )

    # -- the searches ----------------------------------------------------------------------
    async def _bfs(
        self, ctx: ReasoningContext, task: str, tree: ThoughtTree, result: TreeOfThoughtsResult
    ) -> None:
        frontier = [tree.root]
        for depth in range(1, self.max_depth + 1):
            children = await self._expand(ctx, task, tree, frontier, result)
            kept = sorted(
                (c for c in children if c.status == "unvisited"), key=lambda c: (-(c.value or 0.0), c.id)
            )
            found = [c for c in kept if c.final]
            for node in found:
                self._accept(ctx, node)
            frontier = []
            for rank, node in enumerate((c for c in kept if not c.final), 1):
                if len(frontier) < self.beam_width:
                    frontier.append(node)
                else:
                    node.prune(f"outside the beam (rank {rank} > beam width {self.beam_width})")
                    ctx.step(
                        f"prune n{node.id}: {node.prune_reason}",
                        node.thought,
                        node.value,
                        kind="prune",
                        node=node.id,
                    )
            if (found and self.stop_at_first_solution) or not frontier or result.budget_exhausted:
                return
            if ctx.remaining == 0:
                result.budget_exhausted = True
                return
            if depth == self.max_depth:
                for node in frontier:
                    node.status = "leaf"

    async def _dfs(
        self, ctx: ReasoningContext, task: str, tree: ThoughtTree, result: TreeOfThoughtsResult
    ) -> bool:
        """Depth-first from the root; true when the search should stop (solution or budget)."""

        async def visit(node: ThoughtNode) -> bool:
            if node.depth >= self.max_depth:
                node.status = "leaf"
                return False
            if ctx.affordable(self._calls_per_proposal) < self._calls_per_proposal:
                result.budget_exhausted = True
                return True
            children = await self._expand(ctx, task, tree, [node], result)
            survivors = sorted(
                (c for c in children if c.status == "unvisited"), key=lambda c: (-(c.value or 0.0), c.id)
            )
            for child in survivors:
                if child.final:
                    self._accept(ctx, child)
                    if self.stop_at_first_solution:
                        return True
                    continue
                if result.budget_exhausted:
                    return True
                if await visit(child):
                    return True
                ctx.step(
                    f"backtrack from n{child.id} to n{node.id}",
                    child.thought,
                    kind="backtrack",
                    node=child.id,
                )
            return result.budget_exhausted

        return await visit(tree.root)

    async def reason(self, ctx: ReasoningContext, task: str) -> TreeOfThoughtsResult:
        tree = ThoughtTree.for_task(task)
        result = TreeOfThoughtsResult(answer="", solved=False, tree=tree)
        if self.search == "bfs":
            await self._bfs(ctx, task, tree, result)
        else:
            await self._dfs(ctx, task, tree, result)
        best = tree.best_solution()
        result.solution = best
        if best is not None:
            result.answer, result.solved = best.thought, True
        else:
            result.stop_reason = "budget_exhausted" if result.budget_exhausted else "no_solution"
            # the search's best attempt, unverified (solved stays False): better than nothing
            attempt = tree.best_attempt()
            if attempt is not None:
                steps = [n.thought for n in tree.path(attempt) if n is not tree.root]
                result.answer = attempt.thought if attempt.final else "\n".join(steps)
        ctx.step(
            f"search done: {len(tree.expanded)} expanded, {len(tree.pruned)} pruned, "
            f"{result.proposal_calls} proposal and {result.evaluation_calls} evaluation calls",
            best.thought if best else "no solution",
            best.value if best else None,
            kind="summary",
            solution=best.id if best else None,
        )
        return result
