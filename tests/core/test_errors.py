"""Tests."""

from __future__ import annotations

import agenticraft.core.errors as errors_module
from agenticraft.core.errors import AgentiCraftError, error_for_status


def test_error_tree_is_drawn_in_the_module_docstring() -> None:
    doc = errors_module.__doc__ or ""
    classes = [
        obj
        for name in errors_module.__all__
        if isinstance(obj := getattr(errors_module, name), type) and issubclass(obj, Exception)
    ]
    assert len(classes) >= 15
    for cls in classes:
        assert issubclass(cls, AgentiCraftError)
        assert cls.__name__ in doc, f"{cls.__name__} missing from the drawn tree"


def test_status_codes_map_to_the_tree() -> None:
    names = {
        code: error_for_status(code).__name__ for code in (400, 401, 403, 404, 408, 422, 429, 500, 503, 529)
    }
    assert names == {
        400: "BadRequestError",
        401: "AuthenticationError",
        403: "PermissionDeniedError",
        404: "NotFoundError",
        408: "ProviderTimeoutError",
        422: "BadRequestError",
        429: "RateLimitError",
        500: "ServerError",
        503: "ServerError",
        529: "OverloadedError",
    }


def test_transient_errors_are_the_ones_retries_and_fallback_act_on() -> None:
    from agenticraft.core.errors import ProviderConnectionError, ProviderError, StreamProtocolError

    transient = [
        c
        for c in (400, 401, 404, 408, 409, 422, 429, 500, 502, 529)
        if ProviderError("x", status_code=c).is_transient
    ]
    assert transient == [408, 409, 429, 500, 502, 529]
    assert ProviderConnectionError("reset").is_transient
    assert not StreamProtocolError("garbage").is_transient
