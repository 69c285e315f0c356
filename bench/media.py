"""What an image costs in a long conversation: AgentiCraft against a text-only conversation and
against a naive client that base64-encodes the image again for every request.

    python bench/media.py                 # 50 turns, a 1 MB image, on the local OpenAI server
    python bench/media.py --turns 5 --size 20000 --json   # the smoke run (tests/bench)

Each variant runs ``turns`` runs of one agent against the local OpenAI wire server (in this
process; the client's own CPU is measured with ``time.thread_time`` of its thread):
``text`` sends text only, ``image`` sends one image in the first turn (kept in the
conversation and sent with every later request, as the API needs), ``naive`` is ``image`` with
the part's cached base64 dropped before each turn, which is what a client that keeps only the
bytes does. Encodings are counted, not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

from agenticraft import Agent, Image
from agenticraft.core.media import parts as media_parts
from agenticraft.providers._http import RetryPolicy
from agenticraft.providers.openai import OpenAIProvider
from agenticraft.testing.servers import ScriptedResponse
from agenticraft.testing.servers.openai import OpenAIServer, openai_stream_events


def _image(size: int) -> Image:
    return Image.from_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(max(0, size - 8)))


async def _conversation(server: OpenAIServer, variant: str, turns: int, size: int) -> dict[str, Any]:
    provider = OpenAIProvider(
        "gpt-4o", base_url=server.base_url, api_key="k", retry=RetryPolicy(max_retries=0)
    )
    agent = Agent(model=provider)
    image = _image(size)
    calls: list[float] = []
    real = media_parts._encode

    def counting(data: bytes) -> str:
        started = time.thread_time()
        text = real(data)
        calls.append(time.thread_time() - started)
        return text

    media_parts._encode = counting
    first = len(server.requests)
    try:
        started = time.thread_time()
        for turn in range(turns):
            if variant == "naive":  # a client that keeps bytes only: encoded again every request
                image._b64 = None
                image._data_url = None
            prompt: Any = f"Question {turn}?"
            if turn == 0 and variant != "text":
                prompt = ["What is on this picture?", image]
            await agent.arun(prompt)
        cpu = time.thread_time() - started
    finally:
        media_parts._encode = real
        await provider.aclose()
    sent = sum(len(r.body) for r in server.requests[first:])
    return {
        "variant": variant,
        "cpu_s": cpu,
        "encode_s": sum(calls),
        "encodings": len(calls),
        "request_bytes": sent,
    }


def measure(turns: int, size: int, repeat: int) -> dict[str, Any]:
    answer = ScriptedResponse(200, {"content-type": "text/event-stream"}, openai_stream_events("ok"))
    results: dict[str, Any] = {}
    with OpenAIServer(default=answer) as server:
        for variant in ("text", "image", "naive"):
            runs = [asyncio.run(_conversation(server, variant, turns, size)) for _ in range(repeat)]
            results[variant] = {
                "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                "encode_s": statistics.median(r["encode_s"] for r in runs),
                "encodings": runs[0]["encodings"],
                "request_bytes": runs[0]["request_bytes"],
            }
            server.exchanges.clear()
    image, text, naive = results["image"], results["text"], results["naive"]
    return {
        "turns": turns,
        "image_bytes": size,
        "repeat": repeat,
        **results,
        "image_vs_text_cpu": image["cpu_s"] / text["cpu_s"],
        "naive_vs_image_cpu": naive["cpu_s"] / image["cpu_s"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--size", type=int, default=1_000_000, help="image bytes (default 1 MB)")
    parser.add_argument("--repeat", type=int, default=3, help="conversations per variant (median)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = measure(args.turns, args.size, args.repeat)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['turns']} turns, one image of {out['image_bytes']:,} bytes, median of {out['repeat']}")
    print(f"{'variant':<8} {'client CPU s':>12} {'base64 CPU s':>12} {'encodings':>10} {'request MB':>11}")
    for variant in ("text", "image", "naive"):
        r = out[variant]
        print(
            f"{variant:<8} {r['cpu_s']:>12.3f} {r['encode_s']:>12.4f} {r['encodings']:>10} "
            f"{r['request_bytes'] / 1e6:>11.1f}"
        )
    print(
        f"image / text CPU: {out['image_vs_text_cpu']:.2f}x; "
        f"naive / image CPU: {out['naive_vs_image_cpu']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
