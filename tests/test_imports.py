"""Imports flow one way: ALLOWED is the one table of which unit may import which, checked over every
module of the code (every import statement, those inside functions too); docs/architecture.md shows
the same table. A unit is a top-level package or module; bench/, scripts/ and tests/ may import
anything. Streamlit is in the table too: only app.py, serve.py, pages/ and ui/ import it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FREE = ("bench", "scripts", "tests")  # may import anything; nothing of the code imports them
BOTTOM = {"errors", "clock", "catalog"}  # every unit may import these; they import only each other
STREAMLIT = "streamlit"

# What the entry points (cli.py, pages/, ui/) may use: every unit below ui/.
BELOW_UI = {
    "digests",
    "alerts",
    "reports",
    "visuals",
    "metrics",
    "outreach",
    "surveys",
    "feedback",
    "auth",
    "exports",
    "delivery",
    "data_sources",
    "rollup",
    "store",
    "settings",
    "schema",
    "engines",
    "ids",
    "logs",
}
# unit -> the units it may import (besides BOTTOM and itself), from the top of the graph down
ALLOWED: dict[str, set[str]] = {
    "app": {"ui", "auth", "store", "settings", "logs", STREAMLIT},
    "serve": {"outreach", "store", "settings", "ui", STREAMLIT},
    "cli": BELOW_UI,
    "pages": BELOW_UI | {"ui", STREAMLIT},
    "ui": BELOW_UI | {STREAMLIT},
    "alerts": {
        "visuals",
        "metrics",
        "feedback",
        "delivery",
        "data_sources",
        "store",
        "settings",
        "schema",
        "engines",
        "logs",
    },
    "digests": {
        "reports",
        "visuals",
        "metrics",
        "surveys",
        "delivery",
        "data_sources",
        "store",
        "settings",
        "logs",
    },
    "reports": {"visuals", "metrics", "surveys", "feedback", "schema", "logs"},
    "visuals": {"metrics"},
    "auth": {"metrics", "store", "settings", "schema", "engines", "ids", "logs"},
    "exports": set(),
    "metrics": {"surveys", "feedback", "data_sources", "rollup", "store", "schema", "engines", "sa_internals", "logs"},
    "outreach": {"delivery", "surveys", "feedback", "store", "schema", "settings", "logs"},
    "surveys": {"feedback", "data_sources", "store", "settings", "schema", "engines", "ids", "logs"},
    "feedback": {"data_sources", "store", "settings", "schema", "engines", "ids", "logs"},
    "data_sources": {"rollup", "store", "settings", "schema", "engines", "sa_internals", "ids", "logs"},
    "rollup": {"schema", "engines", "sa_internals"},
    "delivery": {"store", "settings", "logs"},
    "store": {"settings", "schema", "engines", "ids", "logs"},
    "logs": set(),
    "settings": {"logs"},
    "schema": set(),
    "engines": set(),
    "sa_internals": set(),
    "ids": set(),
    "catalog": set(),
    "errors": set(),
    "clock": set(),
}


def units() -> set[str]:
    """Every unit of the code as the repository has it: top-level packages and modules, and pages/."""
    found = {path.stem for path in ROOT.glob("*.py")}
    found |= {path.name for path in ROOT.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    return (found | {"pages"}) - set(FREE)


def modules() -> list[Path]:
    """Every module of the code (not bench/, scripts/, tests/)."""
    paths = []
    for unit in sorted(units()):
        path = ROOT / unit
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    return paths


def unit_of(path: Path) -> str:
    return path.relative_to(ROOT).with_suffix("").parts[0]


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import in the module, relative ones resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield node.lineno, ".".join([*base, node.module or ""]).strip(".")
            else:
                yield node.lineno, node.module or ""


def edges() -> list[tuple[str, str, str]]:
    """(importing unit, imported unit, "file:line imports name") for every import of another unit of
    ours or of Streamlit."""
    ours = units() | BOTTOM | {"logs"}
    found = []
    for path in modules():
        source = unit_of(path)
        for line, name in imported(path):
            target = name.split(".")[0]
            if target != source and (target in ours or target == STREAMLIT):
                found.append((source, target, f"{path.relative_to(ROOT)}:{line} imports {name}"))
    return found


def test_every_unit_is_in_the_table():
    assert sorted(units() - ALLOWED.keys()) == [], "a new top-level unit: give it a row in ALLOWED"


def test_every_import_is_allowed():
    refused = [
        f"{where} ({source} may not import {target})"
        for source, target, where in edges()
        if target not in ALLOWED.get(source, set()) | BOTTOM
    ]
    assert refused == [], "\n".join(refused)


def test_the_bottom_imports_only_the_bottom():
    assert [where for source, target, where in edges() if source in BOTTOM and target not in BOTTOM] == []
    assert all(not ALLOWED[unit] for unit in BOTTOM)


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle in `graph` (as a path that returns to its start), or [] when it has none."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = "open"
        for target in sorted(graph.get(node, set())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return []


def test_the_table_and_the_imports_have_no_cycle():
    assert _cycle(ALLOWED) == [], "the table allows a cycle: " + " -> ".join(_cycle(ALLOWED))
    actual: dict[str, set[str]] = {}
    for source, target, _ in edges():
        actual.setdefault(source, set()).add(target)
    assert _cycle(actual) == [], "the imports have a cycle: " + " -> ".join(_cycle(actual))


@pytest.mark.parametrize(
    "graph, cycle",
    [({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]), ({"a": {"b"}, "b": set()}, [])],
)
def test_the_cycle_check_finds_a_cycle(graph, cycle):
    assert _cycle(graph) == cycle


def test_the_check_sees_the_code():
    paths = modules()
    assert len(paths) > 100
    counts = {unit: sum(unit_of(path) == unit for path in paths) for unit in ("metrics", "data_sources", "ui", "pages")}
    assert min(counts.values()) >= 6, counts
    found = edges()
    assert ("reports", "visuals") in {(source, target) for source, target, _ in found}
    assert any(target == STREAMLIT for source, target, _ in found if source == "ui")
    # imports inside functions count as well (feedback/sentiment.py loads VADER on first use)
    assert "vaderSentiment.vaderSentiment" in {name for _, name in imported(ROOT / "feedback" / "sentiment.py")}


def markdown_table() -> str:
    """ALLOWED as docs/architecture.md shows it."""
    rows = ["| unit | may import (and `errors`, `clock`, `catalog`: everyone may) |", "|---|---|"]
    for unit, allowed in ALLOWED.items():
        shown = ", ".join(sorted(allowed - {STREAMLIT})) or "nothing of ours"
        if STREAMLIT in allowed:
            shown += "; **Streamlit**"
        rows.append(f"| {unit} | {shown} |")
    return "\n".join(rows)


def test_the_architecture_doc_shows_this_table():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = markdown_table()
    assert table in doc, f"docs/architecture.md's import table is not tests/test_imports.py's ALLOWED; it is:\n{table}"
