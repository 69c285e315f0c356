"""What a client may be told when a run fails: a status, a message and a code, never a key,
a path or a traceback."""

from __future__ import annotations

from agenticraft.core.errors import (
    AgentiCraftError,
    ConfigurationError,
    ConversationBusyError,
    MaxTurnsExceededError,
    OutputValidationError,
    ProviderError,
    StreamInterruptedError,
    ToolRetriesExceededError,
    UsageLimitExceededError,
)

__all__ = ["public_error"]


def public_error(exc: BaseException) -> tuple[int, str, str]:
    """``(status, message, code)`` for ``exc``; unknown errors say only that one happened."""
    if isinstance(exc, ConversationBusyError):
        return 409, "another run is using this conversation; wait for it to finish", "conversation_busy"
    if isinstance(exc, ProviderError):
        status = getattr(exc, "status_code", None)
        what = f" (status {status})" if status else ""
        # the provider's own message may hold its URL or our key's prefix: only the kind goes out
        return 502, f"the agent's model provider failed: {type(exc).__name__}{what}", "provider_error"
    if isinstance(
        exc,
        MaxTurnsExceededError | ToolRetriesExceededError | UsageLimitExceededError | OutputValidationError,
    ):
        return 422, str(exc).splitlines()[0][:500], "run_failed"
    if isinstance(exc, StreamInterruptedError):
        return 409, "the run was stopped on the server", "run_cancelled"
    if isinstance(exc, ConfigurationError):
        return 400, "the run could not start: the request does not fit the agent", "invalid_request_error"
    if isinstance(exc, AgentiCraftError):
        return 422, f"the run failed: {type(exc).__name__}", "run_failed"
    return 500, "internal error: the run failed on the server (see its log)", "server_error"
