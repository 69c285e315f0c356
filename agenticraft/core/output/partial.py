"""Partial output: validated snapshots of an output type from the JSON received so far.

The JSON so far is parsed with pydantic-core's partial mode (an unfinished string is kept as it
stands, an unfinished key or literal is left out; a number at the very end is left out too,
since ``21`` may still become ``2102650``). The value is then validated against the output type
with pydantic's partial validation (an unfinished last list item is dropped); when that fails
because fields have not arrived yet, :class:`PartialShape` builds the snapshot itself: every
field present is validated, and a model or dataclass is constructed without the missing ones
(they are absent, or hold their defaults).

A snapshot costs time in proportion to the output so far, so :class:`SnapshotSchedule` takes
one only when the output has grown by a fixed fraction since the last: the total work stays
linear in the length of the output, and the cost per chunk does not grow with it.
"""

from __future__ import annotations

import dataclasses
import re
import time
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import from_json
from typing_extensions import get_type_hints, is_typeddict

from agenticraft.core.output.schema import OutputMember, _union_members

__all__ = ["MISSING", "PartialShape", "SnapshotSchedule", "parse_partial"]

MISSING: Any = object()
_TRAILING_NUMBER = re.compile(r"[-+0-9.eE]+$")


def parse_partial(text: str) -> Any:
    """The JSON value of an unfinished JSON text (``MISSING`` when there is none yet)."""
    text = _TRAILING_NUMBER.sub("", text.rstrip())
    if not text.strip():
        return MISSING
    try:
        return from_json(text, allow_partial="trailing-strings")
    except ValueError:
        return MISSING


class _Node:
    """How to validate one type partially."""

    __slots__ = ("adapter",)

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        self.adapter = adapter

    def full(self, value: Any) -> Any:
        try:
            return self.adapter.validate_python(value)
        except ValidationError:
            return MISSING

    def partial(self, value: Any) -> Any:
        try:
            return self.adapter.validate_python(value, experimental_allow_partial="trailing-strings")
        except ValidationError:
            return self.fill(value)

    def fill(self, value: Any) -> Any:
        return MISSING


