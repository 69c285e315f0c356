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
    from agenticraft.core.errors import (
        AgentiCraftError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        MaxTurnsExceededError,
        NotFoundError,
        OverloadedError,
        PermissionDeniedError,
        ProviderConnectionError,
        ProviderError,
        ProviderTimeoutError,
        RateLimitError,
        ServerError,
        StreamInterruptedError,
        StreamProtocolError,
        ToolError,
    )
    from agenticraft.core.memory import ConversationMemory, InMemoryConversation
    from agenticraft.core.messages import Message, ToolCall, ToolResult, Usage
    from agenticraft.core.response import AgentResponse, ReasoningStep, ReasoningTrace
    from agenticraft.core.streaming import ModelSettings, StreamChunk, StreamingProvider, StreamingResponse
    from agenticraft.core.tools import Tool, tool

_LAZY: dict[str, str] = {
    "Agent": "agenticraft.core.agent",
    "AgentStream": "agenticraft.core.agent",
    "AgentResponse": "agenticraft.core.response",
    "ReasoningStep": "agenticraft.core.response",
    "ReasoningTrace": "agenticraft.core.response",
    "ConversationMemory": "agenticraft.core.memory",
    "InMemoryConversation": "agenticraft.core.memory",
    "Message": "agenticraft.core.messages",
    "ToolCall": "agenticraft.core.messages",
    "ToolResult": "agenticraft.core.messages",
    "Usage": "agenticraft.core.messages",
    "ModelSettings": "agenticraft.core.streaming",
    "StreamChunk": "agenticraft.core.streaming",
    "StreamingProvider": "agenticraft.core.streaming",
    "StreamingResponse": "agenticraft.core.streaming",
    "Tool": "agenticraft.core.tools",
    "tool": "agenticraft.core.tools",
    "ReasoningAgent": "agenticraft.agents",
}
_LAZY.update(
    dict.fromkeys(
        [
            "AgentiCraftError",
            "AuthenticationError",
            "BadRequestError",
            "ConfigurationError",
            "MaxTurnsExceededError",
            "NotFoundError",
            "OverloadedError",
            "PermissionDeniedError",
            "ProviderConnectionError",
            "ProviderError",
            "ProviderTimeoutError",
            "RateLimitError",
            "ServerError",
            "StreamInterruptedError",
            "StreamProtocolError",
            "ToolError",
        ],
        "agenticraft.core.errors",
    )
)

__all__ = [
    "Agent",
    "AgentResponse",
    "AgentStream",
    "AgentiCraftError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConversationMemory",
    "InMemoryConversation",
    "MaxTurnsExceededError",
    "Message",
    "ModelSettings",
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
    "ServerError",
    "StreamChunk",
    "StreamInterruptedError",
    "StreamProtocolError",
    "StreamingProvider",
    "StreamingResponse",
    "Tool",
    "ToolCall",
    "ToolError",
    "ToolResult",
    "Usage",
    "__version__",
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
