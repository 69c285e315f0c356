"""Running an app with uvicorn: in the foreground (``agenticraft serve``) or in a thread
(:class:`BackgroundServer`, for tests, notebooks and the docs)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

__all__ = ["BackgroundServer", "bind", "require_uvicorn", "run_server"]


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on ``host:port`` (0: any free port); ``OSError`` when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def require_uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - the extra is installed with [dev]
        raise ImportError("serving needs uvicorn: pip install 'agenticraft[serve]'", name="uvicorn") from exc
    return uvicorn


def _config(app: Any, log_level: str) -> Any:
    uvicorn = require_uvicorn()
    # a keep-alive longer than uvicorn's 5 s: a pooled client may wait that long between requests
    return uvicorn.Config(
        app, log_level=log_level, lifespan="on", timeout_graceful_shutdown=2, timeout_keep_alive=30
    )


def run_server(app: Any, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` until Ctrl-C (uvicorn's own signal handling)."""
    require_uvicorn().Server(_config(app, log_level)).run(sockets=[sock])


class BackgroundServer:
    """``app`` served by uvicorn in a thread on 127.0.0.1, for as long as the block lasts::

    with BackgroundServer(create_app(agent)) as server:
        httpx.get(server.url + "/v1/models")
    """

    def __init__(
        self, app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        uvicorn = require_uvicorn()
        self._sock = bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._server = uvicorn.Server(_config(app, log_level))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="agenticraft-serve", daemon=True
        )

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
