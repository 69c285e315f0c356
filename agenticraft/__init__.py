"""AgentiCraft: AI agents with one API on every provider, streaming first.

>>> from agenticraft import Agent, tool
>>> @tool
... def add(a: int, b: int) -> int:
...     '''Add two numbers.'''
...     return a + b

The public names below are imported on first use, so ``import agenticraft`` stays cheap and
loads no provider adapter, pydantic, MCP or OpenTelemetry code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from agenticraft.agents import ReasoningAgent
    from agenticraft.core.agent import Agent, AgentStream
    from agenticraft.core.capabilities import Capability
    from agenticraft.core.context import RunContext
    from agenticraft.core.errors import (
        AgentiCraftError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConversationBusyError,
        MaxHandoffsExceededError,
        MaxTurnsExceededError,
        MediaError,
        ModelRetry,
        NotFoundError,
        OutputValidationError,
        OverloadedError,
        PermissionDeniedError,
        ProviderConnectionError,
        ProviderError,
        ProviderTimeoutError,
        RateLimitError,
        ServerError,
        StreamInterruptedError,
        StreamProtocolError,
        ToolCallError,
        ToolError,
        UsageLimitExceededError,
    )
    from agenticraft.core.events import ExtensionChunk, NestedChunk, OutputChunk, RunEvent, StreamChunk
    from agenticraft.core.fold import RunFold, StreamingResponse
    from agenticraft.core.handoffs import Handoff, handoff
    from agenticraft.core.hooks import RunHooks
    from agenticraft.core.limits import UsageLimits
    from agenticraft.core.media import Audio, Document, Image, MediaPart
    from agenticraft.core.memory import ConversationMemory, InMemoryConversation
    from agenticraft.core.messages import Message, ToolCall, ToolResult, Usage
    from agenticraft.core.provider import ModelSettings, StreamingProvider, ToolDefinition
    from agenticraft.core.response import AgentResponse, ReasoningTrace, RunTrace
    from agenticraft.core.sqlite_memory import SQLiteConversationMemory
    from agenticraft.core.tools import Tool, tool
    from agenticraft.core.toolsets import FunctionToolset, Toolset
    from agenticraft.reasoning.steps import ReasoningStep

_LAZY: dict[str, str] = {
    "ReasoningAgent": "agenticraft.agents",
    "Agent": "agenticraft.core.agent",
    "AgentStream": "agenticraft.core.agent",
    "Capability": "agenticraft.core.capabilities",
    "RunContext": "agenticraft.core.context",
    "AgentiCraftError": "agenticraft.core.errors",
    "AuthenticationError": "agenticraft.core.errors",
    "BadRequestError": "agenticraft.core.errors",
    "ConfigurationError": "agenticraft.core.errors",
    "ConversationBusyError": "agenticraft.core.errors",
    "MaxHandoffsExceededError": "agenticraft.core.errors",
    "MaxTurnsExceededError": "agenticraft.core.errors",
    "ModelRetry": "agenticraft.core.errors",
    "OutputValidationError": "agenticraft.core.errors",
    "NotFoundError": "agenticraft.core.errors",
    "OverloadedError": "agenticraft.core.errors",
    "PermissionDeniedError": "agenticraft.core.errors",
    "ProviderConnectionError": "agenticraft.core.errors",
    "ProviderError": "agenticraft.core.errors",
    "ProviderTimeoutError": "agenticraft.core.errors",
    "RateLimitError": "agenticraft.core.errors",
    "ServerError": "agenticraft.core.errors",
    "StreamInterruptedError": "agenticraft.core.errors",
    "StreamProtocolError": "agenticraft.core.errors",
    "ToolCallError": "agenticraft.core.errors",
    "ToolError": "agenticraft.core.errors",
    "UsageLimitExceededError": "agenticraft.core.errors",
    "ExtensionChunk": "agenticraft.core.events",
    "NestedChunk": "agenticraft.core.events",
    "OutputChunk": "agenticraft.core.events",
    "RunEvent": "agenticraft.core.events",
    "StreamChunk": "agenticraft.core.events",
    "RunFold": "agenticraft.core.fold",
    "StreamingResponse": "agenticraft.core.fold",
    "Handoff": "agenticraft.core.handoffs",
    "handoff": "agenticraft.core.handoffs",
    "RunHooks": "agenticraft.core.hooks",
    "UsageLimits": "agenticraft.core.limits",
    "Audio": "agenticraft.core.media",
    "Document": "agenticraft.core.media",
    "Image": "agenticraft.core.media",
    "MediaPart": "agenticraft.core.media",
    "MediaError": "agenticraft.core.errors",
    "ConversationMemory": "agenticraft.core.memory",
    "InMemoryConversation": "agenticraft.core.memory",
    "Message": "agenticraft.core.messages",
    "ToolCall": "agenticraft.core.messages",
    "ToolResult": "agenticraft.core.messages",
    "Usage": "agenticraft.core.messages",
    "ModelSettings": "agenticraft.core.provider",
    "StreamingProvider": "agenticraft.core.provider",
    "ToolDefinition": "agenticraft.core.provider",
    "AgentResponse": "agenticraft.core.response",
    "ReasoningTrace": "agenticraft.core.response",
    "RunTrace": "agenticraft.core.response",
    "SQLiteConversationMemory": "agenticraft.core.sqlite_memory",
    "Tool": "agenticraft.core.tools",
    "tool": "agenticraft.core.tools",
    "FunctionToolset": "agenticraft.core.toolsets",
    "Toolset": "agenticraft.core.toolsets",
    "ReasoningStep": "agenticraft.reasoning.steps",
}

__all__ = [
    "Agent",
    "AgentResponse",
    "AgentStream",
    "AgentiCraftError",
    "Audio",
    "AuthenticationError",
    "BadRequestError",
    "Capability",
    "ConfigurationError",
    "ConversationBusyError",
    "ConversationMemory",
    "Document",
    "ExtensionChunk",
    "FunctionToolset",
    "Handoff",
    "Image",
    "InMemoryConversation",
    "MaxHandoffsExceededError",
    "MaxTurnsExceededError",
    "MediaError",
    "MediaPart",
    "ModelRetry",
    "OutputChunk",
    "OutputValidationError",
    "Message",
    "ModelSettings",
    "NestedChunk",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "ReasoningAgent",
    "ReasoningStep",
    "ReasoningTrace",
    "RunContext",
    "RunEvent",
    "RunFold",
    "RunHooks",
    "RunTrace",
    "SQLiteConversationMemory",
    "ServerError",
    "StreamChunk",
    "StreamInterruptedError",
    "StreamProtocolError",
    "StreamingProvider",
    "StreamingResponse",
    "Tool",
    "ToolCall",
    "ToolCallError",
    "ToolDefinition",
    "ToolError",
    "ToolResult",
    "Toolset",
    "Usage",
    "UsageLimitExceededError",
    "UsageLimits",
    "__version__",
    "handoff",
    "tool",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
