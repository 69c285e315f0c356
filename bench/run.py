"""Run the whole benchmark: ``python bench/run.py`` (full) or ``python bench/run.py --smoke`` (CI).

Starts ``bench/server.py`` in its own process, then measures every client in fresh
subprocesses (``bench/measure.py``, ``bench/startup.py``), one per client and figure, and
writes a console table plus JSON and Markdown files under ``bench/results/``. Clients whose
library is not installed are skipped with a note. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from report import machine_info, render_console, render_markdown, summarize  # noqa: E402

#: (client, protocol, module that must be importable, kind)
CLIENTS: list[tuple[str, str, str, str]] = [
    ("floor", "openai", "httpx2", "floor"),
    ("floor", "anthropic", "httpx2", "floor"),
    ("floor", "ollama", "httpx2", "floor"),
    ("floor", "responses", "httpx2", "floor"),
    ("agenticraft", "openai", "agenticraft.providers.openai", "ours"),
    ("agenticraft", "anthropic", "agenticraft.providers.anthropic", "ours"),
    ("agenticraft", "ollama", "agenticraft.providers.ollama", "ours"),
    ("agenticraft", "responses", "agenticraft.providers.openai_responses", "ours"),
    ("agenticraft-hooks", "openai", "agenticraft.providers.openai", "hooks"),
    ("agenticraft-otel", "openai", "opentelemetry.sdk", "otel"),
    ("openai-sdk", "openai", "openai", "sdk"),
    ("anthropic-sdk", "anthropic", "anthropic", "sdk"),
    ("ollama-sdk", "ollama", "ollama", "sdk"),
    ("responses-sdk", "responses", "openai", "sdk"),
    ("pydantic-ai", "openai", "pydantic_ai.models.openai", "peer"),
    ("langchain", "openai", "langchain_openai", "peer"),
    ("litellm", "openai", "litellm", "peer"),
]

# One stream of 5,000 chunks for CPU; 300 chunks at 10 ms (3 s) per latency repetition keeps
# the whole run near ten minutes while giving 900 delay samples per client.
FULL: dict[str, dict[str, Any]] = {
    "startup": {"chunks": 100, "processes": 5},
    "cpu": {"chunks": 5000, "reps": 5},
    "latency": {"chunks": 300, "reps": 3, "interval_ms": 10},
    "ttfc": {"requests": 200, "warmup": 5},
    "concurrency": {"runs": 1000, "chunks": 100, "reps": 3},
    "tool": {"runs": 30, "chunks": 20, "warmup": 2},
}
SMOKE: dict[str, dict[str, Any]] = {
    "startup": {"chunks": 20, "processes": 1},
    "cpu": {"chunks": 300, "reps": 2},
    "latency": {"chunks": 10, "reps": 1, "interval_ms": 10},
    "ttfc": {"requests": 10, "warmup": 1},
    "concurrency": {"runs": 50, "chunks": 20, "reps": 1},
    "tool": {"runs": 2, "chunks": 5, "warmup": 1},
}


class Server:
    """The bench server in its own process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "server.py"), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.port = int(line.split()[1])

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def measure(
    client: str,
    protocol: str,
    port: int,
    figures: dict[str, Any],
    timeout: float,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """Run ``bench/measure.py`` (or the given command) in a fresh process; return its figures."""
    spec = json.dumps({"client": client, "protocol": protocol, "port": port, "figures": figures})
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    try:
        done = subprocess.run(
            argv or [sys.executable, str(HERE / "measure.py"), spec],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {name: {"error": f"timed out after {timeout:g} s"} for name in figures}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[7:])
            result.pop("_process_s", None)
            return result
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {name: {"error": f"exit {done.returncode}: {' | '.join(tail)}"[:500]} for name in figures}


def _startup(client: str, protocol: str, port: int, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Import and first-run time, each process fresh; the median over ``processes``."""
    runs = []
    for _ in range(params["processes"]):
        argv = [sys.executable, str(HERE / "startup.py"), client, protocol, str(port), str(params["chunks"])]
        out = measure(client, protocol, port, {"startup": params}, timeout, argv)["startup"]
        if "error" in out:
            return out
        runs.append(out)
    return {
        "module": runs[0]["module"],
        "import_ms": statistics.median(r["import_ms"] for r in runs),
        "first_run_ms": statistics.median(r["first_run_ms"] for r in runs),
        "import_ms_all": [r["import_ms"] for r in runs],
        "first_run_ms_all": [r["first_run_ms"] for r in runs],
        "chunks": params["chunks"],
        "count": min(r["count"] for r in runs),
        "processes": len(runs),
    }


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every selected client; return the full result document."""
    params = SMOKE if args.smoke else FULL
    figures = [f for f in params if not args.figures or f in args.figures]
    selected = [
        c
        for c in CLIENTS
        if (not args.smoke or c[3] in ("floor", "ours"))
        and (not args.clients or c[0] in args.clients or f"{c[0]}/{c[1]}" in args.clients)
    ]
    timeout = 120.0 if args.smoke else 900.0
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    server = Server()
    started = time.perf_counter()
    try:
        for client, protocol, module, kind in selected:
            key = f"{client}/{protocol}"
            if not available(module):
                skipped[key] = f"{module} is not installed in {sys.executable}"
                print(f"skip {key}: {skipped[key]}", flush=True)
                continue
            row: dict[str, Any] = {"client": client, "protocol": protocol, "kind": kind}
            timed = {f: params[f] for f in figures if f != "startup"}
            if "startup" in figures:
                row["startup"] = _startup(client, protocol, server.port, params["startup"], timeout)
            if args.smoke:  # one process for the rest keeps CI fast; figures stay the same
                row.update(measure(client, protocol, server.port, timed, timeout))
            else:
                for name, figure_params in timed.items():
                    row.update(measure(client, protocol, server.port, {name: figure_params}, timeout))
            results[key] = row
            if args.partial is not None:  # a long run keeps what it measured if it dies later
                args.partial.write_text(json.dumps({"results": results, "skipped": skipped}, indent=1))
            errors = [f"{f}: {v['error']}" for f, v in row.items() if isinstance(v, dict) and "error" in v]
            print(
                f"done {key} ({time.perf_counter() - started:.0f} s){' ERRORS ' if errors else ''}",
                flush=True,
            )
            for error in errors:
                print("   ", error, flush=True)
    finally:
        server.close()
    return {
        "meta": {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": "smoke" if args.smoke else "full",
            "command": "python " + " ".join([os.path.relpath(sys.argv[0]), *sys.argv[1:]]),
            "python_executable": sys.executable,
            "duration_s": round(time.perf_counter() - started, 1),
            "params": {f: params[f] for f in figures},
            **machine_info(),
        },
        "results": results,
        "skipped": skipped,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="AgentiCraft streaming benchmarks")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no peers (CI)")
    parser.add_argument("--clients", nargs="*", help="only these clients (name or name/protocol)")
    parser.add_argument("--figures", nargs="*", choices=list(FULL), help="only these figures")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="directory for JSON and Markdown")
    parser.add_argument("--name", help="file name stem (default: <mode>-<timestamp>)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.partial = None if args.smoke else args.out / ".partial.json"
    document = run(args)
    document["summary"] = summarize(document)
    stem = args.name or f"{document['meta']['mode']}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    json_path, md_path = args.out / f"{stem}.json", args.out / f"{stem}.md"
    json_path.write_text(json.dumps(document, indent=1) + "\n")
    md_path.write_text(render_markdown(document))
    if args.partial is not None:
        args.partial.unlink(missing_ok=True)
    print(render_console(document))
    print(f"\nwrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
