"""Base URLs: checked once when a provider is made, and never printed with credentials.

A base URL may carry credentials (``http://user:KEY@host/v1``, for a server behind a proxy
with basic auth). They are taken out of the URL the provider sends to, and sent as the
``Authorization`` header instead (what httpx does with a URL's userinfo anyway), so every place
that shows the URL (``repr``, error messages, httpx's ``HTTP Request:`` log line) shows it
without them. Only the standard library is used: the CLI checks ``--base-url`` with it
without loading an adapter.
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote, urlsplit

__all__ = ["base_url_problem", "redact_url", "split_credentials"]

_SCHEMES = ("http", "https")


def _netloc_without_userinfo(parts: SplitResult) -> str:
    return parts.netloc.rpartition("@")[2]


def redact_url(url: str) -> str:
    """``url`` with its userinfo (user name and password) replaced by ``***``.

    >>> redact_url("http://user:sk-secret@proxy.example/v1")
    'http://***@proxy.example/v1'
    >>> redact_url("https://api.openai.com/v1")
    'https://api.openai.com/v1'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or "@" not in parts.netloc:
        if "@" in url and "://" in url:  # unparsable, still never shown with what precedes "@"
            scheme, _, rest = url.partition("://")
            return f"{scheme}://***@{rest.rpartition('@')[2]}"
        return url
    return parts._replace(netloc="***@" + _netloc_without_userinfo(parts)).geturl()


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without its userinfo, and the (user, password) it held (``None`` if none)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    return parts._replace(netloc=_netloc_without_userinfo(parts)).geturl(), (user, password)


def base_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as a provider's base URL, or ``None`` when it can work.

    >>> base_url_problem("htp://localhost:8000/v1")
    "the scheme must be http or https, not 'htp'"
    >>> base_url_problem("http://localhost:80a0/v1")
    "the port must be a number from 1 to 65535, not '80a0'"
    """
    if not url.strip():
        return "it is empty"
    if any(c.isspace() for c in url):
        return "it contains whitespace"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        return f"it cannot be parsed ({exc})"
    if not parts.scheme or "://" not in url:
        return "it needs a scheme: http:// or https://"
    if parts.scheme.lower() not in _SCHEMES:
        return f"the scheme must be http or https, not {parts.scheme!r}"
    if not parts.hostname:
        return "it names no host"
    hostport = _netloc_without_userinfo(parts)
    port_text = hostport.rpartition("]")[2] if hostport.startswith("[") else hostport
    port = port_text.partition(":")[2]
    # "host:" (an empty port) means the scheme's default, as httpx reads it
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        return f"the port must be a number from 1 to 65535, not {port!r}"
    return None
