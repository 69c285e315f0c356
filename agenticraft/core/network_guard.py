"""A switch that makes any request to a real (non-loopback) provider fail loudly.

Providers call :func:`check_request_allowed` before they send anything. Tests turn the guard
on with :func:`block_real_providers` (a context manager), the ``block_real_providers``
pytest fixture, or the environment variable ``AGENTICRAFT_BLOCK_REAL_PROVIDERS=1``; requests
to 127.0.0.0/8, ``localhost`` and ``[::1]`` (the local test servers) stay allowed.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from agenticraft.core.errors import RealProviderCallBlocked

__all__ = ["block_real_providers", "check_request_allowed", "is_loopback", "real_providers_blocked"]

_blocked_depth = 0


def real_providers_blocked() -> bool:
    return _blocked_depth > 0 or os.environ.get("AGENTICRAFT_BLOCK_REAL_PROVIDERS", "") not in ("", "0")


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is ``localhost`` or a loopback address (127.0.0.0/8, ``::1``).

    The host is parsed as an address, not matched by prefix: ``127.evil.example`` is a name
    anyone can register, and it is not local.
    """
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_request_allowed(url: str, provider: str = "") -> None:
    """Raise :class:`RealProviderCallBlocked` if the guard is on and ``url`` is not local."""
    if real_providers_blocked() and not is_loopback(url):
        raise RealProviderCallBlocked(
            f"a real {provider or 'provider'} request to {url} was blocked: the test guard is on "
            "(use agenticraft.testing's local servers or FunctionModel instead)"
        )


@contextmanager
def block_real_providers() -> Iterator[None]:
    """Within this block, any request to a non-loopback provider raises."""
    global _blocked_depth
    _blocked_depth += 1
    try:
        yield
    finally:
        _blocked_depth -= 1
