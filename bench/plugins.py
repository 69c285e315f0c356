"""What the plugin system costs at startup: ``python bench/plugins.py`` (``--smoke`` for CI).

Each figure is timed in fresh interpreters (median of ``--reps``), plugins switched on (no
``AGENTICRAFT_PLUGINS``), with the modules a first run loads anyway imported before the clock
starts. The floor is one bare ``importlib.metadata`` scan of the ``agenticraft`` entry-point
group, its import included: what a registry that looks for plugins on its first lookup pays
(what ``agenticraft.models`` cost before):

- ``builtin``: the first lookup of a built-in model string (``openai:gpt-4o-mini``): the
  built-in plugin registered through the hooks, no scan;
- ``unknown``: the first lookup of a string no built-in knows: the scan, loading the plugins
  found and calling their hooks;
- ``cli`` and ``cli-off``: ``agenticraft --version`` with plugins on and with
  ``AGENTICRAFT_PLUGINS=none`` (the command line's start is a first need).

Results go to ``bench/results/plugins-<timestamp>.{json,md}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from report import machine_info  # noqa: E402

_PRELUDE = (
    "import time\n"
    "import agenticraft.core.agent, agenticraft.providers.openai\n"
    "from agenticraft.core.model_registry import MODELS\n"
)
SNIPPETS = {
    "floor": _PRELUDE
    + "t = time.perf_counter()\nimport importlib.metadata as m\nlist(m.entry_points(group='agenticraft'))\n",
    "builtin": _PRELUDE + "t = time.perf_counter()\nMODELS.parse('openai:gpt-4o-mini')\n",
    "unknown": _PRELUDE
    + "t = time.perf_counter()\ntry:\n    MODELS.parse('nobody:model')\nexcept Exception:\n    pass\n",
    "cli": "import time\nimport agenticraft.cli.session\nt = time.perf_counter()\n"
    "from agenticraft.cli.main import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n",
}
_END = "print((time.perf_counter() - t) * 1e3)\n"


def _once(name: str, switch: str | None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "AGENTICRAFT_PLUGINS"}
    if switch is not None:
        env["AGENTICRAFT_PLUGINS"] = switch
    code = SNIPPETS[name] + _END
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(reps: int) -> dict[str, Any]:
    runs = {
        "floor": ("floor", None),
        "builtin": ("builtin", None),
        "unknown": ("unknown", None),
        "cli": ("cli", None),
        "cli-off": ("cli", "none"),
    }
    figures = {
        label: statistics.median(_once(name, switch) for _ in range(reps))
        for label, (name, switch) in runs.items()
    }
    summary = {
        "builtin/floor": figures["builtin"] / figures["floor"],
        "unknown/floor": figures["unknown"] / figures["floor"],
        "cli/cli-off": figures["cli"] / figures["cli-off"],
    }
    return {"figures_ms": figures, "summary": summary}


def markdown(document: dict[str, Any]) -> str:
    f, s = document["figures_ms"], document["summary"]
    lines = [
        "# Plugins: startup cost",
        "",
        f"Command: `{document['command']}`; median of {document['reps']} fresh processes.",
        "",
        "| figure | ms | ratio |",
        "| --- | ---: | ---: |",
        f"| floor: import importlib.metadata, scan the group | {f['floor']:.2f} | 1.00x |",
        f"| first built-in model lookup (no scan) | {f['builtin']:.2f} | {s['builtin/floor']:.2f}x floor |",
        f"| first unknown model lookup (scan, load, hooks) | {f['unknown']:.2f} "
        f"| {s['unknown/floor']:.2f}x floor |",
        f"| `agenticraft --version`, plugins on | {f['cli']:.2f} | {s['cli/cli-off']:.2f}x off |",
        f"| `agenticraft --version`, `AGENTICRAFT_PLUGINS=none` | {f['cli-off']:.2f} | 1.00x |",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one process per figure (CI)")
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--name", default=None)
    args = parser.parse_args(argv)
    reps = 1 if args.smoke else args.reps
    document = run(reps)
    document.update(
        reps=reps,
        command="python " + " ".join([os.path.relpath(sys.argv[0]), *(argv or sys.argv[1:])]),
        machine=machine_info(),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or f"plugins-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}"
    (out / f"{stem}.json").write_text(json.dumps(document, indent=2))
    (out / f"{stem}.md").write_text(markdown(document))
    print(markdown(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
