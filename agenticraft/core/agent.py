"""The Agent: configuration, and ``run`` / ``arun`` / ``stream`` over any provider."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Literal, TypedDict

from typing_extensions import Unpack

from agenticraft.core.agent_stream import AgentStream
from agenticraft.core.capabilities import Capability
from agenticraft.core.context import DepsT
from agenticraft.core.errors import ConfigurationError, StreamInterruptedError
from agenticraft.core.handoffs import Handoff, HandoffEnd, HandoffRun, HandoffToolset, as_handoffs
from agenticraft.core.hooks import HookChain, RunHooks, global_hooks
from agenticraft.core.instructions import InstructionFunction, InstructionSource
from agenticraft.core.limits import UsageLimits
from agenticraft.core.loop import Approval, RunConfig, RunState
from agenticraft.core.memory import DEFAULT_CONVERSATION, ConversationMemory, InMemoryConversation
from agenticraft.core.messages import Message, Part
from agenticraft.core.model_registry import ModelLike, parse_model_string, resolve_model
from agenticraft.core.provider import ModelSettings, OutputMode, StreamingProvider
from agenticraft.core.response import AgentResponse
from agenticraft.core.run_end import RunEnd
from agenticraft.core.sync import run_sync
from agenticraft.core.tool_calls import MAX_TOOL_RESULT_CHARS
from agenticraft.core.tools import Tool
from agenticraft.core.toolsets import FunctionToolset, Toolset

__all__ = ["Agent", "AgentStream"]


class RunOptions(TypedDict, Generic[DepsT], total=False):
    """The options of one run, shared by ``stream``, ``arun`` and ``run``."""

    model: ModelLike | None
    deps: DepsT | None
    conversation_id: str | None
    history: Sequence[Message] | None
    approvals: Mapping[str, Approval] | None
    usage_limits: UsageLimits | None
    output_type: Any
    output_mode: OutputMode | None
    run_id: str | None


Prompt = str | Message | Sequence[str | Part]
"""A user prompt: text, a message, or a list of text and content parts (``Image``, ``Document``,
``Audio``)."""


def _checked(option: str, values: Sequence[Any], kind: type[Any], what: str) -> list[Any]:
    """``values`` as a list, or a ConfigurationError naming the first that is not ``kind``."""
    for value in values:
        if not isinstance(value, kind):
            raise ConfigurationError(f"{option}= takes {what}, got {value!r}")
    return list(values)


def _user_message(prompt: Prompt | None) -> Message | None:
    if prompt is None or isinstance(prompt, Message):
        return prompt
    return Message.user(prompt)


class Agent(Generic[DepsT]):
    """An AI agent: instructions, a model, tools and memory.

    >>> from agenticraft.testing import FunctionModel
    >>> agent = Agent(name="Ada", instructions="Be concise.", model=FunctionModel(lambda m, t: "Hi!"))
    >>> agent.run("Hello").content
    'Hi!'

    ``model`` is a model string (``"openai:gpt-4o-mini"``, ``"anthropic:claude-sonnet-4-6"``,
    ``"ollama:llama3.2"``, or a bare name detected by prefix) or a provider object.
    ``base_url`` and ``api_key`` apply to a model string (any OpenAI-compatible server).
    A list of models is a fallback order: when a turn cannot start on one (connection error,
    429, 5xx), the next is tried.

    ``tools`` are functions (or ``@tool`` objects); ``toolsets`` other sources of tools;
    ``hooks`` observe and wrap each run; ``capabilities`` bundle all of these. ``deps_type``
    types the ``deps=`` that runs pass to tools and instructions through ``RunContext``.
    ``max_tool_result_chars`` cuts a longer tool result (the model is told); ``None`` sends all.
    ``handoffs`` are agents (or :func:`~agenticraft.core.handoffs.handoff` objects) the model
    may hand the conversation to; ``max_handoffs`` bounds the transfers of one run.
    ``instrument=False`` leaves this agent out of process-wide instrumentation (the hooks
    ``agenticraft.telemetry.instrument()`` installs).
    ``reasoning_effort`` (``"low"``, ...) is ``settings.reasoning_effort``, for reasoning models.
    ``eager_tools=True`` starts every tool not marked ``eager=False`` as soon as its call is
    complete, while the model still streams its turn. ``fallback="continue"`` (with a list of
    models) goes on to the next model also after an answer was cut midway, which continues it
    from where it stopped; ``"start"`` falls back only before the first token.
    """

    def __init__(
        self,
        name: str = "agent",
        instructions: InstructionSource | Sequence[InstructionSource] | None = None,
        model: ModelLike | None = None,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        *,
        toolsets: Sequence[Toolset] = (),
        hooks: Sequence[RunHooks] = (),
        capabilities: Sequence[Capability] = (),
        deps_type: type[DepsT] | None = None,
        memory: ConversationMemory | None = None,
        max_turns: int = 10,
        settings: ModelSettings | None = None,
        tool_timeout: float | None = None,
        max_tool_result_chars: int | None = MAX_TOOL_RESULT_CHARS,
        usage_limits: UsageLimits | None = None,
        output_type: Any = None,
        output_mode: OutputMode | None = None,
        output_retries: int = 1,
        base_url: str | None = None,
        api_key: str | None = None,
        handoffs: Sequence[Agent[Any] | Handoff] = (),
        max_handoffs: int = 10,
        instrument: bool = True,
        reasoning_effort: str | None = None,
        eager_tools: bool = False,
        fallback: Literal["start", "continue"] = "start",
    ) -> None:
        if max_turns < 1:
            raise ConfigurationError(f"max_turns must be at least 1, got {max_turns}")
        self.name = name
        self.deps_type = deps_type
        if instructions is None:
            self._instructions: list[InstructionSource] = []
        elif isinstance(instructions, str) or callable(instructions):
            self._instructions = [instructions]
        else:
            self._instructions = list(instructions)
        self._function_tools = FunctionToolset(tools, label="the agent's tools")
        self._toolsets: list[Toolset] = _checked(
            "toolsets", toolsets, Toolset, "a Toolset; functions go in tools="
        )
        self._hooks: list[RunHooks] = _checked("hooks", hooks, RunHooks, "a RunHooks")
        self.capabilities: list[Capability] = _checked(
            "capabilities", capabilities, Capability, "a Capability"
        )
        self.memory: ConversationMemory = memory if memory is not None else InMemoryConversation()
        self.max_turns = max_turns
        self.settings = settings or ModelSettings()
        if reasoning_effort is not None:
            self.settings = self.settings.merged(ModelSettings(reasoning_effort=reasoning_effort))
        self.tool_timeout = tool_timeout
        self.max_tool_result_chars = max_tool_result_chars
        self.usage_limits = usage_limits
        if output_mode not in (None, "tool", "native", "prompted"):
            raise ConfigurationError(
                f"output_mode must be 'tool', 'native' or 'prompted', got {output_mode!r}"
            )
        if output_retries < 0:
            raise ConfigurationError(f"output_retries must be 0 or more, got {output_retries}")
        self.output_type = output_type
        self.output_mode: OutputMode | None = output_mode
        self.output_retries = output_retries
        self._output_validators: list[Callable[..., Any]] = []
        self._output_schemas: dict[Any, Any] = {}
        if output_type is not None and output_type is not str:
            self.output_schema(output_type)  # a type that cannot be validated fails here
        if max_handoffs < 0:
            raise ConfigurationError(f"max_handoffs must be 0 or more, got {max_handoffs}")
        self.handoffs: list[Handoff] = as_handoffs(handoffs)
        self.max_handoffs = max_handoffs
        self.base_url = base_url
        self.api_key = api_key
        self.instrument = instrument
        self.eager_tools = eager_tools
        if fallback not in ("start", "continue"):
            raise ConfigurationError(f"fallback must be 'start' or 'continue', got {fallback!r}")
        self.fallback: Literal["start", "continue"] = fallback
        # base_url and api_key belong to one provider: never send them to another one
        self._credentials_owner: str | None = None
        self._model: ModelLike | None = model
        self._provider: StreamingProvider | None = model if isinstance(model, StreamingProvider) else None
        self._active: weakref.WeakSet[AgentStream] = weakref.WeakSet()
        self._entered = 0
        self._exit_stack: Any = None
        if model is not None and not isinstance(model, StreamingProvider):
            for entry in [model] if isinstance(model, str) else model:
                if isinstance(entry, str):
                    parse_model_string(entry)  # fail early on an unknown provider prefix

    def __repr__(self) -> str:
        return f"Agent(name={self.name!r}, model={self.model_label!r}, tools={list(self.tools)})"

    # -- what the agent is made of --------------------------------------------------------
    @property
    def tools(self) -> dict[str, Tool]:
        """The agent's own function tools by name."""
        return self._function_tools.tools

    @property
    def toolsets(self) -> list[Toolset]:
        """Every toolset of a run: the agent's tools, its toolsets, then the capabilities'."""
        extra = [t for c in self.capabilities for t in c.toolsets]
        own = [self._function_tools] if self._function_tools.tools else []
        transfers = [HandoffToolset(self.handoffs)] if self.handoffs else []
        return own + self._toolsets + extra + transfers

    @property
    def hooks(self) -> list[RunHooks]:
        return self._hooks + [h for c in self.capabilities for h in c.hooks]

    @property
    def run_hooks(self) -> list[RunHooks]:
        """Every hook of a run: the process-wide ones (unless ``instrument=False``), then the
        agent's and its capabilities'."""
        return [*global_hooks(), *self.hooks] if self.instrument else self.hooks

    @property
    def instruction_sources(self) -> list[InstructionSource]:
        """The instructions of a run, in order: the agent's, then the capabilities'."""
        return self._instructions + [i for c in self.capabilities for i in c.instructions]

    def instructions(self, function: InstructionFunction) -> InstructionFunction:
        """Add dynamic instructions: a function of the run context, called at every run::

        @agent.instructions
        def who(ctx: RunContext[Deps]) -> str:
            return f"The user is {ctx.deps.user_name}."
        """
        self._instructions.append(function)
        return function

    def tool(self, function: Callable[..., Any]) -> Tool:
        """Add a function as a tool of this agent (a decorator)."""
        return self._function_tools.add(function)

    def output_validator(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Add a check of the typed output (a decorator): ``fn(output)`` or
        ``fn(ctx, output)``, sync or async. It returns the output (possibly changed; ``None``
        keeps it) or raises :class:`~agenticraft.core.errors.ModelRetry` with a message for the
        model, which is asked again (counted against ``output_retries``)::

            @agent.output_validator
            def plausible(city: City) -> City:
                if city.population <= 0:
                    raise ModelRetry("population must be positive")
                return city
        """
        self._output_validators.append(function)
        return function

    @property
    def output_validators(self) -> list[Callable[..., Any]]:
        """The functions added with :meth:`output_validator`, in order."""
        return list(self._output_validators)

    def output_schema(self, output_type: Any) -> Any:
        """The :class:`~agenticraft.core.output.OutputSchema` of ``output_type`` (built once)."""
        schema = self._output_schemas.get(output_type)
        if schema is None:
            from agenticraft.core.output import OutputSchema  # pydantic loads here

            schema = self._output_schemas[output_type] = OutputSchema(output_type)
        return schema

    def _run_end(
        self, provider: StreamingProvider, output_type: Any, output_mode: OutputMode | None
    ) -> RunEnd:
        wanted = output_type if output_type is not None else self.output_type
        if wanted is None or wanted is str:
            return RunEnd()
        mode = output_mode or self.output_mode or provider.preferred_output_mode
        if mode not in ("tool", "native", "prompted"):
            raise ConfigurationError(f"output_mode must be 'tool', 'native' or 'prompted', got {mode!r}")
        from agenticraft.core.output import StructuredOutput

        return StructuredOutput(
            self.output_schema(wanted),
            mode,
            retries=self.output_retries,
            validators=self._output_validators,
        )

    def _settings(self) -> ModelSettings:
        settings = self.settings
        for capability in self.capabilities:
            settings = settings.merged(capability.settings)
        return settings

    # -- providers ----------------------------------------------------------------------
    @property
    def model_label(self) -> str:
        if self._provider is not None:
            return self._provider.label
        return self._model if isinstance(self._model, str) else ""

    @property
    def provider(self) -> StreamingProvider:
        """The provider for this agent's model, created on first use."""
        if self._provider is None:
            self._provider = self._resolve(self._model)
        return self._provider

    def _resolve(self, model: ModelLike | None) -> StreamingProvider:
        if isinstance(model, StreamingProvider):
            return model
        base_url, api_key = self.base_url, self.api_key
        if model is not None and (base_url is not None or api_key is not None):
            entries = [model] if isinstance(model, str) else list(model)
            owners = {parse_model_string(e)[0] for e in entries if isinstance(e, str)}
            if self._credentials_owner is None and len(owners) == 1:
                self._credentials_owner = next(iter(owners))
            if len(owners) == 1 and owners != {self._credentials_owner}:
                base_url = api_key = None  # they were given for another provider
            # several providers in one list: the registry refuses one key for all of them
        return resolve_model(model, base_url=base_url, api_key=api_key)  # a list: FallbackProvider

    def set_provider(
        self, model: ModelLike, *, base_url: str | None = None, api_key: str | None = None
    ) -> None:
        """Switch this agent (and its conversation) to another model or provider.

        ``base_url`` and ``api_key`` given here replace the agent's; without them, the agent's
        own are reused only for a model of the provider they were given for.
        """
        if base_url is not None or api_key is not None:
            self.base_url, self.api_key, self._credentials_owner = base_url, api_key, None
        self._model = model
        self._provider = None
        self._provider = self._resolve(model)

    # -- lifecycle ----------------------------------------------------------------------
    async def __aenter__(self) -> Agent[DepsT]:
        """Enter every toolset once for all the runs inside the block (a server started once)."""
        if self._entered == 0:
            from contextlib import AsyncExitStack

            stack = AsyncExitStack()
            try:
                for toolset in self.toolsets:
                    await stack.enter_async_context(toolset)
            except BaseException:
                await stack.aclose()
                raise
            self._exit_stack = stack
        self._entered += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._entered -= 1
        if self._entered == 0:
            await self.aclose()

    async def aclose(self) -> None:
        """Leave the toolsets entered by ``async with agent:`` and release the provider's
        connections."""
        stack, self._exit_stack, self._entered = self._exit_stack, None, 0
        try:
            if stack is not None:
                await stack.aclose()
        finally:
            if self._provider is not None:
                await self._provider.aclose()

    # -- running ------------------------------------------------------------------------
    def stream(
        self,
        prompt: Prompt | None = None,
        *,
        model: ModelLike | None = None,
        deps: DepsT | None = None,
        conversation_id: str | None = None,
        history: Sequence[Message] | None = None,
        approvals: Mapping[str, Approval] | None = None,
        usage_limits: UsageLimits | None = None,
        output_type: Any = None,
        output_mode: OutputMode | None = None,
        run_id: str | None = None,
    ) -> AgentStream:
        """Stream a run: ``async for chunk in agent.stream("...")``, or ``async with`` it.

        ``conversation_id`` picks the conversation in memory (default: ``agent.history``'s);
        ``history`` gives the messages instead, and nothing is read from or written to memory
        (``response.messages`` holds the run's new ones). ``approvals`` decides the tool calls a
        previous run stopped for (``prompt`` may then be left out). ``output_type`` and
        ``output_mode`` replace the agent's for this run (``str``: plain text). ``run_id`` names
        the run (its events' ``run_id``; default: a new random id), for a caller that keys runs
        itself (a durable engine).
        """
        if history is not None and conversation_id is not None:
            raise ConfigurationError("pass either history= or conversation_id=, not both")
        memory = InMemoryConversation(history, max_messages=None) if history is not None else self.memory
        config = self._config(
            model,
            memory,
            conversation_id=conversation_id or DEFAULT_CONVERSATION,
            deps=deps,
            usage_limits=usage_limits,
            output_type=output_type,
            output_mode=output_mode,
            exclusive=history is None,
        )
        state = RunState(config, _user_message(prompt), approvals, run_id)
        if self.handoffs:
            options = (model, output_type, output_mode)
            handle = AgentStream(HandoffRun(state, _next_run(*options), self.max_handoffs))
        else:
            handle = AgentStream(state)
        self._active.add(handle)
        return handle

    def _config(
        self,
        model: ModelLike | None,
        memory: ConversationMemory,
        *,
        conversation_id: str,
        deps: Any,
        usage_limits: UsageLimits | None,
        output_type: Any,
        output_mode: OutputMode | None,
        exclusive: bool,
    ) -> RunConfig:
        """The configuration of one run of this agent."""
        provider = self._resolve(model) if model is not None else self.provider
        if self.fallback == "continue":
            if getattr(provider, "mid_stream", None) is None:
                raise ConfigurationError(
                    "fallback='continue' needs a list of models (a fallback order), "
                    f"got the single model {provider.label!r}"
                )
            provider.mid_stream = "continue"  # type: ignore[attr-defined]
        end = self._run_end(provider, output_type, output_mode)
        instructions = self.instruction_sources
        extra = getattr(end, "instructions", None)
        if extra is not None and (text := extra()):
            instructions = [*instructions, text]
        if self.handoffs:
            end = HandoffEnd(end, self.handoffs, self.name)
        return RunConfig(
            provider=provider,
            memory=memory,
            instructions=instructions,
            toolsets=self.toolsets,
            hooks=HookChain(self.run_hooks),
            conversation_id=conversation_id,
            settings=self._settings(),
            max_turns=self.max_turns,
            tool_timeout=self.tool_timeout,
            deps=deps,
            usage_limits=usage_limits if usage_limits is not None else self.usage_limits,
            enter_toolsets=self._entered == 0,
            exclusive=exclusive,
            agent_name=self.name,
            max_tool_result_chars=self.max_tool_result_chars,
            end=end,
            eager_tools=self.eager_tools,
        )

    def as_tool(
        self, description: str | None = None, name: str | None = None, *, conversation: str = "fresh"
    ) -> Tool:
        """This agent as a tool of another agent: the calling model writes a request, this
        agent runs on it and its output is the tool's result. Its events stream through the
        caller's stream as :class:`~agenticraft.core.events.NestedChunk` tagged with this
        agent's name, its usage adds to the caller's, and cancelling the caller cancels it.
        ``conversation``: ``"fresh"`` (a new one per call), ``"shared"`` (a copy of the
        caller's conversation) or a conversation id in this agent's memory (kept between
        calls); see :mod:`agenticraft.core.agent_tool`.
        """
        from agenticraft.core.agent_tool import agent_tool

        return agent_tool(self, description, name, conversation=conversation)

    async def arun(self, prompt: Prompt | None = None, **options: Unpack[RunOptions[DepsT]]) -> AgentResponse:
        """Run to the end and return the response (the stream drained); the options of
        :meth:`stream`."""
        async with self.stream(prompt, **options) as handle:
            async for _ in handle:
                pass
        if not handle.finished:
            raise StreamInterruptedError("the run was cancelled before it finished", handle.response)
        return handle.response

    def run(self, prompt: Prompt | None = None, **options: Unpack[RunOptions[DepsT]]) -> AgentResponse:
        """Run to the end from synchronous code; the options of :meth:`stream`.

        Inside a running event loop (a notebook, say) the run happens in a worker thread with
        its own loop.
        """
        return run_sync(self.arun(prompt, **options))

    def cancel(self) -> None:
        """Cancel every run of this agent in progress (streams end; ``arun`` raises
        :class:`StreamInterruptedError` with the partial response)."""
        for handle in list(self._active):
            handle.cancel()

    def clear_memory(self, conversation_id: str = DEFAULT_CONVERSATION) -> None:
        self.memory.clear(conversation_id)

    @property
    def history(self) -> list[Message]:
        """The default conversation's messages (:meth:`conversation` for another one)."""
        return self.memory.load(DEFAULT_CONVERSATION)

    def conversation(self, conversation_id: str) -> list[Message]:
        """The messages of one conversation."""
        return self.memory.load(conversation_id)


def _next_run(
    model: ModelLike | None, output_type: Any, output_mode: OutputMode | None
) -> Callable[[Agent[Any], RunConfig], RunState]:
    """How a handoff's target continues a run: its own configuration on the run's memory and
    conversation, with the run's deps, limits and output options."""

    def build(target: Agent[Any], config: RunConfig) -> RunState:
        own = target._config(
            model if model is not None and not isinstance(model, StreamingProvider) else None,
            config.memory,
            conversation_id=config.conversation_id,
            deps=config.deps,
            usage_limits=config.usage_limits,
            output_type=output_type,
            output_mode=output_mode,
            exclusive=config.exclusive,
        )
        return RunState(own, None)

    return build
