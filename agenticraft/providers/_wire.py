"""Checked reads of the fields of a decoded stream chunk, shared by the stream parsers.

JSON gives any type anywhere: a server may send a number where text belongs, a list as a tool
name, a token count as a string. A parser passes each field it keeps through one of these, so
every event it makes holds the types our model promises (a wrong type would otherwise fail far
away: in the accumulator, or when the next request is encoded from memory). Where the meaning
is clear the value is coerced (a numeric id or count becomes the string or integer it spells);
anything else raises :class:`~agenticraft.core.errors.StreamProtocolError`, which the
:class:`~agenticraft.providers._http.StreamParser` base tags with the provider and holds back
until the events decoded before it have been delivered.
"""

from __future__ import annotations

from typing import Any

from agenticraft.core.errors import StreamProtocolError

__all__ = ["call_id", "count", "index", "name", "obj", "position", "text"]


def _malformed(what: str, value: Any, expected: str) -> StreamProtocolError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return StreamProtocolError(f"{what} is {type(value).__name__} {shown}, not {expected}", body=value)


def text(value: Any, what: str) -> str:
    """A text field: the string, or ``""`` when absent or null."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    raise _malformed(what, value, "text")


def name(value: Any, what: str) -> str | None:
    """A short string field (a name, a stop reason, a model): ``None`` when absent or empty."""
    if type(value) is str:
        return value or None
    if value is None:
        return None
    raise _malformed(what, value, "a string")


def call_id(value: Any, what: str = "a tool call's id") -> str | None:
    """A tool-call id: a number (some servers count their calls) becomes its digits."""
    if type(value) is str:
        return value or None
    if value is None:
        return None
    if type(value) is int:
        return str(value)
    raise _malformed(what, value, "a string")


def index(value: Any, what: str = "a tool call's index") -> int | None:
    """A position (a tool call's or a content block's): an integer, or digits as text."""
    if type(value) is int:
        return value
    if value is None:
        return None
    if type(value) is str and value.isdecimal() and len(value) < 10:
        return int(value)
    raise _malformed(what, value, "an integer")


def position(value: Any, what: str) -> int:
    """An index that must be there (a content block's): as :func:`index`, but never ``None``."""
    found = index(value, what)
    if found is None:
        raise _malformed(what, value, "an integer")
    return found


def count(value: Any, what: str) -> int:
    """A token count: 0 when absent or null; an integral float or digits as text are taken."""
    if type(value) is int and value >= 0:
        return value
    if value is None:
        return 0
    if type(value) is float and value.is_integer() and 0 <= value < 2**53:
        return int(value)
    if type(value) is str and value.isdecimal() and len(value) < 16:
        return int(value)
    raise _malformed(what, value, "a token count")


def obj(value: Any, what: str) -> dict[str, Any]:
    """A nested object: ``{}`` when absent or null."""
    if type(value) is dict:
        return value
    if value is None:
        return {}
    raise _malformed(what, value, "an object")
