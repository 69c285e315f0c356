"""Tests."""

from __future__ import annotations

import pytest

from agenticraft.core.errors import RealProviderCallBlocked
from agenticraft.core.network_guard import check_request_allowed, real_providers_blocked

pytest_plugins = ["pytester"]


def test_fixture_blocks_real_providers(block_real_providers: None) -> None:
    assert real_providers_blocked()
    with pytest.raises(RealProviderCallBlocked):
        check_request_allowed("https://api.openai.com/v1/chat/completions")


def test_plugin_flag_blocks_every_test_of_a_user_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from agenticraft.core.network_guard import real_providers_blocked

        def test_blocked():
            assert real_providers_blocked()
        """
    )
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_subprocess("--agenticraft-block-real-providers")
    result.assert_outcomes(passed=1)
    unguarded = pytester.runpytest_subprocess()
    unguarded.assert_outcomes(failed=1)
