"""Typed output as the run's end condition: ask for it, watch it stream, validate it, retry.

:class:`StructuredOutput` plugs into the loop through :class:`~agenticraft.core.run_end.RunEnd`
and nothing else: it adds the output tools or the output spec to each request, turns the output
streaming in into :class:`~agenticraft.core.events.OutputChunk` snapshots, and after each turn
either ends the run with the validated value or tells the model what was wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from agenticraft.core.context import RunContext
from agenticraft.core.errors import ConfigurationError, ModelRetry, OutputValidationError
from agenticraft.core.events import OutputChunk, RunEvent, TextChunk, ToolCallDeltaChunk
from agenticraft.core.messages import Message, ToolCall, ToolResult
from agenticraft.core.output.partial import MISSING, PartialShape, SnapshotSchedule
from agenticraft.core.output.schema import OutputMember, OutputSchema, describe_errors, strip_fence
from agenticraft.core.provider import ModelRequest, OutputMode
from agenticraft.core.run_end import RunEnd, TurnVerdict

if TYPE_CHECKING:
    from agenticraft.core.accumulator import ModelTurn
    from agenticraft.core.toolsets import ResolvedTool

__all__ = ["DEFAULT_DEBOUNCE", "OutputValidator", "StructuredOutput"]

OutputValidator = Callable[..., Any | Awaitable[Any]]
"""``fn(output)`` or ``fn(ctx, output)``, sync or async: returns the output (possibly changed;
``None`` keeps it) or raises :class:`~agenticraft.core.errors.ModelRetry` to ask again."""

DEFAULT_DEBOUNCE = 0.02
"""Seconds between two partial snapshots at most (see docs/benchmarks.md for the measurement)."""

_DONE = "Final result processed."
_SKIPPED = "Not run: the run ended with the final result given in the same turn."


def _takes_context(fn: Callable[..., Any]) -> bool:
    try:
        return len(inspect.signature(fn).parameters) >= 2
    except (TypeError, ValueError):
        return False


class StructuredOutput(RunEnd):
    """The end condition of a run with an ``output_type``."""

    typed = True

    def __init__(
        self,
        schema: OutputSchema,
        mode: OutputMode,
        *,
        retries: int = 1,
        validators: Sequence[OutputValidator] = (),
        debounce: float = DEFAULT_DEBOUNCE,
        partial: bool = True,
    ) -> None:
        if retries < 0:
            raise ConfigurationError(f"output_retries must be 0 or more, got {retries}")
        self.schema = schema
        self.mode: OutputMode = mode
        self.retries = retries
        self.validators = list(validators)
        self.failures = 0
        self.debounce = debounce
        self._tool_names = {m.tool_name for m in schema.members} if mode == "tool" else set()
        self._shapes: dict[str, PartialShape] = {}
        self._stream_key: tuple[int, int | None] | None = None
        self._pieces: list[str] = []
        self._size = 0
        self._schedule = SnapshotSchedule(debounce)
        self._last_dump: Any = MISSING
        if partial:
            self.watch = self._watch

    def set_debounce(self, debounce: float) -> None:
        """Seconds between two partial snapshots at most (``stream_output(debounce=...)``)."""
        self.debounce = debounce
        self._schedule = SnapshotSchedule(debounce)

    # -- the request ----------------------------------------------------------------------
    def instructions(self) -> str | None:
        """Text for the system message (``"prompted"`` mode only)."""
        return self.schema.instructions() if self.mode == "prompted" else None

    def prepare(self, request: ModelRequest, tools: Mapping[str, ResolvedTool]) -> ModelRequest:
        if self.mode != "tool":
            return replace(request, output=self.schema.spec(self.mode))
        taken = self._tool_names & set(tools)
        if taken:
            raise ConfigurationError(
                f"a tool is named {sorted(taken)[0]!r}, the name of the output tool; rename it "
                "or use output_mode='native' or 'prompted'"
            )
        return replace(
            request,
            tools=[*request.tools, *self.schema.tool_definitions()],
            output=self.schema.spec("tool"),
        )

    # -- partial output ---------------------------------------------------------------------
    def _watch(self, event: RunEvent) -> Iterable[RunEvent]:
        key: tuple[int, int | None]
        if type(event) is TextChunk:
            if self.mode == "tool":
                return ()
            member, key, piece = self.schema.whole, (event.turn, None), event.content
        elif type(event) is ToolCallDeltaChunk and event.name in self._tool_names:
            found = self.schema.member_for_tool(event.name)
            if found is None:
                return ()
            member, key, piece = found, (event.turn, event.index), event.arguments_delta
        else:
            return ()
        if key != self._stream_key:  # a new turn or a new call: start over
            self._stream_key, self._pieces, self._size = key, [], 0
            self._schedule = SnapshotSchedule(self.debounce)
        self._pieces.append(piece)
        self._size += len(piece)
        if not self._schedule.due(self._size):
            return ()
        return self._snapshot(member, "".join(self._pieces), event.turn)

    def _snapshot(self, member: OutputMember, text: str, turn: int) -> Iterable[RunEvent]:
        if self.mode != "tool":
            text = _open_fence(text)
        shape = self._shapes.get(member.tool_name)
        if shape is None:
            shape = self._shapes[member.tool_name] = PartialShape(member)
        value = shape.snapshot(text)
        if value is MISSING:
            return ()
        dump = to_jsonable_python(value)
        if dump == self._last_dump or dump == {} or dump == []:
            return ()  # nothing new, or nothing yet
        self._last_dump = dump
        return (OutputChunk(value, turn=turn),)

    # -- the end of a turn ------------------------------------------------------------------
    async def judge(self, ctx: RunContext[Any], turn: ModelTurn) -> TurnVerdict:
        calls = turn.tool_calls
        if self.mode == "tool":
            outputs = [c for c in calls if c.name in self._tool_names]
            if outputs:
                return await self._judge_calls(ctx, calls, outputs)
            if calls:
                return TurnVerdict()  # other tools first: run them
            names = " or ".join(f"`{n}`" for n in sorted(self._tool_names))
            error = f"the answer was text; the final result must be given by calling {names}"
            self._failed(turn.message.text, [error])
            return TurnVerdict(
                feedback=Message.user(
                    f"Please give your final answer by calling {names}; do not answer with text."
                )
            )
        if calls:
            return TurnVerdict()
        raw = turn.message.text
        try:
            value = self.schema.whole.validate_text(strip_fence(raw.strip()))
        except ValidationError as exc:
            errors = describe_errors(exc, wrapped=self.schema.whole.wrapped)
        else:
            checked = await self._validated(ctx, value)
            if not isinstance(checked, list):
                return self._done(ctx, checked, {})
            errors = checked
        self._failed(raw, errors)
        listing = "\n".join(f"- {e}" for e in errors)
        return TurnVerdict(
            feedback=Message.user(
                f"Your answer did not fit the required format:\n{listing}\n"
                "Answer again with only the corrected JSON."
            )
        )

    async def _judge_calls(
        self, ctx: RunContext[Any], calls: list[ToolCall], outputs: list[ToolCall]
    ) -> TurnVerdict:
        answered: dict[str, ToolResult] = {}
        for call in outputs:
            member = self.schema.member_for_tool(call.name)
            assert member is not None
            if call.arguments_error is not None:
                errors = [f"the arguments were not a JSON object: {call.arguments_error}"]
            else:
                try:
                    value = member.validate_arguments(call.arguments)
                except ValidationError as exc:
                    errors = describe_errors(exc, wrapped=member.wrapped)
                else:
                    checked = await self._validated(ctx, value)
                    if not isinstance(checked, list):
                        answered[call.id] = ToolResult(call.id, call.name, _DONE)
                        for other in calls:
                            if other.id not in answered:
                                answered[other.id] = ToolResult(other.id, other.name, _SKIPPED)
                        return self._done(ctx, checked, answered)
                    errors = checked
            self._failed(call.raw_arguments or _json(call.arguments), errors)
            listing = "\n".join(f"- {e}" for e in errors)
            answered[call.id] = ToolResult(
                call.id,
                call.name,
                f"The final result did not fit the required schema:\n{listing}\n"
                f"Call `{call.name}` again with the corrected value.",
                is_error=True,
            )
        return TurnVerdict(answered=answered)

    async def _validated(self, ctx: RunContext[Any], value: Any) -> Any:
        """The value after the output validators, or the list of their objections."""
        for validator in self.validators:
            try:
                result = validator(ctx, value) if _takes_context(validator) else validator(value)
                if inspect.isawaitable(result):
                    result = await result
            except ModelRetry as exc:
                return [str(exc)]
            if result is not None:
                value = result
        return _Accepted(value)

    def _done(self, ctx: RunContext[Any], checked: Any, answered: dict[str, ToolResult]) -> TurnVerdict:
        value = checked.value if isinstance(checked, _Accepted) else checked
        return TurnVerdict(
            done=True, output=value, answered=answered, events=(OutputChunk(value, False, turn=ctx.turn),)
        )

    def _failed(self, raw: str, errors: list[str]) -> None:
        self.failures += 1
        if self.failures > self.retries:
            raise OutputValidationError(self.schema.name, self.retries, raw, errors)


class _Accepted:
    """A value the validators let through (a list of objections is the other answer)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _open_fence(text: str) -> str:
    """Text streaming in with its Markdown code fence taken off."""
    stripped = text.lstrip()
    if not stripped.startswith("```"):
        return text
    _, _, body = stripped.partition("\n")
    end = body.rfind("```")
    return body[:end] if end >= 0 else body


def _json(value: Any) -> str:
    import json

    return json.dumps(value, default=str)
