"""Measurements in a fresh process; prints JSON.

python -m bench.probe pages [--render]   every page's loaders: cold (caches emptied and connections
                                         closed first), warm (the Streamlit cache), engine time, and
                                         with --render the page through AppTest, cold and warm
python -m bench.probe baseline RUNS      the Overview KPIs the common way, RUNS times: whole tables
                                         into pandas

Pages share a process: "cold" is the state of a running server after a sync or a cache expiry,
the same for each page, and one process start is paid per run instead of one per page.
"""

import json
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from bench import baseline
from bench.pages import PAGES
from metrics.filters import Filters, default_view
from settings import load_settings
from ui import data

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
    """What a dashboard page opens with: the filter bar's default period (the last 28 days, ending
    with yesterday), as ui/warming.py warms it."""
    return default_view(timezone)


def queries(page: str) -> dict[str, float]:
    settings = load_settings()
    filters = default_filters(settings.timezone)
    _, workload = PAGES[page]
    clear_caches(settings)
    ENGINE_SECONDS[0], QUERIES[0] = 0.0, 0
    started = time.perf_counter()
    workload(settings, data.data_version(settings), filters)
    cold = time.perf_counter() - started
    engine, count = ENGINE_SECONDS[0], QUERIES[0]
    warm_runs = []
    for _ in range(3):
        started = time.perf_counter()
        workload(settings, data.data_version(settings), filters)
        warm_runs.append(time.perf_counter() - started)
    return {"cold": cold, "engine": engine, "queries": count, "warm": sorted(warm_runs)[1]}


def clear_caches(settings) -> None:
    """Empty Streamlit's caches and close the connections, so the next run starts cold again
    (the app's modules stay imported, as on a running server)."""
    import streamlit as st

    data.warehouse(settings).dispose()
    data.app_store(settings.app_db_url).dispose()
    st.cache_data.clear()
    st.cache_resource.clear()


def _app(page: str):
    from streamlit.testing.v1 import AppTest

    path, _ = PAGES[page]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if page != "overview":
        at.switch_page(path)
    if page == "survey results":
        at.query_params.update({"survey": "quarterly-nps", "surveys_period": "Last 365 days"})
    return at


def render(page: str) -> dict[str, float]:
    """The page's first run with empty caches and closed connections, then its second run."""
    clear_caches(load_settings())
    at = _app(page)
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    started = time.perf_counter()
    at.run()
    return {"render_cold": cold, "render_warm": time.perf_counter() - started}


def warm_up_renderer() -> None:
    """What a running server has done before anyone opens a page: imported the pages and their
    chart library, and loaded the sentiment models (app.py starts that in a thread)."""
    data.warm_up_sentiment().join()
    for page in PAGES:
        _app(page).run()


def pages(*, with_render: bool) -> dict[str, object]:
    _count_engine_time()
    measured: dict[str, dict[str, object]] = {}
    for page in PAGES:
        try:
            measured[page] = queries(page)
        except Exception as error:  # a statement stopped by the server's time limit is a figure
            if "statement timeout" not in str(error):
                raise
            measured[page] = {"timed_out": True}
    if with_render:
        warm_up_renderer()
        for page in PAGES:
            measured[page] |= render(page)
    return {"pages": measured, "peak_mb": peak_mb()}


def main() -> None:
    kind = sys.argv[1]
    if kind == "pages":
        result = pages(with_render="--render" in sys.argv[2:])
    else:
        settings = load_settings()
        runs = [baseline.measure(settings, default_filters(settings.timezone)) for _ in range(int(sys.argv[2]))]
        result = {"runs": runs, "peak_mb": peak_mb()}
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