class _FieldsNode(_Node):
    """A pydantic model, dataclass or TypedDict: validated field by field."""

    __slots__ = ("build", "fields")

    def __init__(self, adapter: TypeAdapter[Any]) -> None:
        super().__init__(adapter)
        self.fields: dict[str, tuple[str, _Node]] = {}
        self.build: Any = dict

    def populate(self, tp: Any, shape: PartialShape) -> None:
        """Its fields' nodes (after it is registered: a model may contain itself)."""
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            for name, info in tp.model_fields.items():
                annotation: Any = info.annotation
                if info.metadata:  # constraints (Field(gt=0), say) are validated too
                    annotation = typing.Annotated[(annotation, *info.metadata)]
                self.fields[info.alias or name] = (name, shape.node(annotation))
            self.build = lambda values: tp.model_construct(**values)
        elif dataclasses.is_dataclass(tp):
            hints = get_type_hints(tp, include_extras=True)
            for f in dataclasses.fields(tp):
                self.fields[f.name] = (f.name, shape.node(hints.get(f.name, Any)))
            self.build = lambda values: _construct_dataclass(tp, values)
        else:  # a TypedDict: the snapshot is the dict of the keys that have arrived
            for name, hint in get_type_hints(tp, include_extras=True).items():
                self.fields[name] = (name, shape.node(hint))

    def fill(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return MISSING
        values: dict[str, Any] = {}
        last = len(value) - 1
        for position, (key, item) in enumerate(value.items()):
            entry = self.fields.get(key)
            if entry is None:
                continue
            name, node = entry
            checked = node.partial(item) if position == last else node.full(item)
            if checked is MISSING:
                if position == last:
                    continue  # the field still arriving
                return MISSING  # a complete field that does not fit: no valid snapshot
            values[name] = checked
        return self.build(values)


class _ListNode(_Node):
    """A list: the complete items validated, the unfinished last one partially."""

    __slots__ = ("item",)

    def __init__(self, adapter: TypeAdapter[Any], item: _Node) -> None:
        super().__init__(adapter)
        self.item = item

    def fill(self, value: Any) -> Any:
        if not isinstance(value, list):
            return MISSING
        out = []
        for position, item in enumerate(value):
            last = position == len(value) - 1
            checked = self.item.partial(item) if last else self.item.full(item)
            if checked is MISSING:
                if last:
                    break
                return MISSING
            out.append(checked)
        return out


class _UnionNode(_Node):
    __slots__ = ("members",)

    def __init__(self, adapter: TypeAdapter[Any], members: list[_Node]) -> None:
        super().__init__(adapter)
        self.members = members

    def fill(self, value: Any) -> Any:
        best: Any = MISSING
        best_known = -1
        for member in self.members:
            if isinstance(member, _FieldsNode) and isinstance(value, dict):
                known = sum(1 for k in value if k in member.fields)
                if known == len(value) and known > best_known:
                    candidate = member.fill(value)
                    if candidate is not MISSING:
                        best, best_known = candidate, known
            elif best is MISSING:
                best = member.partial(value)
        return best


def _construct_dataclass(tp: Any, values: dict[str, Any]) -> Any:
    """A dataclass instance with only the fields that have arrived (and defaults)."""
    obj = object.__new__(tp)
    for f in dataclasses.fields(tp):
        if f.name in values:
            object.__setattr__(obj, f.name, values[f.name])
        elif f.default is not dataclasses.MISSING:
            object.__setattr__(obj, f.name, f.default)
        elif f.default_factory is not dataclasses.MISSING:
            object.__setattr__(obj, f.name, f.default_factory())
    return obj


class PartialShape:
    """Builds snapshots of one output member from its JSON so far."""

    def __init__(self, member: OutputMember) -> None:
        self.member = member
        self._nodes: dict[Any, _Node] = {}
        self.root = self.node(member.type)

    def node(self, tp: Any) -> _Node:
        key = _key(tp)
        if key is not None and key in self._nodes:
            return self._nodes[key]
        adapter: TypeAdapter[Any] = TypeAdapter(tp)
        base = typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp
        origin = typing.get_origin(base)
        node: _Node
        if isinstance(base, type) and (
            issubclass(base, BaseModel) or dataclasses.is_dataclass(base) or is_typeddict(base)
        ):
            fields_node = _FieldsNode(adapter)
            if key is not None:
                self._nodes[key] = fields_node
            fields_node.populate(base, self)
            return fields_node
        if origin in (list, typing.List) or origin is typing.Sequence:  # noqa: UP006
            args = typing.get_args(base)
            node = _ListNode(adapter, self.node(args[0] if args else Any))
        elif _union_members(base):
            node = _UnionNode(adapter, [self.node(m) for m in _union_members(base)])
        else:
            node = _Node(adapter)
        if key is not None:
            self._nodes[key] = node
        return node

    def snapshot(self, text: str) -> Any:
        """The validated snapshot of the JSON text so far, or ``MISSING``."""
        value = parse_partial(text)
        if value is MISSING:
            return MISSING
        if self.member.wrapped:
            if isinstance(value, dict) and "result" in value:
                value = value["result"]
            elif isinstance(value, dict) and not value:
                return MISSING  # the wrapper's key has not arrived
            # else a bare value (a prompted model may leave the wrapper out)
        return self.root.partial(value)


def _key(tp: Any) -> Any:
    try:
        hash(tp)
    except TypeError:
        return None
    return tp


class SnapshotSchedule:
    """When to take the next snapshot: the output grew by ``growth`` of its length (and by at
    least ``min_chars``), and ``debounce`` seconds passed since the last one."""

    __slots__ = ("debounce", "growth", "last_at", "last_size", "min_chars")

    def __init__(self, debounce: float, growth: float = 0.125, min_chars: int = 8) -> None:
        self.debounce = debounce
        self.growth = growth
        self.min_chars = min_chars
        self.last_size = 0
        self.last_at = 0.0

    def due(self, size: int) -> bool:
        grown = size - self.last_size
        if grown < self.min_chars or grown < self.growth * self.last_size:
            return False
        if self.debounce:
            now = time.monotonic()
            if now - self.last_at < self.debounce:
                return False
            self.last_at = now
        self.last_size = size
        return True
