"""The clients under test, one adapter each, all driven the same way by ``bench/measure.py``.

Every adapter streams one request to the bench server (``stream``), runs one agent turn pair
with a tool round trip (``tool_run``) and reports each text delta to a callback, so the
measuring code is identical for all of them. Each adapter imports its library lazily: the
import itself is a measured figure.

The scenario (chunk count, pacing, mode) lives in the base URL, see ``bench/server.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

OnText = Callable[[str], None]

PROMPT = "Say something."
TOOL_PROMPT = "What is the weather in Paris?"
TOOL_CALLS = [0]  # how many times the tool ran, checked by the harness


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    TOOL_CALLS[0] += 1
    return f"BENCH-TOOL-RESULT: sunny in {city}"


WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
OPENAI_TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": "Get the weather.", "parameters": WEATHER_SCHEMA},
    }
]
RESPONSES_TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": WEATHER_SCHEMA,
    }
]
ANTHROPIC_TOOLS = [{"name": "get_weather", "description": "Get the weather.", "input_schema": WEATHER_SCHEMA}]


class Client:
    """The interface every adapter implements."""

    #: the module whose import time is the "import" figure
    module = ""

    def __init__(self, protocol: str, base: str) -> None:
        self.protocol = protocol
        self.base = base

    async def stream(self, on_text: OnText) -> None:
        """One streamed request, consumed to the end; every text delta goes to ``on_text``."""
        raise NotImplementedError

    async def tool_run(self, on_text: OnText) -> None:
        """One agent run: a streamed turn calling ``get_weather``, the tool, a streamed answer."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release connections."""


# -- the floor: raw httpx2 and json.loads, nothing else -------------------------------------------
_PATHS = {
    "openai": "/v1/chat/completions",
    "responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "ollama": "/api/chat",
}


