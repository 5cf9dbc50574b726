"""ui/heap.py: the server sets its long-lived objects aside from garbage collection once modules were
loaded, so the collection Streamlit runs after every script run walks only what runs made since;
garbage is collected first; the tests' process (app.py without serve.py) never freezes."""

from __future__ import annotations

import gc
import importlib
import sys
import types
import weakref
from collections.abc import Iterator

import pytest

from ui import heap


class Node:
    """An object that can sit in a reference cycle (a cycle is only freed by the collector)."""

    other: Node | None = None


@pytest.fixture
def fresh_heap(monkeypatch) -> Iterator[None]:
    """heap's state as in a new process, and nothing frozen after the test."""
    monkeypatch.setattr(heap, "_state", {"on": False, "modules": 0})
    yield
    gc.unfreeze()


def test_a_process_that_is_not_the_server_never_freezes(fresh_heap):
    assert heap.set_aside_what_stays() is False
    assert gc.get_freeze_count() == 0


def test_the_server_freezes_once_modules_were_loaded_since_and_collects_the_garbage_first(fresh_heap, monkeypatch):
    heap.freeze_in_this_process()
    garbage = Node()
    garbage.other = garbage  # a cycle nobody refers to
    gone = weakref.ref(garbage)
    del garbage
    walked_before = len(gc.get_objects())  # what a full collection walks
    assert heap.set_aside_what_stays() is True
    assert gone() is None  # collected, not frozen
    assert gc.get_freeze_count() > walked_before // 2
    assert len(gc.get_objects()) < walked_before // 10
    frozen = gc.get_freeze_count()
    assert heap.set_aside_what_stays() is False  # no module loaded since: nothing to do
    assert gc.get_freeze_count() == frozen
    monkeypatch.setitem(sys.modules, "pulse_heap_test_module", types.ModuleType("pulse_heap_test_module"))
    assert heap.set_aside_what_stays() is True  # a page imported something: frozen again
    assert gc.get_freeze_count() >= frozen


def test_the_server_module_turns_freezing_on(fresh_heap, monkeypatch):
    monkeypatch.delitem(sys.modules, "serve", raising=False)
    importlib.import_module("serve")
    assert heap._state["on"] is True
