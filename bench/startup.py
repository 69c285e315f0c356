"""Startup figures from a bare interpreter: ``import <package>``, then the first run.

``python bench/startup.py <client> <protocol> <port> <chunks>`` prints one ``RESULT {json}``
line. The clock starts before anything but ``sys`` and ``time`` is imported, so the import
figure is what a user's own script pays (``bench/measure.py`` has asyncio and json loaded
already, which would hide the standard-library part of every package's import). The first run
counts from the same start: the import, asyncio, building the client and one streamed request.
"""

import sys
import time

started = time.perf_counter()

if __name__ == "__main__":
    _client, _protocol, _port, _chunks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    _MODULES = {
        "floor": "httpx2",
        "agenticraft": "agenticraft",
        "agenticraft-hooks": "agenticraft",
        "agenticraft-otel": "agenticraft",
        "openai-sdk": "openai",
        "anthropic-sdk": "anthropic",
        "ollama-sdk": "ollama",
        "pydantic-ai": "pydantic_ai",
        "langchain": "langchain_openai",
        "litellm": "litellm",
    }
    if _client == "litellm":  # no price-map download at import
        import os

        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        started = time.perf_counter()
    __import__(_MODULES[_client])
    imported = time.perf_counter()

    import asyncio
    import json
    import os.path

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from clients import ADAPTERS

    count = [0]

    def _on_text(text: str) -> None:
        count[0] += 1

    async def _first_run() -> float:
        client = ADAPTERS[_client](_protocol, f"http://127.0.0.1:{_port}/b/{_chunks}/0/text")
        await client.stream(_on_text)
        finished = time.perf_counter()
        await client.aclose()
        return finished

    finished = asyncio.run(_first_run())
    result = {
        "module": _MODULES[_client],
        "import_ms": (imported - started) * 1e3,
        "first_run_ms": (finished - started) * 1e3,
        "chunks": _chunks,
        "count": count[0],
    }
    sys.stdout.write("RESULT " + json.dumps({"startup": result}) + "\n")
