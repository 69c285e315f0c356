"""OpenAI's Responses API (``POST /v1/responses``), spoken directly: request bodies from our
messages here, the stream in :mod:`agenticraft.providers._responses_stream`.

It is the API through which OpenAI's reasoning models (the o-series, GPT-5) show their
reasoning: summaries stream as thinking, and the encrypted reasoning items must go back on
the next turn of a tool loop. Servers such as vLLM and Ollama speak it too (``base_url``).
Model strings: ``"openai-responses:gpt-5-mini"``, or ``OpenAIProvider(model, api="responses")``.

What the wire needs that our model does not say:

- System messages become ``instructions``; user text, assistant text, function calls and
  ``function_call_output`` items (matched by ``call_id``) make the ``input``.
- Reasoning is stateless by default (``store=False``): the request asks for
  ``include=["reasoning.encrypted_content"]``, each reasoning item comes back as thinking signed
  with the item itself (a line of JSON), and goes back verbatim on the next turn to this
  provider, as OpenAI documents for stateless use. A reasoning item sent with its id must be
  followed by the very items that followed it, with their ids ("provided without its
  required following item"): the ids of the turn's message and call items are kept in the
  turn's message (an ``OpaquePart``) and sent with them. When they no longer pair up with
  the message's parts (a hook or an edit changed it), that message's items all go without
  ids, reasoning included; then the API reads the encrypted content alone.
  ``send_item_ids=False`` always sends them so. Thinking of other providers, and reasoning
  without ``encrypted_content``, is left out; the reasoning items of this provider are
  dropped by every other adapter.
- ``previous_response_id="auto"`` (with ``store=True``) chains turns on the server instead:
  each response's id is kept in the turn's message (an ``OpaquePart``), and the next request
  sends that id and only the messages after it. A string starts the chain from that response.
- Tool schemas go out ``strict`` when the schema allows it (every property required, objects
  closed), as does a native typed output (``text.format``, a ``json_schema``).
- ``reasoning_effort`` and ``reasoning_summary`` are sent to reasoning models only (names of
  the o-series, ``gpt-5`` and ``codex`` families, or ``reasoning=True``): other models reject
  them. ``ModelSettings.stop`` has no place in this API and is not sent; ``max_tokens`` is
  ``max_output_tokens``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from agenticraft.core.errors import ConfigurationError
from agenticraft.core.media.parts import Document, Image, MediaKind, MediaPart
from agenticraft.core.media.support import MediaSupport
from agenticraft.core.messages import (
    Message,
    OpaquePart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResult,
    ToolResultPart,
)
from agenticraft.core.provider import ModelRequest, ToolDefinition
from agenticraft.providers._media import openai_support
from agenticraft.providers._responses_stream import ResponsesStreamParser
from agenticraft.providers._schema import openai_strict_schema
from agenticraft.providers.openai import OpenAIProvider, _call_id, tool_results_and_follow_up

__all__ = [
    "PROVIDER",
    "OpenAIResponsesProvider",
    "ResponsesStreamParser",
    "build_request_body",
    "is_reasoning_model",
    "to_responses_input",
]

PROVIDER = "openai-responses"
ENCRYPTED_REASONING = "reasoning.encrypted_content"
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "codex")
# what a reasoning item sent back without ids leaves out
_ITEM_IDS = ("id", "status")

ReasoningSummary = Literal["auto", "concise", "detailed"]


def is_reasoning_model(model: str) -> bool:
    """Whether ``model`` names an OpenAI reasoning model (one that takes ``reasoning``).

    >>> is_reasoning_model("gpt-5-mini"), is_reasoning_model("o4-mini"), is_reasoning_model("gpt-4.1")
    (True, True, False)
    """
    name = model.lower().rpartition("/")[2]
    return name.startswith(_REASONING_PREFIXES) and "-chat" not in name


# -- input ------------------------------------------------------------------------------------


def _reasoning_items(part: ThinkingPart, provider: str, with_ids: bool) -> list[dict[str, Any]]:
    """The reasoning items a thinking part carries (none unless it is ours and encrypted)."""
    if part.provider != provider or not part.signature:
        return []
    items: list[dict[str, Any]] = []
    for line in part.signature.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue  # not ours after all: nothing we could send
        if isinstance(item, dict) and item.get("type") == "reasoning" and item.get("encrypted_content"):
            items.append(item if with_ids else {k: v for k, v in item.items() if k not in _ITEM_IDS})
    return items


def _state(message: Message, provider: str) -> dict[str, Any]:
    for part in message.parts:
        if isinstance(part, OpaquePart) and part.provider == provider:
            return part.data
    return {}


def _item_ids(message: Message, provider: str) -> tuple[list[str], dict[str, str]] | None:
    """The ids of the message's text and call items as the response gave them, or ``None``
    when they no longer pair up with its parts (then no item goes back with its id)."""
    state = _state(message, provider)
    message_ids, call_ids = state.get("message_ids") or [], state.get("call_ids") or {}
    texts = [p for p in message.parts if isinstance(p, TextPart) and p.text]
    calls = [p.call.id for p in message.parts if isinstance(p, ToolCallPart)]
    if not state or len(texts) != len(message_ids) or any(c not in call_ids for c in calls):
        return None
    return list(message_ids), dict(call_ids)


def _assistant_items(message: Message, provider: str, send_ids: bool) -> list[dict[str, Any]]:
    ids = _item_ids(message, provider) if send_ids else None
    message_ids = iter(ids[0]) if ids is not None else None
    items: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            if not part.text:
                continue
            if message_ids is None:
                items.append({"role": "assistant", "content": part.text})
            else:
                text = {"type": "output_text", "text": part.text, "annotations": []}
                items.append(
                    {
                        "type": "message",
                        "id": next(message_ids),
                        "role": "assistant",
                        "status": "completed",
                        "content": [text],
                    }
                )
        elif isinstance(part, ThinkingPart):
            items.extend(_reasoning_items(part, provider, ids is not None))
        elif isinstance(part, ToolCallPart):
            call = part.call
            arguments = call.raw_arguments if call.arguments_error is not None else json.dumps(call.arguments)
            item: dict[str, Any] = {
                "type": "function_call",
                "call_id": _call_id(call.id),
                "name": call.name,
                "arguments": arguments or "{}",
            }
            if ids is not None:
                item["id"] = ids[1][call.id]
            items.append(item)
        # OpaquePart: the ids above, and the response id the chaining reads (see _chain)
    return items


def input_part(part: MediaPart) -> dict[str, Any]:
    """One content part as a Responses input content part (``input_image``, ``input_file``;
    a text document is ``input_text``). Audio never gets here: :meth:`media_support` refuses it."""
    if isinstance(part, Image):
        return {
            "type": "input_image",
            "image_url": part.url if part.url is not None else part.data_url,
            "detail": part.detail or "auto",
        }
    assert isinstance(part, Document)
    if part.is_text:
        title = f"{part.name}:\n" if part.name else ""
        return {"type": "input_text", "text": f"{title}{part.text}"}
    return {"type": "input_file", "filename": part.name or "document.pdf", "file_data": part.data_url}


def _user_item(message: Message) -> dict[str, Any]:
    if not any(isinstance(p, MediaPart) for p in message.parts):
        return {"role": "user", "content": message.text}
    content: list[dict[str, Any]] = []
    for p in message.parts:
        if isinstance(p, TextPart) and p.text:
            content.append({"type": "input_text", "text": p.text})
        elif isinstance(p, MediaPart):
            content.append(input_part(p))
    return {"role": "user", "content": content}


def _tool_items(results: list[ToolResult]) -> list[dict[str, Any]]:
    return tool_results_and_follow_up(
        results,
        lambda call_id, text: {"type": "function_call_output", "call_id": call_id, "output": text},
        input_part,
        "input_text",
    )


def to_responses_input(
    messages: Sequence[Message], provider: str = PROVIDER, *, send_ids: bool = True
) -> tuple[str | None, list[dict[str, Any]]]:
    """Our conversation as Responses ``(instructions, input)``; ``send_ids=False`` sends every
    item of ours without its id."""
    system: list[str] = []
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            if message.text:
                system.append(message.text)
        elif message.role == "assistant":
            items.extend(_assistant_items(message, provider, send_ids))
        elif message.role == "tool":
            items.extend(_tool_items([p.result for p in message.parts if isinstance(p, ToolResultPart)]))
        else:
            items.append(_user_item(message))
    return ("\n\n".join(system) if system else None), items


def _response_id(message: Message, provider: str) -> str | None:
    value = _state(message, provider).get("response_id")
    return value if isinstance(value, str) and value else None


def _chain(messages: Sequence[Message], provider: str) -> tuple[str | None, list[Message]]:
    """The id of the last response of ours in the conversation, and the messages after it
    (with the system messages, whose instructions a chained response does not keep)."""
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        if message.role == "assistant":
            found = _response_id(message, provider)
            if found is not None:
                system = [m for m in messages[:position] if m.role == "system"]
                return found, system + list(messages[position + 1 :])
    return None, list(messages)


# -- the request body ---------------------------------------------------------------------------


def _tools(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in tools:
        schema, strict = openai_strict_schema(t.parameters or {"type": "object", "properties": {}})
        spec: dict[str, Any] = {"type": "function", "name": t.name, "parameters": schema, "strict": strict}
        if t.description:
            spec["description"] = t.description
        out.append(spec)
    return out


def build_request_body(
    request: ModelRequest,
    model: str,
    *,
    provider: str = PROVIDER,
    store: bool = False,
    reasoning: bool | None = None,
    reasoning_summary: ReasoningSummary | None = "auto",
    previous_response_id: str | None = None,
    service_tier: str | None = None,
    send_item_ids: bool = True,
) -> dict[str, Any]:
    """The JSON body of a streamed ``POST /v1/responses`` for one model turn (the options are
    :class:`OpenAIResponsesProvider`'s)."""
    messages: Sequence[Message] = request.messages
    chained: str | None = None
    if previous_response_id is not None:
        chained, messages = _chain(messages, provider)
        if chained is None and previous_response_id != "auto":
            chained = previous_response_id
    instructions, items = to_responses_input(messages, provider, send_ids=send_item_ids)
    body: dict[str, Any] = {"model": model, "input": items, "stream": True, "store": store}
    if instructions is not None:
        body["instructions"] = instructions
    if chained is not None:
        body["previous_response_id"] = chained
    if request.tools:
        body["tools"] = _tools(request.tools)
    output = request.output
    if output is not None and output.mode == "native":
        schema, strict = openai_strict_schema(output.schema)
        fmt: dict[str, Any] = {"type": "json_schema", "name": output.name, "schema": schema, "strict": strict}
        if output.description:
            fmt["description"] = output.description
        body["text"] = {"format": fmt}
    elif output is not None and output.mode == "tool" and request.tools:
        body["tool_choice"] = "required"  # the answer is a call: of a tool or of the output tool
    s = request.settings
    if reasoning is None:
        reasoning = is_reasoning_model(model) or s.reasoning_effort is not None
    if reasoning:
        config: dict[str, Any] = {}
        if s.reasoning_effort is not None:
            config["effort"] = s.reasoning_effort
        if reasoning_summary is not None:
            config["summary"] = reasoning_summary
        if config:
            body["reasoning"] = config
        body["include"] = [ENCRYPTED_REASONING]
    if s.temperature is not None:
        body["temperature"] = s.temperature
    if s.top_p is not None:
        body["top_p"] = s.top_p
    if s.max_tokens is not None:
        body["max_output_tokens"] = s.max_tokens
    if service_tier is not None:
        body["service_tier"] = service_tier
    if s.extra_body:
        body.update(s.extra_body)
    return body


# -- the provider ---------------------------------------------------------------------------------


class OpenAIResponsesProvider(OpenAIProvider):
    """OpenAI's Responses API, or any server speaking it through ``base_url``.

    >>> provider = OpenAIResponsesProvider("gpt-5-mini", api_key="sk-...")  # doctest: +SKIP

    ``reasoning_summary`` (``"auto"``, ``"concise"``, ``"detailed"``, ``None`` for none) asks
    reasoning models for the summaries that stream as thinking; ``reasoning`` says whether the
    model takes reasoning options (``None``: told by its name). ``store`` keeps responses on
    OpenAI's side (default ``False``: stateless, reasoning carried encrypted);
    ``previous_response_id="auto"`` chains each turn to the last (needs ``store=True``).
    ``service_tier`` is sent as is (``"flex"``, ``"priority"``, ...). ``send_item_ids=False``
    sends every item back without its id (see the module docstring). The key, base URL and
    transport options are :class:`~agenticraft.providers.openai.OpenAIProvider`'s.
    """

    name = PROVIDER
    path = "/responses"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api: Literal["chat", "responses"] = "responses",
        reasoning_summary: ReasoningSummary | None = "auto",
        reasoning: bool | None = None,
        store: bool = False,
        previous_response_id: str | None = None,
        service_tier: str | None = None,
        send_item_ids: bool = True,
        **options: Any,
    ) -> None:
        if api != "responses":
            raise ConfigurationError(f"OpenAIResponsesProvider speaks api='responses', not {api!r}")
        if previous_response_id is not None and not store:
            raise ConfigurationError(
                "previous_response_id chains responses stored on the server: pass store=True"
            )
        super().__init__(model, base_url=base_url, **options)
        self.reasoning_summary: ReasoningSummary | None = reasoning_summary
        self.reasoning = reasoning
        self.store = store
        self.previous_response_id = previous_response_id
        self.service_tier = service_tier
        self.send_item_ids = send_item_ids

    def build_body(self, request: ModelRequest) -> dict[str, Any]:
        return build_request_body(
            request,
            self.model,
            provider=self.name,
            store=self.store,
            reasoning=self.reasoning,
            reasoning_summary=self.reasoning_summary,
            previous_response_id=self.previous_response_id,
            service_tier=self.service_tier,
            send_item_ids=self.send_item_ids,
        )

    def new_parser(self) -> ResponsesStreamParser:
        return ResponsesStreamParser(self.name)

    def media_support(self) -> MediaSupport:
        # Chat Completions' profile, less audio: the Responses API takes no audio input
        support = openai_support(self.model)
        media_types: dict[MediaKind, frozenset[str]] = {
            kind: types for kind, types in support.media_types.items() if kind != "audio"
        }
        why = {
            **support.why,
            "audio": "the Responses API takes no audio input (use api='chat' with an audio model)",
        }
        return replace(support, media_types=media_types, why=why)
