"""Running a pattern as a stream: :class:`ReasoningStream` and :class:`ReasoningResponse`.

The pattern runs in its own task (Tree of Thoughts makes concurrent calls, each of which emits
events), and its events reach the consumer through a queue in the order they happen. The
consumer sees, for every model call, its ``usage`` and ``turn_end`` events (ReAct adds
``tool_call`` and ``tool_result``), a ``reasoning_step`` event for every step of the pattern,
then the answer as ``text`` and a final ``done``. The model's intermediate text (proposals,
evaluations, samples) is not streamed as ``text``: it is not the answer. It is in the
reasoning steps and in the trace's turn steps.

A task may be a list of text and content parts (``["What is wrong here?", Image...]``): the
pattern reasons over its text, and every model call it makes carries the parts with its
prompt, so each sample, proposal, evaluation and ReAct step sees the image or document.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agenticraft.core.agent import Agent, Prompt
from agenticraft.core.context import RunContext, enclosing_run
from agenticraft.core.errors import ProviderError
from agenticraft.core.events import DoneChunk, RunEvent, TextChunk
from agenticraft.core.hooks import HookChain
from agenticraft.core.media.parts import MediaPart
from agenticraft.core.messages import Message, TextPart
from agenticraft.core.response import AgentResponse, ReasoningTrace, StreamMetrics
from agenticraft.core.run_stream import TaskStream
from agenticraft.reasoning.base import ModelCall, PatternResult, ReasoningContext, Selection
from agenticraft.reasoning.steps import ReasoningStep, reasoning_steps

__all__ = ["Reasoner", "ReasoningResponse", "ReasoningStream"]

Reasoner = Callable[[ReasoningContext, str], Awaitable[PatternResult]]


@dataclass(slots=True)
class ReasoningResponse(AgentResponse):
    """An :class:`AgentResponse` with what the pattern found.

    ``content`` is the answer; ``reasoning`` holds every model turn, tool execution and
    reasoning step in order; ``result`` is the pattern's own result (the explored tree for Tree
    of Thoughts, the vote for self-consistency); ``calls`` lists each model call and its
    purpose; ``selection`` says what ``auto`` chose and why.
    """

    pattern: str = ""
    result: PatternResult | None = None
    selection: Selection | None = None
    calls: list[ModelCall] = field(default_factory=list)

    @property
    def reasoning_steps(self) -> list[ReasoningStep]:
        """The pattern's own steps, in order."""
        return reasoning_steps(self.trace.steps)


class ReasoningStream(TaskStream):
    """One streamed reasoning run: an async iterator of :class:`RunEvent` and an async
    context manager. ``response`` is the final :class:`ReasoningResponse` (partial while running
    or after an interruption)."""

    def __init__(
        self,
        agent: Agent,
        task: Prompt,
        reasoner: Reasoner,
        *,
        pattern: str,
        max_model_calls: int | None = None,
        remember: bool = True,
        output_type: Any = None,
    ) -> None:
        super().__init__()
        self.agent = agent
        self.prompt = task if isinstance(task, Message) else Message.user(task)
        #: the task's text, what the pattern reasons over (its parts go with every call)
        self.task = "".join(p.text for p in self.prompt.parts if isinstance(p, TextPart))
        attachments = [p for p in self.prompt.parts if isinstance(p, MediaPart)]
        wanted = output_type if output_type is not None else agent.output_type
        self.output_type = None if wanted is str else wanted
        self._output: Any = None
        self._reasoner = reasoner
        self._remember = remember
        self.ctx = ReasoningContext(
            agent, pattern, max_model_calls=max_model_calls, sink=self._put, attachments=attachments
        )
        self._final: ReasoningResponse | None = None
        self._result: PatternResult | None = None
        self._started = time.perf_counter()
        self._chunks = 0

    # -- the run (its lifecycle is TaskStream's) ---------------------------------------
    def _put(self, event: RunEvent) -> None:
        self._chunks += 1  # events produced, the stream metrics' count (``done`` excluded)
        super()._put(event)

    async def _run(self) -> None:
        # the pattern's run is a run of the agent: its hooks see it start and end, and each
        # model call's run (started in this task or its children) is part of it
        hooks = HookChain(self.agent.run_hooks)
        run = RunContext(
            None,
            self.ctx.run_id,
            agent_name=self.agent.name,
            provider=self.agent.provider,
            parent_run_id=enclosing_run.get(),
        )
        enclosing_run.set(self.ctx.run_id)
        error: BaseException | None = None
        try:
            for hook in hooks.run_start:
                await hook.on_run_start(run)
            await self._reason()
        except BaseException as exc:
            error = exc
            raise
        finally:
            run.usage = self.ctx.usage
            for hook in hooks.run_end:
                await hook.on_run_end(run, self.response, error)

    async def _reason(self) -> None:
        try:
            result = await self._reasoner(self.ctx, self.task)
            self._result = result
            if result.answer:
                self.ctx.emit(TextChunk(result.answer))
            if self.output_type is not None:
                self._output = await self._typed_output(result.answer)
            response = self._build(result, interrupted=False)
            if self._remember:
                self.agent.memory.append(response.messages)
            self._final = response
            self.ctx.emit(DoneChunk(response))
        except ProviderError as exc:
            # the whole reasoning so far, not just the failed call's own partial turn
            exc.partial_response = self.response
            raise

    async def _typed_output(self, answer: str) -> Any:
        """The answer as the output type: parsed as it is when it already fits (and no
        validator must see it), else given by one more model call that answers in that type."""
        from agenticraft.core.output.schema import strip_fence

        schema = self.agent.output_schema(self.output_type)
        if not self.agent.output_validators:
            try:
                return schema.whole.validate_text(strip_fence(answer.strip()))
            except ValueError:  # pydantic's ValidationError is a ValueError
                pass
        response = await self.ctx.call(
            f"Task: {self.task}\n\nThe answer reached by reasoning:\n{answer}\n\n"
            "Give exactly this answer in the required format.",
            purpose="typed_output",
            output_type=self.output_type,
            max_turns=1 + self.agent.output_retries,
        )
        return response.output

    # -- results ------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self._final is not None

    @property
    def interrupted(self) -> bool:
        return self._closed and self._final is None

    @property
    def response(self) -> ReasoningResponse:
        """The final response, or what is known so far."""
        if self._final is not None:
            return self._final
        return self._build(self._result, interrupted=True)

    def _build(self, result: PatternResult | None, *, interrupted: bool) -> ReasoningResponse:
        ctx = self.ctx
        answer = result.answer if result is not None else ""
        messages = [self.prompt] + ([Message.assistant(answer)] if answer else [])
        duration = time.perf_counter() - self._started
        return ReasoningResponse(
            content=answer,
            tool_calls=list(ctx.tool_calls),
            tool_results=list(ctx.tool_results),
            usage=ctx.usage,
            stop_reason="interrupted" if interrupted else (result.stop_reason if result else "end_turn"),
            trace=ReasoningTrace(list(ctx.steps)),
            messages=messages if not interrupted else [],
            model=self.agent.model_label,
            interrupted=interrupted,
            metrics=StreamMetrics(chunk_count=self._chunks, duration=duration),
            pattern=ctx.pattern,
            result=result,
            selection=ctx.selection,
            calls=list(ctx.calls),
            output=self._output if self.output_type is not None else answer,
        )