class Floor(Client):
    """The physical floor: the HTTP client's raw byte stream (``aiter_raw``: no decoder layer;
    the server sends no content encoding), split into lines, one ``json.loads`` per event. No
    SSE object, no model object, no accumulation."""

    module = "httpx2"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        import httpx2

        # httpx2's default pool (100 connections): opening 1,000 sockets at once for the
        # concurrency figure measured 3.6x slower than queueing on 100 (7.2 s vs 2.0 s)
        self.http = httpx2.AsyncClient(timeout=None)
        self.url = base + _PATHS[protocol]

    def _body(self, messages: list[dict[str, Any]], tools: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": "bench", "messages": messages, "stream": True}
        if self.protocol == "responses":
            body = {"model": "bench", "input": messages, "stream": True}
            if tools:
                body["tools"] = RESPONSES_TOOLS
        elif self.protocol == "anthropic":
            body["max_tokens"] = 1024
            if tools:
                body["tools"] = ANTHROPIC_TOOLS
        elif tools:
            body["tools"] = OPENAI_TOOLS
        return body

    async def _events(self, body: dict[str, Any], handle: Callable[[Any], None]) -> None:
        loads = json.loads
        sse = self.protocol != "ollama"
        async with self.http.stream("POST", self.url, json=body) as response:
            rest = b""
            async for data in response.aiter_raw():
                lines = (rest + data).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    if sse:
                        if line.startswith(b"data: ") and line != b"data: [DONE]":
                            handle(loads(line[6:]))
                    elif line:
                        handle(loads(line))

    def _text_handler(self, on_text: OnText, calls: list[dict[str, Any]]) -> Callable[[Any], None]:
        if self.protocol == "openai":

            def handle(event: Any) -> None:
                choices = event["choices"]
                if choices:
                    delta = choices[0]["delta"]
                    text = delta.get("content")
                    if text:
                        on_text(text)
                    for call in delta.get("tool_calls") or ():
                        if call.get("id"):
                            calls.append({"id": call["id"], "name": call["function"]["name"], "args": ""})
                        calls[-1]["args"] += call["function"].get("arguments") or ""

        elif self.protocol == "responses":

            def handle(event: Any) -> None:
                kind = event["type"]
                if kind == "response.output_text.delta":
                    on_text(event["delta"])
                elif kind == "response.function_call_arguments.delta":
                    calls[-1]["args"] += event["delta"]
                elif kind == "response.output_item.added" and event["item"]["type"] == "function_call":
                    item = event["item"]
                    calls.append({"id": item["call_id"], "name": item["name"], "args": ""})

        elif self.protocol == "anthropic":

            def handle(event: Any) -> None:
                kind = event["type"]
                if kind == "content_block_delta":
                    delta = event["delta"]
                    if delta["type"] == "text_delta":
                        on_text(delta["text"])
                    elif delta["type"] == "input_json_delta":
                        calls[-1]["args"] += delta["partial_json"]
                elif kind == "content_block_start" and event["content_block"]["type"] == "tool_use":
                    block = event["content_block"]
                    calls.append({"id": block["id"], "name": block["name"], "args": ""})

        else:

            def handle(event: Any) -> None:
                message = event["message"]
                text = message.get("content")
                if text:
                    on_text(text)
                for call in message.get("tool_calls") or ():
                    fn = call["function"]
                    calls.append({"id": "", "name": fn["name"], "args": json.dumps(fn["arguments"])})

        return handle

    async def stream(self, on_text: OnText) -> None:
        body = self._body([{"role": "user", "content": PROMPT}], tools=False)
        await self._events(body, self._text_handler(on_text, []))

    async def tool_run(self, on_text: OnText) -> None:
        messages: list[dict[str, Any]] = [{"role": "user", "content": TOOL_PROMPT}]
        calls: list[dict[str, Any]] = []
        await self._events(self._body(messages, tools=True), self._text_handler(on_text, calls))
        call = calls[0]
        args = json.loads(call["args"])
        result = get_weather(**args)
        if self.protocol == "openai":
            fn = {"name": call["name"], "arguments": call["args"]}
            messages.append(
                {"role": "assistant", "tool_calls": [{"id": call["id"], "type": "function", "function": fn}]}
            )
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        elif self.protocol == "responses":
            fc = {
                "type": "function_call",
                "call_id": call["id"],
                "name": call["name"],
                "arguments": call["args"],
            }
            messages.append(fc)
            messages.append({"type": "function_call_output", "call_id": call["id"], "output": result})
        elif self.protocol == "anthropic":
            use = {"type": "tool_use", "id": call["id"], "name": call["name"], "input": args}
            messages.append({"role": "assistant", "content": [use]})
            tool_result = {"type": "tool_result", "tool_use_id": call["id"], "content": result}
            messages.append({"role": "user", "content": [tool_result]})
        else:
            fn = {"name": call["name"], "arguments": args}
            messages.append({"role": "assistant", "content": "", "tool_calls": [{"function": fn}]})
            messages.append({"role": "tool", "content": result, "tool_name": call["name"]})
        await self._events(self._body(messages, tools=True), self._text_handler(on_text, []))

    async def aclose(self) -> None:
        await self.http.aclose()


# -- AgentiCraft -------------------------------------------------------------------------------------
class AgentiCraft(Client):
    """``agent.stream(...)`` consumed to the end; one provider shared by every run."""

    module = "agenticraft"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from agenticraft import Agent, tool

        # the tool is wrapped once, as an application would: a plain function given to a new
        # Agent is wrapped again and its schema rebuilt (about 1 ms) on that agent's first run
        self.tools = [tool(get_weather)]
        base_url = base + "/v1" if protocol in ("openai", "responses") else base
        name = "openai-responses" if protocol == "responses" else protocol
        self.Agent = Agent
        self.provider = Agent(model=f"{name}:bench", base_url=base_url, api_key="bench").provider

    async def stream(self, on_text: OnText) -> None:
        async for chunk in self.Agent(model=self.provider).stream(PROMPT):
            if chunk.type == "text":
                on_text(chunk.content)

    async def tool_run(self, on_text: OnText) -> None:
        agent = self.Agent(model=self.provider, tools=self.tools)
        async for chunk in agent.stream(TOOL_PROMPT):
            if chunk.type == "text":
                on_text(chunk.content)

    async def aclose(self) -> None:
        await self.provider.aclose()


class AgentiCraftHooked(AgentiCraft):
    """The same run with an observer on every turn and tool call and a pass-through wrapper
    around every model turn (an async generator re-yielding each event): what telemetry and
    durable execution add through the hooks seam."""

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from agenticraft import RunHooks

        class Observer(RunHooks):
            async def on_turn_end(self, ctx: Any, turn: Any) -> None:
                self.turns = getattr(self, "turns", 0) + 1

            async def wrap_model_turn(self, ctx: Any, request: Any, handler: Any) -> Any:
                async for event in handler(request):
                    yield event

        self.hooks = [Observer()]

    async def stream(self, on_text: OnText) -> None:
        async for chunk in self.Agent(model=self.provider, hooks=self.hooks).stream(PROMPT):
            if chunk.type == "text":
                on_text(chunk.content)

    async def tool_run(self, on_text: OnText) -> None:
        agent = self.Agent(model=self.provider, tools=self.tools, hooks=self.hooks)
        async for chunk in agent.stream(TOOL_PROMPT):
            if chunk.type == "text":
                on_text(chunk.content)


class AgentiCraftOutput(AgentiCraft):
    """A typed run: ``output_type=list[str]`` in native mode against the server's ``json`` mode,
    consuming every event (text deltas and the validated ``list[str]`` snapshots) and checking
    the final value: what structured output adds per chunk on top of a plain run."""

    def __init__(self, protocol: str, base: str) -> None:
        prefix, _, mode = base.rpartition("/")
        super().__init__(protocol, f"{prefix}/json" if mode == "text" else base)
        self.snapshots = 0

    async def stream(self, on_text: OnText) -> None:
        agent = self.Agent(model=self.provider, output_type=list[str], output_mode="native")
        async with agent.stream(PROMPT) as run:
            async for chunk in run:
                if chunk.type == "text":
                    on_text(chunk.content)
                elif chunk.type == "output":
                    self.snapshots += 1
        output = run.response.output
        if not (isinstance(output, list) and (not output or output[-1] == f"w{len(output) - 1}")):
            raise AssertionError(f"typed output came back wrong: {str(output)[:200]}")


class AgentiCraftInstrumented(AgentiCraft):
    """The same run with OpenTelemetry on: ``instrument()`` with the SDK's tracer provider (a
    simple span processor into an in-memory exporter) and meter provider (an in-memory reader),
    so every span and metric is really recorded."""

    module = "opentelemetry.sdk"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from agenticraft.telemetry import instrument

        self.exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        instrument(tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()]))

    async def stream(self, on_text: OnText) -> None:
        await super().stream(on_text)
        self.exporter.clear()  # spans of earlier runs are not kept growing between repetitions


