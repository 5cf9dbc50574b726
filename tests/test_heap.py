"""ui/heap.py: the server, as it starts, imports what its pages run and sets it aside from garbage
collection (gc.freeze), so the collection Streamlit runs after every script run walks only what
sessions made since; garbage is collected first."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
import weakref
from collections.abc import Iterator

import pytest
from streamlit import config

import ui
from ui import heap


class Node:
    """An object that can sit in a reference cycle (only the collector frees a cycle)."""

    other: Node | None = None


@pytest.fixture
def nothing_left_frozen() -> Iterator[None]:
    """No automatic collection during the test (it could free the test's cycle itself), and
    nothing frozen after it."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_loaded_code_is_frozen_after_its_garbage_is_collected(nothing_left_frozen):
    garbage = Node()
    garbage.other = garbage  # a cycle nobody refers to
    gone = weakref.ref(garbage)
    del garbage
    assert gone() is not None
    walked_before = len(gc.get_objects())  # what a full collection walks
    frozen = heap.freeze_the_loaded_code()
    assert gone() is None  # collected, not frozen
    assert frozen > walked_before // 2
    assert len(gc.get_objects()) < walked_before // 10  # what the collection after a run walks now
    every = [module.name for module in pkgutil.walk_packages(ui.__path__, "ui.")]
    assert "ui.data" in every and all(name in sys.modules for name in every)


def test_the_server_freezes_its_code_as_it_starts(monkeypatch):
    started: list[bool] = []
    monkeypatch.setattr(heap, "freeze_the_loaded_code", lambda: started.append(True) or 0)
    monkeypatch.delitem(sys.modules, "serve", raising=False)
    script = config._main_script_path  # st.App sets the process's main script
    try:
        importlib.import_module("serve")
    finally:
        sys.modules.pop("serve", None)
        config._main_script_path = script
    assert started == [True]
