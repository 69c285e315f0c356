"""Tools: ``@tool`` turns a typed function into something a model can call.

The JSON schema comes from the signature (through pydantic, imported only when a schema or
validation is first needed) and the per-parameter descriptions from the docstring (Google
``Args:``, Sphinx ``:param x:`` or NumPy ``Parameters`` style). Execution validates the
arguments, runs sync functions in a worker thread (never on the event loop, see
:mod:`agenticraft.core.tool_runner`), applies the timeout, and turns every failure into an error
text the model can read and act on. A first parameter typed ``RunContext[...]`` receives the
run context and is left out of the schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any, TypeVar, overload

from agenticraft.core.context import RunContext
from agenticraft.core.errors import ModelRetry, ToolCallError, ToolDefinitionError
from agenticraft.core.media.parts import MediaPart
from agenticraft.core.messages import sendable_text
from agenticraft.core.provider import ToolDefinition
from agenticraft.core.tool_runner import TOOL_THREADS, await_with_timeout

__all__ = [
    "Tool",
    "ToolOutcome",
    "outcome_of",
    "parse_docstring",
    "tool",
    "tool_output_parts",
    "tool_output_text",
]

F = TypeVar("F", bound=Callable[..., Any])

_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Examples?|Notes?|See Also)\s*:?$"
)
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^(\w+)\s*(?::.*)?$")
_SPHINX_ITEM = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a docstring into its description and per-parameter descriptions.

    Understands Google (``Args:``), Sphinx (``:param x:``) and NumPy (``Parameters`` with an
    underline) styles.
    """
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None  # None: still in the summary
    numpy = False
    base_indent = -1
    current: str | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        underlined = i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}
        heading = _SECTION.match(stripped) if indent == 0 else None
        if heading:
            section = "args" if heading.group(1).startswith(("Arg", "Param")) else "other"
            numpy, base_indent, current = underlined, -1, None
            continue
        sphinx = _SPHINX_ITEM.match(stripped)
        if sphinx:
            section, current = "sphinx", sphinx.group(1)
            params[current] = sphinx.group(2).strip()
            continue
        if stripped.startswith(":"):
            section, current = "other", None
            continue
        if section is None:
            summary.append(line)
            continue
        if section == "other" or not stripped or set(stripped) == {"-"}:
            continue
        if section == "sphinx":
            if current is not None:
                params[current] = f"{params[current]} {stripped}".strip()
            continue
        if base_indent < 0:
            base_indent = indent
        item = (_NUMPY_ITEM if numpy else _GOOGLE_ITEM).match(stripped) if indent == base_indent else None
        if item:
            current = item.group(1)
            params[current] = "" if numpy else item.group(2).strip()
        elif current is not None:
            params[current] = f"{params[current]} {stripped}".strip()
    return "\n".join(summary).strip(), params


@dataclass(slots=True)
class ToolOutcome:
    """What one call produced: ``output``, the text for the model, or ``error``, the text that
    tells the model what went wrong, and ``error_type`` the class of the failure (the exception's
    name, ``timeout``, ``cancelled``, ``invalid_result``); ``parts``, the images and documents it
    returned. Plain data, so a durable engine can record it; ``value`` is the function's return
    value itself (``None`` for a failure or a toolset that has none), for a wrapper that must
    check more than its text (a durable engine refuses a value that is not JSON)."""

    output: str | None
    error: str | None = None
    error_type: str | None = field(default=None, compare=False)
    parts: list[MediaPart] = field(default_factory=list)
    value: Any = field(default=None, compare=False, repr=False)


def tool_output_parts(value: Any) -> tuple[str, list[MediaPart]]:
    """The text and the content parts a model gets for a tool's return value: an ``Image``
    (or ``Document``, ``Audio``) is a part with no text, and a list holding parts gives its
    parts in order and its other items as text lines."""
    if isinstance(value, MediaPart):
        return "", [value]
    if isinstance(value, (list, tuple)) and any(isinstance(v, MediaPart) for v in value):
        parts = [v for v in value if isinstance(v, MediaPart)]
        texts = [tool_output_text(v) for v in value if not isinstance(v, MediaPart)]
        return "\n".join(texts), parts
    return tool_output_text(value), []


