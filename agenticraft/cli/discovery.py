"""Which providers can be used here, and which model the CLI picks when none is given.

The order is: ``--model``, then ``AGENTICRAFT_MODEL``, then the first provider whose API key is
set, then a local Ollama that answers; otherwise :class:`NoModelError` says how to configure
one. Only the standard library is used, so ``agenticraft providers`` answers without loading
any provider adapter.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from agenticraft.core.errors import ConfigurationError
from agenticraft.providers import redact_url

__all__ = [
    "DEFAULT_MODELS",
    "NoModelError",
    "ProviderStatus",
    "Resolution",
    "discover",
    "ollama_base_url",
    "probe_ollama",
    "resolve_cli_model",
]

#: the model used for a provider when only the provider is known
DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4o-mini",
    "openai-responses": "gpt-5-mini",
    "anthropic": "claude-sonnet-4-6",
    "ollama": "llama3.2",
}

# in the order a key is looked for: OpenAI's key means Chat Completions unless asked otherwise
_KEY_VARIABLES: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "openai-responses": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
}
#: the server a provider talks to when no --base-url is given (a local one needs no key)
_BASE_URL_VARIABLES: dict[str, str] = {
    "openai": "OPENAI_BASE_URL",
    "openai-responses": "OPENAI_BASE_URL",
    "anthropic": "ANTHROPIC_BASE_URL",
}

#: short, because a missing Ollama must not make every command feel slow
OLLAMA_PROBE_TIMEOUT = 0.3


class NoModelError(ConfigurationError):
    """No model was given and none could be found."""


@dataclass(slots=True)
class ProviderStatus:
    """What ``agenticraft providers`` reports for one provider."""

    name: str
    available: bool
    detail: str
    default_model: str
    models: list[str] = field(default_factory=list)

    @property
    def model_string(self) -> str:
        return f"{self.name}:{self.default_model}"


@dataclass(slots=True)
class Resolution:
    """The model the CLI will use, and why (shown to the user)."""

    model: str
    source: str


def ollama_base_url(env: Mapping[str, str] | None = None) -> str:
    """The local Ollama server: ``OLLAMA_HOST`` (Ollama's own variable) or localhost:11434."""
    env = os.environ if env is None else env
    raw = env.get("OLLAMA_HOST", "").strip().rstrip("/") or "localhost:11434"
    if "://" not in raw:
        raw = "http://" + raw
    # ``ollama serve`` accepts a host without a port; so does the Ollama adapter
    scheme, _, rest = raw.partition("://")
    host, slash, path = rest.partition("/")
    if ":" not in host.rpartition("]")[2]:
        host += ":443" if scheme == "https" else ":11434"
    return f"{scheme}://{host}{slash}{path}"


def probe_ollama(base_url: str, timeout: float = OLLAMA_PROBE_TIMEOUT) -> list[str] | None:
    """The models a reachable Ollama has pulled, or ``None`` when nothing answers."""
    # no proxies: a proxy from the environment must not answer for localhost
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{base_url}/api/tags", timeout=timeout) as reply:
            data = json.loads(reply.read().decode("utf-8") or "{}")
    except (OSError, ValueError, urllib.error.URLError):
        return None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return []
    return [str(m["name"]) for m in models if isinstance(m, dict) and "name" in m]


def discover(env: Mapping[str, str] | None = None, *, probe: bool = True) -> list[ProviderStatus]:
    """The status of every provider: keys from the environment, Ollama by a short probe."""
    env = os.environ if env is None else env
    statuses = []
    for name, variable in _KEY_VARIABLES.items():
        found = bool(env.get(variable, "").strip())
        detail = f"{variable} is set" if found else f"{variable} is not set"
        server = env.get(_BASE_URL_VARIABLES[name], "").strip()
        if server:
            detail += f"; {_BASE_URL_VARIABLES[name]}={redact_url(server)}"
        statuses.append(ProviderStatus(name, found, detail, DEFAULT_MODELS[name]))
    base_url = ollama_base_url(env)
    models = probe_ollama(base_url) if probe else None
    shown = redact_url(base_url)
    if models is None:
        statuses.append(ProviderStatus("ollama", False, f"no server at {shown}", DEFAULT_MODELS["ollama"]))
    else:
        pulled = f"{len(models)} model{'s' if len(models) != 1 else ''}"
        default = models[0] if models else DEFAULT_MODELS["ollama"]
        statuses.append(ProviderStatus("ollama", True, f"running at {shown} ({pulled})", default, models))
    return statuses


HOW_TO_CONFIGURE = (
    "no model configured: pass --model provider:model (e.g. openai:gpt-4o-mini), set "
    "AGENTICRAFT_MODEL, set OPENAI_API_KEY or ANTHROPIC_API_KEY, or start Ollama "
    "(`ollama serve`); without any of these, --offline uses the demo model "
    "(`agenticraft demo` shows it)"
)


def resolve_cli_model(
    explicit: str | None,
    env: Mapping[str, str] | None = None,
    statuses: list[ProviderStatus] | None = None,
) -> Resolution:
    """The model to use: the argument, ``AGENTICRAFT_MODEL``, a key found, a local Ollama.

    ``statuses`` (from :func:`discover`) avoids probing Ollama a second time.
    """
    env = os.environ if env is None else env
    if explicit and explicit.strip():
        return Resolution(explicit.strip(), "--model")
    configured = env.get("AGENTICRAFT_MODEL", "").strip()
    if configured:
        return Resolution(configured, "AGENTICRAFT_MODEL")
    # Ollama is probed only when no key was found: a key must not cost a network round trip
    for status in statuses if statuses is not None else discover(env, probe=False):
        if status.name in _KEY_VARIABLES and status.available:
            return Resolution(status.model_string, _KEY_VARIABLES[status.name])
    ollama = next((s for s in statuses or () if s.name == "ollama"), None)
    if ollama is None:
        ollama = discover(env)[-1]
    if ollama.available:
        base_url = ollama_base_url(env)
        return Resolution(ollama.model_string, f"Ollama at {redact_url(base_url)}")
    raise NoModelError(HOW_TO_CONFIGURE)
