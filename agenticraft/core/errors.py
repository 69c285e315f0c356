"""The one error tree of AgentiCraft.

Every error the framework raises on purpose derives from :class:`AgentiCraftError`::

    AgentiCraftError
    ├── ConfigurationError            bad arguments, unknown model string, missing key, a content
    │   │                             part the model cannot take (named, before any request)
    │   ├── RealProviderCallBlocked   a real provider was called while the test guard is on
    │   └── MediaError                a content part that cannot be made: unknown or mislabelled
    │                                 media type, bad base64 (a ValueError too)
    ├── ProviderError                 anything a model provider did wrong (provider, status_code, body)
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404 (unknown model, wrong base URL)
    │   ├── RateLimitError            429 (retry_after)
    │   ├── BadRequestError           400, 413, 422 and other 4xx
    │   ├── ServerError               5xx
    │   │   └── OverloadedError       529 or an "overloaded" error event
    │   ├── ProviderTimeoutError      connect, first-token or between-chunk timeout
    │   ├── ProviderConnectionError   refused, reset or cut-off connection
    │   └── StreamProtocolError       bytes on the wire that break the protocol
    ├── StreamInterruptedError        the run was cancelled by ``cancel()``; keeps the partial response
    ├── ConversationBusyError         a second run on a conversation that a run is using
    ├── MCPServerError                an MCP server could not be started or reached
    ├── ModelRetry                    raised by a tool or an output validator: its message
    │                                 goes to the model, which is asked again
    ├── ToolError                     a tool could not be defined or kept failing
    │   ├── ToolDefinitionError       a function that cannot become a tool
    │   ├── ToolCallError             raised by a tool (a ModelRetry too)
    │   └── ToolRetriesExceededError  a tool failed more often than its ``max_retries``
    ├── OutputValidationError         the output still did not fit ``output_type`` after
    │                                 ``output_retries`` retries (raw output, errors, partial)
    ├── UsageLimitExceededError       a run's ``UsageLimits`` (requests, tool calls, tokens) was reached
    ├── MaxTurnsExceededError         the model kept calling tools past ``max_turns``
    ├── MaxHandoffsExceededError      agents handed a run to each other past ``max_handoffs``
    └── LongTermMemoryError           long-term memory (``agenticraft.memory``) cannot do what was asked
        ├── MemoryInputError          empty, too long or non-UTF-8 text, a bad ``k`` or filter
        ├── NamespaceNotFoundError    a namespace that holds no memories
        ├── EmbedderMismatchError     an embedder whose vectors do not fit the store's (dimension, model)
        └── MemoryStoreCorruptedError a database file that is not (or no longer) a readable store

Provider errors raised after some output arrived carry it as ``partial_response``, so nothing
that was received is lost. ``asyncio.CancelledError`` is never wrapped: it always propagates
unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenticraft.core.response import AgentResponse

__all__ = [
    "AgentiCraftError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConversationBusyError",
    "EmbedderMismatchError",
    "LongTermMemoryError",
    "MCPServerError",
    "MaxHandoffsExceededError",
    "MaxTurnsExceededError",
    "MediaError",
    "MemoryInputError",
    "MemoryStoreCorruptedError",
    "ModelRetry",
    "NamespaceNotFoundError",
    "NotFoundError",
    "OutputValidationError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "RealProviderCallBlocked",
    "ServerError",
    "StreamInterruptedError",
    "StreamProtocolError",
    "ToolCallError",
    "ToolDefinitionError",
    "ToolError",
    "ToolRetriesExceededError",
    "UsageLimitExceededError",
    "error_for_status",
]


class AgentiCraftError(Exception):
    """Base class of every error AgentiCraft raises on purpose."""


class ConfigurationError(AgentiCraftError):
    """The agent or provider was configured in a way that cannot work."""


class MediaError(ConfigurationError, ValueError):
    """A content part (image, document, audio) that cannot be made as given: its media type
    cannot be told, its bytes say another type than its name, or its base64 is broken."""


class RealProviderCallBlocked(ConfigurationError):
    """A request to a real (non-loopback) provider was made while the test guard is on."""


class ProviderError(AgentiCraftError):
    """A model provider failed.

    Attributes:
        provider: the provider name, e.g. ``"openai"``.
        status_code: the HTTP status, or ``None`` when no response arrived.
        body: the raw response body (or error event payload) when there was one.
        partial_response: what the run had received before the failure, when anything.
        retryable: whether trying the same request again may succeed.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status_code = status_code
        self.body = body
        self.retry_after = retry_after
        self.partial_response: AgentResponse | None = None

    @property
    def partial_text(self) -> str:
        """The text received before the failure ("" when none)."""
        return self.partial_response.content if self.partial_response is not None else ""

    @property
    def is_transient(self) -> bool:
        """Whether the same request may succeed later (or on another model): 408, 409, 429,
        5xx, and connection errors and timeouts. Retries and fallback both ask this."""
        if self.status_code is not None:
            return self.status_code in (408, 409, 429) or self.status_code >= 500
        return self.retryable

    def __str__(self) -> str:
        where = self.provider or "provider"
        status = f" {self.status_code}" if self.status_code is not None else ""
        return f"{where}{status}: {self.message}"


