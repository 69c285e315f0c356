"""What a durable run records, as plain JSON: a model turn's provider events, a tool call's
outcome, and the fingerprint of the agent definition a turn was asked with.

The engine stores these values and nothing else, so a run recorded by one process is replayed
by another (another machine, another version of the code) without pickled objects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

from agenticraft.core.events import ProviderEvent, chunk_from_dict
from agenticraft.core.media.parts import MediaPart, part_from_dict
from agenticraft.core.provider import ModelRequest
from agenticraft.core.tools import ToolOutcome
from agenticraft.durable.errors import DurableSerializationError

__all__ = [
    "check_recordable",
    "events_from_record",
    "events_record",
    "fingerprint",
    "outcome_from_record",
    "outcome_record",
]


def fingerprint(request: ModelRequest) -> str:
    """A digest of what defines the agent to the model: its instructions (the system message)
    and its tools (name, description, parameters). The conversation is left out."""
    system = [m.text for m in request.messages if m.role == "system"]
    tools = sorted([t.name, t.description, t.parameters] for t in request.tools)
    text = json.dumps({"instructions": system, "tools": tools}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def events_record(events: Sequence[ProviderEvent]) -> list[dict[str, Any]]:
    return [event.to_dict(inline_media=True) for event in events]


def events_from_record(data: Sequence[dict[str, Any]]) -> list[ProviderEvent]:
    return [chunk_from_dict(item) for item in data]  # type: ignore[misc]


def outcome_record(outcome: ToolOutcome) -> dict[str, Any]:
    return {
        "output": outcome.output,
        "error": outcome.error,
        "error_type": outcome.error_type,
        "parts": [part.to_dict(inline=True) for part in outcome.parts],
    }


def outcome_from_record(data: dict[str, Any]) -> ToolOutcome:
    parts: list[MediaPart] = [part_from_dict(p) for p in data.get("parts", ())]
    return ToolOutcome(data.get("output"), data.get("error"), data.get("error_type"), parts)


def check_recordable(tool: str, value: Any) -> None:
    """Raise :class:`DurableSerializationError` when a tool's return value is not plain JSON.

    The core turns any value into text (an object becomes its ``repr``), which is fine for one
    call but not for a record replayed later: a durable run refuses it instead.
    """
    try:
        json.dumps(_plain(value), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DurableSerializationError(
            f"tool {tool!r} returned a {type(value).__name__} that is not JSON ({exc}); a durable "
            "run records every tool result: return str, numbers, lists, dicts, a dataclass or a "
            "pydantic model"
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, MediaPart):
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "model_dump") and callable(value.model_dump):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    return value