# -- official SDKs ---------------------------------------------------------------------------------
class OpenAIChunkClient(Client):
    """A client that streams OpenAI-shaped chunk objects; its tool loop is written by hand."""

    async def _open(self, messages: list[Any], tools: bool) -> Any:
        raise NotImplementedError

    async def _turn(self, messages: list[Any], on_text: OnText, tools: bool) -> list[dict[str, Any]]:
        stream = await self._open(messages, tools)
        calls: list[dict[str, Any]] = []
        async for chunk in stream:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.content:
                on_text(delta.content)
            for call in getattr(delta, "tool_calls", None) or ():
                if call.id:
                    calls.append({"id": call.id, "name": call.function.name, "args": ""})
                calls[-1]["args"] += (call.function.arguments if call.function else None) or ""
        return calls

    async def stream(self, on_text: OnText) -> None:
        await self._turn([{"role": "user", "content": PROMPT}], on_text, tools=False)

    async def tool_run(self, on_text: OnText) -> None:
        messages: list[Any] = [{"role": "user", "content": TOOL_PROMPT}]
        call = (await self._turn(messages, on_text, tools=True))[0]
        result = get_weather(**json.loads(call["args"]))
        fn = {"name": call["name"], "arguments": call["args"]}
        messages.append(
            {"role": "assistant", "tool_calls": [{"id": call["id"], "type": "function", "function": fn}]}
        )
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        await self._turn(messages, on_text, tools=True)


