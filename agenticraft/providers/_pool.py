"""The pooled HTTP clients every wire-protocol provider shares: one per endpoint per event loop.

Clients are bound to a loop (and ``Agent.run`` starts a new loop per call), so each loop has
its own set, closed when the loop shuts down. Within a loop the set is bounded:

- at most :data:`MAX_CLIENTS` endpoints keep a client; opening one more closes the least
  recently used (a program that talks to hundreds of base URLs, each once, holds 32 clients,
  not hundreds, with their sockets and TLS contexts);
- a client unused for :data:`IDLE_SECONDS` is closed when the pool is next used;
- :func:`release` (``provider.aclose()``) closes an endpoint's client now.

A client that is streaming is never closed under its stream: it is only retired, and closed
when its last stream ends. Whoever needs the endpoint again gets a new client.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx2

__all__ = ["IDLE_SECONDS", "MAX_CLIENTS", "close_shared_clients", "lease", "release", "shared_client"]

#: The most endpoints that keep a pooled client on one event loop.
MAX_CLIENTS = 32
#: Seconds an unused pooled client is kept open.
IDLE_SECONDS = 300.0


@dataclass(slots=True)
class _Pooled:
    client: httpx2.AsyncClient
    last_used: float = field(default_factory=time.monotonic)
    active: int = 0  # streams using it now
    retired: bool = False  # left the pool while streaming: closed when its last stream ends


# Per event loop: endpoint -> client, least recently used first. Entries leave when their loop
# shuts down (see below), so plain dicts do: no weak references, which some loops (uvloop) may
# not support.
_POOLS: dict[asyncio.AbstractEventLoop, OrderedDict[str, _Pooled]] = {}
# the closer generators must stay referenced: the loop only holds them weakly
_CLOSERS: dict[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = {}


async def _pool_closer(loop: asyncio.AbstractEventLoop) -> AsyncGenerator[None, None]:
    # An async generator, not a task: ``asyncio.run`` (and every asyncio.Runner) calls
    # ``shutdown_asyncgens`` as the loop ends, which closes us, which closes the pools. A task
    # would show up as pending in every test that counts tasks.
    try:
        yield
    finally:
        _CLOSERS.pop(loop, None)
        pool = _POOLS.pop(loop, OrderedDict())
        for entry in list(pool.values()):
            await entry.client.aclose()


def _endpoint(url: str) -> str:
    parsed = httpx2.URL(url)
    return f"{parsed.scheme}://{parsed.host}:{parsed.port or ''}"


def _new_client() -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        timeout=None,  # each request brings its own
        limits=httpx2.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30.0),
        trust_env=True,
    )


async def _retire(entry: _Pooled) -> None:
    if entry.active:
        entry.retired = True
    else:
        await entry.client.aclose()


async def _entry(url: str) -> _Pooled:
    loop = asyncio.get_running_loop()
    pool = _POOLS.get(loop)
    if pool is None:
        pool = _POOLS[loop] = OrderedDict()
        closer = _CLOSERS[loop] = _pool_closer(loop)
        await closer.asend(None)  # first iteration: the loop now knows the generator
    key = _endpoint(url)
    now = time.monotonic()
    entry = pool.get(key)
    if entry is None or entry.client.is_closed:
        entry = pool[key] = _Pooled(_new_client(), now)
    else:
        pool.move_to_end(key)
        entry.last_used = now
    # a few entries at most: sweeping them on every use costs less than a timer per client
    stale = [k for k, e in pool.items() if k != key and not e.active and now - e.last_used >= IDLE_SECONDS]
    while len(pool) - len(stale) > MAX_CLIENTS:
        stale.append(next(k for k in pool if k not in stale and k != key))
    for k in stale:
        await _retire(pool.pop(k))
    return entry


async def shared_client(url: str) -> httpx2.AsyncClient:
    """The pooled client for ``url``'s endpoint on the running event loop."""
    return (await _entry(url)).client


@asynccontextmanager
async def lease(url: str) -> AsyncIterator[httpx2.AsyncClient]:
    """The pooled client for ``url``, kept open (not evicted, not closed by :func:`release`)
    until the block ends."""
    entry = await _entry(url)
    entry.active += 1
    try:
        yield entry.client
    finally:
        entry.active -= 1
        entry.last_used = time.monotonic()
        if entry.retired and not entry.active:
            await entry.client.aclose()


async def release(url: str) -> None:
    """Close the pooled client of ``url``'s endpoint on the running loop (when its streams
    end, if any are open); the next request to the endpoint opens a new one."""
    pool = _POOLS.get(asyncio.get_running_loop())
    entry = pool.pop(_endpoint(url), None) if pool is not None else None
    if entry is not None:
        await _retire(entry)


async def close_shared_clients() -> None:
    """Close the pooled clients of the running loop now (they also close when it ends)."""
    closer = _CLOSERS.get(asyncio.get_running_loop())
    if closer is not None:
        await closer.aclose()
