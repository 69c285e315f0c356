"""The provider interface: what a model is asked for one turn, and how it answers.

A :class:`StreamingProvider` streams one model turn as provider events (``text``,
``thinking``, ``tool_call_delta``, ``usage`` and ``turn_end``); the shared accumulator turns
them into parts, and the run loop adds the rest. Providers register their model strings in
:mod:`agenticraft.core.model_registry`; core never imports a provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Literal

from agenticraft.core.accumulator import ModelTurn, drain_turn
from agenticraft.core.events import ProviderEvent
from agenticraft.core.media.support import MediaSupport, check_media
from agenticraft.core.messages import Message

if TYPE_CHECKING:
    from agenticraft.core.errors import ProviderError

__all__ = [
    "ModelRequest",
    "ModelSettings",
    "OutputMode",
    "OutputSpec",
    "RequestAttempt",
    "StreamingProvider",
    "ToolDefinition",
]

OutputMode = Literal["tool", "native", "prompted"]
"""How a typed output is asked for: an output tool, the provider's JSON-schema feature, or
the schema in the instructions."""


@dataclass(slots=True)
class ToolDefinition:
    """What a model is told about a tool, and how the run loop runs it.

    Adapters send ``name``, ``description`` and ``parameters`` (a JSON schema). The rest is for
    the loop and holds for every toolset: ``sequential`` runs the call alone, ``timeout``
    (seconds) bounds it, ``max_retries`` bounds the failed calls the model may retry in a run,
    and ``requires_approval`` stops the run for a human's decision before the call runs.
    ``eager`` lets a call start once its arguments are complete, while the turn still streams
    (``None``: as the agent's ``eager_tools`` says; a tool needing approval or running
    ``sequential`` never starts early). ``idempotent=False`` marks a call that must not run twice
    (a durable run does not run again a call that a crash interrupted).
    """

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    sequential: bool = field(default=False, kw_only=True)
    timeout: float | None = field(default=None, kw_only=True)
    max_retries: int = field(default=3, kw_only=True)
    requires_approval: bool = field(default=False, kw_only=True)
    eager: bool | None = field(default=None, kw_only=True)
    idempotent: bool = field(default=True, kw_only=True)


@dataclass(slots=True)
class ModelSettings:
    """Sampling settings; ``None`` leaves the provider's default.

    ``thinking_budget`` asks for extended thinking (Anthropic budget tokens, Ollama ``think``);
    ``reasoning_effort`` how hard a reasoning model thinks (``"minimal"``, ``"low"``,
    ``"medium"``, ``"high"``: OpenAI's ``reasoning.effort`` / ``reasoning_effort``);
    ``extra_body`` is merged into the request body as is. For content parts:
    ``downscale_images`` replaces an image over the provider's size limit by a smaller copy
    (needs Pillow: ``pip install 'agenticraft[images]'``) instead of refusing it;
    ``fetch_media_urls`` lets AgentiCraft download a URL part for a provider that cannot fetch
    URLs itself (Ollama), instead of refusing it.
    """

    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    thinking_budget: int | None = None
    extra_body: dict[str, Any] | None = None
    downscale_images: bool | None = None
    fetch_media_urls: bool | None = None
    reasoning_effort: str | None = None

    def merged(self, other: ModelSettings | None) -> ModelSettings:
        """These settings with every value ``other`` sets put over them."""
        if other is None:
            return self
        changes = {
            f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) is not None
        }
        return replace(self, **changes)


@dataclass(slots=True)
class OutputSpec:
    """The typed output a turn must give, as the adapters map it onto their wire.

    ``mode="native"``: the answer text must be JSON matching ``schema`` (OpenAI
    ``response_format``, Anthropic ``output_format``, Ollama ``format``); ``name`` names the
    schema, ``strict`` asks the provider to enforce it exactly where it can. ``mode="tool"``:
    the answer is a call of one of ``tool_names`` (already among the request's tools), so an
    adapter asks for a tool call where its wire can. ``mode="prompted"``: the schema is in the
    instructions and nothing goes on the wire. ``wrapped`` says the schema holds the value
    under a ``"result"`` key (a value that is not a JSON object).
    """

    mode: OutputMode
    schema: dict[str, Any] = field(default_factory=dict)
    name: str = "output"
    description: str = ""
    strict: bool = True
    tool_names: tuple[str, ...] = ()
    wrapped: bool = False


@dataclass(frozen=True, slots=True)
class RequestAttempt:
    """One request a provider sends for a turn, as :attr:`ModelRequest.on_attempt` is told of it.

    Reported when the request is sent (``error`` is ``None``) and again when it failed before
    its first event (``error`` set; ``retrying`` when the same provider sends it again). A
    fallback's next model reports its own attempts, so an observer sees every try in order.
    ``attempt`` is 1 for the first request of a provider in the turn; ``url`` has no
    credentials.
    """

    provider: str
    model: str
    url: str
    attempt: int = 1
    error: ProviderError | None = None
    retrying: bool = False


@dataclass(slots=True)
class ModelRequest:
    """One model turn's input: the whole conversation (system message first), tools, settings,
    and the typed output the turn must give (``None``: text).

    Two fields are for the layers that wrap a turn (telemetry, a gateway's request ids):
    ``headers`` go out with the turn's HTTP requests, and ``on_attempt`` is told of every
    request sent and every one that failed before its first event (retries and fallbacks
    included). Providers that send no HTTP ignore both.
    """

    messages: Sequence[Message]
    tools: Sequence[ToolDefinition] = ()
    settings: ModelSettings = field(default_factory=ModelSettings)
    output: OutputSpec | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    on_attempt: Callable[[RequestAttempt], None] | None = None


class StreamingProvider(ABC):
    """The interface every model provider implements.

    ``stream_turn`` streams one model turn as provider events and must release its resources
    (HTTP response, connection) in a ``finally`` when the consumer closes it early. The
    non-streamed call is that stream drained (:meth:`complete`), so the two cannot disagree.
    """

    #: the provider's name, e.g. "openai"
    name: str = "provider"
    #: the model this provider instance talks to
    model: str = ""
    #: the output mode that fits this provider best (``Agent(output_mode=None)`` picks it)
    preferred_output_mode: OutputMode = "tool"
    #: whether the model continues a conversation that ends with an assistant message (a
    #: "prefill": Anthropic, Ollama) instead of answering after it (OpenAI)
    continues_prefill: bool = False

    @abstractmethod
    def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
        """Stream one model turn."""

    def media_support(self) -> MediaSupport | None:
        """What content parts (images, documents, audio) this provider's model takes
        (``None``: it does not say, and parts go as they are)."""
        return None

    async def prepare_request(self, request: ModelRequest) -> ModelRequest:
        """``request`` made ready to send, before anything is: every content part checked
        against :meth:`media_support` (a :class:`~agenticraft.core.errors.ConfigurationError`
        naming the model and the part for one that cannot go), oversized images downscaled
        when the settings ask for it. Adapters call it first in :meth:`stream_turn`."""
        support = self.media_support()
        if support is None or not any(m.media for m in request.messages):
            return request
        messages = check_media(
            request.messages,
            support,
            self.label,
            downscale=bool(request.settings.downscale_images),
            fetch_urls=bool(request.settings.fetch_media_urls),
        )
        return replace(request, messages=messages)

    async def complete(self, request: ModelRequest) -> ModelTurn:
        """One model turn, not streamed: the stream drained through the accumulator."""
        return await drain_turn(self, request)

    async def aclose(self) -> None:
        """Release what the provider holds (connection pools it owns)."""

    @property
    def label(self) -> str:
        return f"{self.name}:{self.model}" if self.model else self.name
