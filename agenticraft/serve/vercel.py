"""The Vercel AI SDK UI message stream (v1 of the stream, AI SDK 5 and 6): ``POST /api/chat``.

The request is what ``useChat``'s default transport sends: ``{"id", "messages", "trigger"}``,
the messages in the SDK's UI message format, read back into our canonical messages (a
``step-start`` part begins a new model turn; a tool part with an output becomes the call and
its result). The conversation is those messages, or the server's memory when an
``X-Conversation-Id`` header names one (then only the newest message is read).

The stream: ``start``, ``start-step`` per model turn, ``text-*`` and ``reasoning-*`` parts,
``tool-input-start`` / ``-delta`` / ``-available``, ``tool-output-available`` / ``-error``,
``tool-approval-request`` when a tool needs a human's approval (answered with the SDK's
``addToolApprovalResponse``: the tool part comes back ``approval-responded``), a
``data-output`` part with the typed output as it grows, ``finish-step``, ``finish`` and
``[DONE]``; ``error`` when the run fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from agenticraft.core.events import ExtensionChunk, OutputChunk, ToolResultChunk, TurnEndChunk
from agenticraft.core.loop import Approval
from agenticraft.core.media import ContentPart
from agenticraft.core.messages import (
    Message,
    Part,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolCallPart,
    ToolResult,
)
from agenticraft.core.response import AgentResponse
from agenticraft.serve.content import vercel_file
from agenticraft.serve.encoder import PartEncoder, PartKind, RequestError, RunRequest, sse
from agenticraft.serve.shapes import conversation_header, field, object_, optional

__all__ = ["VercelEncoder", "messages_from_ui", "messages_to_ui"]

_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "content_filter": "content-filter",
    "refusal": "content-filter",
    "tool_use": "tool-calls",
}


def _tool_name(part: Mapping[str, Any]) -> str | None:
    kind = str(part.get("type", ""))
    if kind == "dynamic-tool":
        return str(part.get("toolName") or "")
    return kind[len("tool-") :] if kind.startswith("tool-") else None


class _Reader:
    """UI messages into canonical ones: one assistant message (and its results) per step."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.approvals: dict[str, Approval] = {}
        self._parts: list[Part] = []
        self._results: list[ToolResult] = []

    def flush(self) -> None:
        if self._parts:
            self.messages.append(Message("assistant", self._parts))
        if self._results:
            self.messages.append(Message.tool_results(self._results))
        self._parts, self._results = [], []

    def assistant(self, parts: list[Any], where: str) -> None:
        for j, part in enumerate(parts):
            pw = f"{where}.parts[{j}]"
            part = object_(part, pw)
            kind = field(part, "type", str, pw)
            if kind == "step-start":
                self.flush()
            elif kind == "text":
                self._parts.append(TextPart(field(part, "text", str, pw)))
            elif kind == "reasoning":
                self._parts.append(ThinkingPart(field(part, "text", str, pw)))
            elif (name := _tool_name(part)) is not None:
                self.tool(part, name, pw)
            # sources, files and data parts are for the page, not the model
        self.flush()

    def tool(self, part: dict[str, Any], name: str, where: str) -> None:
        call_id = field(part, "toolCallId", str, where)
        state = optional(part, "state", str, where) or "input-available"
        arguments = part.get("input")
        call = ToolCall(name, arguments if isinstance(arguments, dict) else {}, call_id)
        if state == "input-streaming":
            return  # an unfinished call: nothing the model asked for yet
        self._parts.append(ToolCallPart(call))
        if state == "output-available":
            output = part.get("output")
            text = output if isinstance(output, str) else json.dumps(output)
            self._results.append(ToolResult(call_id, name, text))
        elif state == "output-error":
            self._results.append(ToolResult(call_id, name, str(part.get("errorText") or "error"), True))
        elif state == "output-denied":
            approval = part.get("approval") if isinstance(part.get("approval"), dict) else {}
            reason = approval.get("reason") if isinstance(approval, dict) else None
            self._results.append(ToolResult(call_id, name, f"denied: {reason or 'not approved'}", True))
        elif state == "approval-responded":
            approval = object_(field(part, "approval", dict, where), f"{where}.approval")
            approved = field(approval, "approved", bool, f"{where}.approval")
            reason = optional(approval, "reason", str, f"{where}.approval")
            self.approvals[call_id] = True if approved else (reason or False)


