"""One measurement in a fresh process (so caches and connections start cold); prints JSON.

python -m bench.probe queries PAGE   cold and warm time of a page's loaders, engine time, peak memory
python -m bench.probe page PAGE      the same, then caches and connections cleared and the page
                                     rendered through AppTest: first run (cold) and second (warm)
python -m bench.probe baseline       the Overview KPIs the common way: whole tables into pandas
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from bench import baseline
from bench.pages import PAGES
from metrics.filters import Filters
from settings import load_settings
from ui import data
from ui.filters import recent_period

ROOT = Path(__file__).resolve().parent.parent
ENGINE_SECONDS = [0.0]
QUERIES = [0]


def _count_engine_time() -> None:
    """Time spent inside the database driver's execute, for every engine in this process."""

    @sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
    def _before(connection, cursor, statement, parameters, context, executemany):
        connection.info["pulse_started"] = time.perf_counter()

    @sa.event.listens_for(sa.engine.Engine, "after_cursor_execute")
    def _after(connection, cursor, statement, parameters, context, executemany):
        ENGINE_SECONDS[0] += time.perf_counter() - connection.info.pop("pulse_started")
        QUERIES[0] += 1


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def default_filters(timezone: str) -> Filters:
    """What a page opens with."""
    return recent_period(timezone)


def queries(page: str) -> dict[str, float]:
    settings = load_settings()
    filters = default_filters(settings.timezone)
    _, workload = PAGES[page]
    _count_engine_time()
    started = time.perf_counter()
    version = data.data_version(settings)
    workload(settings, version, filters)
    cold = time.perf_counter() - started
    engine, count = ENGINE_SECONDS[0], QUERIES[0]
    warm_runs = []
    for _ in range(3):
        started = time.perf_counter()
        workload(settings, data.data_version(settings), filters)
        warm_runs.append(time.perf_counter() - started)
    warm_runs.sort()
    return {"cold": cold, "engine": engine, "queries": count, "warm": warm_runs[1], "peak_mb": peak_mb()}


def clear_caches(settings) -> None:
    """Empty Streamlit's caches and close the connections, so the next run starts cold again
    (the app's modules stay imported, as on a running server)."""
    import streamlit as st

    data.warehouse(settings.warehouse_url).dispose()
    data.app_store(settings.app_db_url).dispose()
    st.cache_data.clear()
    st.cache_resource.clear()


def render(page: str) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    path, _ = PAGES[page]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if page != "overview":  # a browser lands on the Overview first; then the page is opened
        at.run()
        at.switch_page(path)
        if page == "survey results":
            at.query_params.update({"survey": "quarterly-nps", "surveys_period": "Last 365 days"})
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    started = time.perf_counter()
    at.run()
    return {"render_cold": cold, "render_warm": time.perf_counter() - started, "peak_mb": peak_mb()}


def main() -> None:
    kind = sys.argv[1]
    if kind == "queries":
        result = queries(sys.argv[2])
    elif kind == "page":
        result = queries(sys.argv[2])
        clear_caches(load_settings())
        result |= render(sys.argv[2])
    else:
        settings = load_settings()
        result = baseline.measure(settings, default_filters(settings.timezone)) | {"peak_mb": peak_mb()}
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
