"""One live connection to an MCP server, owned by one task of its own.

The SDK's client is a stack of anyio task groups and cancel scopes, which must be entered and
left by the same task. A run that enters a server and is then cancelled, or a second run that
leaves a server the first one started, would leave them from another task ("cancel scope in a
different task") and could leak the server process. So every connection lives in a dedicated
owner task: it enters the SDK's client, signals that it is ready, waits until it is told to
stop, and leaves everything it entered itself. Requests are sent from any task (the SDK's
streams do not care which); only entering and leaving happen in the owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any

import anyio
from mcp import Client

__all__ = ["Connection"]

log = logging.getLogger("agenticraft.mcp")

_STOP_GRACE = 10.0  # seconds the owner may take to leave cleanly before it is cancelled


class Connection:
    """A started MCP client session and the task that owns it.

    ``make_client`` builds the SDK's :class:`~mcp.Client` (not entered); ``on_change`` is called
    with ``"tools"``, ``"prompts"`` or ``"resources"`` when the server says a list changed.
    """

    def __init__(
        self,
        make_client: Callable[[], AbstractAsyncContextManager[Client]],
        on_change: Callable[[str], None],
    ) -> None:
        self._make_client = make_client
        self._on_change = on_change
        self._ready: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        self._stop = anyio.Event()
        self._scope: anyio.CancelScope | None = None
        self.error: BaseException | None = None  # why the connection ended before it was stopped
        self.lost = False  # the server went away (crashed, closed the connection)
        self.lost_in_run: str | None = None  # the run that saw it go
        self._owner = asyncio.create_task(self._own(), name="agenticraft-mcp-connection")

    async def start(self, timeout: float | None) -> Client:
        """Wait until the session is initialized; raise what prevented it (after ``timeout``:
        ``TimeoutError``, the half-started server stopped)."""
        try:
            done, _ = await asyncio.wait({self._ready}, timeout=timeout)
        except BaseException:
            await self.stop()
            raise
        if not done:
            await self.stop()
            raise TimeoutError
        return self._ready.result()

    @property
    def client(self) -> Client:
        return self._ready.result()

    async def _own(self) -> None:
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                async with AsyncExitStack() as stack:
                    client = await stack.enter_async_context(self._make_client())
                    tasks = await stack.enter_async_context(anyio.create_task_group())
                    await self._watch_lists(client, tasks)
                    self._ready.set_result(client)
                    await self._stop.wait()
                    tasks.cancel_scope.cancel()
        except BaseException as exc:  # the owner ends here: nothing may escape its task
            if not self._ready.done():
                self._ready.set_exception(exc if isinstance(exc, Exception) else ConnectionError(repr(exc)))
            elif not self._stop.is_set():
                self.error, self.lost = exc, True
                log.debug("MCP connection ended: %r", exc)
        finally:
            if not self._ready.done():  # cancelled before it was ready
                self._ready.set_exception(ConnectionError("the MCP connection was stopped while starting"))

    async def _watch_lists(self, client: Client, tasks: anyio.abc.TaskGroup) -> None:
        """Hear of changed tool, prompt and resource lists, in every protocol era.

        A server on a handshake-era protocol sends ``notifications/*/list_changed`` at any
        time (they reach the message handler); a 2026-era server only on a
        ``subscriptions/listen`` stream, which is held open here for the session's life.
        """
        capabilities = client.server_capabilities
        wanted = {
            "tools": bool(capabilities.tools and capabilities.tools.list_changed),
            "prompts": bool(capabilities.prompts and capabilities.prompts.list_changed),
            "resources": bool(capabilities.resources and capabilities.resources.list_changed),
        }
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        if not any(wanted.values()) or client.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            return

        async def listen(*, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
            from mcp.shared.subscriptions import PromptsListChanged, ResourcesListChanged, ToolsListChanged

            kinds: dict[type[Any], str] = {
                ToolsListChanged: "tools",
                PromptsListChanged: "prompts",
                ResourcesListChanged: "resources",
            }
            started = False
            try:
                async with client.listen(
                    tools_list_changed=wanted["tools"],
                    prompts_list_changed=wanted["prompts"],
                    resources_list_changed=wanted["resources"],
                ) as events:
                    task_status.started()  # acknowledged: no change is missed from here on
                    started = True
                    async for event in events:
                        kind = kinds.get(type(event))
                        if kind is not None:
                            self._on_change(kind)
            except Exception as exc:
                if not started:  # a server without listen: lists are fetched when asked
                    log.debug("no subscriptions/listen stream: %r", exc)
                    task_status.started()
                elif not self._stop.is_set():  # the stream dropped: so did the server
                    self.error, self.lost = exc, True
                    log.debug("MCP connection lost: %r", exc)

        await tasks.start(listen)

    async def stop(self) -> None:
        """Leave the session and stop the server (a stdio process is always ended), from
        whatever task; shielded, so a cancelled caller still waits for the end."""
        self._stop.set()
        owner = self._owner
        if not self._ready.done() and self._scope is not None:
            self._scope.cancel()  # still starting: nothing to leave cleanly
        # cancelled again while waiting, the caller leaves; the owner goes on stopping the server
        await asyncio.shield(_finish(owner, self))

    @property
    def alive(self) -> bool:
        return self._ready.done() and not self._owner.done() and not self.lost


async def _finish(owner: asyncio.Task[None], connection: Connection) -> None:
    done, _ = await asyncio.wait({owner}, timeout=_STOP_GRACE)
    if not done and connection._scope is not None:
        log.warning("an MCP connection did not close within %g s; cancelling it", _STOP_GRACE)
        connection._scope.cancel()
        await asyncio.wait({owner}, timeout=_STOP_GRACE)
