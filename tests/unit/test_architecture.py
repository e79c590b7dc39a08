"""The layout holds (issue 18): the core knows no adapter, the service and the handlers reach the store, feeds and
article pages only through their ports (bot.core.ports), and bot/ has no import cycle. Read from the source with
ast, nothing run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers")
STORE_MODULES = ("bot.adapters.sqlite", "bot.adapters.store", "sqlite3", "aiosqlite")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Every module `path` imports (absolute names; `from x import y` counts x and x.y)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _hits(imported: set[str], forbidden: tuple[str, ...] | set[str]) -> set[str]:
    return {m for m in imported for f in forbidden if m == f or m.startswith(f + ".")}


def test_the_walk_sees_the_packages() -> None:
    modules = _modules()
    assert {"bot.service", "bot.core.ports", "bot.adapters.sqlite.store", "handlers.claims"} <= set(modules)
    assert "bot.core.ports" in _imports(modules["handlers.claims"])


@pytest.mark.parametrize(
    "module",
    [
        "bot.service",
        *("bot.delivering", "bot.entries", "bot.enriching", "bot.extraction_worker"),  # the service's parts
        *sorted(m for m in _modules() if m.startswith("handlers")),
    ],
)
def test_the_service_and_the_handlers_reach_the_store_through_its_ports(module: str) -> None:
    imported = _imports(_modules()[module])
    assert not _hits(imported, STORE_MODULES), module
    # feeds and article pages come through ports too (bot.core.ports: FeedSource, PageReader): no adapter at all
    assert not _hits(imported, ("bot.adapters",)), module


@pytest.mark.parametrize("module", sorted(m for m in _modules() if m.startswith("bot.core")))
def test_the_core_imports_no_adapter(module: str) -> None:
    imported = _imports(_modules()[module])
    assert not _hits(imported, ("bot.adapters", "bot.service", "bot.bootstrap", "bot.cli", "handlers")), (
        module
    )
    assert not _hits(imported, ("sqlite3", "aiosqlite", "discord", "aiohttp")), module


def _cycles(top_level_only: bool) -> list[list[str]]:
    """Import cycles among bot/ and handlers/ modules (a package counts as importing its __init__'s imports)."""
    modules = _modules()
    graph = {
        m: sorted({i for i in _imports(p, top_level_only) if i in modules and i != m})
        for m, p in modules.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in graph[m]:
            if state.get(n) == 1:
                cycles.append([*path[path.index(n) :], n])
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m)
    return cycles


def test_no_import_cycle_at_import_time() -> None:
    assert _cycles(top_level_only=True) == []


def test_no_import_cycle_even_through_deferred_imports() -> None:
    assert _cycles(top_level_only=False) == []
