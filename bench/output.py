"""Structured output per chunk: ``python bench/output.py`` (``--smoke`` for CI sizes).

Measures, in one run and on the OpenAI protocol, the CPU per streamed chunk of the raw floor, a
plain AgentiCraft run, and a typed run (``output_type=list[str]``, native mode, validated
partial snapshots consumed) over the same number of chunks, at a short and a long output. Two
ratios answer the issue's questions: what typed output costs over a plain run, and whether its
cost per chunk grows with the length of the output (the long/short ratio of the typed run).
Results go to ``bench/results/output-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from report import machine_info  # noqa: E402
from run import Server, measure  # noqa: E402

CLIENTS = ("floor", "agenticraft", "agenticraft-output")


def run(lengths: list[int], reps: int) -> dict[str, Any]:
    """``{length: {client: cpu figure}}`` measured against one bench server."""
    server = Server()
    figures: dict[str, Any] = {}
    try:
        for n in lengths:
            row: dict[str, Any] = {}
            for client in CLIENTS:
                cpu = measure(client, "openai", server.port, {"cpu": {"chunks": n, "reps": reps}}, 900.0)[
                    "cpu"
                ]
                if "error" in cpu:
                    raise RuntimeError(f"{client} at {n} chunks: {cpu['error']}")
                if cpu["counts"] != [n] * reps:
                    raise RuntimeError(f"{client} at {n} chunks counted {cpu['counts']}")
                row[client] = cpu
            figures[str(n)] = row
    finally:
        server.close()
    return figures


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """typed/plain and typed/floor at each length, and the typed run's long/short ratio."""
    out: dict[str, float] = {}
    per = {n: {c: row[c]["us_per_chunk"] for c in CLIENTS} for n, row in figures.items()}
    for n, us in per.items():
        out[f"typed/plain@{n}"] = us["agenticraft-output"] / us["agenticraft"]
        out[f"typed/floor@{n}"] = us["agenticraft-output"] / us["floor"]
    lengths = sorted(per, key=int)
    if len(lengths) > 1:
        short, long = lengths[0], lengths[-1]
        out[f"typed {long}/{short}"] = per[long]["agenticraft-output"] / per[short]["agenticraft-output"]
        out[f"plain {long}/{short}"] = per[long]["agenticraft"] / per[short]["agenticraft"]
    return out


def render(figures: dict[str, Any], summary: dict[str, float]) -> str:
    lines = ["| chunks | " + " | ".join(f"{c} µs/chunk" for c in CLIENTS) + " |", "|---" * 4 + "|"]
    for n, row in figures.items():
        lines.append(f"| {int(n):,} | " + " | ".join(f"{row[c]['us_per_chunk']:.1f}" for c in CLIENTS) + " |")
    lines.append("")
    lines.extend(f"- {name}: {value:.2f}x" for name, value in summary.items())
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="structured output: CPU per chunk, short and long")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--lengths", type=int, nargs="*", help="chunk counts (default 2000 20000)")
    parser.add_argument("--reps", type=int, help="streams per client and length (median)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--name", help="file name stem (default: output-<timestamp>)")
    args = parser.parse_args(argv)
    lengths = args.lengths or ([50, 200] if args.smoke else [2000, 20000])
    reps = args.reps or (1 if args.smoke else 5)
    figures = run(lengths, reps)
    summary = ratios(figures)
    document = {
        "meta": {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "python "
            + " ".join(["bench/output.py", *(argv if argv is not None else sys.argv[1:])]),
            "reps": reps,
            **machine_info(),
        },
        "figures": figures,
        "summary": summary,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.name or f"output-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    (args.out / f"{stem}.json").write_text(json.dumps(document, indent=1) + "\n")
    table = render(figures, summary)
    (args.out / f"{stem}.md").write_text(f"# Structured output, {document['meta']['date']}\n\n{table}")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
