"""Every ```python block in README.md and docs/*.md runs, offline, each in a fresh interpreter.

A block can opt out only with the marker ``<!-- docs-test: skip REASON -->`` on the line right
before its fence; the reason is required, and the README's quick start may never opt out.
Blocks run with no API key set, the real-provider guard on (a call to a real provider raises)
and ``OLLAMA_HOST`` pointed at a closed port, so a block that needs a real provider fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_MARKER = re.compile(r"^<!--\s*docs-test:\s*skip\b(.*?)-->\s*$")
QUICK_START = re.compile(r"quick\s*-?\s*start", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CodeBlock:
    path: Path
    line: int  # of the opening fence, 1-based
    heading: str
    code: str
    skip_reason: str | None  # None: runs; "" would be a marker without a reason

    @property
    def label(self) -> str:
        return f"{self.path.name}:{self.line}"


def extract_blocks(path: Path, text: str) -> list[CodeBlock]:
    """The ```python blocks of a Markdown text, with their heading and skip marker."""
    blocks: list[CodeBlock] = []
    heading = ""
    previous = ""
    fence: str | None = None  # the info string of the open fence
    start = 0
    body: list[str] = []
    marker: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            if stripped.startswith("```"):
                fence = stripped[3:].strip().lower()
                start, body = number, []
                found = SKIP_MARKER.match(previous.strip())
                marker = found.group(1).strip() if found else None
            elif stripped.startswith("#"):
                heading = stripped.lstrip("#").strip()
            if stripped:
                previous = line
            continue
        if stripped == "```":
            if fence == "python" or fence.startswith("python "):
                blocks.append(CodeBlock(path, start, heading, "\n".join(body) + "\n", marker))
            fence = None
            previous = ""
            continue
        body.append(line)
    if fence is not None:
        raise ValueError(f"{path.name}:{start}: a code fence is never closed")
    return blocks


def offline_env() -> dict[str, str]:
    """The environment of a newcomer without keys or servers, with the guard on."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("AGENTICRAFT_MODEL", None)
    env.update(
        AGENTICRAFT_BLOCK_REAL_PROVIDERS="1",
        OLLAMA_HOST="127.0.0.1:9",  # the discard port: nothing answers there
        PYTHONPATH=str(ROOT),
        # the installed console script (``agenticraft``) is found as a reader's shell finds it
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    return env


def run_block(block: CodeBlock, workdir: Path) -> subprocess.CompletedProcess[str]:
    script = workdir / f"{block.path.stem}_line{block.line}.py"
    script.write_text(block.code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def documentation_files() -> list[Path]:
    files = [ROOT / "README.md"] if (ROOT / "README.md").exists() else []
    return files + sorted((ROOT / "docs").glob("*.md"))


def all_blocks() -> list[CodeBlock]:
    return [b for path in documentation_files() for b in extract_blocks(path, path.read_text("utf-8"))]


BLOCKS = all_blocks()


@pytest.mark.parametrize("block", BLOCKS, ids=[b.label for b in BLOCKS])
def test_block_runs_offline(block: CodeBlock, tmp_path: Path) -> None:
    if block.skip_reason is not None:
        assert block.skip_reason, f"{block.label}: a docs-test skip marker needs a reason"
        is_quick_start = block.path.name == "README.md" and QUICK_START.search(block.heading)
        assert not is_quick_start, f"{block.label}: the README quick start must run"
        pytest.skip(block.skip_reason)
    result = run_block(block, tmp_path)
    assert result.returncode == 0, (
        f"{block.label} (under '{block.heading}') failed:\n{block.code}\n--- stderr ---\n{result.stderr}"
    )


def test_every_capability_page_exists_and_has_a_running_example() -> None:
    pages = {b.path.name for b in BLOCKS if b.skip_reason is None}
    for page in ("quickstart.md", "streaming.md", "tools.md", "interruption-and-memory.md", "providers.md"):
        assert page in pages, f"docs/{page} has no Python block that runs"
    for page in ("testing.md", "reasoning.md", "benchmarks.md", "cli.md"):
        assert (ROOT / "docs" / page).exists(), f"docs/{page} is missing"


def test_doc_links_point_to_files_that_exist() -> None:
    for path in documentation_files():
        for target in re.findall(r"\]\((?!https?://|#|mailto:)([^)#\s]+)", path.read_text("utf-8")):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


# -- the checker itself can fail -------------------------------------------------------------

SAMPLE = """\
# Title

```python
print("first")
```

## Quick start
<!-- docs-test: skip needs a real key -->
```python
raise SystemExit(3)
```

```bash
# not a heading, not python
```

<!-- docs-test: skip -->
```python
x = 1
```
"""


def test_extraction_finds_python_blocks_with_heading_line_and_marker(tmp_path: Path) -> None:
    blocks = extract_blocks(tmp_path / "README.md", SAMPLE)
    assert [(b.line, b.heading, b.skip_reason) for b in blocks] == [
        (3, "Title", None),
        (9, "Quick start", "needs a real key"),
        (18, "Quick start", ""),
    ]
    assert blocks[0].code == 'print("first")\n'


def test_a_failing_block_is_reported_as_failing(tmp_path: Path) -> None:
    block = extract_blocks(tmp_path / "x.md", SAMPLE)[1]
    result = run_block(block, tmp_path)
    assert result.returncode == 3


def test_a_block_calling_a_real_provider_fails_offline(tmp_path: Path) -> None:
    code = "from agenticraft import Agent\nAgent(model='openai:gpt-4o-mini', api_key='sk-test').run('Hi')\n"
    block = CodeBlock(tmp_path / "x.md", 1, "", code, None)
    result = run_block(block, tmp_path)
    assert result.returncode != 0


def test_an_unclosed_fence_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="never closed"):
        extract_blocks(tmp_path / "x.md", "```python\nprint(1)\n")
