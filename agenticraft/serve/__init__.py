"""Serving agents over HTTP: an OpenAI-compatible API, the Vercel AI SDK and AG-UI streams, and
a chat page, from one event stream (``pip install 'agenticraft[serve]'``)::

    from agenticraft.serve import create_app
    app = create_app(support_agent, api_keys=["..."])   # an ASGI app (Starlette)

``agenticraft serve module:agent --port 8000`` runs it with uvicorn. A protocol is an
:class:`Encoder`; :func:`register_encoder` adds one.
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is installed with [dev]
    raise ImportError(
        "agenticraft.serve needs Starlette and uvicorn: pip install 'agenticraft[serve]'", name="starlette"
    ) from exc

from agenticraft.serve.agui import AGUIEncoder
from agenticraft.serve.app import DEFAULT_MAX_BODY_BYTES, create_app
from agenticraft.serve.encoder import (
    Encoder,
    PartEncoder,
    RequestError,
    RunRequest,
    encoders,
    register_encoder,
    sse,
)
from agenticraft.serve.openai_api import OpenAIChatEncoder
from agenticraft.serve.server import BackgroundServer
from agenticraft.serve.vercel import VercelEncoder, messages_from_ui, messages_to_ui

__all__ = [
    "AGUIEncoder",
    "BackgroundServer",
    "DEFAULT_MAX_BODY_BYTES",
    "Encoder",
    "OpenAIChatEncoder",
    "PartEncoder",
    "RequestError",
    "RunRequest",
    "VercelEncoder",
    "create_app",
    "encoders",
    "messages_from_ui",
    "messages_to_ui",
    "register_encoder",
    "sse",
]
