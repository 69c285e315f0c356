"""Workflows: steps (functions or agents) wired into a graph that streams, fans out, branches,
retries, checkpoints, resumes and draws itself.

>>> from agenticraft.workflows import Workflow
>>> wf = Workflow("hello")
>>> @wf.step
... async def greet(ctx, name: str) -> str:
...     return f"Hello, {name}!"
"""

from __future__ import annotations

from agenticraft.workflows.checkpoint import (
    Checkpoint,
    CheckpointedRun,
    MemoryCheckpoint,
    SQLiteCheckpoint,
    default_checkpoint,
)
from agenticraft.workflows.engine import StepContext, WorkflowStream
from agenticraft.workflows.steps import Step, WorkflowDefinitionError, agent_step, step
from agenticraft.workflows.trace import (
    StepEndChunk,
    StepFailure,
    StepRecord,
    StepRetryChunk,
    StepStartChunk,
    StepTimeoutError,
    WorkflowEndChunk,
    WorkflowFailedError,
    WorkflowResult,
)
from agenticraft.workflows.workflow import Workflow

__all__ = [
    "Checkpoint",
    "CheckpointedRun",
    "MemoryCheckpoint",
    "SQLiteCheckpoint",
    "Step",
    "StepContext",
    "StepEndChunk",
    "StepFailure",
    "StepRecord",
    "StepRetryChunk",
    "StepStartChunk",
    "StepTimeoutError",
    "Workflow",
    "WorkflowDefinitionError",
    "WorkflowEndChunk",
    "WorkflowFailedError",
    "WorkflowResult",
    "WorkflowStream",
    "agent_step",
    "default_checkpoint",
    "step",
]
