"""Serving cost: streamed chunks per second and delivery delay through ``agenticraft.serve``,
against the floor, a bare Starlette SSE endpoint streaming the same chunks (same uvicorn, same
JSON per chunk), both in their own process, measured in one run::

    python bench/serve.py            # 1 and 500 concurrent clients (about a minute on 2 cores)
    python bench/serve.py --smoke    # tiny sizes (tests/bench/test_serve_bench.py runs it)

Throughput: every client streams its chunks as fast as they come (no pacing); chunks/s is all
chunks received over the wall time. Delay: the model emits one chunk every ``pace`` ms stamped
with ``time.monotonic_ns()`` (one clock for every process of the machine); the delay is the
client's receipt time minus the stamp; p50 and p99 over all chunks of all clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
MODEL = "bench-agent"


def _scenario(body: dict[str, Any]) -> tuple[int, float]:
    chunks, pace = str(body["messages"][-1]["content"]).split(",")
    return int(chunks), float(pace) / 1000


# -- the two servers -------------------------------------------------------------------------
def floor_app() -> Any:
    """A bare Starlette endpoint streaming OpenAI-shaped chunks, one ``json.dumps`` each."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    async def endpoint(request: Request) -> StreamingResponse:
        chunks, pace = _scenario(await request.json())

        async def frames() -> AsyncIterator[bytes]:
            base = {"id": "chatcmpl-floor", "object": "chat.completion.chunk", "created": 0, "model": MODEL}
            for _ in range(chunks):
                await asyncio.sleep(pace)  # 0: yield to the loop, as the model's stream does
                delta = {"content": f"{time.monotonic_ns()};"}
                choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
                yield b"data: " + json.dumps({**base, "choices": [choice]}).encode() + b"\n\n"
            yield b"data: [DONE]\n\n"

        return StreamingResponse(frames(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", endpoint, methods=["POST"])])


def agenticraft_app() -> Any:
    """An agent whose model streams the same stamped chunks, behind ``create_app``."""
    from agenticraft import Agent
    from agenticraft.core.events import ProviderEvent, TextChunk, TurnEndChunk, UsageChunk
    from agenticraft.core.messages import Usage
    from agenticraft.core.provider import ModelRequest, StreamingProvider
    from agenticraft.serve import create_app

    class StampedModel(StreamingProvider):
        name = "stamped"

        async def stream_turn(self, request: ModelRequest) -> AsyncGenerator[ProviderEvent, None]:
            chunks, pace = _scenario({"messages": [{"content": request.messages[-1].text}]})
            for _ in range(chunks):
                await asyncio.sleep(pace)  # 0: yield to the loop, as a network read would
                yield TextChunk(f"{time.monotonic_ns()};")
            yield UsageChunk(Usage(1, chunks))
            yield TurnEndChunk("end_turn", "stop", model=MODEL)

    return create_app(Agent(name=MODEL, model=StampedModel()))


def run_server(kind: str, port: int) -> None:
    import uvicorn

    app = floor_app() if kind == "floor" else agenticraft_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=60)


# -- the client --------------------------------------------------------------------------------
async def _stream(client: Any, url: str, chunks: int, pace_ms: float, delays: list[int] | None) -> int:
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": f"{chunks},{pace_ms}"}]}
    received = 0
    buffer = b""
    async with client.stream("POST", url, json=body) as response:
        async for piece in response.aiter_bytes():
            now = time.monotonic_ns()
            buffer += piece
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                data = frame[len(b"data: ") :]
                if data == b"[DONE]" or not data:
                    continue
                event = json.loads(data)
                if not event.get("choices"):
                    continue
                content = event["choices"][0]["delta"].get("content")
                if content:
                    received += 1
                    if delays is not None:
                        delays.append(now - int(content.rstrip(";")))
    return received


async def measure(url: str, clients: int, chunks: int, pace_ms: float) -> dict[str, Any]:
    import httpx2

    delays: list[int] | None = [] if pace_ms else None
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(limits=limits, timeout=300, trust_env=False) as client:
        # warm: every connection opened, the first run's imports done
        await asyncio.gather(*(_stream(client, url, 2, 0, None) for _ in range(clients)))
        started = time.perf_counter()
        counts = await asyncio.gather(
            *(_stream(client, url, chunks, pace_ms, delays) for _ in range(clients))
        )
        wall = time.perf_counter() - started
    out: dict[str, Any] = {
        "clients": clients,
        "chunks": sum(counts),
        "expected": clients * chunks,
        "wall": wall,
    }
    if delays:
        ordered = sorted(delays)
        out["delay_p50_ms"] = statistics.median(ordered) / 1e6
        out["delay_p99_ms"] = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6
    else:
        out["chunks_per_s"] = sum(counts) / wall
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", choices=("floor", "agenticraft"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    if args.server:
        run_server(args.server, args.port)
        return 0

    # (clients, chunks per client, pace ms): throughput runs unpaced, delay runs paced
    if args.smoke:
        plan = [(1, 50, 0), (1, 20, 5), (20, 10, 0), (20, 5, 10)]
    else:
        plan = [(1, 5000, 0), (1, 300, 10), (500, 100, 0), (500, 15, 1000)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT.parent), os.environ.get("PYTHONPATH", "")])}
    results: dict[str, list[dict[str, Any]]] = {}
    for kind in ("floor", "agenticraft"):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--server", kind, "--port", str(port)], env=env
        )
        try:
            _wait_ready(port, process)
            url = f"http://127.0.0.1:{port}/v1/chat/completions"
            results[kind] = [asyncio.run(measure(url, *step)) for step in plan]
        finally:
            process.terminate()
            process.wait(timeout=30)

    rows = []
    for step, floor, ours in zip(plan, results["floor"], results["agenticraft"], strict=True):
        clients, chunks, pace = step
        if pace:
            figure = f"delay p50 / p99 ms, {clients} client(s), {chunks} chunks every {pace:g} ms"
            values = (
                f"{floor['delay_p50_ms']:.2f} / {floor['delay_p99_ms']:.2f}",
                f"{ours['delay_p50_ms']:.2f} / {ours['delay_p99_ms']:.2f}",
                f"+{ours['delay_p99_ms'] - floor['delay_p99_ms']:.2f} ms p99",
            )
        else:
            figure = f"chunks/s, {clients} client(s) x {chunks} chunks"
            values = (
                f"{floor['chunks_per_s']:,.0f}",
                f"{ours['chunks_per_s']:,.0f}",
                f"{ours['chunks_per_s'] / floor['chunks_per_s']:.2f} x floor",
            )
        rows.append((figure, *values))
    table = [
        "| figure | floor (bare Starlette SSE) | agenticraft.serve | ratio |",
        "| --- | --- | --- | --- |",
    ]
    table += [f"| {' | '.join(r)} |" for r in rows]
    print("\n".join(table))

    mode = "smoke" if args.smoke else "full"
    name = args.name or f"serve-{mode}-{time.strftime('%Y%m%d-%H%M%S')}"
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"mode": mode, "python": platform.python_version(), "cores": os.cpu_count(), "plan": plan}
    (args.out / f"{name}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    (args.out / f"{name}.md").write_text("\n".join(table) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
