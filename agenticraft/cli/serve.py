"""``agenticraft serve``: the demo model as a local OpenAI-protocol server, until Ctrl-C.

Any OpenAI-compatible client can talk to it without a key or a network: ``agenticraft run
--base-url``, ``OPENAI_BASE_URL`` for an agent in your own code, or the ``openai`` SDK.
"""

from __future__ import annotations

import sys
import threading

from .demo import DEMO_MODEL, demo_server
from .session import EXIT_OK, UsageError

__all__ = ["serve"]


def serve(*, port: int = 8000, delay: float = 0.02) -> int:
    """Serve until interrupted; returns the exit code (0: Ctrl-C is how a server is stopped)."""
    server = demo_server(delay=delay, port=port)
    try:
        server.start()
    except OSError as exc:  # the port is taken, or not ours to use
        raise UsageError(f"--port {port}: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc})") from exc
    print(
        f"serving the demo model over the OpenAI protocol at {server.base_url} (Ctrl-C stops)\n"
        f'  agenticraft run "What is the weather in Paris?" --model openai:{DEMO_MODEL} '
        f"--base-url {server.base_url}\n"
        f"  OPENAI_BASE_URL={server.base_url} agenticraft chat --model openai:{DEMO_MODEL}",
        flush=True,
    )
    try:
        threading.Event().wait()  # the server runs in its own thread; Ctrl-C ends the wait
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.stop()
    return EXIT_OK
