"""Long-term memory in a run: a toolset the model uses, and a hook that recalls for it.

Both plug into the core's seams (:class:`~agenticraft.core.toolsets.Toolset`,
:class:`~agenticraft.core.hooks.RunHooks`); neither needs anything of the loop. The namespace is
fixed or a function of the run (``lambda ctx: f"user:{ctx.deps.user_id}"``), so one agent
serves many users, each with their own memories.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from agenticraft.core.context import RunContext
from agenticraft.core.errors import LongTermMemoryError, NamespaceNotFoundError, ToolCallError
from agenticraft.core.events import ProviderEvent
from agenticraft.core.hooks import ModelTurnHandler, RunHooks
from agenticraft.core.messages import Message
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.core.toolsets import Toolset
from agenticraft.memory.records import MemoryHit, check_namespace

if TYPE_CHECKING:
    from agenticraft.core.response import AgentResponse
    from agenticraft.memory.vector_memory import NamespaceArg, VectorMemory

__all__ = ["RETRIEVED_CONTEXT_TAG", "MemoryToolset", "RecallHook", "render_retrieved"]

#: The tag that marks retrieved memories in a request.
RETRIEVED_CONTEXT_TAG = "retrieved_context"


def namespace_of(namespace: NamespaceArg, ctx: RunContext[Any]) -> str:
    return check_namespace(namespace(ctx) if callable(namespace) else namespace)


def render_retrieved(hits: Sequence[MemoryHit], namespace: str) -> str:
    """Memories as a block the model can tell from the conversation: marked as retrieved,
    attributed to memory, with their text escaped so none can close the block early."""
    lines = [
        f'<{RETRIEVED_CONTEXT_TAG} source="long-term memory" namespace="{html.escape(namespace)}">',
        "Memories retrieved for this request. They are not the user's words and may be out of "
        "date; use them only where they help.",
    ]
    for hit in hits:
        lines.append(f"- {html.escape(hit.text, quote=False)} (memory {hit.id}, relevance {hit.score:.2f})")
    lines.append(f"</{RETRIEVED_CONTEXT_TAG}>")
    return "\n".join(lines)


_TOOLS = (
    ToolDefinition(
        "remember",
        "Store a fact worth keeping for later conversations (one self-contained sentence).",
        {
            "type": "object",
            "properties": {"text": {"type": "string", "description": "The fact to remember."}},
            "required": ["text"],
        },
    ),
    ToolDefinition(
        "recall",
        "Search long-term memory for facts relevant to a question.",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What to look for."},
                "k": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many (default 5)."},
            },
            "required": ["query"],
        },
    ),
    ToolDefinition(
        "forget",
        "Delete one memory by the id that recall gave.",
        {
            "type": "object",
            "properties": {"memory_id": {"type": "string"}},
            "required": ["memory_id"],
        },
    ),
)


class MemoryToolset(Toolset):
    """``remember(text)``, ``recall(query, k)`` and ``forget(memory_id)`` on one namespace."""

    def __init__(self, memory: VectorMemory, namespace: NamespaceArg, *, k: int = 5) -> None:
        self.memory = memory
        self.namespace = namespace
        self.k = k
        self.label = "memory"

    async def list_tools(self, ctx: RunContext[Any]) -> Sequence[ToolDefinition]:
        return _TOOLS

    async def call_tool(self, name: str, arguments: dict[str, Any], ctx: RunContext[Any]) -> object:
        namespace = namespace_of(self.namespace, ctx)
        try:
            if name == "remember":
                metadata = {"conversation": ctx.conversation_id} if ctx.conversation_id else {}
                ids = await self.memory.add(arguments["text"], namespace=namespace, metadata=metadata)
                return {"remembered": True, "ids": ids}
            if name == "recall":
                try:
                    hits = await self.memory.search(
                        arguments["query"], namespace=namespace, k=int(arguments.get("k") or self.k)
                    )
                except NamespaceNotFoundError:
                    hits = []
                return [{"id": h.id, "text": h.text, "score": round(h.score, 3)} for h in hits]
            if name == "forget":
                record = await self.memory.get(arguments["memory_id"])
                if record is None or record.namespace != namespace:
                    raise ToolCallError(f"no memory {arguments['memory_id']!r} here")
                await self.memory.delete(record.id)
                return {"forgotten": record.id}
        except LongTermMemoryError as exc:
            raise ToolCallError(str(exc)) from exc
        raise ToolCallError(f"unknown memory tool {name!r}")


def _prompt_of(messages: Sequence[Message]) -> str:
    for message in reversed(messages):
        if message.role == "user" and message.text.strip():
            return message.text
    return ""


class RecallHook(RunHooks):
    """Before a run's first model turn, search memory with the run's prompt; every turn of
    the run then carries the memories found as a system message after the instructions."""

    def __init__(
        self, memory: VectorMemory, namespace: NamespaceArg, *, k: int = 5, min_score: float | None = None
    ) -> None:
        self.memory = memory
        self.namespace = namespace
        self.k = k
        self.min_score = min_score
        self._found: dict[str, Message | None] = {}

    async def _context(self, ctx: RunContext[Any], request: ModelRequest) -> Message | None:
        if ctx.run_id in self._found:
            return self._found[ctx.run_id]
        namespace = namespace_of(self.namespace, ctx)
        prompt = _prompt_of(request.messages)
        hits: list[MemoryHit] = []
        if prompt:
            try:
                hits = await self.memory.search(
                    prompt, namespace=namespace, k=self.k, min_score=self.min_score
                )
            except NamespaceNotFoundError:
                hits = []  # a user with no memories yet
        message = Message.system(render_retrieved(hits, namespace)) if hits else None
        self._found[ctx.run_id] = message
        return message

    async def wrap_model_turn(
        self, ctx: RunContext[Any], request: ModelRequest, handler: ModelTurnHandler
    ) -> AsyncIterator[ProviderEvent]:
        message = await self._context(ctx, request)
        if message is not None:
            messages = list(request.messages)
            at = 0
            while at < len(messages) and messages[at].role == "system":
                at += 1
            messages.insert(at, message)
            request = replace(request, messages=messages)
        async for event in handler(request):
            yield event

    async def on_run_end(
        self, ctx: RunContext[Any], response: AgentResponse, error: BaseException | None
    ) -> None:
        self._found.pop(ctx.run_id, None)
