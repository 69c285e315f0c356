"""Workflows drawn as Mermaid flowcharts: the graph, and after a run each step's status and
duration.

Inputs are stadium nodes, steps are boxes (a fanned-out step a subroutine box), edges carry
``each`` for a fan-out and ``if`` into a conditional step; a dotted edge is an order-only
dependency. After a run each step is coloured by its status (classes ``done``, ``failed``,
``skipped``, ``blocked``, ``cancelled``, ``pending``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agenticraft.workflows.trace import WorkflowResult
    from agenticraft.workflows.workflow import Workflow

__all__ = ["to_mermaid"]

_CLASSES = {
    "done": "fill:#d4edda,stroke:#28a745",
    "failed": "fill:#f8d7da,stroke:#dc3545",
    "skipped": "fill:#eeeeee,stroke:#999999,stroke-dasharray:4",
    "blocked": "fill:#fff3cd,stroke:#ffc107",
    "cancelled": "fill:#fff3cd,stroke:#999999",
    "pending": "fill:#ffffff,stroke:#999999",
    "running": "fill:#cce5ff,stroke:#007bff",
}


def _id(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def to_mermaid(workflow: Workflow, result: WorkflowResult | None = None) -> str:
    """The Mermaid source of ``workflow`` (with ``result``: statuses and durations)."""
    workflow.check()
    lines = ["flowchart TD"]
    for name in workflow.inputs:
        lines.append(f'    input_{_id(name)}(["{_label(name)}"])')
    statuses: dict[str, list[str]] = {}
    for step in workflow.order():
        label = step.name + (
            f" (agent {step.agent.name})" if step.agent is not None and step.agent.name != step.name else ""
        )
        if result is not None:
            record = result.steps.get(step.name)
            status = record.status if record is not None else "pending"
            label += f"<br/>{status}"
            if record is not None and record.status in ("done", "failed"):
                label += " (restored)" if record.restored else f" {_duration(record.duration)}"
                items = [r for k, r in result.steps.items() if k.startswith(f"{step.name}[")]
                if items:
                    label += f", {len(items)} items"
                if record.attempts > 1:
                    label += f", {record.attempts} attempts"
            statuses.setdefault(status, []).append(_id(step.name))
        left, right = ("[[", "]]") if step.fan_out is not None else ("[", "]")
        lines.append(f'    {_id(step.name)}{left}"{_label(label)}"{right}')
    for step in workflow.order():
        target = _id(step.name)
        fed = {b.param.name for b in step.bindings}
        for binding in step.bindings:
            tags = [t for t, on in (("each", binding.fan_out), ("if", step.when is not None)) if on]
            arrow = f"-->|{', '.join(tags)}|" if tags else "-->"
            lines.append(f"    {_id(binding.source)} {arrow} {target}")
        for source in step.order_only:
            lines.append(f"    {_id(source)} -.-> {target}")
        for param in step.params:
            if param.name not in fed:
                arrow = "-->|if|" if step.when is not None else "-->"
                lines.append(f"    input_{_id(param.name)} {arrow} {target}")
    if result is not None:
        for status, ids in statuses.items():
            lines.append(f"    classDef {status} {_CLASSES.get(status, _CLASSES['pending'])}")
            lines.append(f"    class {','.join(ids)} {status}")
    return "\n".join(lines)
