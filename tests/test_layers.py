"""The layers that the CLI and tests use directly never import Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_FREE = [
    "metrics",
    "data_sources",
    "store",
    "auth",
    "surveys",
    "feedback",
    "schema.py",
    "settings.py",
    "engines.py",
    "exports.py",
    "cli.py",
    "reports",
    "visuals",
    "catalog",
]


def _modules(entry: str) -> list[Path]:
    path = ROOT / entry
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize(
    "path", [p for entry in STREAMLIT_FREE for p in _modules(entry)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_module_does_not_import_streamlit(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "streamlit"]


def test_the_check_sees_the_layers():
    assert len(_modules("metrics")) >= 8 and len(_modules("data_sources")) >= 6
