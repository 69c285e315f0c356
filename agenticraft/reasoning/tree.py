"""The tree a Tree of Thoughts search explored: nodes, their values and fate, and Mermaid output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["NodeStatus", "ThoughtNode", "ThoughtTree"]

NodeStatus = Literal["expanded", "pruned", "solution", "leaf", "unvisited"]
"""What became of a node:

- ``expanded``: the model was asked for its next thoughts;
- ``pruned``: cut (value below the threshold, outside the beam, unreadable evaluation, budget);
- ``solution``: a final answer that survived evaluation;
- ``leaf``: kept, but at the depth limit;
- ``unvisited``: kept, but the search ended (solution found, budget spent) before reaching it.
"""


@dataclass(slots=True)
class ThoughtNode:
    """One thought in the tree; the root holds the task."""

    id: int
    thought: str
    parent: int | None
    depth: int
    final: bool = False
    value: float | None = None
    label: str = ""
    evaluation: str = ""
    status: NodeStatus = "unvisited"
    prune_reason: str | None = None
    children: list[int] = field(default_factory=list)

    @property
    def expanded(self) -> bool:
        return self.status == "expanded"

    @property
    def pruned(self) -> bool:
        return self.status == "pruned"

    def prune(self, reason: str) -> None:
        self.status = "pruned"
        self.prune_reason = reason


@dataclass(slots=True)
class ThoughtTree:
    """All nodes the search created, by id (the root, node 0, holds the task).

    A dataclass, so ``to_jsonable`` turns the whole tree into plain JSON.
    """

    nodes: list[ThoughtNode]

    @classmethod
    def for_task(cls, task: str) -> ThoughtTree:
        return cls([ThoughtNode(0, task, None, 0)])

    @property
    def root(self) -> ThoughtNode:
        return self.nodes[0]

    def add(self, parent: ThoughtNode, thought: str, *, final: bool = False) -> ThoughtNode:
        node = ThoughtNode(len(self.nodes), thought, parent.id, parent.depth + 1, final=final)
        self.nodes.append(node)
        parent.children.append(node.id)
        return node

    def path(self, node: ThoughtNode) -> list[ThoughtNode]:
        """The thoughts from the root's child down to ``node`` (the root itself excluded)."""
        out: list[ThoughtNode] = []
        current: ThoughtNode | None = node
        while current is not None and current.parent is not None:
            out.append(current)
            current = self.nodes[current.parent]
        return out[::-1]

    def with_status(self, status: NodeStatus) -> list[ThoughtNode]:
        return [n for n in self.nodes if n.status == status]

    @property
    def expanded(self) -> list[ThoughtNode]:
        return self.with_status("expanded")

    @property
    def pruned(self) -> list[ThoughtNode]:
        return self.with_status("pruned")

    @property
    def solutions(self) -> list[ThoughtNode]:
        return self.with_status("solution")

    def best_solution(self) -> ThoughtNode | None:
        """The highest-valued solution; the earliest found among equals."""
        best: ThoughtNode | None = None
        for node in self.solutions:
            if best is None or (node.value or 0.0) > (best.value or 0.0):
                best = node
        return best

    def best_attempt(self) -> ThoughtNode | None:
        """When no solution survived: the node to answer with. Final answers come first, then the
        highest value, then the deepest thought; ``None`` for an empty tree."""
        candidates = [n for n in self.nodes if n is not self.root]
        if not candidates:
            return None
        return max(
            candidates, key=lambda n: (n.final, n.value if n.value is not None else -1.0, len(self.path(n)))
        )

    def render(self) -> str:
        """An indented text view, one node a line."""
        lines: list[str] = []

        def walk(node: ThoughtNode, indent: int) -> None:
            value = f" [{node.label or 'value'} {node.value:.2f}]" if node.value is not None else ""
            why = f" ({node.prune_reason})" if node.prune_reason else ""
            lines.append(f"{'  ' * indent}n{node.id} {node.status}{value}: {node.thought}{why}")
            for child in node.children:
                walk(self.nodes[child], indent + 1)

        walk(self.root, 0)
        return "\n".join(lines)

    def to_mermaid(self, *, max_label: int = 60) -> str:
        """The tree as a Mermaid flowchart, nodes styled by status."""
        lines = ["flowchart TD"]
        for node in self.nodes:
            text = node.thought if len(node.thought) <= max_label else node.thought[: max_label - 1] + "…"
            label = _escape(text)
            if node.value is not None:
                label += f"<br/>{_escape(node.label or 'value')} {node.value:.2f}"
            lines.append(f'    n{node.id}["{label}"]')
            if node.parent is not None:
                lines.append(f"    n{node.parent} --> n{node.id}")
            lines.append(f"    class n{node.id} {node.status}")
        lines += [
            "    classDef expanded fill:#e8f0fe,stroke:#4285f4",
            "    classDef pruned fill:#fce8e6,stroke:#d93025,stroke-dasharray:4 2",
            "    classDef solution fill:#e6f4ea,stroke:#188038,stroke-width:3px",
            "    classDef leaf fill:#fef7e0,stroke:#f9ab00",
            "    classDef unvisited fill:#f1f3f4,stroke:#9aa0a6",
        ]
        return "\n".join(lines)


def _escape(text: str) -> str:
    # Mermaid labels in double quotes accept HTML entities written as #name;
    return (
        " ".join(text.split())
        .replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
    )