class AuthenticationError(ProviderError):
    """The API key is missing, wrong or revoked (401)."""


class PermissionDeniedError(ProviderError):
    """The key is valid but may not use this resource (403)."""


class NotFoundError(ProviderError):
    """The model or endpoint does not exist (404)."""


class RateLimitError(ProviderError):
    """Too many requests (429); ``retry_after`` holds the server's hint in seconds."""

    retryable = True


class BadRequestError(ProviderError):
    """The provider rejected the request as malformed (400, 422 and other 4xx)."""


class ServerError(ProviderError):
    """The provider failed on its side (5xx)."""

    retryable = True


class OverloadedError(ServerError):
    """The provider is overloaded (Anthropic 529 or an ``overloaded_error`` event)."""


class ProviderTimeoutError(ProviderError):
    """Connecting, the first token, or the gap between two chunks took too long."""

    retryable = True


class ProviderConnectionError(ProviderError):
    """The connection was refused, reset, or cut off midway."""

    retryable = True


class StreamProtocolError(ProviderError):
    """The provider sent bytes that do not follow its own protocol."""


class StreamInterruptedError(AgentiCraftError):
    """The run was interrupted by ``cancel()`` before it finished.

    ``partial_response`` holds everything received until then (``interrupted`` is true).
    """

    def __init__(self, message: str, partial_response: AgentResponse) -> None:
        super().__init__(message)
        self.partial_response = partial_response

    @property
    def partial_text(self) -> str:
        return self.partial_response.content


class ToolError(AgentiCraftError):
    """A tool could not be defined, or failed beyond what the model may retry."""


class ToolDefinitionError(ToolError):
    """A function cannot be turned into a tool (for example ``*args`` parameters)."""


class ToolRetriesExceededError(ToolError):
    """A tool failed more times in one run than its ``max_retries`` allows."""

    def __init__(self, tool_name: str, max_retries: int, last_error: str) -> None:
        super().__init__(
            f"tool {tool_name!r} failed {max_retries + 1} times in this run; last error: {last_error}"
        )
        self.tool_name = tool_name
        self.max_retries = max_retries
        self.last_error = last_error
        self.partial_response: AgentResponse | None = None


class MaxTurnsExceededError(AgentiCraftError):
    """The model was still calling tools when ``max_turns`` model turns had been used."""

    def __init__(self, max_turns: int) -> None:
        super().__init__(
            f"the model was still calling tools after max_turns={max_turns} model turns; "
            "raise Agent(max_turns=...) if the task needs more"
        )
        self.max_turns = max_turns
        self.partial_response: AgentResponse | None = None


class MaxHandoffsExceededError(AgentiCraftError):
    """Agents kept handing the conversation to each other: ``max_handoffs`` was reached.

    ``chain`` lists the agents in the order they held the run; ``partial_response`` holds what
    was answered so far (memory keeps every finished part).
    """

    def __init__(self, max_handoffs: int, chain: list[str]) -> None:
        super().__init__(
            f"the run was handed off {max_handoffs} times ({' -> '.join(chain)}) and the last "
            f"agent asked for another handoff; raise Agent(max_handoffs=...) if that is intended"
        )
        self.max_handoffs = max_handoffs
        self.chain = chain
        self.partial_response: AgentResponse | None = None


