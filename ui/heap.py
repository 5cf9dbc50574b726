"""What the server process keeps for good, set aside from garbage collection (gc.freeze).

Streamlit collects garbage after every script run (`runner.postScriptGC`: gc.collect(2)), and a
full collection walks every object the process holds: about 230,000 once a dashboard page has been
drawn (pandas, Altair and its Vega-Lite schema, SQLAlchemy, the catalog), 0.1-0.2 s of every rerun
on this machine, holding the interpreter while the person's page waits for its last messages
(docs/performance.md, "A rerun's garbage collection"). Almost all of them are the libraries and
modules the first pages imported, which stay for the life of the process; frozen, the collection
after a run walks only what runs made since (about 2,000 objects, under a millisecond) and still
frees a run's garbage.

Frozen objects are never collected: one that later becomes part of unreachable cycles is kept. So
the process freezes only when modules were loaded since the last time (the first pages of each
kind), a handful of times in its life; the sessions alive at those moments are all it may keep.
Only the server (serve.py) turns this on: the tests run app.py in one process for half an hour.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_state = {"on": False, "modules": 0}  # modules: how many were loaded at the last freeze


def freeze_in_this_process() -> None:
    """The server's process (serve.py): set_aside_what_stays freezes from now on."""
    _state["on"] = True


def set_aside_what_stays() -> bool:
    """As a run starts (app.py): when modules were loaded since the last freeze (by the runs before:
    their pages' imports, and what those loaded, such as Altair's schema), collect what is garbage
    and freeze the rest. Whether it froze; cheap otherwise."""
    if not _state["on"] or len(sys.modules) == _state["modules"]:
        return False
    with _lock:
        if len(sys.modules) == _state["modules"]:
            return False
        gc.collect()
        gc.freeze()
        _state["modules"] = len(sys.modules)
    return True
