"""The run loop: model turn, tool calls, next turn, until the model answers.

:func:`run_events` is the only place a run happens. ``Agent.stream`` yields its events and
``Agent.arun`` drains them, so the two cannot disagree. Capabilities plug in only through the
seams the loop offers: toolsets (asked for their tools at every turn), hooks (observers and the
model-turn and tool-call wrappers), instructions, usage limits and tool approval.

The loop owns the run's :class:`RunState`, which knows at every moment which messages form a
consistent slice of the conversation; whatever way the run ends (answer, approval stop, error,
``break``, ``aclose()``, ``cancel()`` or task cancellation), exactly one commit to memory happens.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from agenticraft.core.accumulator import TurnAccumulator
from agenticraft.core.context import RunContext, current_parent_run
from agenticraft.core.eager import EagerCalls
from agenticraft.core.errors import (
    ConfigurationError,
    ConversationBusyError,
    MaxTurnsExceededError,
    OutputValidationError,
    ProviderError,
    ToolRetriesExceededError,
    UsageLimitExceededError,
)
from agenticraft.core.events import (
    ApprovalRequiredChunk,
    DoneChunk,
    ProviderEvent,
    RunEvent,
    TextChunk,
    ToolResultChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.fold import RunFold
from agenticraft.core.hooks import HookChain
from agenticraft.core.instructions import InstructionSource, render_instructions
from agenticraft.core.limits import UsageLimits
from agenticraft.core.memory import DEFAULT_CONVERSATION, ConversationMemory
from agenticraft.core.messages import Message, Part, ToolCall, ToolResult
from agenticraft.core.provider import ModelRequest, ModelSettings, StreamingProvider
from agenticraft.core.response import AgentResponse
from agenticraft.core.run_end import RunEnd
from agenticraft.core.tool_calls import MAX_TOOL_RESULT_CHARS, execute_tool_calls
from agenticraft.core.toolsets import ResolvedTool, Toolset, resolve_tools

__all__ = ["Approval", "RunConfig", "RunState", "run_events"]

Approval = bool | str
"""A decision on a call that needs approval: ``True`` runs it, ``False`` or a reason denies it."""

_RUN_ERRORS = (
    ProviderError,
    MaxTurnsExceededError,
    ToolRetriesExceededError,
    UsageLimitExceededError,
    OutputValidationError,
)

_busy: set[tuple[int, str]] = set()  # (memory, conversation) pairs with a run in progress
_busy_lock = threading.Lock()


@dataclass(slots=True)
class RunConfig:
    """Everything one run needs, resolved by the agent before the run starts."""

    provider: StreamingProvider
    memory: ConversationMemory
    instructions: Sequence[InstructionSource] = ()
    toolsets: Sequence[Toolset] = ()
    hooks: HookChain = field(default_factory=lambda: HookChain(()))
    conversation_id: str = DEFAULT_CONVERSATION
    settings: ModelSettings = field(default_factory=ModelSettings)
    max_turns: int = 10
    tool_timeout: float | None = None
    deps: Any = None
    usage_limits: UsageLimits | None = None
    enter_toolsets: bool = True  # False inside ``async with agent:`` (entered there, once)
    exclusive: bool = True  # one run at a time on the conversation (False for history=[...])
    agent_name: str = ""
    max_tool_result_chars: int | None = MAX_TOOL_RESULT_CHARS
    end: RunEnd = field(default_factory=RunEnd)  # when the run is over, and its output
    eager_tools: bool = False  # tools not marked otherwise start while the turn streams


class RunState:
    """The messages of one run and the commit of them to memory."""

    def __init__(
        self,
        config: RunConfig,
        prompt: Message | None,
        approvals: Mapping[str, Approval] | None = None,
        run_id: str | None = None,
    ) -> None:
        self.config = config
        self.prompt = prompt
        self.approvals = dict(approvals or {})
        self.history: list[Message] = []
        self.new_messages: list[Message] = []
        self.system: str | None = None
        self.folded = RunFold()
        self.run_id = self.folded.run_id = run_id or uuid.uuid4().hex
        self.folded.agent = config.agent_name
        self.ctx: RunContext[Any] = RunContext(
            config.deps,
            self.run_id,
            config.conversation_id,
            config.agent_name,
            provider=config.provider,
            parent_run_id=current_parent_run(),
        )
        self.turn: TurnAccumulator | None = None  # the model turn being streamed
        self.eager: EagerCalls | None = None  # the turn's calls started while it streams
        self.finished = False
        self.interrupted = False
        self.committed = False
        self._held: tuple[int, str] | None = None

    # -- the conversation -----------------------------------------------------------------
    def acquire(self) -> None:
        """Hold the conversation for this run, or raise :class:`ConversationBusyError`."""
        if not self.config.exclusive:
            return
        key = (id(self.config.memory), self.config.conversation_id)
        with _busy_lock:
            if key in _busy:
                raise ConversationBusyError(self.config.conversation_id)
            _busy.add(key)
        self._held = key

    def release(self) -> None:
        if self._held is not None:
            with _busy_lock:
                _busy.discard(self._held)
            self._held = None

    @property
    def text(self) -> str:
        """The answer text received so far."""
        return self.folded.text

    def request_messages(self) -> list[Message]:
        system = [Message.system(self.system)] if self.system else []
        return system + self.history + self.new_messages

    def pending_calls(self) -> list[ToolCall]:
        """The calls of a turn that stopped for approval: the last message, answered by nothing."""
        last = self.history[-1] if self.history else None
        return last.tool_calls if last is not None and last.role == "assistant" else []

    def consistent_messages(self) -> list[Message]:
        """The run's messages cut back to what is complete and received.

        The open model turn keeps its text (and signed thinking), marked ``interrupted``; a
        turn whose tool calls have no results loses the calls; a user message with nothing after
        it is dropped.
        """
        messages = list(self.new_messages)
        if messages and messages[-1].role == "assistant" and messages[-1].tool_calls:
            last = messages.pop()
            kept: list[Part] = [p for p in last.parts if p.kind != "tool_call"]
            if any(p.kind == "text" for p in kept):
                messages.append(Message("assistant", kept, interrupted=True))
        if self.turn is not None:
            _, cut = self.turn.finish(interrupted=True)
            if cut.message.text:
                messages.append(cut.message)
        if messages and messages[-1] is self.prompt:  # nothing was received for it
            messages.pop()
        return messages

    async def drop_eager(self) -> None:
        """Cancel the eager calls not handed to a tool round; nothing of them is kept."""
        eager, self.eager = self.eager, None
        if eager is not None:
            await eager.cancel()

    def commit(self) -> None:
        """Append the run to memory once: all of it when finished, else the consistent part."""
        if self.committed:
            return
        self.committed = True
        try:
            messages = self.new_messages if self.finished else self.consistent_messages()
            if messages:
                self.config.memory.append(messages, conversation_id=self.config.conversation_id)
        finally:
            self.release()

    def snapshot(self) -> AgentResponse:
        """The response so far; after an interruption, the partial response."""
        if self.finished and self.folded.final is not None:
            return self.folded.final
        return self.folded.to_response(
            messages=self.consistent_messages(),
            interrupted=True,
            stop_reason="interrupted",
            conversation_id=self.config.conversation_id,
            typed=self.config.end.typed,
        )


async def _closing_stream(events: AsyncIterator[ProviderEvent]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()


def _decisions(state: RunState, pending: list[ToolCall], needs: set[str]) -> dict[str, str]:
    """The denial text per call id of a resumed turn; checks every pending call is decided."""
    known = {c.id for c in pending}
    unknown = sorted(set(state.approvals) - known)
    if unknown:
        raise ConfigurationError(f"approvals name calls that are not pending: {', '.join(unknown)}")
    missing = sorted(needs - set(state.approvals))
    if missing:
        raise ConfigurationError(f"no decision for the pending calls {', '.join(missing)}")
    denials: dict[str, str] = {}
    for call_id, decision in state.approvals.items():
        if decision is True:
            continue
        reason = f" Reason: {decision}" if isinstance(decision, str) and decision else ""
        denials[call_id] = f"The user denied this call.{reason}"
    return denials


async def _needing_approval(
    calls: Sequence[ToolCall], tools: Mapping[str, ResolvedTool], ctx: RunContext[Any]
) -> set[str]:
    needs: set[str] = set()
    for call in calls:
        resolved = tools.get(call.name)
        if resolved is None or call.arguments_error is not None:
            continue
        if resolved.definition.requires_approval or await resolved.toolset.needs_approval(
            call.name, call.arguments, ctx
        ):
            needs.add(call.id)
    return needs


async def _tool_round(
    state: RunState,
    calls: list[ToolCall],
    tools: Mapping[str, ResolvedTool],
    failures: dict[str, int],
    denials: Mapping[str, str],
    answered: Mapping[str, ToolResult] | None = None,
) -> AsyncGenerator[RunEvent, None]:
    """Run one round of calls, append their results (with the ``answered`` ones of the end
    condition, in the turn's order), and enforce each tool's retry limit."""
    config, ctx, fold = state.config, state.ctx, state.folded.add
    if config.usage_limits is not None:
        config.usage_limits.check_tool_calls(ctx.tool_calls, len(calls))
    ctx.tool_calls += len(calls)
    results: list[ToolResult | None] = [None] * len(calls)
    started = state.eager.take(calls) if state.eager is not None else None
    await state.drop_eager()  # started calls the turn did not end with do not run on
    runner = execute_tool_calls(
        calls,
        tools,
        ctx,
        hooks=config.hooks,
        timeout=config.tool_timeout,
        retries=failures,
        denials=denials,
        max_result_chars=config.max_tool_result_chars,
        started=started,
    )
    try:
        async for index, chunk in runner:
            if index is not None and isinstance(chunk, ToolResultChunk):
                results[index] = chunk.to_result()
            fold(chunk)
            yield chunk
    finally:
        await runner.aclose()
    done = [r for r in results if r is not None]
    if answered:
        done = _in_call_order(state, [*done, *answered.values()])
    state.new_messages.append(Message.tool_results(done))
    for call, result in zip(calls, results, strict=True):
        resolved = tools.get(call.name)
        if result is not None and result.is_error and resolved is not None and call.id not in denials:
            failures[call.name] = failures.get(call.name, 0) + 1
            limit = resolved.definition.max_retries
            if failures[call.name] > limit:
                raise ToolRetriesExceededError(call.name, limit, result.content)


def _in_call_order(state: RunState, results: list[ToolResult]) -> list[ToolResult]:
    """``results`` in the order of the last assistant message's calls."""
    calls = state.new_messages[-1].tool_calls if state.new_messages else []
    position = {c.id: i for i, c in enumerate(calls)}
    return sorted(results, key=lambda r: position.get(r.tool_call_id, len(position)))


async def run_events(state: RunState) -> AsyncGenerator[RunEvent, None]:
    """Run the agent loop, yielding every event as it happens."""
    config = state.config
    provider = config.provider
    hooks = config.hooks
    run_end = config.end
    watch = run_end.watch
    ctx = state.ctx
    run_id = state.run_id
    fold = state.folded.add
    failures: dict[str, int] = {}
    error: BaseException | None = None
    stack = AsyncExitStack()
    started_run = False
    try:
        state.acquire()
        state.history = config.memory.load(config.conversation_id)
        if config.enter_toolsets:
            for toolset in config.toolsets:
                await stack.enter_async_context(toolset)
        state.system = await render_instructions(config.instructions, ctx)
        ctx.messages = state.request_messages()
        started_run = True
        for hook in hooks.run_start:
            await hook.on_run_start(ctx)

        pending = state.pending_calls()
        if pending:
            tools = await resolve_tools(config.toolsets, ctx)
            if state.prompt is None:  # resumed with decisions: run the turn's calls
                needs = await _needing_approval(pending, tools, ctx)
                denials = _decisions(state, pending, needs)
            else:  # a new prompt instead of decisions: every pending call is denied
                denials = {
                    c.id: "The user sent a new message instead of approving this call." for c in pending
                }
                tools = {}
            async for chunk in _tool_round(state, pending, tools, failures, denials):
                yield chunk
        elif state.prompt is None and not (state.history and state.history[-1].role == "tool"):
            # a conversation ending in tool results goes on without a prompt (a handoff's target)
            raise ConfigurationError("nothing to run: give a prompt (no tool call is waiting for approval)")
        elif state.approvals:
            raise ConfigurationError("approvals were given but no tool call is waiting for approval")
        if state.prompt is not None:
            state.new_messages.append(state.prompt)

        for turn_number in range(1, config.max_turns + 1):
            ctx.usage = state.folded.usage
            if config.usage_limits is not None:
                config.usage_limits.check_before_request(ctx.requests, ctx.usage)
            ctx.turn = turn_number
            tools = await resolve_tools(config.toolsets, ctx)
            await state.drop_eager()
            eager = state.eager = EagerCalls.for_turn(
                tools,
                ctx,
                default=config.eager_tools,
                hooks=hooks,
                timeout=config.tool_timeout,
                retries=failures,
                max_result_chars=config.max_tool_result_chars,
                usage_limits=config.usage_limits,
            )
            acc = state.turn = TurnAccumulator(provider.name, turn_number)
            add_text = acc.add_text
            messages = ctx.messages = state.request_messages()
            request = run_end.prepare(
                ModelRequest(messages, [t.definition for t in tools.values()], config.settings), tools
            )
            for hook in hooks.turn_start:
                await hook.on_turn_start(ctx, request)
            ctx.requests += 1
            started = time.perf_counter()
            stream = (
                hooks.model_turn(ctx, provider.stream_turn) if hooks.model_wrappers else provider.stream_turn
            )
            events = stream(request)
            try:
                async for event in events:
                    if type(event) is TextChunk:  # the hot path: one append, one fold
                        event.part = add_text(event.content)
                        event.run_id = run_id
                        event.turn = turn_number
                        fold(event)
                        yield event
                        if watch is not None:
                            for extra in watch(event):
                                extra.run_id = run_id
                                fold(extra)
                                yield extra
                    else:
                        # a fallback provider's name is the one that answered, known once it streams
                        acc.provider_name = provider.name
                        for chunk in acc.feed(event):
                            chunk.run_id = run_id
                            fold(chunk)
                            yield chunk
                            if watch is not None:
                                for extra in watch(chunk):
                                    extra.run_id = run_id
                                    fold(extra)
                                    yield extra
                            if eager is not None and (early := await eager.see(chunk)) is not None:
                                fold(early)
                                yield early
            finally:
                await _closing_stream(events)
            call_chunks, model_turn = acc.finish()
            for chunk in call_chunks:
                chunk.run_id = run_id
                fold(chunk)
                yield chunk
            state.new_messages.append(model_turn.message)
            state.turn = None
            for end in (
                UsageChunk(model_turn.usage, run_id=run_id, turn=turn_number),
                TurnEndChunk(
                    model_turn.stop_reason,
                    model_turn.raw_stop_reason,
                    model_turn.model or provider.model,
                    model_turn.usage,
                    time.perf_counter() - started,
                    run_id=run_id,
                    turn=turn_number,
                ),
            ):
                fold(end)
                yield end
            ctx.usage = state.folded.usage  # with the usage of runs nested in tool calls
            for hook in hooks.turn_end:
                await hook.on_turn_end(ctx, model_turn)
            if config.usage_limits is not None:
                config.usage_limits.check_tokens(ctx.usage)
            verdict = await run_end.judge(ctx, model_turn)
            for extra in verdict.events:
                extra.run_id = run_id
                fold(extra)
                yield extra
            answered = verdict.answered
            if verdict.done:
                if answered:  # every call of the turn answered, so memory stays consistent
                    state.new_messages.append(
                        Message.tool_results(_in_call_order(state, list(answered.values())))
                    )
                break
            calls = [c for c in model_turn.tool_calls if c.id not in answered]
            if not calls:
                if answered:
                    state.new_messages.append(
                        Message.tool_results(_in_call_order(state, list(answered.values())))
                    )
                if verdict.feedback is not None:
                    state.new_messages.append(verdict.feedback)
                continue
            needs = await _needing_approval(calls, tools, ctx)
            if needs:  # stop before running anything of this turn; the next run decides
                waiting = ApprovalRequiredChunk(
                    [c for c in calls if c.id in needs], run_id=run_id, turn=turn_number
                )
                fold(waiting)
                yield waiting
                break
            async for chunk in _tool_round(state, calls, tools, failures, {}, answered):
                yield chunk
            if verdict.feedback is not None:
                state.new_messages.append(verdict.feedback)
        else:
            raise MaxTurnsExceededError(config.max_turns)
        await state.drop_eager()  # the run ends: calls of a turn that answered do not run on
        state.finished = True
        response = state.folded.to_response(
            messages=list(state.new_messages), conversation_id=config.conversation_id, typed=run_end.typed
        )
        state.commit()
        done_chunk = DoneChunk(response, run_id=run_id, turn=ctx.turn)
        fold(done_chunk)
        yield done_chunk
    except _RUN_ERRORS as exc:
        error = exc
        state.interrupted = True
        if exc.partial_response is None:
            exc.partial_response = state.snapshot()
        raise
    except GeneratorExit:  # break, aclose(): an interruption, not an error
        raise
    except BaseException as exc:
        error = exc
        raise
    finally:
        if not state.finished:
            state.interrupted = True
            if state.folded.ended_at is None:  # the run's clock stops where it was cut
                state.folded.ended_at = time.perf_counter()
        in_flight = sys.exc_info()[1]
        try:
            try:
                try:
                    await state.drop_eager()  # a failed or interrupted turn: eager calls are cancelled
                finally:
                    state.commit()
            finally:
                await stack.aclose()
            if started_run:
                for hook in hooks.run_end:
                    await hook.on_run_end(ctx, state.snapshot(), error)
        except Exception as exc:
            if in_flight is None:
                raise
            # the error that stopped the run (a CancelledError, say) must reach the caller as is
            in_flight.add_note(f"the interrupted run could not be closed cleanly: {exc!r}")