class UsageLimitExceededError(AgentiCraftError):
    """A run reached one of its :class:`~agenticraft.core.limits.UsageLimits`.

    ``limit`` names it (``max_requests``, ``max_tool_calls``, ``max_input_tokens``,
    ``max_output_tokens``, ``max_total_tokens``); ``partial_response`` holds the run so far.
    """

    def __init__(self, limit: str, allowed: int, reached: int) -> None:
        super().__init__(f"usage limit {limit}={allowed} reached ({reached}); the run was stopped")
        self.limit = limit
        self.allowed = allowed
        self.reached = reached
        self.partial_response: AgentResponse | None = None


class ConversationBusyError(AgentiCraftError):
    """A run was started on a conversation another run of the same memory is still using.

    Two runs on one conversation would interleave their messages; run them one after the
    other, or give each its own ``conversation_id``.
    """

    def __init__(self, conversation_id: str) -> None:
        super().__init__(
            f"conversation {conversation_id!r} is in use by another run; wait for it to finish "
            "or use another conversation_id"
        )
        self.conversation_id = conversation_id


class MCPServerError(AgentiCraftError):
    """An MCP server could not be started (a wrong command, a crash at start-up, no answer to
    the handshake) or reached; the message ends with what the server wrote to stderr."""


class ModelRetry(AgentiCraftError):
    """Raise it from a tool or an output validator to send the model exactly this message and
    let it try again (a tool's failed call counts against its ``max_retries``, a rejected output
    against ``output_retries``)."""


class ToolCallError(ToolError, ModelRetry):
    """Raise it from a tool (or a toolset's ``call_tool``) to send the model exactly this message
    as the failed call's result, without the exception's type name."""


class OutputValidationError(AgentiCraftError):
    """The model's output did not fit the run's ``output_type`` after ``output_retries`` retries.

    ``raw_output`` is the last output as the model sent it (text or the output tool's
    arguments as JSON), ``errors`` what was wrong with it (one line each, as the model was
    told), and ``partial_response`` the run until then.
    """

    def __init__(self, output_type: str, retries: int, raw_output: str, errors: list[str]) -> None:
        shown = "; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else "")
        super().__init__(
            f"the model's output did not fit {output_type} after {retries} "
            f"{'retry' if retries == 1 else 'retries'}: {shown}"
        )
        self.output_type = output_type
        self.retries = retries
        self.raw_output = raw_output
        self.errors = errors
        self.partial_response: AgentResponse | None = None


class LongTermMemoryError(AgentiCraftError):
    """Long-term memory (vector memory, knowledge graph) cannot do what was asked."""


class MemoryInputError(LongTermMemoryError):
    """Text that cannot be stored or searched (empty, too long, not UTF-8), or a bad argument."""


class NamespaceNotFoundError(LongTermMemoryError):
    """A namespace that holds no memories was searched."""

    def __init__(self, namespace: str) -> None:
        super().__init__(f"no memories in namespace {namespace!r}")
        self.namespace = namespace


class EmbedderMismatchError(LongTermMemoryError):
    """The store was written with another embedder: its vectors have another dimension or
    come from another model, so a search with this one would find nothing that makes sense."""


class MemoryStoreCorruptedError(LongTermMemoryError):
    """The database file is not a memory store, or is damaged; it is left as it is."""


_STATUS_ERRORS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: ProviderTimeoutError,
    422: BadRequestError,
    429: RateLimitError,
    529: OverloadedError,
}


def error_for_status(status_code: int) -> type[ProviderError]:
    """The error class for an HTTP status code."""
    if status_code in _STATUS_ERRORS:
        return _STATUS_ERRORS[status_code]
    if status_code >= 500:
        return ServerError
    if status_code >= 400:
        return BadRequestError
    return ProviderError
