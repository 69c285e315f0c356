"""Steps of a workflow and how they are wired: :class:`Step`, :func:`step`, and the checks that
make a wrong wiring fail before the run.

A step is an async (or sync) function, or an agent. Its parameters say what it takes: a
parameter named after a step takes that step's output; the steps of ``depends_on`` not named
by a parameter fill the remaining parameters in order; any other parameter is an input of
the workflow (``wf.run(topic=...)``). A first parameter named ``ctx`` (or typed
:class:`~agenticraft.workflows.engine.StepContext`) receives the step's context.

Types come from the annotations. A parameter of type ``X`` fed by a step that returns
``list[X]`` is *fanned out*: the step runs once per item, in parallel, and its output is the
list of the items' outputs, in order (a ``list[Y]`` a later step can take whole: fan-in).
Types that cannot meet are a :class:`WorkflowDefinitionError` when the workflow is checked;
values are validated with pydantic as they pass between steps.
"""

from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from agenticraft.core.errors import ConfigurationError

if TYPE_CHECKING:
    from agenticraft.core.agent import Agent

__all__ = ["Binding", "Step", "WorkflowDefinitionError", "compatible", "item_type", "step"]


class WorkflowDefinitionError(ConfigurationError):
    """A workflow that cannot run as defined: an unknown step, a cycle, types that do not meet."""


_EMPTY = inspect.Parameter.empty


@dataclass(slots=True)
class Param:
    name: str
    annotation: Any = Any
    default: Any = _EMPTY

    @property
    def required(self) -> bool:
        return self.default is _EMPTY


@dataclass(slots=True)
class Binding:
    """Where one parameter's value comes from: a step's output (``fan_out``: item by item)."""

    param: Param
    source: str
    fan_out: bool = False


class Step:
    """One step: a function or an agent, with its retries, timeout, condition and dependencies.

    Build steps with ``@wf.step`` (or :func:`step` and ``wf.add``). ``retries`` failed attempts
    are tried again after ``backoff * 2**n`` seconds; ``timeout`` bounds each attempt;
    ``when(input)`` decides at run time whether the step runs (``input``: the value of its one
    parameter, or a dict of them all); a step that does not run is *skipped*, and so is a step
    that needs its output (unless that parameter has a default).
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        retries: int = 0,
        backoff: float = 0.5,
        timeout: float | None = None,
        depends_on: Sequence[Step | str] = (),
        when: Callable[[Any], bool] | None = None,
        agent: Agent[Any] | None = None,
    ) -> None:
        if retries < 0:
            raise ConfigurationError(f"retries must be 0 or more, got {retries}")
        if timeout is not None and timeout <= 0:
            raise ConfigurationError(f"timeout must be more than 0 seconds, got {timeout}")
        self.function = function
        self.name = name or str(getattr(function, "__name__", "step"))
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.depends_on = [d.name if isinstance(d, Step) else str(d) for d in depends_on]
        self.when = when
        self.agent = agent
        self.is_async = inspect.iscoroutinefunction(function)
        signature = inspect.signature(function)
        hints = _hints(function)
        params = list(signature.parameters.values())
        self.takes_context = bool(params) and _is_context(params[0], hints)
        self.params = [
            Param(p.name, hints.get(p.name, Any) if p.annotation is not _EMPTY else Any, p.default)
            for p in params[1 if self.takes_context else 0 :]
        ]
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise WorkflowDefinitionError(f"step {self.name!r}: *args and **kwargs cannot be wired")
        returned = hints.get("return", Any)
        self.returns: Any = Any if returned is None and signature.return_annotation is _EMPTY else returned
        # set by Workflow.check()
        self.bindings: list[Binding] = []
        self.order_only: list[str] = []  # depends_on steps whose output no parameter takes

    def __repr__(self) -> str:
        return f"Step({self.name!r})"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function itself (outside any workflow)."""
        return self.function(*args, **kwargs)

    @property
    def fan_out(self) -> Binding | None:
        return next((b for b in self.bindings if b.fan_out), None)

    @property
    def output_type(self) -> Any:
        """What the step gives its dependents: its return type, a list of it when fanned out."""
        return list[self.returns] if self.fan_out is not None else self.returns  # type: ignore[name-defined]

    @property
    def sources(self) -> list[str]:
        """Every step this one waits for."""
        return [b.source for b in self.bindings] + self.order_only


@dataclass(slots=True)
class StepOptions:
    name: str | None = None
    retries: int = 0
    backoff: float = 0.5
    timeout: float | None = None
    depends_on: Sequence[Step | str] = field(default_factory=tuple)
    when: Callable[[Any], bool] | None = None


