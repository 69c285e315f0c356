"""pytest plugin (registered through the ``pytest11`` entry point).

Fixture ``block_real_providers``: any request to a non-loopback provider raises
:class:`~agenticraft.core.errors.RealProviderCallBlocked` during the test. Run pytest with
``--agenticraft-block-real-providers`` to apply it to every test. The guard module is imported
inside the fixtures so that loading the plugin loads none of the package.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--agenticraft-block-real-providers",
        action="store_true",
        default=False,
        help="make any real (non-loopback) model provider request fail",
    )


@pytest.fixture(name="block_real_providers")
def _block_real_providers_fixture() -> Iterator[None]:
    from agenticraft.core.network_guard import block_real_providers

    with block_real_providers():
        yield


@pytest.fixture(autouse=True)
def _agenticraft_block_all(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.config.getoption("--agenticraft-block-real-providers"):
        from agenticraft.core.network_guard import block_real_providers

        with block_real_providers():
            yield
    else:
        yield
