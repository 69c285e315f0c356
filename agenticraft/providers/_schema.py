"""JSON schemas as each provider's structured output takes them.

Pydantic's schemas are standard JSON Schema; providers that enforce a schema while the model
writes accept a subset. These helpers rewrite a schema into that subset without changing what
we validate (validation always happens on our side, against the full type).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

__all__ = ["anthropic_output_schema", "openai_strict_schema"]

# constraints Anthropic's structured outputs do not enforce: kept for the model in the description
_ANTHROPIC_UNSUPPORTED = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
    "uniqueItems",
)
_ANTHROPIC_FORMATS = {
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "uri",
    "ipv4",
    "ipv6",
    "uuid",
}


def _walk(schema: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    """Call ``visit`` on every sub-schema of ``schema`` (it may change them in place)."""
    if isinstance(schema, list):
        for item in schema:
            _walk(item, visit)
        return
    if not isinstance(schema, dict):
        return
    visit(schema)
    for key in ("properties", "$defs", "definitions", "patternProperties"):
        for sub in (schema.get(key) or {}).values():
            _walk(sub, visit)
    for key in ("items", "additionalProperties", "not", "if", "then", "else", "contains"):
        if isinstance(schema.get(key), dict):
            _walk(schema[key], visit)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        _walk(schema.get(key), visit)


def _close(node: dict[str, Any]) -> None:
    if node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False


def openai_strict_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema for OpenAI's ``json_schema`` response format, and whether ``strict`` can be on.

    Strict mode needs every object closed and every property required, with no defaults; a
    schema with an optional field (or a free-form dict) is sent with ``strict`` off instead of
    being changed into a different one.
    """
    out = copy.deepcopy(schema)
    strict = True

    def visit(node: dict[str, Any]) -> None:
        nonlocal strict
        if "default" in node:
            strict = False
        if node.get("type") == "object":
            extra = node.get("additionalProperties")
            if extra not in (None, False):
                strict = False
            properties = node.get("properties") or {}
            if set(node.get("required") or ()) != set(properties):
                strict = False
        _close(node)

    _walk(out, visit)
    return out, strict


def anthropic_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema for Anthropic's ``output_config.format``: objects closed, and the constraints
    it does not enforce moved into the description (we still validate them)."""
    out = copy.deepcopy(schema)

    def visit(node: dict[str, Any]) -> None:
        _close(node)
        moved = {k: node.pop(k) for k in _ANTHROPIC_UNSUPPORTED if k in node}
        if "minItems" in node and node["minItems"] not in (0, 1):
            moved["minItems"] = node.pop("minItems")
        if node.get("format") is not None and node.get("format") not in _ANTHROPIC_FORMATS:
            moved["format"] = node.pop("format")
        if moved:
            note = ", ".join(f"{k}: {v}" for k, v in moved.items())
            described = node.get("description")
            node["description"] = f"{described}\n\n{{{note}}}" if described else f"{{{note}}}"

    _walk(out, visit)
    return out
