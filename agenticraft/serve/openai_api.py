"""The OpenAI Chat Completions protocol: ``POST /v1/chat/completions``, streamed and not.

The agent runs its own tools on the server; the client receives the answer text (and the
model's thinking as ``reasoning_content`` deltas, which strict clients ignore), never tool
calls it would think it must execute. The conversation is the request's messages (the API is
stateless), or the server's memory when an ``X-Conversation-Id`` header or a
``conversation_id`` field names one: then only the last user message is read.

A run that stops for tool approval cannot be continued over this protocol: the client gets an
error of type ``approval_required`` naming the tools (409 when not streamed).

Client-side tools (``tools`` or the older ``functions`` in the request) are refused with a 400
(code ``client_tools_unsupported``) rather than ignored: a client that sends them expects
``tool_calls`` back to execute, and silently answering without them would be a wrong answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from agenticraft.core.events import (
    ApprovalRequiredChunk,
    DoneChunk,
    OutputChunk,
    RunEvent,
    TextChunk,
    ThinkingChunk,
)
from agenticraft.core.messages import (
    Message,
    Part,
    TextPart,
    ToolCall,
    ToolCallPart,
    ToolResult,
    ToolResultPart,
)
from agenticraft.serve.content import openai_content
from agenticraft.serve.encoder import Encoder, RequestError, RunRequest, sse
from agenticraft.serve.shapes import conversation_header, field, object_, optional, text_content

__all__ = ["OpenAIChatEncoder", "error_body", "models_body"]

_FINISH = {"max_tokens": "length", "content_filter": "content_filter", "refusal": "content_filter"}


def error_body(message: str, code: str, status: int) -> dict[str, Any]:
    """An error in OpenAI's shape (what its SDKs read into ``APIError``)."""
    kind = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def models_body(names: list[str], created: int) -> dict[str, Any]:
    """``GET /v1/models``: the served agents."""
    return {
        "object": "list",
        "data": [{"id": n, "object": "model", "created": created, "owned_by": "agenticraft"} for n in names],
    }


def _read_messages(raw: list[Any]) -> list[Message]:
    messages: list[Message] = []
    names: dict[str, str] = {}  # tool call id -> tool name, for the results
    for i, item in enumerate(raw):
        where = f"messages[{i}]"
        item = object_(item, where)
        role = field(item, "role", str, where)
        if role == "user":  # the one role whose content may hold images, audio and files
            messages.append(Message.user(openai_content(item.get("content"), f"{where}.content")))
            continue
        text = text_content(item.get("content"), f"{where}.content")
        if role in ("system", "developer"):
            messages.append(Message.system(text))
        elif role == "assistant":
            parts: list[Part] = [TextPart(text)] if text else []
            for j, call in enumerate(optional(item, "tool_calls", list, where) or ()):
                cw = f"{where}.tool_calls[{j}]"
                call = object_(call, cw)
                function = object_(field(call, "function", dict, cw), f"{cw}.function")
                name = field(function, "name", str, f"{cw}.function")
                raw_args = optional(function, "arguments", str, f"{cw}.function") or "{}"
                try:
                    arguments = json.loads(raw_args)
                except ValueError:
                    arguments = None
                if not isinstance(arguments, dict):
                    raise RequestError(400, f"{cw}.function.arguments must be a JSON object in a string")
                call_id = field(call, "id", str, cw)
                names[call_id] = name
                parts.append(ToolCallPart(ToolCall(name, arguments, call_id)))
            messages.append(Message("assistant", parts))
        elif role == "tool":
            call_id = field(item, "tool_call_id", str, where)
            result = ToolResult(call_id, names.get(call_id, "tool"), text)
            if messages and messages[-1].role == "tool":
                messages[-1].parts.append(ToolResultPart(result))
            else:
                messages.append(Message.tool_results([result]))
        else:
            raise RequestError(
                400, f"{where}.role must be system, developer, user, assistant or tool, not {role!r}"
            )
    return messages