class OpenAISDK(OpenAIChunkClient):
    """``openai.AsyncOpenAI().chat.completions.create(stream=True)``."""

    module = "openai"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from openai import AsyncOpenAI

        self.sdk = AsyncOpenAI(base_url=base + "/v1", api_key="bench", max_retries=0)

    async def _open(self, messages: list[Any], tools: bool) -> Any:
        extra: dict[str, Any] = {"tools": OPENAI_TOOLS} if tools else {}
        return await self.sdk.chat.completions.create(model="bench", messages=messages, stream=True, **extra)

    async def aclose(self) -> None:
        await self.sdk.close()


class ResponsesSDK(Client):
    """``openai.AsyncOpenAI().responses.stream(...)``: the SDK's Responses stream helper,
    which folds every event into a response snapshot (as our accumulator folds ours)."""

    module = "openai"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from openai import AsyncOpenAI

        self.sdk = AsyncOpenAI(base_url=base + "/v1", api_key="bench", max_retries=0)

    async def _turn(self, items: list[Any], on_text: OnText, tools: bool) -> list[Any]:
        extra: dict[str, Any] = {"tools": RESPONSES_TOOLS} if tools else {}
        async with self.sdk.responses.stream(model="bench", input=items, **extra) as stream:
            async for event in stream:
                if event.type == "response.output_text.delta":
                    on_text(event.delta)
            final = await stream.get_final_response()
        return [o for o in final.output if o.type == "function_call"]

    async def stream(self, on_text: OnText) -> None:
        await self._turn([{"role": "user", "content": PROMPT}], on_text, tools=False)

    async def tool_run(self, on_text: OnText) -> None:
        items: list[Any] = [{"role": "user", "content": TOOL_PROMPT}]
        call = (await self._turn(items, on_text, tools=True))[0]
        result = get_weather(**json.loads(call.arguments))
        items.append(
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments}
        )
        items.append({"type": "function_call_output", "call_id": call.call_id, "output": result})
        await self._turn(items, on_text, tools=True)

    async def aclose(self) -> None:
        await self.sdk.close()


class AnthropicSDK(Client):
    """``anthropic.AsyncAnthropic().messages.create(stream=True)``, raw events."""

    module = "anthropic"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from anthropic import AsyncAnthropic

        self.sdk = AsyncAnthropic(base_url=base, api_key="bench", max_retries=0)

    async def _turn(self, messages: list[Any], on_text: OnText, tools: bool) -> list[dict[str, Any]]:
        extra: dict[str, Any] = {"tools": ANTHROPIC_TOOLS} if tools else {}
        stream = await self.sdk.messages.create(
            model="bench", max_tokens=1024, messages=messages, stream=True, **extra
        )
        calls: list[dict[str, Any]] = []
        async for event in stream:
            if event.type == "content_block_delta":
                if event.delta.type == "text_delta":
                    on_text(event.delta.text)
                elif event.delta.type == "input_json_delta":
                    calls[-1]["args"] += event.delta.partial_json
            elif event.type == "content_block_start" and event.content_block.type == "tool_use":
                calls.append({"id": event.content_block.id, "name": event.content_block.name, "args": ""})
        return calls

    async def stream(self, on_text: OnText) -> None:
        await self._turn([{"role": "user", "content": PROMPT}], on_text, tools=False)

    async def tool_run(self, on_text: OnText) -> None:
        messages: list[Any] = [{"role": "user", "content": TOOL_PROMPT}]
        call = (await self._turn(messages, on_text, tools=True))[0]
        args = json.loads(call["args"])
        result = get_weather(**args)
        use = {"type": "tool_use", "id": call["id"], "name": call["name"], "input": args}
        messages.append({"role": "assistant", "content": [use]})
        messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": result}],
            }
        )
        await self._turn(messages, on_text, tools=True)

    async def aclose(self) -> None:
        await self.sdk.close()