def step(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    retries: int = 0,
    backoff: float = 0.5,
    timeout: float | None = None,
    depends_on: Sequence[Step | str] = (),
    when: Callable[[Any], bool] | None = None,
) -> Any:
    """A :class:`Step` of a function, with or without options (add it with ``wf.add``)."""
    options = StepOptions(name, retries, backoff, timeout, depends_on, when)

    def make(fn: Callable[..., Any]) -> Step:
        return Step(
            fn,
            name=options.name,
            retries=options.retries,
            backoff=options.backoff,
            timeout=options.timeout,
            depends_on=options.depends_on,
            when=options.when,
        )

    return make(function) if function is not None else make


def agent_step(
    agent: Agent[Any],
    *,
    name: str | None = None,
    prompt: Callable[[Any], str] | None = None,
    conversation: str = "fresh",
    **options: Any,
) -> Step:
    """A step that runs ``agent``: its one input (a dependency's output or the workflow input
    ``prompt``) is the prompt, made text by ``prompt(value)`` when given; its output is the
    run's output (the agent's output type). ``conversation``: ``"fresh"`` (nothing remembered,
    so fanned-out runs of one agent never collide) or a conversation id of the agent's memory."""
    returns = agent.output_type if agent.output_type is not None else str

    async def run_agent(ctx: Any, prompt_value: Any) -> Any:
        text = prompt(prompt_value) if prompt is not None else _as_prompt(prompt_value)
        response = await ctx.run_agent(agent, text, conversation=conversation)
        return response.output

    run_agent.__name__ = name or agent.name
    run_agent.__annotations__ = {
        "ctx": "StepContext",
        "prompt_value": Any if prompt else str,
        "return": returns,
    }
    made = Step(run_agent, name=name or agent.name, agent=agent, **options)
    made.takes_context = True
    if not made.depends_on:  # the workflow input is called ``prompt``
        made.params[0].name = "prompt"
    return made


def _as_prompt(value: Any) -> str:
    if isinstance(value, str):
        return value
    from agenticraft.core.tools import tool_output_text

    return tool_output_text(value)


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except Exception:  # an unresolvable name: the raw annotations (strings stay unchecked)
        return {
            k: (Any if isinstance(v, str) else v) for k, v in getattr(function, "__annotations__", {}).items()
        }


def _is_context(parameter: inspect.Parameter, hints: dict[str, Any]) -> bool:
    annotation = hints.get(parameter.name, parameter.annotation)
    named = getattr(annotation, "__name__", annotation if isinstance(annotation, str) else "")
    return parameter.name == "ctx" or named == "StepContext"


# -- types ------------------------------------------------------------------------------------
_SEQUENCES = (list, tuple, collections.abc.Sequence, collections.abc.Iterable)


def item_type(annotation: Any) -> Any | None:
    """The item type when ``annotation`` is a list-like type (``list[X]``: ``X``), else None."""
    origin = typing.get_origin(annotation) or annotation
    if origin in _SEQUENCES or (isinstance(origin, type) and origin in (list, tuple)):
        args = typing.get_args(annotation)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return None
        return args[0] if args else Any
    return None


def _members(annotation: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(annotation)
    return None


def compatible(given: Any, wanted: Any) -> bool:
    """Whether a value of type ``given`` can be passed where ``wanted`` is expected (a static
    check; pydantic validates the value itself at run time). Unknown forms are let through."""
    if given is Any or wanted is Any or given == wanted or given is _EMPTY or wanted is _EMPTY:
        return True
    wanted_members = _members(wanted)
    if wanted_members is not None:
        return any(compatible(given, m) for m in wanted_members)
    given_members = _members(given)
    if given_members is not None:
        return all(compatible(m, wanted) for m in given_members)
    given_origin = typing.get_origin(given) or given
    wanted_origin = typing.get_origin(wanted) or wanted
    if not (isinstance(given_origin, type) and isinstance(wanted_origin, type)):
        return True
    if (given_origin, wanted_origin) in ((int, float), (bool, int)):
        return True
    try:
        if not issubclass(given_origin, wanted_origin):
            return False
    except TypeError:
        return True
    given_args, wanted_args = typing.get_args(given), typing.get_args(wanted)
    if given_args and wanted_args and len(given_args) == len(wanted_args):
        return all(compatible(g, w) for g, w in zip(given_args, wanted_args, strict=True))
    return True


def type_name(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return str(annotation).replace("typing.", "")