class OpenAIChatEncoder(Encoder):
    """Chat Completions chunks (``chat.completion.chunk``), ``include_usage`` and ``[DONE]``;
    or one ``chat.completion`` object for a request that is not streamed."""

    name = "openai"
    path = "/v1/chat/completions"
    headers: ClassVar[Mapping[str, str]] = {"cache-control": "no-cache", "x-accel-buffering": "no"}

    def __init__(self, request: RunRequest, agent_name: str, run_id: str) -> None:
        super().__init__(request, agent_name, run_id)
        self._id = f"chatcmpl-{run_id[:24]}"
        self._created = int(time.time())
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._response: Any = None
        self._approval: list[ToolCall] = []

    @classmethod
    def read_request(cls, body: Any, headers: Mapping[str, str]) -> RunRequest:
        body = object_(body, "the request body")
        model = field(body, "model", str, "body")
        raw = field(body, "messages", list, "body")
        if not raw:
            raise RequestError(400, "body.messages must hold at least one message")
        for name in ("tools", "functions"):
            if optional(body, name, list, "body"):
                raise RequestError(
                    400,
                    f"body.{name}: client-side tools are not supported here; the served agent runs "
                    "its own tools on the server (give them to the Agent, or serve an agent "
                    "without them and call the model directly)",
                    "client_tools_unsupported",
                )
        stream = bool(optional(body, "stream", bool, "body"))
        options = object_(body.get("stream_options") or {}, "body.stream_options")
        include_usage = bool(optional(options, "include_usage", bool, "body.stream_options"))
        messages = _read_messages(raw)
        if messages[-1].role != "user":
            raise RequestError(400, "the last message must be the user's (the agent runs its own tools)")
        conversation = conversation_header(headers, body)
        return RunRequest(
            prompt=messages[-1],
            history=None if conversation else messages[:-1],
            conversation_id=conversation,
            agent=model,
            stream=stream,
            options={"include_usage": include_usage},
        )

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return sse(
            {
                "id": self._id,
                "object": "chat.completion.chunk",
                "created": self._created,
                "model": self.agent_name,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
        )

    def start(self) -> list[bytes]:
        return [self._chunk({"role": "assistant", "content": ""})] if self.request.stream else []

    def encode(self, event: RunEvent) -> list[bytes]:
        streamed = self.request.stream
        delta: dict[str, Any] | None = None
        if type(event) is TextChunk and event.content:
            self._text.append(event.content)
            delta = {"content": event.content}
        elif type(event) is ThinkingChunk and event.thinking:
            self._thinking.append(event.thinking)
            delta = {"reasoning_content": event.thinking}
        elif type(event) is OutputChunk and not event.partial and not self._text:
            # a typed output that came as a tool call has no text: the answer is its JSON
            value = event.to_dict()["output"]  # plain JSON, whatever the output type
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            self._text.append(text)
            delta = {"content": text}
        elif type(event) is ApprovalRequiredChunk:
            self._approval = list(event.calls)
            if streamed:
                message, code = self.approval_error()
                return self.error(message, code)
        elif type(event) is DoneChunk:
            self._response = event.response
            if streamed:
                return self._finish(event)
        return [self._chunk(delta)] if streamed and delta is not None else []

    def approval_error(self) -> tuple[str, str]:
        names = ", ".join(sorted({c.name for c in self._approval}))
        return (
            f"the agent stopped for a human's approval of {names}; the OpenAI protocol cannot "
            "approve tool calls: use POST /api/chat or POST /ag-ui",
            "approval_required",
        )

    @property
    def needs_approval(self) -> bool:
        return bool(self._approval)

    def _usage(self) -> dict[str, Any]:
        usage = self._response.usage
        out: dict[str, Any] = {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
        }
        if usage.cache_read_tokens:
            out["prompt_tokens_details"] = {"cached_tokens": usage.cache_read_tokens}
        if usage.reasoning_tokens:
            out["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
        return out

    def _finish_reason(self) -> str:
        return _FINISH.get(self._response.stop_reason, "stop")

    def _finish(self, done: DoneChunk) -> list[bytes]:
        if self._approval:
            return []
        out = [self._chunk({}, self._finish_reason())]
        if self.request.options.get("include_usage"):
            out.append(
                sse(
                    {
                        "id": self._id,
                        "object": "chat.completion.chunk",
                        "created": self._created,
                        "model": self.agent_name,
                        "choices": [],
                        "usage": self._usage(),
                    }
                )
            )
        return out

    def error(self, message: str, code: str) -> list[bytes]:
        # the SDKs raise APIError for an event holding "error"
        return [sse({"error": {"message": message, "type": code, "param": None, "code": code}})]

    def end(self) -> list[bytes]:
        return [sse("[DONE]")] if self.request.stream else []

    def result(self) -> dict[str, Any] | None:
        if self._response is None:
            return None
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self._text), "refusal": None}
        if self._thinking:
            message["reasoning_content"] = "".join(self._thinking)
        return {
            "id": self._id,
            "object": "chat.completion",
            "created": self._created,
            "model": self.agent_name,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": self._finish_reason()}
            ],
            "usage": self._usage(),
        }
