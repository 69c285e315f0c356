"""``agenticraft workflow show module:wf``: a workflow's graph as Mermaid, on stdout."""

from __future__ import annotations

from .session import UsageError, load_object


def show_workflow(spec: str) -> int:
    """Print the Mermaid flowchart of the workflow named by ``spec``; the exit code."""
    from agenticraft.workflows import Workflow

    target = load_object("workflow show", spec, "workflow")
    if not isinstance(target, Workflow):
        raise UsageError(f"workflow show {spec!r}: {type(target).__name__} is not a Workflow")
    print(target.to_mermaid())
    return 0
