"""``--tool`` specs load real functions as tools, from a module or from a file path."""

from __future__ import annotations

from pathlib import Path

import pytest

from agenticraft.cli.session import UsageError, load_tool

FILE_WITH_DATACLASS = '''
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int


def norm(p: Point, scale: float = 1.0) -> float:
    """Length of a point, scaled."""
    return (p.x**2 + p.y**2) ** 0.5 * scale
'''


async def test_a_file_with_postponed_annotations_and_a_dataclass_loads(tmp_path: Path) -> None:
    path = tmp_path / "geometry_tools.py"
    path.write_text(FILE_WITH_DATACLASS)
    tool = load_tool(f"{path}:norm")
    assert tool.name == "norm" and tool.description == "Length of a point, scaled."
    assert tool.parameters["required"] == ["p"]
    outcome = await tool.execute({"p": {"x": 3, "y": 4}, "scale": 2})
    assert (outcome.output, outcome.error) == ("10.0", None)


def test_a_tool_object_is_taken_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "decorated_tools.py").write_text(
        "from agenticraft import tool\n\n"
        "@tool(name='lookup', timeout=3)\n"
        "def find(q: str) -> str:\n"
        "    return q\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # undone after the test
    tool = load_tool("decorated_tools:find")
    assert (tool.name, tool.timeout) == ("lookup", 3)


def test_a_function_that_cannot_be_a_tool_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "variadic_tools.py"
    path.write_text("def anything(*args):\n    return args\n")
    with pytest.raises(UsageError, match=r"\*args and \*\*kwargs"):
        load_tool(f"{path}:anything")
