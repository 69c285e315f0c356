"""Instructions: the system text of a run, from fixed strings and from functions of the run.

An instruction function takes the :class:`~agenticraft.core.context.RunContext` (or nothing)
and returns text, sync or async; it is called at the start of every run, so it may read
``ctx.deps`` (the user's name, today's date). Empty results are left out; the rest are joined
by a blank line, in the order given.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from agenticraft.core.context import RunContext

__all__ = ["InstructionFunction", "InstructionSource", "render_instructions"]

InstructionFunction = Callable[..., "str | Awaitable[str | None] | None"]
InstructionSource = str | InstructionFunction


async def render_instructions(sources: Sequence[InstructionSource], ctx: RunContext[Any]) -> str | None:
    """The system text for this run, or ``None`` when there is none."""
    texts: list[str] = []
    for source in sources:
        if isinstance(source, str):
            text: Any = source
        else:
            takes_ctx = bool(inspect.signature(source).parameters)
            text = source(ctx) if takes_ctx else source()
            if inspect.isawaitable(text):
                text = await text
        if text:
            texts.append(str(text))
    return "\n\n".join(texts) or None