def tool_output_text(value: Any) -> str:
    """The text a model gets for a tool's return value (JSON for anything but a string), made
    sendable (:func:`~agenticraft.core.messages.sendable_text`)."""
    return sendable_text(_as_text(value))


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    dump = getattr(value, "model_dump_json", None)
    if callable(dump):
        return str(dump())
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    return json.dumps(value, default=str, ensure_ascii=False)


class Tool:
    """A callable the model may use.

    Build one with :func:`tool`; a plain function in ``Agent(tools=[...])`` is wrapped the same
    way. ``sequential=True`` makes the tool run alone instead of alongside the other calls of
    the same turn; ``timeout`` (seconds) bounds one call; ``max_retries`` bounds how many
    failed calls the model may retry in one run; ``eager`` lets a call start while the model
    still streams its turn (``None``: as the agent's ``eager_tools`` says).
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        sequential: bool = False,
        max_retries: int = 3,
        requires_approval: bool = False,
        eager: bool | None = None,
        idempotent: bool = True,
    ) -> None:
        if not callable(function):
            raise ToolDefinitionError(f"a tool must be callable, got {function!r}")
        self.function = function
        inner: Any = function
        while isinstance(inner, functools.partial):  # name and docs are the wrapped function's
            inner = inner.func
        # a callable object has no __name__: it is named after its class
        self.name: str = name or str(getattr(inner, "__name__", type(inner).__name__))
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.name):
            raise ToolDefinitionError(f"tool name {self.name!r} must be 1-64 letters, digits, '_' or '-'")
        doc_description, self.param_docs = parse_docstring(inspect.getdoc(inner))
        self.description = description if description is not None else doc_description
        self.timeout = timeout
        self.sequential = sequential
        self.max_retries = max_retries
        self.requires_approval = requires_approval
        self.eager = eager
        self.idempotent = idempotent
        self.is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
            type(function).__call__
        )
        self._signature = inspect.signature(function)
        for p in self._signature.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise ToolDefinitionError(
                    f"tool {self.name!r}: *args and **kwargs cannot be described to a model"
                )
        # passed by position: the model names every argument, but f(a, /) and many builtins
        # (math.sqrt) refuse a positional-only one given by keyword
        parameters = list(self._signature.parameters.values())
        self.takes_context = bool(parameters) and _is_run_context(parameters[0].annotation)
        self._params = (
            [p.name for p in parameters[1:]] if self.takes_context else [p.name for p in parameters]
        )
        self._positional = [
            p.name for p in parameters if p.kind is p.POSITIONAL_ONLY and p.name in self._params
        ]
        self._validator: Any = None
        self._schema: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the underlying function directly."""
        return self.function(*args, **kwargs)

    # -- schema -------------------------------------------------------------------------
    def _build(self) -> None:
        from pydantic import ConfigDict, Field, PydanticUserError, create_model

        hints = _type_hints(self.function, self._signature)
        fields: dict[str, Any] = {}
        for pname in self._params:
            p = self._signature.parameters[pname]
            annotation = hints.get(pname, p.annotation)
            if annotation is inspect.Parameter.empty:
                annotation = Any
            default = ... if p.default is inspect.Parameter.empty else p.default
            # fields get neutral names and the parameter's name as alias: a parameter may be
            # called ``json``, ``model_config``, ``model_dump`` or ``_x``, which pydantic refuses,
            # drops or warns about as field names
            fields[f"p{len(fields)}"] = (
                annotation,
                Field(default, alias=pname, description=self.param_docs.get(pname)),
            )
        try:
            model = create_model(
                f"{self.name}_arguments",
                __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
                **fields,
            )
            schema = model.model_json_schema()
        except PydanticUserError as exc:  # say which tool, in our error tree
            raise ToolDefinitionError(f"tool {self.name!r}: cannot describe its parameters: {exc}") from exc
        _strip_titles(schema)
        schema.setdefault("properties", {})
        schema["type"] = "object"
        self._validator = model
        self._schema = schema

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments."""
        if self._schema is None:
            self._build()
        assert self._schema is not None
        return self._schema

    def definition(self) -> ToolDefinition:
        return ToolDefinition(
            self.name,
            self.description,
            self.parameters,
            sequential=self.sequential,
            timeout=self.timeout,
            max_retries=self.max_retries,
            requires_approval=self.requires_approval,
            eager=self.eager,
            idempotent=self.idempotent,
        )

    # -- execution ----------------------------------------------------------------------
    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The arguments converted to the function's types; raises pydantic's ValidationError."""
        if self._validator is None:
            self._build()
        validated = self._validator.model_validate(arguments)
        return {name: getattr(validated, f"p{i}") for i, name in enumerate(self._params)}

    def _arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        from pydantic import ValidationError

        try:
            return self.validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            raise ToolCallError(
                f"Invalid arguments for tool {self.name!r}: {problems}. Correct them and call the tool again."
            ) from None
        except ToolDefinitionError:
            raise
        except Exception as exc:  # a user validator that raises TypeError, say: pydantic passes it on
            raise ToolCallError(
                f"Invalid arguments for tool {self.name!r}: {type(exc).__name__}: {exc}."
            ) from None

    async def invoke(self, arguments: dict[str, Any], ctx: RunContext[Any] | None = None) -> Any:
        """Validate ``arguments`` and call the function (sync ones on the tool threads); what it
        returns, or what it raises (:class:`ToolCallError` for arguments that do not fit)."""
        kwargs = self._arguments(arguments)
        args = [kwargs.pop(name) for name in self._positional]
        if self.takes_context:
            args.insert(0, ctx)
        if self.is_async:
            return await self.function(*args, **kwargs)
        value = await TOOL_THREADS.run(_call_sync, self.function, args, kwargs)
        if inspect.isawaitable(value):  # a sync wrapper around a coroutine function (decorators)
            value = await value
        return value

    async def execute(
        self, arguments: dict[str, Any], timeout: float | None = None, ctx: RunContext[Any] | None = None
    ) -> ToolOutcome:
        """Run the tool. Never raises for a tool failure: the failure becomes the outcome's
        ``error``, worded for the model. ``asyncio.CancelledError`` propagates."""
        limit = self.timeout if self.timeout is not None else timeout
        return await outcome_of(self.name, self.invoke(arguments, ctx), limit)


