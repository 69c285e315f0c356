"""Local wire-protocol servers for testing agents and providers over real HTTP.

Each server listens on 127.0.0.1 on an ephemeral port, plays scripted responses and records
the requests it received. :class:`ScriptedServer` speaks plain HTTP; the dialect servers
(:class:`OpenAIServer`, :class:`OpenAIResponsesServer`, and the Anthropic and Ollama ones)
turn a high-level script (text, tool calls, usage, an error event, a cut connection) into
that service's exact bytes.
See ``docs/testing-servers.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agenticraft.testing.servers._base import (
    Exchange,
    RecordedRequest,
    ScriptedResponse,
    ScriptedServer,
    split_bytes,
)
from agenticraft.testing.servers._parts import ReceivedPart, describe_parts

if TYPE_CHECKING:
    from agenticraft.testing.servers.anthropic import AnthropicServer
    from agenticraft.testing.servers.ollama import OllamaServer
    from agenticraft.testing.servers.openai import OpenAIServer
    from agenticraft.testing.servers.openai_responses import OpenAIResponsesServer

__all__ = [
    "AnthropicServer",
    "Exchange",
    "OllamaServer",
    "OpenAIResponsesServer",
    "OpenAIServer",
    "ReceivedPart",
    "RecordedRequest",
    "ScriptedResponse",
    "ScriptedServer",
    "describe_parts",
    "split_bytes",
]

# dialect servers load on first use
_LAZY = {
    "OpenAIServer": "agenticraft.testing.servers.openai",
    "OpenAIResponsesServer": "agenticraft.testing.servers.openai_responses",
    "AnthropicServer": "agenticraft.testing.servers.anthropic",
    "OllamaServer": "agenticraft.testing.servers.ollama",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agenticraft.testing.servers' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
