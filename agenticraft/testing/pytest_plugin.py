"""pytest plugin (registered through the ``pytest11`` entry point).

Fixture ``block_real_providers``: any request to a non-loopback provider raises
:class:`~agenticraft.core.errors.RealProviderCallBlocked` during the test. Run pytest with
``--agenticraft-block-real-providers`` to apply it to every test. The guard module is imported
inside the fixtures so that loading the plugin loads none of the package.

Fixtures ``openai_server``, ``anthropic_server`` and ``ollama_server``: a local wire-protocol
server of that protocol for the test (see ``docs/testing-servers.md``).

Fixtures ``postgres_url`` (session) and ``postgres_database`` (per test, a fresh empty database):
a real PostgreSQL server, the one named by ``AGENTICRAFT_TEST_POSTGRES_URL`` (``.ci/run`` starts
one), else a throwaway cluster started from Debian's server binaries for the session. Without
either the test is skipped, except under ``CI``, where it fails.
"""

from __future__ import annotations

import os
import uuid
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


#: the PostgreSQL server the tests use when set (``.ci/run`` sets it)
POSTGRES_URL_VARIABLE = "AGENTICRAFT_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server's URL for the session (see the module docstring)."""
    given = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if given:
        yield given
        return
    from agenticraft.testing.postgres import PostgresCluster, PostgresUnavailable

    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"no PostgreSQL for the tests, and CI is set: {exc}")
        pytest.skip(f"no PostgreSQL: {exc}")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """The URL of a new, empty database on :func:`postgres_url`, dropped after the test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    from urllib.parse import urlsplit, urlunsplit

    yield urlunsplit(urlsplit(postgres_url)._replace(path="/" + name))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
