"""What an output type asks of the model: its JSON schema, its output tools, and validation.

:class:`OutputSchema` is built once per output type (pydantic is loaded here, and only when an
output type is used). A type whose schema is not a JSON object (``int``, ``list[City]``, a
``Literal``, a union) is sent wrapped as ``{"result": ...}``, because tool arguments and most
providers' structured outputs must be objects. A union of structured types becomes one output
tool per member in ``"tool"`` mode, so the model's choice is explicit.
"""

from __future__ import annotations

import json
import re
import types
import typing
from dataclasses import dataclass, is_dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model
from pydantic.errors import PydanticUserError
from typing_extensions import is_typeddict

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.provider import OutputMode, OutputSpec, ToolDefinition

__all__ = ["OUTPUT_TOOL", "OutputMember", "OutputSchema", "describe_errors", "type_name"]

OUTPUT_TOOL = "final_result"
_WRAP = "result"
_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


def type_name(tp: Any) -> str:
    """A short readable name of a type (``list[City]``, ``Literal['a', 'b']``)."""
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__name__
    return re.sub(r"\b[\w.]+\.(\w+)", r"\1", repr(tp)).replace("typing.", "")


def _is_structured(tp: Any) -> bool:
    return isinstance(tp, type) and (issubclass(tp, BaseModel) or is_dataclass(tp) or is_typeddict(tp))


def _union_members(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return []


def describe_errors(error: ValidationError, *, wrapped: bool) -> list[str]:
    """Validation errors as lines a model can act on: where, what, and what it got."""
    lines = []
    for e in error.errors(include_url=False):
        loc = list(e["loc"])
        if wrapped and loc[:1] == [_WRAP]:
            loc = loc[1:]
        where = ".".join(str(p) for p in loc) or "the value"
        got = json.dumps(e.get("input"), default=str)
        if len(got) > 120:
            got = got[:117] + "..."
        lines.append(f"{where}: {e['msg']} (got {got})")
    return lines


@dataclass(slots=True)
class OutputMember:
    """One shape the output may take: the whole type, or one member of a union in tool mode."""

    type: Any
    tool_name: str
    schema: dict[str, Any]  # always a JSON object schema
    wrapped: bool
    description: str
    adapter: TypeAdapter[Any]
    wrapper: type[BaseModel] | None  # validates {"result": value} when wrapped

    def validate_arguments(self, arguments: dict[str, Any]) -> Any:
        """The value of a tool call's arguments (raises ``ValidationError``)."""
        if self.wrapper is not None:
            return self.wrapper.model_validate(arguments).result
        return self.adapter.validate_python(arguments)

    def validate_text(self, text: str) -> Any:
        """The value of a JSON answer (raises ``ValidationError``); a wrapped value may also
        come bare (a prompted model may leave the wrapper out)."""
        if self.wrapper is None:
            return self.adapter.validate_json(text)
        try:
            return self.wrapper.model_validate_json(text).result
        except ValidationError as wrapped_error:
            try:
                bare = json.loads(text)
            except ValueError:
                raise wrapped_error from None
            if isinstance(bare, dict) and _WRAP in bare:
                raise
            try:
                return self.adapter.validate_python(bare)
            except ValidationError:
                raise wrapped_error from None


def _member(tp: Any, tool_name: str) -> OutputMember:
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(tp)
        schema = adapter.json_schema()
    except PydanticUserError as exc:
        raise ConfigurationError(f"output_type={type_name(tp)} cannot be used: {exc}") from exc
    except Exception as exc:  # a type pydantic has no schema for
        raise ConfigurationError(
            f"output_type={type_name(tp)} cannot be used: pydantic cannot validate it ({exc})"
        ) from exc
    description = schema.pop("description", "") if isinstance(schema.get("description"), str) else ""
    wrapped = not (schema.get("type") == "object" and "properties" in schema)
    wrapper: type[BaseModel] | None = None
    if wrapped:
        defs = schema.pop("$defs", None)
        schema = {"type": "object", "properties": {_WRAP: schema}, "required": [_WRAP]}
        if defs:
            schema["$defs"] = defs
        wrapper = create_model("Output", result=(tp, ...))
    return OutputMember(tp, tool_name, schema, wrapped, description, adapter, wrapper)


class OutputSchema:
    """An output type, ready to be asked for in any mode and validated.

    >>> OutputSchema(int).members[0].schema["properties"]
    {'result': {'type': 'integer'}}
    """

    def __init__(self, output_type: Any) -> None:
        self.type = output_type
        self.name = type_name(output_type)
        self.whole = _member(output_type, OUTPUT_TOOL)
        union = _union_members(output_type)
        if len(union) > 1 and all(_is_structured(m) for m in union):
            self.members = [_member(m, f"{OUTPUT_TOOL}_{_tool_suffix(m)}") for m in union]
        else:
            self.members = [self.whole]
        self.schema_name = re.sub(r"[^a-zA-Z0-9_-]", "_", self.name)[:64] or "output"

    def tool_definitions(self) -> list[ToolDefinition]:
        """The output tools of ``"tool"`` mode (one per union member)."""
        return [
            ToolDefinition(
                m.tool_name,
                m.description or f"Give the final result: a {type_name(m.type)}. Call this once, last.",
                m.schema,
            )
            for m in self.members
        ]

    def spec(self, mode: OutputMode) -> OutputSpec:
        whole = self.whole
        return OutputSpec(
            mode,
            whole.schema,
            self.schema_name,
            whole.description,
            tool_names=tuple(m.tool_name for m in self.members) if mode == "tool" else (),
            wrapped=whole.wrapped,
        )

    def instructions(self) -> str:
        """The instructions of ``"prompted"`` mode."""
        return (
            "Answer with a single JSON value that matches this JSON schema, and nothing else "
            "(no prose, no code fence):\n" + json.dumps(self.whole.schema, separators=(",", ":"))
        )

    def member_for_tool(self, name: str) -> OutputMember | None:
        for m in self.members:
            if m.tool_name == name:
                return m
        return None


def strip_fence(text: str) -> str:
    """The JSON inside a Markdown code fence, or ``text`` as it is."""
    match = _FENCE.match(text)
    return match.group(1) if match else text


def _tool_suffix(tp: Any) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", getattr(tp, "__name__", "member"))[:40]