async def outcome_of(name: str, call: Awaitable[Any], timeout: float | None) -> ToolOutcome:
    """Await one tool call under ``timeout`` and word what happened for the model."""
    try:
        value = await await_with_timeout(call, timeout)
    except TimeoutError:
        return ToolOutcome(None, f"Tool {name!r} timed out after {timeout:g} s.", "timeout")
    except asyncio.CancelledError:
        # a tool's own inner cancellation (an awaited task cancelled elsewhere) is a tool
        # failure; only a cancellation of this task is the run being stopped
        task = asyncio.current_task()
        if task is None or task.cancelling():
            raise
        return ToolOutcome(None, f"Tool {name!r} was cancelled before it finished.", "cancelled")
    except ModelRetry as exc:  # ToolCallError too
        return ToolOutcome(None, sendable_text(str(exc)), type(exc).__name__)
    except ToolDefinitionError:
        raise
    except Exception as exc:  # a failing tool is reported to the model, not raised
        if isinstance(exc, _StopIterationInThread):
            exc = exc.original
        return ToolOutcome(
            None, sendable_text(f"Tool {name!r} raised {type(exc).__name__}: {exc}"), type(exc).__name__
        )
    try:
        text, parts = tool_output_parts(value)
        return ToolOutcome(text, None, parts=parts, value=value)
    except Exception as exc:  # a __str__ or model_dump_json that fails is the tool's failure
        return ToolOutcome(None, f"Tool {name!r} returned a value that is not JSON: {exc}", "invalid_result")