def messages_from_ui(raw: list[Any]) -> tuple[list[Message], dict[str, Approval]]:
    """Canonical messages from UI messages, and the approval decisions they carry."""
    reader = _Reader()
    for i, item in enumerate(raw):
        where = f"messages[{i}]"
        item = object_(item, where)
        role = field(item, "role", str, where)
        parts = field(item, "parts", list, where)
        if role == "assistant":
            reader.assistant(parts, where)
            continue
        texts: list[str] = []
        content: list[str | ContentPart] = []  # a user's text and files, in order
        for j, p in enumerate(parts):
            pw = f"{where}.parts[{j}]"
            kind = p.get("type") if isinstance(p, dict) else None
            if kind is None or kind == "text":
                texts.append(field(object_(p, pw), "text", str, pw))
                content.append(texts[-1])
            elif kind == "file" and role == "user":
                content.append(vercel_file(p, pw))
            # step markers, sources and data parts are for the page, not the model
        if role == "user":
            whole = all(isinstance(c, str) for c in content)
            reader.messages.append(Message.user("".join(texts) if whole else content))
        elif role == "system":
            reader.messages.append(Message.system("".join(texts)))
        else:
            raise RequestError(400, f"{where}.role must be system, user or assistant, not {role!r}")
    return reader.messages, reader.approvals


def messages_to_ui(messages: list[Message]) -> list[dict[str, Any]]:
    """UI messages of a conversation (the chat page shows a stored conversation with this)."""
    out: list[dict[str, Any]] = []
    results = {r.tool_call_id: r for m in messages if m.role == "tool" for r in m.results}
    for index, message in enumerate(messages):
        if message.role == "tool":
            continue
        parts: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, TextPart) and part.text:
                parts.append({"type": "text", "text": part.text, "state": "done"})
            elif isinstance(part, ThinkingPart) and part.text:
                parts.append({"type": "reasoning", "text": part.text, "state": "done"})
            elif isinstance(part, ToolCallPart):
                call, result = part.call, results.get(part.call.id)
                tool: dict[str, Any] = {
                    "type": "dynamic-tool",
                    "toolName": call.name,
                    "toolCallId": call.id,
                    "input": call.arguments,
                }
                if result is None:
                    tool["state"] = "input-available"
                elif result.is_error:
                    tool.update(state="output-error", errorText=result.content)
                else:
                    tool.update(state="output-available", output=result.content)
                parts.append(tool)
        if message.role == "assistant" and out and out[-1]["role"] == "assistant":
            out[-1]["parts"] += [{"type": "step-start"}, *parts]  # one UI message per answer
            if message.interrupted:
                out[-1]["metadata"] = {"interrupted": True}
            continue
        if message.role == "assistant":
            parts.insert(0, {"type": "step-start"})
        entry: dict[str, Any] = {"id": f"m{index}", "role": message.role, "parts": parts}
        if message.interrupted:
            entry["metadata"] = {"interrupted": True}
        out.append(entry)
    return out


