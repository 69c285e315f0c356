"""Usage limits: a ceiling on what one run may spend."""

from __future__ import annotations

from dataclasses import dataclass

from agenticraft.core.errors import UsageLimitExceededError
from agenticraft.core.messages import Usage

__all__ = ["UsageLimits"]


@dataclass(frozen=True, slots=True)
class UsageLimits:
    """Per-run limits; ``None`` is no limit.

    Checked before each model request (``max_requests``, and the token limits already reached)
    and after each model turn (tokens) and before each round of tool calls (``max_tool_calls``).
    Reaching one raises :class:`~agenticraft.core.errors.UsageLimitExceededError` with the
    partial response; memory keeps what was complete.
    """

    max_requests: int | None = None
    max_tool_calls: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    max_total_tokens: int | None = None

    def check_before_request(self, requests: int, usage: Usage) -> None:
        """``requests`` already made; raises when another one is not allowed."""
        if self.max_requests is not None and requests >= self.max_requests:
            raise UsageLimitExceededError("max_requests", self.max_requests, requests + 1)
        self.check_tokens(usage)

    def check_tokens(self, usage: Usage) -> None:
        for name, limit, used in (
            ("max_input_tokens", self.max_input_tokens, usage.input_tokens),
            ("max_output_tokens", self.max_output_tokens, usage.output_tokens),
            ("max_total_tokens", self.max_total_tokens, usage.total_tokens),
        ):
            if limit is not None and used > limit:
                raise UsageLimitExceededError(name, limit, used)

    def check_tool_calls(self, made: int, wanted: int) -> None:
        """``made`` calls so far and ``wanted`` more in this turn."""
        if self.max_tool_calls is not None and made + wanted > self.max_tool_calls:
            raise UsageLimitExceededError("max_tool_calls", self.max_tool_calls, made + wanted)