class _StopIterationInThread(Exception):
    """Carries a sync tool's ``StopIteration`` out of its worker thread: asyncio cannot set one
    on a future (TypeError in a callback), so the call would never finish."""

    def __init__(self, original: StopIteration) -> None:
        super().__init__(str(original))
        self.original = original


def _call_sync(function: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    try:
        return function(*args, **kwargs)
    except StopIteration as exc:  # next() on an empty iterator, a common slip in tool code
        raise _StopIterationInThread(exc) from exc


def _is_run_context(annotation: Any) -> bool:
    """Whether a parameter is typed ``RunContext`` or ``RunContext[...]`` (also as a string)."""
    if isinstance(annotation, str):
        return re.fullmatch(r"(?:\w+\.)*RunContext(?:\[.*\])?", annotation.strip()) is not None
    return annotation is RunContext or typing.get_origin(annotation) is RunContext


def _type_hints(function: Callable[..., Any], signature: inspect.Signature) -> dict[str, Any]:
    """The parameters' annotations, resolved where they are strings (postponed annotations).

    ``get_type_hints`` refuses a ``functools.partial`` and a callable object, and gives up on
    every parameter when one name cannot be resolved; here the function behind them is asked,
    and each annotation is resolved on its own, an unresolvable one left as it is.
    """
    from typing import get_type_hints

    target: Any = function
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)) and not isinstance(target, type):
        target = type(target).__call__  # a callable object: its annotations are on __call__
    try:
        return get_type_hints(target)
    except Exception:
        pass
    unwrapped = inspect.unwrap(target)
    namespace = dict(getattr(unwrapped, "__globals__", {}))
    with contextlib.suppress(TypeError, ValueError):  # not a Python function: no closure
        namespace.update(inspect.getclosurevars(unwrapped).nonlocals)
    hints: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        annotation = parameter.annotation
        if isinstance(annotation, str):
            with contextlib.suppress(Exception):  # left as a string: pydantic names it
                annotation = eval(annotation, namespace)  # what get_type_hints does, one at a time
        hints[name] = annotation
    return hints


def _strip_titles(schema: Any) -> None:
    """Drop pydantic's generated titles: they cost prompt tokens and tell the model nothing."""
    if isinstance(schema, dict):
        schema.pop("title", None)
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    _strip_titles(prop)
            else:
                _strip_titles(value)
    elif isinstance(schema, list):
        for item in schema:
            _strip_titles(item)


@overload
def tool(function: F, /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    sequential: bool = False,
    max_retries: int = 3,
    requires_approval: bool = False,
    eager: bool | None = None,
    idempotent: bool = True,
) -> Callable[[F], Tool]: ...


def tool(
    function: F | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    sequential: bool = False,
    max_retries: int = 3,
    requires_approval: bool = False,
    eager: bool | None = None,
    idempotent: bool = True,
) -> Tool | Callable[[F], Tool]:
    """Make a function a tool, with or without options::

    @tool
    def get_weather(city: str) -> str:
        '''Current weather for a city.

        Args:
            city: City name.
        '''

    @tool(timeout=5, sequential=True)
    async def book(seat: str) -> str: ...

    ``requires_approval=True`` stops the run before each call for a human's decision.
    ``eager=True`` lets a call start as soon as its arguments are complete, while the model
    still streams the rest of its turn (for read-only, idempotent tools; ``False`` keeps the
    tool waiting when the agent has ``eager_tools=True``; see docs/eager-tools-and-fallback.md).
    ``idempotent=False`` says a second call is not harmless (a refund, an email): a durable run
    never runs such a call again after a crash interrupted it (see docs/durable.md).
    """

    def wrap(fn: F) -> Tool:
        return Tool(
            fn,
            name=name,
            description=description,
            timeout=timeout,
            sequential=sequential,
            max_retries=max_retries,
            requires_approval=requires_approval,
            eager=eager,
            idempotent=idempotent,
        )

    return wrap(function) if function is not None else wrap


def as_tool(obj: Tool | Callable[..., Any]) -> Tool:
    """A :class:`Tool` for a tool or a plain function."""
    return obj if isinstance(obj, Tool) else Tool(obj)
