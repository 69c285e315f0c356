"""Tests."""

from __future__ import annotations

import pytest

from agenticraft.core.errors import RealProviderCallBlocked
from agenticraft.core.network_guard import block_real_providers, check_request_allowed, is_loopback


def test_guard_blocks_real_hosts_and_allows_loopback() -> None:
    assert (
        is_loopback("http://127.0.0.1:8000/v1")
        and is_loopback("http://[::1]:1/")
        and is_loopback("http://localhost")
    )
    with block_real_providers():
        check_request_allowed("http://127.0.0.1:9/v1/chat/completions")
        with pytest.raises(RealProviderCallBlocked, match=r"api\.openai\.com"):
            check_request_allowed("https://api.openai.com/v1/chat/completions", "openai")


def test_guard_treats_hosts_that_only_look_like_loopback_as_real() -> None:
    for url in ("http://127.evil.example/", "http://127.0.0.1.evil.example/v1", "http://localhost.evil/"):
        assert not is_loopback(url)
        with block_real_providers(), pytest.raises(RealProviderCallBlocked):
            check_request_allowed(url)
    assert is_loopback("http://127.255.0.9:1/") and is_loopback("http://[0:0:0:0:0:0:0:1]/")


def test_guard_is_on_for_this_test_suite() -> None:
    with pytest.raises(RealProviderCallBlocked):
        check_request_allowed("https://api.anthropic.com/v1/messages")
