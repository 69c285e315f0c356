"""The Agent: configuration, and ``run`` / ``arun`` / ``stream`` over any provider."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, Callable, Sequence
from types import TracebackType
from typing import Any

from agenticraft.core.errors import ConfigurationError, StreamInterruptedError
from agenticraft.core.loop import RunConfig, RunState, run_events
from agenticraft.core.memory import ConversationMemory, InMemoryConversation
from agenticraft.core.messages import Message
from agenticraft.core.response import AgentResponse
from agenticraft.core.streaming import ModelSettings, StreamChunk, StreamingProvider
from agenticraft.core.tools import Tool, as_tool

__all__ = ["Agent", "AgentStream"]

ModelLike = str | StreamingProvider | Sequence[str | StreamingProvider]
"""A model string, a provider object, or an ordered fallback list of either."""


class AgentStream:
    """One streamed run: an async iterator of :class:`StreamChunk` and an async context manager.

    Stop it any way you like: ``break`` out of the loop, ``await stream.aclose()``,
    ``stream.cancel()`` (from any task), or cancel the task consuming it. The provider stream
    is closed at once, memory is left consistent, and ``stream.response`` holds what was
    received (``interrupted`` is true). ``cancel()`` ends the iteration quietly; cancelling
    the surrounding task raises ``asyncio.CancelledError`` unchanged.
    """

    def __init__(self, state: RunState) -> None:
        self._state = state
        self._events: AsyncGenerator[StreamChunk, None] = run_events(state)
        self._consumer: asyncio.Task[Any] | None = None
        self._cancel_requested = False
        self._closed = False
        self._idle: asyncio.Event | None = None  # set when the consumer leaves __anext__

    # -- iteration ----------------------------------------------------------------------
    def __aiter__(self) -> AgentStream:
        return self

    async def __anext__(self) -> StreamChunk:
        if self._cancel_requested or self._closed:
            await self.aclose()
            raise StopAsyncIteration
        task = self._consumer = asyncio.current_task()
        try:
            return await self._events.__anext__()
        except asyncio.CancelledError:
            # our own cancel(): swallow exactly that one cancellation; any other propagates
            if self._cancel_requested and task is not None and task.uncancel() == 0:
                self._closed = True
                raise StopAsyncIteration from None
            raise
        finally:
            self._consumer = None
            if self._idle is not None:
                self._idle.set()

    async def __aenter__(self) -> AgentStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the run now; what was received stays in ``response`` and in memory."""
        self._closed = True
        consumer = self._consumer
        if consumer is not None and consumer is not asyncio.current_task():
            # the generator is running in the consumer's task and cannot be closed from here
            # (asyncio would raise "already running"): stop it there as cancel() does, and wait
            # until it has let go
            if self._idle is None:
                self._idle = asyncio.Event()
            idle = self._idle
            if not self._cancel_requested:
                self._cancel_requested = True
                consumer.cancel()
            await idle.wait()
        await self._events.aclose()
        if not self._state.finished:  # also when it never started (the loop's finally did not run)
            self._state.interrupted = True

    def cancel(self) -> None:
        """Ask the run to stop; safe to call from another task or from the consuming loop."""
        if self._state.finished or self._cancel_requested:
            return
        self._cancel_requested = True
        consumer = self._consumer
        if consumer is not None and consumer is not asyncio.current_task():
            consumer.cancel()

    def __del__(self) -> None:
        # ``break`` without ``async with``: nobody will close us, so leave memory consistent
        # now; the event generator is closed by the event loop's async-generator finalizer,
        # which closes the provider stream on the next loop iteration.
        state = getattr(self, "_state", None)
        if state is not None and not state.finished:
            state.interrupted = True
            state.commit()

    # -- results ------------------------------------------------------------------------
    @property
    def response(self) -> AgentResponse:
        """The final response, or the partial one if the run was interrupted or is running."""
        return self._state.snapshot()

    @property
    def text(self) -> str:
        """The answer text received so far."""
        return self._state.folded.text

    @property
    def finished(self) -> bool:
        return self._state.finished

    @property
    def interrupted(self) -> bool:
        return self._state.interrupted


class Agent:
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
    """

    def __init__(
        self,
        name: str = "agent",
        instructions: str | None = None,
        model: ModelLike | None = None,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        *,
        memory: ConversationMemory | None = None,
        max_turns: int = 10,
        settings: ModelSettings | None = None,
        tool_timeout: float | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
    ) -> None:
        if max_turns < 1:
            raise ConfigurationError(f"max_turns must be at least 1, got {max_turns}")
        self.name = name
        self.instructions = instructions
        self.tools: dict[str, Tool] = {}
        for t in tools:
            wrapped = as_tool(t)
            if wrapped.name in self.tools:
                raise ConfigurationError(f"two tools are named {wrapped.name!r}")
            self.tools[wrapped.name] = wrapped
        self.memory: ConversationMemory = memory if memory is not None else InMemoryConversation()
        self.max_turns = max_turns
        self.settings = settings or ModelSettings()
        self.tool_timeout = tool_timeout
        self.base_url = base_url
        self.api_key = api_key
        # base_url and api_key belong to one provider: never send them to another one
        self._credentials_owner: str | None = None
        self._model: ModelLike | None = model
        self._provider: StreamingProvider | None = model if isinstance(model, StreamingProvider) else None
        self._active: weakref.WeakSet[AgentStream] = weakref.WeakSet()
        if model is not None and not isinstance(model, StreamingProvider):
            from agenticraft.providers.registry import parse_model_string

            for entry in [model] if isinstance(model, str) else model:
                if isinstance(entry, str):
                    parse_model_string(entry)  # fail early on an unknown provider prefix

    def __repr__(self) -> str:
        return f"Agent(name={self.name!r}, model={self.model_label!r}, tools={list(self.tools)})"

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
        from agenticraft.providers.registry import parse_model_string, resolve_model

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

    # -- running ------------------------------------------------------------------------
    def stream(self, prompt: str | Message, *, model: ModelLike | None = None) -> AgentStream:
        """Stream a run: ``async for chunk in agent.stream("...")``, or ``async with`` it."""
        provider = self._resolve(model) if model is not None else self.provider
        config = RunConfig(
            provider=provider,
            system=self.instructions,
            tools=self.tools,
            memory=self.memory,
            settings=self.settings,
            max_turns=self.max_turns,
            tool_timeout=self.tool_timeout,
        )
        message = prompt if isinstance(prompt, Message) else Message.user(prompt)
        handle = AgentStream(RunState(config, message))
        self._active.add(handle)
        return handle

    async def arun(self, prompt: str | Message, *, model: ModelLike | None = None) -> AgentResponse:
        """Run to the end and return the response (the stream drained)."""
        async with self.stream(prompt, model=model) as handle:
            async for _ in handle:
                pass
        if not handle.finished:
            raise StreamInterruptedError("the run was cancelled before it finished", handle.response)
        return handle.response

    def run(self, prompt: str | Message, *, model: ModelLike | None = None) -> AgentResponse:
        """Run to the end from synchronous code.

        Inside a running event loop (a notebook, say) the run happens in a worker thread with
        its own loop.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(prompt, model=model))
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.arun(prompt, model=model)).result()

    def cancel(self) -> None:
        """Cancel every run of this agent in progress (streams end; ``arun`` raises
        :class:`StreamInterruptedError` with the partial response)."""
        for handle in list(self._active):
            handle.cancel()

    def clear_memory(self) -> None:
        self.memory.clear()

    @property
    def history(self) -> list[Message]:
        return self.memory.load()
