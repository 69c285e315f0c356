"""pytest plugin (registered through the ``pytest11`` entry point).

Fixture ``block_real_providers``: any request to a non-loopback provider raises
:class:`~agenticraft.core.errors.RealProviderCallBlocked` during the test. Run pytest with
``--agenticraft-block-real-providers`` to apply it to every test. The guard module is imported
inside the fixtures so that loading the plugin loads none of the package.

Fixtures ``openai_server``, ``anthropic_server`` and ``ollama_server``: a local wire-protocol
server of that protocol for the test (see ``docs/testing-servers.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from agenticraft.testing.servers import AnthropicServer, OllamaServer, OpenAIServer


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


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A local OpenAI-protocol server for this test (``base_url`` ends in ``/v1``)."""
    from agenticraft.testing.servers import OpenAIServer

    with OpenAIServer() as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    """A local Anthropic Messages server for this test (use its ``url`` as ``base_url``)."""
    from agenticraft.testing.servers import AnthropicServer

    with AnthropicServer() as server:
        yield server


@pytest.fixture
def ollama_server() -> Iterator[OllamaServer]:
    """A local Ollama server for this test (use its ``url`` as ``base_url``)."""
    from agenticraft.testing.servers import OllamaServer

    with OllamaServer() as server:
        yield server