class VercelEncoder(PartEncoder):
    """UI message stream chunks, as ``createUIMessageStreamResponse`` sends them."""

    name = "vercel-ai"
    path = "/api/chat"
    headers: ClassVar[Mapping[str, str]] = {
        "cache-control": "no-cache",
        "x-vercel-ai-ui-message-stream": "v1",
        "x-accel-buffering": "no",
    }

    def __init__(self, request: RunRequest, agent_name: str, run_id: str) -> None:
        super().__init__(request, agent_name, run_id)
        self._step_open = False
        self._finish_reason = "stop"

    @classmethod
    def read_request(cls, body: Any, headers: Mapping[str, str]) -> RunRequest:
        body = object_(body, "the request body")
        raw = field(body, "messages", list, "body")
        if not raw:
            raise RequestError(400, "body.messages must hold at least one message")
        conversation = conversation_header(headers, body)
        if conversation is not None:
            raw = raw[-1:]  # the server's memory holds the rest
        messages, approvals = messages_from_ui(raw)
        last = messages[-1] if messages else None
        if last is not None and last.role == "user":
            prompt, history = last, messages[:-1]
        elif approvals:
            prompt, history = None, messages
            if conversation is not None:
                history = []
        else:
            raise RequestError(400, "the last message must be the user's, or answer a tool approval")
        return RunRequest(
            prompt=prompt,
            history=None if conversation else history,
            conversation_id=conversation,
            approvals=approvals or None,
            agent=optional(body, "model", str, "body"),
            options={"chat_id": body.get("id")},
        )

    def _step(self) -> list[bytes]:
        if self._step_open:
            return []
        self._step_open = True
        return [sse({"type": "start-step"})]

    def _end_step(self) -> list[bytes]:
        if not self._step_open:
            return []
        self._step_open = False
        return [sse({"type": "finish-step"})]

    def start(self) -> list[bytes]:
        return [sse({"type": "start", "messageId": self.run_id})]

    def turn_start(self, turn: int) -> list[bytes]:
        return [*self._end_step(), *self._step()]

    def part_start(self, kind: PartKind, part_id: str) -> list[bytes]:
        return [*self._step(), sse({"type": f"{kind}-start", "id": part_id})]

    def part_delta(self, kind: PartKind, part_id: str, delta: str) -> list[bytes]:
        return [sse({"type": f"{kind}-delta", "id": part_id, "delta": delta})]

    def part_end(self, kind: PartKind, part_id: str) -> list[bytes]:
        return [sse({"type": f"{kind}-end", "id": part_id})]

    def tool_start(self, call_id: str, name: str) -> list[bytes]:
        return [
            *self._step(),
            sse({"type": "tool-input-start", "toolCallId": call_id, "toolName": name, "dynamic": True}),
        ]

    def tool_delta(self, call_id: str, delta: str) -> list[bytes]:
        return [sse({"type": "tool-input-delta", "toolCallId": call_id, "inputTextDelta": delta})]

    def tool_ready(self, call: ToolCall) -> list[bytes]:
        return [
            sse(
                {
                    "type": "tool-input-available",
                    "toolCallId": call.id,
                    "toolName": call.name,
                    "input": call.arguments,
                    "dynamic": True,
                }
            )
        ]

    def tool_result(self, result: ToolResultChunk) -> list[bytes]:
        chunk: dict[str, Any]
        if result.error is not None:
            chunk = {"type": "tool-output-error", "toolCallId": result.id, "errorText": result.error}
        else:
            chunk = {"type": "tool-output-available", "toolCallId": result.id, "output": result.result}
        return [sse({**chunk, "dynamic": True})]

    def approval(self, calls: list[ToolCall]) -> list[bytes]:
        self._finish_reason = "tool-calls"
        return [sse({"type": "tool-approval-request", "approvalId": c.id, "toolCallId": c.id}) for c in calls]

    def output(self, chunk: OutputChunk) -> list[bytes]:
        data = {"output": chunk.to_dict()["output"], "partial": chunk.partial}
        return [sse({"type": "data-output", "id": "output", "data": data})]

    def extension(self, chunk: ExtensionChunk) -> list[bytes]:
        return [sse({"type": f"data-{chunk.name}", "data": chunk.payload, "transient": True})]

    def turn_end(self, chunk: TurnEndChunk) -> list[bytes]:
        return []

    def done(self, response: AgentResponse) -> list[bytes]:
        if not response.pending_approvals:
            self._finish_reason = _FINISH.get(response.stop_reason, "other")
        return [*self._end_step(), sse({"type": "finish", "finishReason": self._finish_reason})]

    def error(self, message: str, code: str) -> list[bytes]:
        return [*self._end_step(), sse({"type": "error", "errorText": message})]

    def end(self) -> list[bytes]:
        return [sse("[DONE]")]
