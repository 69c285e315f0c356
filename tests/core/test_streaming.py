import json
import subprocess
import sys

import pytest

import agenticraft.core.errors as errors_module
from agenticraft import Agent
from agenticraft.core.errors import AgentiCraftError, RealProviderCallBlocked, error_for_status
from agenticraft.core.events import (
    StreamChunk,
    TextChunk,
    ThinkingChunk,
    ToolCallChunk,
    TurnEndChunk,
    UsageChunk,
)
from agenticraft.core.fold import RunFold
from agenticraft.core.messages import ToolCall, Usage
from agenticraft.core.network_guard import block_real_providers, check_request_allowed, is_loopback
from agenticraft.testing import FunctionModel, ScriptedModel, ScriptedTurn


def test_content_is_text_only_for_text_chunks() -> None:
    assert TextChunk("hi").content == "hi"
    others: list[StreamChunk] = [
        ThinkingChunk("hmm"),
        UsageChunk(Usage(1, 2)),
        TurnEndChunk("end_turn"),
        ToolCallChunk("c", "f", {}),
    ]
    assert [c.content for c in others] == ["", "", "", ""]
    assert [c.type for c in others] == ["thinking", "usage", "turn_end", "tool_call"]
    assert not hasattr(TextChunk("x"), "__dict__")  # slotted: cheap to make


async def test_chunks_serialize_to_json_lines_that_fold_back() -> None:
    model = ScriptedModel(
        [ScriptedTurn(thinking="t", text="Hi ", tool_calls=[ToolCall("f", {"a": 1})]), "done"]
    )

    def f(a: int) -> str:
        """F."""
        return str(a)

    lines = [json.dumps(c.to_dict()) async for c in Agent(model=model, tools=[f]).stream("x")]
    decoded = [json.loads(line) for line in lines]
    run_id = decoded[0]["run_id"]
    assert len(run_id) == 32 and all(d["run_id"] == run_id for d in decoded)
    assert decoded[0] == {
        "type": "thinking",
        "run_id": run_id,
        "turn": 1,
        "thinking": "t",
        "signature": None,
        "redacted": False,
        "part": 0,
    }
    done = decoded[-1]
    assert done["type"] == "done"
    assert done["response"]["content"] == "Hi done"
    assert done["response"]["usage"]["total_tokens"] > 0
    assert done["response"]["messages"][1]["parts"][-1]["kind"] == "tool_call"


async def test_streaming_response_folds_any_chunk_stream_with_metrics() -> None:
    folded = RunFold()
    agent = Agent(model=FunctionModel(lambda m, t: "abcdefgh", chunk_size=2))
    async for chunk in agent.stream("x"):
        folded.add(chunk)
    assert folded.text == "abcdefgh"
    assert folded.chunk_count == 4 + 3  # four text pieces, usage, turn_end, done
    assert folded.final is not None and folded.final.content == "abcdefgh"
    assert folded.time_to_first_token is not None and folded.time_to_first_token >= 0
    assert folded.duration >= folded.time_to_first_token
    assert folded.tokens_per_second is not None and folded.tokens_per_second > 0
    assert len(folded.trace.turns) == 1


def test_error_tree_is_drawn_in_the_module_docstring() -> None:
    doc = errors_module.__doc__ or ""
    classes = [
        obj
        for name in errors_module.__all__
        if isinstance(obj := getattr(errors_module, name), type) and issubclass(obj, Exception)
    ]
    assert len(classes) >= 15
    for cls in classes:
        assert issubclass(cls, AgentiCraftError)
        assert cls.__name__ in doc, f"{cls.__name__} missing from the drawn tree"


def test_status_codes_map_to_the_tree() -> None:
    names = {
        code: error_for_status(code).__name__ for code in (400, 401, 403, 404, 408, 422, 429, 500, 503, 529)
    }
    assert names == {
        400: "BadRequestError",
        401: "AuthenticationError",
        403: "PermissionDeniedError",
        404: "NotFoundError",
        408: "ProviderTimeoutError",
        422: "BadRequestError",
        429: "RateLimitError",
        500: "ServerError",
        503: "ServerError",
        529: "OverloadedError",
    }


def test_guard_blocks_real_hosts_and_allows_loopback() -> None:
    assert (
        is_loopback("http://127.0.0.1:8000/v1")
        and is_loopback("http://[::1]:1/")
        and is_loopback("http://localhost")
    )
    with block_real_providers():
        check_request_allowed("http://127.0.0.1:9/v1/chat/completions")
        with pytest.raises(RealProviderCallBlocked, match=r"api\.openai\.com"):
            check_request_allowed("https://api.openai.com/v1/chat/completions", "openai")


def test_guard_treats_hosts_that_only_look_like_loopback_as_real() -> None:
    for url in ("http://127.evil.example/", "http://127.0.0.1.evil.example/v1", "http://localhost.evil/"):
        assert not is_loopback(url)
        with block_real_providers(), pytest.raises(RealProviderCallBlocked):
            check_request_allowed(url)
    assert is_loopback("http://127.255.0.9:1/") and is_loopback("http://[0:0:0:0:0:0:0:1]/")


def test_guard_is_on_for_this_test_suite() -> None:
    with pytest.raises(RealProviderCallBlocked):
        check_request_allowed("https://api.anthropic.com/v1/messages")


def test_scripted_model_refuses_to_run_past_its_script() -> None:
    agent = Agent(model=ScriptedModel(["only one"]))
    assert agent.run("a").content == "only one"
    with pytest.raises(AssertionError, match=r"called 2 times but has 1 turns"):
        agent.run("b")


async def test_function_model_accepts_async_functions_and_sees_tools() -> None:
    seen = {}

    async def fn(messages, tools):  # type: ignore[no-untyped-def]
        seen["tools"] = [t.name for t in tools]
        return "ok"

    def lookup(q: str) -> str:
        """Look up."""
        return q

    assert (await Agent(model=FunctionModel(fn), tools=[lookup]).arun("x")).content == "ok"
    assert seen["tools"] == ["lookup"]


def test_import_is_cheap_and_loads_no_heavy_module() -> None:
    code = (
        "import sys, agenticraft\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'httpx2', 'httpx', 'rich', 'mcp', 'opentelemetry', 'openai', 'anthropic')"
        " or m.startswith(('agenticraft.providers', 'agenticraft.cli', 'agenticraft.core.'))]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    code_agent = (
        "import sys\nfrom agenticraft import Agent, tool\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'httpx2', 'rich') "
        "or m.startswith('agenticraft.providers')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code_agent], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_transient_errors_are_the_ones_retries_and_fallback_act_on() -> None:
    from agenticraft.core.errors import ProviderConnectionError, ProviderError, StreamProtocolError

    transient = [
        c
        for c in (400, 401, 404, 408, 409, 422, 429, 500, 502, 529)
        if ProviderError("x", status_code=c).is_transient
    ]
    assert transient == [408, 409, 429, 500, 502, 529]
    assert ProviderConnectionError("reset").is_transient
    assert not StreamProtocolError("garbage").is_transient
