"""Ratios, targets, sanity checks and rendering (console and Markdown) of a benchmark result."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

#: (figure, field, label, which way is better, format)
METRICS: list[tuple[str, str, str, str, str]] = [
    ("cpu", "us_per_chunk", "CPU µs/chunk", "lower", "{:.1f}"),
    ("latency", "p50_ms", "delay p50 ms", "lower", "{:.3f}"),
    ("latency", "p99_ms", "delay p99 ms", "lower", "{:.3f}"),
    ("ttfc", "p50_ms", "TTFC p50 ms", "lower", "{:.2f}"),
    ("concurrency", "completed", "runs done", "higher", "{:d}"),
    ("concurrency", "wall_s", "conc. wall s", "lower", "{:.2f}"),
    ("concurrency", "chunks_per_s", "conc. chunks/s", "higher", "{:,.0f}"),
    ("concurrency", "peak_rss_mb", "peak RSS MB", "lower", "{:.0f}"),
    ("tool", "ms", "tool run ms", "lower", "{:.2f}"),
    ("startup", "import_ms", "import ms", "lower", "{:.0f}"),
    ("startup", "first_run_ms", "first run ms", "lower", "{:.0f}"),
]
RATIO_METRICS = [m for m in METRICS if m[1] not in ("completed",)]
PACKAGES = [
    "agenticraft",
    "httpx2",
    "openai",
    "anthropic",
    "ollama",
    "pydantic-ai-slim",
    "langchain-openai",
    "langchain-core",
    "litellm",
]
OURS, OPENAI = "agenticraft/openai", "openai"


def machine_info() -> dict[str, Any]:
    """Machine, interpreter, package versions and git commit."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    with contextlib.suppress(ValueError, OSError):
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu,
            "cores": os.cpu_count(),
            "memory_gb": memory_gb,
            "python": platform.python_version(),
        },
        "versions": versions,
        "git_commit": commit,
    }


def _value(row: dict[str, Any] | None, figure: str, field: str) -> Any:
    if not row:
        return None
    data = row.get(figure)
    if not isinstance(data, dict) or "error" in data:
        return None
    return data.get(field)


def _sdk_key(protocol: str) -> str:
    return f"{protocol}-sdk/{protocol}"


def _ratio(value: Any, ref: Any) -> float | None:
    if isinstance(value, int | float) and isinstance(ref, int | float) and ref:
        return float(value) / float(ref)
    return None


def sanity(row: dict[str, Any]) -> list[str]:
    """What is wrong with the counts of one client's figures (empty when all is right)."""
    problems = []
    for figure, data in row.items():
        if not isinstance(data, dict):
            continue
        if "error" in data:
            problems.append(f"{figure}: {data['error']}")
            continue
        if figure in ("cpu", "latency") and any(c != data["chunks"] for c in data["counts"]):
            problems.append(f"{figure}: received {data['counts']} chunks, expected {data['chunks']}")
        if figure == "ttfc" and data["completed"] != data["requests"]:
            problems.append(f"ttfc: {data['completed']} of {data['requests']} requests gave a chunk")
        if figure == "concurrency" and data["completed"] != data["runs"]:
            problems.append(
                f"concurrency: {data['completed']} of {data['runs']} runs completed {data['errors']}"
            )
        if figure == "tool":
            if any(c != data["answer_chunks"] for c in data["counts"]):
                problems.append(f"tool: answers of {data['counts']} chunks, expected {data['answer_chunks']}")
            if data["tool_calls"] != data["runs"]:
                problems.append(f"tool: the tool ran {data['tool_calls']} times in {data['runs']} runs")
        if figure == "startup" and data["count"] != data["chunks"]:
            problems.append(f"startup: first run received {data['count']} of {data['chunks']} chunks")
    return problems


def summarize(document: dict[str, Any]) -> dict[str, Any]:
    """Ratios to the floor and the official SDK of the same protocol, latency added over the
    floor, the issue's targets, and sanity problems."""
    results: dict[str, Any] = document["results"]
    ratios: dict[str, Any] = {}
    added: dict[str, Any] = {}
    for key, row in results.items():
        floor = results.get(f"floor/{row['protocol']}")
        sdk = results.get(_sdk_key(row["protocol"]))
        ratios[key] = {
            f"{fig}.{field}": {
                "floor": _ratio(_value(row, fig, field), _value(floor, fig, field)),
                "sdk": _ratio(_value(row, fig, field), _value(sdk, fig, field)),
            }
            for fig, field, *_ in RATIO_METRICS
        }
        added[key] = {
            q: (v - f if isinstance(v, float) and isinstance(f, float) else None)
            for q in ("p50_ms", "p99_ms")
            for v, f in [(_value(row, "latency", q), _value(floor, "latency", q))]
        }
    return {
        "ratios": ratios,
        "added_latency_ms": added,
        "targets": targets(results, ratios),
        "sanity": {key: sanity(row) for key, row in results.items()},
    }


