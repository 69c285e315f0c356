"""One JSON request, one JSON answer, over the transport the providers share.

For endpoints that do not stream (embeddings): the same pooled client per endpoint, the same
test guard, the same translation of HTTP errors and transport failures into our error tree,
and the same retry policy (408/409/429/5xx, connection errors and timeouts, ``Retry-After``
honoured) as :class:`~agenticraft.providers._http.HTTPProvider`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2

from agenticraft.core.errors import ProviderError, StreamProtocolError, error_for_status
from agenticraft.core.network_guard import check_request_allowed
from agenticraft.providers._http import RetryAttempt, RetryPolicy, Timeouts, _retry_after, _transport_error
from agenticraft.providers._pool import lease
from agenticraft.providers._urls import redact_url

__all__ = ["post_json"]

_RETRIED = {408, 409, 429}


def _message(body: Any) -> str | None:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    if isinstance(body, str) and body.strip() and not body.lstrip().startswith("<"):
        return body.strip()[:500]
    return None


async def _once(
    client: httpx2.AsyncClient,
    url: str,
    content: bytes,
    headers: dict[str, str],
    timeout: httpx2.Timeout,
    provider: str,
) -> Any:
    try:
        response = await client.post(url, content=content, headers=headers, timeout=timeout)
    except httpx2.HTTPError as exc:
        raise _transport_error(exc, provider, redact_url(url)) from None
    raw = response.content
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace")
    status = response.status_code
    if status >= 300:
        message = _message(body) or f"HTTP {status} {response.reason_phrase}".strip()
        raise error_for_status(status)(
            message,
            provider=provider,
            status_code=status,
            body=body,
            retry_after=_retry_after(response.headers),
        )
    if not isinstance(body, dict):
        shown = raw[:120].decode("utf-8", "replace")
        raise StreamProtocolError(
            f"expected a JSON object from {redact_url(url)}, got {shown!r}", provider=provider, body=body
        )
    return body


async def post_json(
    url: str,
    body: dict[str, Any],
    *,
    provider: str,
    headers: dict[str, str] | None = None,
    timeouts: Timeouts | None = None,
    retry: RetryPolicy | None = None,
) -> dict[str, Any]:
    """POST ``body`` as JSON to ``url`` and return the JSON object answered.

    HTTP errors are our :class:`~agenticraft.core.errors.ProviderError` subclasses (with status
    code and body); a failure that may pass is retried as ``retry`` says.
    """
    check_request_allowed(url, provider)
    policy = retry or RetryPolicy()
    timeout = (timeouts or Timeouts()).for_httpx()
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    sent = {"content-type": "application/json", "accept": "application/json", **(headers or {})}
    attempt = 0
    async with lease(url) as client:
        while True:
            try:
                answer: dict[str, Any] = await _once(client, url, content, sent, timeout, provider)
                return answer
            except ProviderError as error:
                status = error.status_code
                transient = status is None or status in _RETRIED or status >= 500
                if isinstance(error, StreamProtocolError) or not transient or attempt >= policy.max_retries:
                    raise
                attempt += 1
                delay = policy.delay(attempt, error.retry_after)
                if policy.on_retry is not None:
                    policy.on_retry(RetryAttempt(attempt, error, delay))
                await asyncio.sleep(delay)
