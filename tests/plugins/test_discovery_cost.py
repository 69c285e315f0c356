"""When plugins are looked for: never at ``import agenticraft``, never for a built-in model
string; on the first string the built-ins do not know, and at the command line's start (unless
``AGENTICRAFT_PLUGINS=none``). Each check runs in a fresh interpreter, plugins switched on."""

from __future__ import annotations

import subprocess
import sys

from plugin_helpers import plugin_env

# every scan for installed plugins goes through importlib.metadata.distributions: count them
_COUNT_SCANS = (
    "import importlib.metadata as metadata\n"
    "scans = []\n"
    "real = metadata.distributions\n"
    "metadata.distributions = lambda **kw: scans.append(kw) or real(**kw)\n"
)


def _run(code: str, switch: str | None = None) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _COUNT_SCANS + code],
        env=plugin_env(switch),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_import_agenticraft_loads_no_plugin_machinery() -> None:
    code = (
        "import sys, agenticraft\n"
        "print(len(scans), any(m == 'pluggy' or m.startswith('agenticraft.plugins') for m in sys.modules))\n"
    )
    assert _run(code) == ["0", "False"]


def test_built_in_model_strings_never_scan_and_an_unknown_one_does() -> None:
    code = (
        "from agenticraft import Agent\n"
        "for model in ('openai:gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-6', 'llama3.2', 'ollama:qwen3', "
        "'openai-responses:gpt-5-mini'):\n"
        "    Agent(model=model, api_key='k').provider\n"
        "Agent(model=['openai:gpt-4o', 'anthropic:claude-sonnet-4-6']).provider\n"
        "print(len(scans))\n"
        "try:\n"
        "    Agent(model='acme:fast-1')\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "print(len(scans))\n"
        "try:\n"
        "    Agent(model='acme:fast-1')\n"
        "except Exception:\n"
        "    pass\n"
        "print(len(scans))\n"  # scanned once per process, not once per miss
    )
    assert _run(code) == ["0", "ConfigurationError", "1", "1"]


def test_the_command_line_start_scans_unless_switched_off() -> None:
    code = (
        "from agenticraft.cli.main import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(len(scans))\n"
    )
    assert _run(code)[-1] == "1"
    assert _run(code, "none")[-1] == "0"
