"""The server's code set aside from garbage collection (gc.freeze) before anyone connects.

Streamlit collects garbage after every script run (`runner.postScriptGC`: gc.collect(2)), and a
full collection walks every object the collector tracks: about 230,000 once a dashboard page has
been drawn, nearly all of them the modules the pages import and what those libraries build as
they load (pandas, Altair and its Vega-Lite schema, SQLAlchemy, the catalog). That was 0.1-0.2 s of
every rerun on this machine, holding the interpreter while the page's last messages waited
(docs/performance.md, "A rerun's garbage collection").

So the server (serve.py), as it starts, imports every module of ui/ (and through them what the
pages use), collects, and freezes what is left: the collection after a run then walks only what
sessions and runs made since, and still frees their garbage. Frozen before any session, engine,
connection or thread exists, what is frozen is code and the tables libraries build on import, which
live as long as the process; a frozen object whose count of references falls to zero is still
freed, only a cycle among frozen objects would never be. The tests, which run app.py without
serve.py, freeze nothing.
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil

import ui

# st.cache_data checks each decorated loader's options as its module loads, and says so when no
# runtime exists yet (it does not as serve.py loads): the caches themselves are made at the first
# call, in the runtime.
CACHE_CHECK_LOG = "streamlit.runtime.caching.cache_data_api"


def freeze_the_loaded_code() -> int:
    """Import every module of ui/ (what the pages import, directly or not), collect what that
    left as garbage, and freeze the rest (serve.py, as the server starts). How many objects are
    frozen in all."""
    checks = logging.getLogger(CACHE_CHECK_LOG)
    checks.addFilter(_nothing)
    try:
        for module in pkgutil.walk_packages(ui.__path__, f"{ui.__name__}."):
            importlib.import_module(module.name)
    finally:
        checks.removeFilter(_nothing)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _nothing(record: logging.LogRecord) -> bool:
    return False
