"""``agenticraft serve [module:agent]``: an agent behind the OpenAI API, the Vercel AI SDK and
AG-UI streams and a chat page, with uvicorn, until Ctrl-C.

Without an agent it serves the demo agent (the demo model, on a local wire server started for
the command, with its ``get_weather`` tool): no key, no network. Any OpenAI-compatible client
can use it: ``agenticraft run --model openai:agenticraft-demo --base-url http://127.0.0.1:8000/v1``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from .session import EXIT_OK, UsageError, load_object

__all__ = ["load_agents", "serve"]

#: read when no --api-key is given, so a key need not show in the process list
API_KEY_VARIABLE = "AGENTICRAFT_SERVE_API_KEY"


def load_agents(spec: str) -> Any:
    """The agent (or list or dict of agents) named by ``module:name`` or ``file.py:name``."""
    from agenticraft.core.agent import Agent

    target = load_object("serve", spec, "agent")
    values = list(target.values()) if isinstance(target, dict) else target
    values = values if isinstance(values, list | tuple) else [values]
    if not values or not all(isinstance(v, Agent) for v in values):
        raise UsageError(f"serve {spec!r}: {spec.rpartition(':')[2]!r} is not an Agent (or a list of agents)")
    return target


def serve(
    agent_spec: str | None = None,
    *,
    port: int = 8000,
    host: str = "127.0.0.1",
    api_keys: Sequence[str] = (),
    cors_origins: Sequence[str] = (),
    delay: float = 0.02,
) -> int:
    """Serve until interrupted; returns the exit code (0: Ctrl-C is how a server is stopped)."""
    try:
        from agenticraft.serve import create_app
        from agenticraft.serve.server import bind, require_uvicorn, run_server

        require_uvicorn()
    except ImportError as exc:
        raise UsageError(f"{exc}") from exc

    keys = list(api_keys) or [k for k in [os.environ.get(API_KEY_VARIABLE, "").strip()] if k]
    demo = None
    if agent_spec is None:
        from agenticraft.core.agent import Agent

        from .demo import DEMO_MODEL, DemoProvider, demo_server, get_weather

        demo = demo_server(delay=delay).start()
        agents: Any = Agent(
            name=DEMO_MODEL,
            instructions="You are a concise assistant.",
            model=DemoProvider(demo),
            tools=[get_weather],
        )
    else:
        agents = load_agents(agent_spec)
    try:
        app = create_app(agents, api_keys=keys, cors_origins=cors_origins)
        try:
            sock = bind(host, port)
        except OSError as exc:  # the port is taken, or not ours to use
            raise UsageError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc})"
            ) from exc
        url = f"http://{host}:{sock.getsockname()[1]}"
        names = ", ".join(_names(agents))
        what = "the demo agent" if demo else "agent"
        print(
            f"serving {what} {names} at {url}/ (the chat page; Ctrl-C stops)\n"
            f"  OpenAI API      {url}/v1   (model {next(iter(_names(agents)))})\n"
            f"  Vercel AI SDK   {url}/api/chat\n"
            f"  AG-UI           {url}/ag-ui\n"
            f"  auth            {'bearer key required' if keys else 'none (add --api-key KEY)'}",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn stopped; Ctrl-C is how
            run_server(app, sock)
        print("stopped", file=sys.stderr)
    finally:
        if demo is not None:
            demo.stop()
    return EXIT_OK


def _names(agents: Any) -> list[str]:
    if isinstance(agents, dict):
        return list(agents)
    return [a.name for a in (agents if isinstance(agents, list | tuple) else [agents])]
