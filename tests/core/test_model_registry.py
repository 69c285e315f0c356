"""The model registry in core: providers register into it; core imports no provider."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import agenticraft
from agenticraft import Agent
from agenticraft.core.errors import ConfigurationError
from agenticraft.core.model_registry import MODELS, ModelRegistry, parse_model_string
from agenticraft.core.provider import StreamingProvider
from agenticraft.testing import FunctionModel


def test_builtin_providers_arrive_through_the_builtin_plugin() -> None:
    assert {"openai", "anthropic", "ollama"} <= set(MODELS.names)
    assert parse_model_string("gpt-oss-20b") == ("ollama", "gpt-oss-20b")  # longest prefix wins
    assert parse_model_string("gpt-4o") == ("openai", "gpt-4o")


def test_a_registered_provider_is_usable_by_model_string() -> None:
    registry = ModelRegistry()
    made: list[tuple[str, Any]] = []

    def factory(model: str, *, base_url: str | None, api_key: str | None) -> StreamingProvider:
        made.append((model, base_url))
        return FunctionModel(lambda m, t: f"from {model}")

    registry.register("acme", factory, prefixes=["acme-"])
    assert registry.parse("acme-1") == ("acme", "acme-1")
    provider = registry.resolve("acme:big", base_url="http://127.0.0.1:1")
    assert made == [("big", "http://127.0.0.1:1")]
    assert Agent(model=provider).run("hi").content == "from big"
    with pytest.raises(ConfigurationError, match="acme"):
        registry.parse("unknown-model")


def test_core_imports_nothing_from_providers_or_capabilities() -> None:
    core = Path(agenticraft.__file__).parent / "core"
    offenders = []
    for path in core.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("agenticraft.") and not name.startswith("agenticraft.core"):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def _imports(path: Path, package: Path) -> set[str]:
    """The agenticraft modules ``path`` imports at run time (anywhere, outside TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    own = ".".join(path.relative_to(package.parent).with_suffix("").parts)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = own.rsplit(".", node.level)[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith("agenticraft")}


def test_the_package_has_no_import_cycles() -> None:
    package = Path(agenticraft.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = {m for m in _imports(path, package) if m != module}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycles.append([*trail[trail.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            # a package's __init__ re-exporting lazily is not an edge back into it
            if not node.startswith(target + "."):
                visit(target, [*trail, node])
        done.add(node)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [])
    assert cycles == [], cycles[:5]