def targets(results: dict[str, Any], ratios: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets for AgentiCraft on the OpenAI protocol."""
    ours = results.get(OURS)
    if ours is None:
        return [{"target": "AgentiCraft on the OpenAI protocol", "met": None, "value": "not measured"}]
    cpu_ratio = ratios[OURS]["cpu.us_per_chunk"]["floor"]
    p99 = _value(ours, "latency", "p99_ms")
    completed, runs = _value(ours, "concurrency", "completed"), _value(ours, "concurrency", "runs")
    import_ms = _value(ours, "startup", "import_ms")
    out = [
        {
            "target": "CPU per chunk <= 1.5x the floor",
            "value": cpu_ratio,
            "limit": 1.5,
            "met": _le(cpu_ratio, 1.5),
        },
        {"target": "p99 delivery delay < 1 ms", "value": p99, "limit": 1.0, "met": _lt(p99, 1.0)},
        {
            "target": "all concurrent runs complete",
            "value": f"{completed} of {runs}",
            "met": None if completed is None else completed == runs,
        },
        {
            "target": "import agenticraft < 150 ms",
            "value": import_ms,
            "limit": 150,
            "met": _lt(import_ms, 150),
        },
    ]
    peers = {k: r for k, r in results.items() if r["kind"] == "peer"}
    losses = []
    for fig, field, label, better, _ in METRICS:
        mine = _value(ours, fig, field)
        for key, row in peers.items():
            theirs = _value(row, fig, field)
            if mine is None or theirs is None:
                continue
            if (better == "lower" and mine >= theirs) or (better == "higher" and mine < theirs):
                losses.append(f"{label}: {key} {theirs:.4g} vs ours {mine:.4g}")
    out.append(
        {
            "target": "better than every peer framework on every figure",
            "value": "; ".join(losses)
            if losses
            else f"better on all figures vs {', '.join(peers) or 'no peer'}",
            "met": (not losses) if peers else None,
        }
    )
    return out


def _le(value: Any, limit: float) -> bool | None:
    return None if value is None else bool(value <= limit)


def _lt(value: Any, limit: float) -> bool | None:
    return None if value is None else bool(value < limit)


def _fmt(value: Any, fmt: str) -> str:
    if value is None:
        return "—"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def _met(met: bool | None) -> str:
    return {True: "MET", False: "MISSED", None: "n/a"}[met]


def _table(document: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    head = ["client / protocol"] + [m[2] for m in METRICS]
    rows = [
        [key] + [_fmt(_value(row, fig, field), fmt) for fig, field, _, _, fmt in METRICS]
        for key, row in document["results"].items()
    ]
    return head, rows


def _ratio_table(document: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    picked = ["cpu.us_per_chunk", "latency.p99_ms", "ttfc.p50_ms", "concurrency.wall_s", "tool.ms"]
    picked += ["startup.first_run_ms"]
    head = ["client / protocol"] + [f"{p} x floor / x SDK" for p in picked]
    rows = []
    for key, ratio in document["summary"]["ratios"].items():
        rows.append([key] + [f"{_x(ratio[p]['floor'])} / {_x(ratio[p]['sdk'])}" for p in picked])
    return head, rows


def _plain(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render_console(document: dict[str, Any]) -> str:
    """The tables and targets as plain text."""
    meta = document["meta"]
    parts = [
        f"AgentiCraft benchmark ({meta['mode']}), {meta['date']}, "
        f"{meta['machine']['cpu']} x{meta['machine']['cores']}",
        _plain(*_table(document)),
        "",
        "ratios (lower is better):",
        _plain(*_ratio_table(document)),
        "",
        "targets (AgentiCraft, OpenAI protocol):",
    ]
    for t in document["summary"]["targets"]:
        value = t["value"] if not isinstance(t["value"], float) else f"{t['value']:.3g}"
        parts.append(f"  [{_met(t['met'])}] {t['target']}: {value}")
    for key, note in document["skipped"].items():
        parts.append(f"  skipped {key}: {note}")
    for key, problems in document["summary"]["sanity"].items():
        parts.extend(f"  PROBLEM {key}: {p}" for p in problems)
    return "\n".join(parts)


def render_markdown(document: dict[str, Any]) -> str:
    """The result as a Markdown page."""
    meta = document["meta"]
    machine = meta["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v)
    p = {f: {k: str(v) for k, v in params.items()} for f, params in meta["params"].items()}
    cpu, lat, ttfc = p.get("cpu", {}), p.get("latency", {}), p.get("ttfc", {})
    conc, tool, start = p.get("concurrency", {}), p.get("tool", {}), p.get("startup", {})
    out = [
        f"# AgentiCraft streaming benchmark ({meta['mode']} run)",
        "",
        f"- Date: {meta['date']}; commit `{meta['git_commit']}`; run took {meta['duration_s']} s",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"{machine['platform']}",
        f"- Python {machine['python']}; {versions}",
        f"- Command: `{meta['command']}`",
        "",
        "## Results",
        "",
        "Each figure is the median of its repetitions; every client runs in its own fresh process against",
        "a local zero-delay server in another process. Lower is better except runs done and chunks/s.",
        "",
        _md(*_table(document)),
        "",
        "## Ratios to the raw floor and to the official SDK of the same protocol",
        "",
        _md(*_ratio_table(document)),
        "",
        "Delivery delay added over the floor of the same protocol (ms, p50 / p99): "
        + "; ".join(
            f"{k} {_fmt(v['p50_ms'], '{:+.3f}')} / {_fmt(v['p99_ms'], '{:+.3f}')}"
            for k, v in document["summary"]["added_latency_ms"].items()
            if not k.startswith("floor/")
        ),
        "",
        "## Targets (AgentiCraft on the OpenAI protocol)",
        "",
        "| target | value | |",
        "|---|---|---|",
    ]
    for t in document["summary"]["targets"]:
        value = t["value"] if not isinstance(t["value"], float) else f"{t['value']:.3g}"
        out.append(f"| {t['target']} | {value} | {_met(t['met'])} |")
    notes = [f"- skipped {k}: {v}" for k, v in document["skipped"].items()]
    notes += [f"- {k}: {p}" for k, ps in document["summary"]["sanity"].items() for p in ps]
    if notes:
        out += ["", "## Skipped clients and problems", "", *notes]
    out += [
        "",
        "## Method",
        "",
        f"- CPU: `time.process_time()` of the client process over one stream of {cpu.get('chunks')} "
        f"chunks, {cpu.get('reps')} repetitions after a 20-chunk warm-up.",
        f"- Delivery delay: the server sends one chunk every {lat.get('interval_ms')} ms, each "
        "carrying its `time.monotonic_ns()` stamp taken right before the write; the client subtracts it "
        f"from its own clock when user code receives the text. {lat.get('chunks')} chunks "
        f"per repetition, {lat.get('reps')} repetitions (p50/p99 per repetition, median "
        "over repetitions). This is the whole write-to-user delay, kernel and event loop included;"
        " the added delay over the floor is listed separately.",
        f"- Time to first chunk: {ttfc.get('requests')} sequential one-chunk requests on one client "
        "(connection reused), after a short warm-up.",
        f"- Concurrency: {conc.get('runs')} concurrent streamed runs of "
        f"{conc.get('chunks')} chunks each in one process with the client's default "
        "connection pool (the floor: httpx2's default of 100); peak RSS is `ru_maxrss` of that process.",
        f"- Tool round trip: a streamed turn calling `get_weather`, the tool, a streamed answer of "
        f"{tool.get('chunks')} chunks; frameworks use their own tool loop, the floor and "
        "SDKs a hand-written one.",
        f"- Startup: `import <package>` and the first {start.get('chunks')}-chunk run (import, asyncio and "
        "client set-up included), timed from a bare interpreter (only `sys` and `time` loaded), median "
        f"of {start.get('processes')} fresh processes.",
        "- `import agenticraft` loads no submodule (public names are lazy); the first-run figure includes"
        " every import a real first run needs.",
        "- Delivery delays on a shared 2-core machine vary by a few tenths of a millisecond between"
        " runs; a negative added delay means the client was within that noise of the floor.",
        "- The floor: httpx2's raw byte stream (`aiter_raw`) split into lines, one `json.loads` per event, "
        "nothing else.",
        "",
    ]
    return "\n".join(out)