class OllamaSDK(Client):
    """``ollama.AsyncClient().chat(stream=True)``."""

    module = "ollama"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from ollama import AsyncClient

        self.sdk = AsyncClient(host=base)

    async def _turn(self, messages: list[Any], on_text: OnText, tools: bool) -> list[Any]:
        extra: dict[str, Any] = {"tools": [get_weather]} if tools else {}
        calls: list[Any] = []
        async for part in await self.sdk.chat(model="bench", messages=messages, stream=True, **extra):
            if part.message.content:
                on_text(part.message.content)
            calls.extend(part.message.tool_calls or ())
        return calls

    async def stream(self, on_text: OnText) -> None:
        await self._turn([{"role": "user", "content": PROMPT}], on_text, tools=False)

    async def tool_run(self, on_text: OnText) -> None:
        messages: list[Any] = [{"role": "user", "content": TOOL_PROMPT}]
        call = (await self._turn(messages, on_text, tools=True))[0]
        result = get_weather(**call.function.arguments)
        messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        messages.append({"role": "tool", "content": result, "tool_name": call.function.name})
        await self._turn(messages, on_text, tools=True)

    async def aclose(self) -> None:
        await self.sdk._client.aclose()


# -- peer frameworks -------------------------------------------------------------------------------
class PydanticAI(Client):
    """``pydantic_ai.Agent.run_stream`` + ``stream_text(delta=True, debounce_by=None)`` (no
    debouncing, so every delta reaches user code as it arrives)."""

    module = "pydantic_ai"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from pydantic_ai import Agent
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        self.model = OpenAIChatModel("bench", provider=OpenAIProvider(base_url=base + "/v1", api_key="bench"))
        self.agent = Agent(self.model)
        self.tool_agent = Agent(self.model, tools=[get_weather])

    async def _run(self, agent: Any, prompt: str, on_text: OnText) -> None:
        async with agent.run_stream(prompt) as result:
            async for text in result.stream_text(delta=True, debounce_by=None):
                on_text(text)

    async def stream(self, on_text: OnText) -> None:
        await self._run(self.agent, PROMPT, on_text)

    async def tool_run(self, on_text: OnText) -> None:
        await self._run(self.tool_agent, TOOL_PROMPT, on_text)


class LangChain(Client):
    """``langchain_openai.ChatOpenAI.astream``; the tool round trip with ``bind_tools``."""

    module = "langchain_openai"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        from langchain_openai import ChatOpenAI

        self.llm = ChatOpenAI(model="bench", base_url=base + "/v1", api_key="bench", max_retries=0)  # type: ignore[arg-type]
        self.tool_llm = self.llm.bind_tools([get_weather])

    async def stream(self, on_text: OnText) -> None:
        async for chunk in self.llm.astream(PROMPT):
            if chunk.content:
                on_text(chunk.content)  # type: ignore[arg-type]

    async def tool_run(self, on_text: OnText) -> None:
        from langchain_core.messages import HumanMessage, ToolMessage

        messages: list[Any] = [HumanMessage(TOOL_PROMPT)]
        gathered: Any = None
        async for chunk in self.tool_llm.astream(messages):
            gathered = chunk if gathered is None else gathered + chunk
        messages.append(gathered)
        for call in gathered.tool_calls:
            messages.append(ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"]))
        async for chunk in self.tool_llm.astream(messages):
            if chunk.content:
                on_text(chunk.content)  # type: ignore[arg-type]


class LiteLLM(OpenAIChunkClient):
    """``litellm.acompletion(stream=True)`` with an ``openai/`` model."""

    module = "litellm"

    def __init__(self, protocol: str, base: str) -> None:
        super().__init__(protocol, base)
        import litellm

        litellm.telemetry = False
        self.litellm = litellm
        self.api_base = base + "/v1"

    async def _open(self, messages: list[Any], tools: bool) -> Any:
        extra: dict[str, Any] = {"tools": OPENAI_TOOLS} if tools else {}
        return await self.litellm.acompletion(
            model="openai/bench",
            api_base=self.api_base,
            api_key="bench",
            messages=messages,
            stream=True,
            **extra,
        )


#: client name -> adapter class
ADAPTERS: dict[str, type[Client]] = {
    "floor": Floor,
    "agenticraft": AgentiCraft,
    "agenticraft-hooks": AgentiCraftHooked,
    "agenticraft-output": AgentiCraftOutput,
    "agenticraft-otel": AgentiCraftInstrumented,
    "openai-sdk": OpenAISDK,
    "responses-sdk": ResponsesSDK,
    "anthropic-sdk": AnthropicSDK,
    "ollama-sdk": OllamaSDK,
    "pydantic-ai": PydanticAI,
    "langchain": LangChain,
    "litellm": LiteLLM,
}
