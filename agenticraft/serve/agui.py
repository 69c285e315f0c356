"""The AG-UI protocol (CopilotKit and others): ``POST /ag-ui`` with a ``RunAgentInput``.

The request's ``messages`` are the conversation (``threadId`` names it in the events), or the
server's memory when an ``X-Conversation-Id`` header names one. The stream: ``RUN_STARTED``,
``TEXT_MESSAGE_*``, ``REASONING_*`` (a reasoning message inside a reasoning block),
``TOOL_CALL_START`` / ``_ARGS`` / ``_END`` / ``_RESULT``, ``STATE_SNAPSHOT`` with the typed
output as it grows, a ``MESSAGES_SNAPSHOT`` of the whole conversation, then ``RUN_FINISHED``;
``RUN_ERROR`` when the run fails. A tool that needs approval ends the run with an ``interrupt``
outcome (one interrupt per call, its id the call's); the next run answers it in ``resume``
(``resolved`` runs the call, with ``{"approved": false, "reason": ...}`` as payload it is
denied; ``cancelled`` denies it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from agenticraft.core.events import OutputChunk, ToolResultChunk
from agenticraft.core.loop import Approval
from agenticraft.core.messages import (
    Message,
    Part,
    TextPart,
    ToolCall,
    ToolCallPart,
    ToolResult,
    ToolResultPart,
)
from agenticraft.core.response import AgentResponse
from agenticraft.serve.content import agui_content
from agenticraft.serve.encoder import PartEncoder, PartKind, RequestError, RunRequest, sse
from agenticraft.serve.shapes import conversation_header, field, object_, optional, text_content

__all__ = ["AGUIEncoder", "messages_from_agui", "messages_to_agui"]


def messages_from_agui(raw: list[Any]) -> list[Message]:
    """Canonical messages from AG-UI messages (activity and reasoning messages are the UI's)."""
    messages: list[Message] = []
    names: dict[str, str] = {}
    for i, item in enumerate(raw):
        where = f"messages[{i}]"
        item = object_(item, where)
        role = field(item, "role", str, where)
        content = item.get("content")
        if role in ("system", "developer"):
            messages.append(Message.system(text_content(content, f"{where}.content")))
        elif role == "user":
            field(item, "content", (str, list), where)
            messages.append(Message.user(agui_content(content, f"{where}.content")))
        elif role == "assistant":
            text = text_content(content, f"{where}.content")
            parts: list[Part] = [TextPart(text)] if text else []
            for j, call in enumerate(optional(item, "toolCalls", list, where) or ()):
                cw = f"{where}.toolCalls[{j}]"
                call = object_(call, cw)
                function = object_(field(call, "function", dict, cw), f"{cw}.function")
                name = field(function, "name", str, f"{cw}.function")
                try:
                    arguments = json.loads(optional(function, "arguments", str, f"{cw}.function") or "{}")
                except ValueError:
                    arguments = None
                if not isinstance(arguments, dict):
                    raise RequestError(400, f"{cw}.function.arguments must be a JSON object in a string")
                call_id = field(call, "id", str, cw)
                names[call_id] = name
                parts.append(ToolCallPart(ToolCall(name, arguments, call_id)))
            messages.append(Message("assistant", parts))
        elif role == "tool":
            call_id = field(item, "toolCallId", str, where)
            error = optional(item, "error", str, where)
            text = error or text_content(content, f"{where}.content")
            result = ToolResult(call_id, names.get(call_id, "tool"), text, error is not None)
            if messages and messages[-1].role == "tool":
                messages[-1].parts.append(ToolResultPart(result))
            else:
                messages.append(Message.tool_results([result]))
        elif role not in ("activity", "reasoning"):
            raise RequestError(400, f"{where}.role {role!r} is not an AG-UI message role")
    return messages


def messages_to_agui(messages: list[Message]) -> list[dict[str, Any]]:
    """AG-UI messages of a conversation (for ``MESSAGES_SNAPSHOT``)."""
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        mid = f"m{index}"
        if message.role == "tool":
            for result in message.results:
                entry: dict[str, Any] = {
                    "id": f"{mid}-{result.tool_call_id}",
                    "role": "tool",
                    "toolCallId": result.tool_call_id,
                    "content": result.content,
                }
                if result.is_error:
                    entry["error"] = result.content
                out.append(entry)
        elif message.role == "assistant":
            entry = {"id": mid, "role": "assistant", "content": message.text}
            calls = message.tool_calls
            if calls:
                entry["toolCalls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                    }
                    for c in calls
                ]
            out.append(entry)
        else:
            out.append({"id": mid, "role": message.role, "content": message.text})
    return out


def _approvals(resume: list[Any]) -> dict[str, Approval]:
    decisions: dict[str, Approval] = {}
    for i, entry in enumerate(resume):
        where = f"body.resume[{i}]"
        entry = object_(entry, where)
        interrupt = field(entry, "interruptId", str, where)
        status = field(entry, "status", str, where)
        payload = entry.get("payload")
        if status == "cancelled":
            decisions[interrupt] = False
        elif status != "resolved":
            raise RequestError(400, f"{where}.status must be 'resolved' or 'cancelled'")
        elif isinstance(payload, bool):
            decisions[interrupt] = payload
        elif isinstance(payload, dict) and payload.get("approved") is False:
            decisions[interrupt] = str(payload.get("reason") or False) if payload.get("reason") else False
        else:
            decisions[interrupt] = True
    return decisions


class AGUIEncoder(PartEncoder):
    """AG-UI events as server-sent events, in the package's JSON (camelCase) form."""

    name = "ag-ui"
    path = "/ag-ui"
    headers: ClassVar[Mapping[str, str]] = {"cache-control": "no-cache", "x-accel-buffering": "no"}

    def __init__(self, request: RunRequest, agent_name: str, run_id: str) -> None:
        super().__init__(request, agent_name, run_id)
        self._thread = str(request.options.get("thread_id") or run_id)
        self._run = str(request.options.get("run_id") or run_id)
        self._message_id = ""
        self._interrupts: list[dict[str, Any]] = []

    @classmethod
    def read_request(cls, body: Any, headers: Mapping[str, str]) -> RunRequest:
        body = object_(body, "the request body")
        thread = field(body, "threadId", str, "body")
        run = optional(body, "runId", str, "body")
        raw = field(body, "messages", list, "body")
        conversation = conversation_header(headers, body)
        approvals = _approvals(optional(body, "resume", list, "body") or [])
        messages = messages_from_agui(raw[-1:] if conversation else raw)
        last = messages[-1] if messages else None
        if last is not None and last.role == "user":
            prompt, history = last, messages[:-1]
        elif approvals:
            prompt, history = None, [] if conversation else messages
        else:
            raise RequestError(400, "the last message must be the user's, or resume an interrupt")
        return RunRequest(
            prompt=prompt,
            history=None if conversation else history,
            conversation_id=conversation,
            approvals=approvals or None,
            options={"thread_id": thread, "run_id": run},
        )

    def _event(self, kind: str, **data: Any) -> bytes:
        return sse({"type": kind, **data})

    def start(self) -> list[bytes]:
        return [self._event("RUN_STARTED", threadId=self._thread, runId=self._run)]

    def turn_start(self, turn: int) -> list[bytes]:
        self._message_id = f"{self.run_id[:12]}-msg-{turn}"
        return []

    def part_start(self, kind: PartKind, part_id: str) -> list[bytes]:
        if kind == "text":
            return [self._event("TEXT_MESSAGE_START", messageId=part_id, role="assistant")]
        return [
            self._event("REASONING_START", messageId=part_id),
            self._event("REASONING_MESSAGE_START", messageId=part_id, role="reasoning"),
        ]

    def part_delta(self, kind: PartKind, part_id: str, delta: str) -> list[bytes]:
        kind_name = "TEXT_MESSAGE_CONTENT" if kind == "text" else "REASONING_MESSAGE_CONTENT"
        return [self._event(kind_name, messageId=part_id, delta=delta)]

    def part_end(self, kind: PartKind, part_id: str) -> list[bytes]:
        if kind == "text":
            return [self._event("TEXT_MESSAGE_END", messageId=part_id)]
        return [
            self._event("REASONING_MESSAGE_END", messageId=part_id),
            self._event("REASONING_END", messageId=part_id),
        ]

    def tool_start(self, call_id: str, name: str) -> list[bytes]:
        parent = self._message_id or None
        data: dict[str, Any] = {"toolCallId": call_id, "toolCallName": name}
        if parent:
            data["parentMessageId"] = parent
        return [self._event("TOOL_CALL_START", **data)]

    def tool_delta(self, call_id: str, delta: str) -> list[bytes]:
        return [self._event("TOOL_CALL_ARGS", toolCallId=call_id, delta=delta)]

    def tool_ready(self, call: ToolCall) -> list[bytes]:
        return [self._event("TOOL_CALL_END", toolCallId=call.id)]

    def tool_result(self, result: ToolResultChunk) -> list[bytes]:
        content = result.error if result.error is not None else (result.result or "")
        return [
            self._event(
                "TOOL_CALL_RESULT",
                messageId=f"{result.id}-result-{uuid.uuid4().hex[:8]}",
                toolCallId=result.id,
                content=content,
                role="tool",
            )
        ]

    def approval(self, calls: list[ToolCall]) -> list[bytes]:
        self._interrupts = [
            {
                "id": c.id,
                "reason": "tool_approval",
                "toolCallId": c.id,
                "message": f"{c.name} needs a human's approval",
            }
            for c in calls
        ]
        return []

    def output(self, chunk: OutputChunk) -> list[bytes]:
        return [
            self._event(
                "STATE_SNAPSHOT", snapshot={"output": chunk.to_dict()["output"], "partial": chunk.partial}
            )
        ]

    def done(self, response: AgentResponse) -> list[bytes]:
        snapshot = messages_to_agui([*self.request.earlier, *response.messages])
        outcome: dict[str, Any] = (
            {"type": "interrupt", "interrupts": self._interrupts} if self._interrupts else {"type": "success"}
        )
        usage = response.usage
        return [
            self._event("MESSAGES_SNAPSHOT", messages=snapshot),
            self._event(
                "RUN_FINISHED",
                threadId=self._thread,
                runId=self._run,
                outcome=outcome,
                usage=[
                    {
                        "model": response.model or None,
                        "inputTokens": usage.input_tokens,
                        "outputTokens": usage.output_tokens,
                        "totalTokens": usage.total_tokens,
                    }
                ],
            ),
        ]

    def error(self, message: str, code: str) -> list[bytes]:
        return [self._event("RUN_ERROR", message=message, code=code)]
