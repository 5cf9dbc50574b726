"""The browser phase of `make bench`: the wait a person has in Chromium, beside a bare Streamlit page.

Each run starts the app on the bench's warehouse and the reference page (bench/reference_page.py)
in two new servers, visits each once untimed (imports done, as on a server that has served someone;
the app's visit is the lookup page, which reads no dashboard data), then, interleaved so both see
the same machine load:

- each dashboard page opened in a new browser session: *cold* (its first opening on this server: its
  data is not cached yet), then its period and a member filter changed in that session (*first*
  change: the new view's data is not cached either); opened again in another new session (*warm*)
  and the same two changes made (*cached*);
- between pages, the reference page opened in a new session and rerun twice by its selectbox;
- the feedback inbox opening an item by address (`/feedback?item=N`, warm) and its Next button;
- the lookup page opening a member by address, cold and warm.

That server runs with warming off (`warm_figures`, ui/warming.py), so *cold* and *first* are
uncached. A third server then runs with it on, as a server does by default: after its untimed visit
it warms the build's default views and the views one change away from them (the bench waits for
its log line), and each dashboard page is opened in a new session (*warmed*: a page opened after a
sync) and its period changed at once (*period warmed*: warm since the sync), then, READING_S later,
the member filter the cold visit changed (*filter warmed*: two changes from the default view; the
member filter choices around the new view were being warmed meanwhile). Last, the inbox's item is
opened there, read for ITEM_READING_S and left with Next (*next warmed*: the next item's member was
read ahead meanwhile).

A time is from the navigation or the click until the page has *settled*: content shown and, for
QUIET_S, no running indicator, placeholder (skeleton) or stale element; after a click the page must
also have changed (its text), so a rerun that has not started yet is not taken for one that ended.
Medians over the runs; ratios to the reference (page open / reference open, cold to cold and warm
to warm; a filter change / a reference rerun). On a busy machine the ratios are what to read.

Each timed step also records what crossed the websocket (frames, bytes, script runs started,
elements sent by kind, chart specs and data bytes): where the time goes.

python -m bench.browser --scale small [--runs 3]   this phase alone, on a warehouse `make bench` built
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "bench/reference_page.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VIEWPORT = {"width": 1440, "height": 900}
QUIET_S = 0.8  # a page may run twice: settled means quiet this long
READING_S = 10.0  # a person looking at a page before choosing a member filter
ITEM_READING_S = 3.0  # a person reading an inbox item before moving to the next
LIMIT_S = 120.0
CONTENT = "[data-testid='stMain'] [data-testid='stElementContainer']"
RUNNING = "[data-testid='stStatusWidget'], [data-testid='stSkeleton'], [data-stale='true']"
MAIN_TEXT = "() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).innerText"

BROWSER_WORK = {
    "script": "ScriptDuration",
    "layout": "LayoutDuration",
    "style": "RecalcStyleDuration",
    "busy": "TaskDuration",
}
# name -> (address, the member filter changed on it); the period goes to PERIOD in every case
DASHBOARDS = {
    "overview": ("/", "Channel"),
    "members": ("/members", "Segment"),
    "engagement": ("/engagement", "Channel"),
    "campaigns": ("/campaigns", "Segment"),
}
PERIOD = ("Period", "Last 90 days")
REFERENCE_CHOICES = ("Last 90 days", "Last 365 days")  # its two reruns, as a page's two changes
# a figure's name -> the reference figure it is divided by
RATIO_OF = {
    "open_cold_s": "open_cold_s",
    "open_warm_s": "open_warm_s",
    "period_first_s": "rerun_s",
    "filter_first_s": "rerun_s",
    "period_s": "rerun_s",
    "filter_s": "rerun_s",
    "next_s": "rerun_s",
    "shown_warm_s": "open_warm_s",  # the inbox item's own text on screen, the rest of the page still drawing
    "open_warmed_s": "open_warm_s",
    "period_warmed_s": "rerun_s",
    "filter_warmed_s": "rerun_s",
    "next_warmed_s": "rerun_s",
}
WARMED_LINE = "Warmed the likely next views"  # ui/warming.NEXT_VIEWS_WARMED, in <data_dir>/pulse.log


# --- bookkeeping (tests/test_bench_browser.py) ---------------------------------------------------


def summarise(samples: dict[str, dict[str, list[float]]], reference: dict[str, list[float]]) -> dict:
    """Medians of each page's and the reference's samples, and each page figure's ratio to the
    reference figure it compares with (RATIO_OF). A figure with no samples is left out; so is a
    ratio whose reference is missing or zero."""
    ref = {name: statistics.median(values) for name, values in reference.items() if values}
    pages: dict[str, dict] = {}
    for page, figures in samples.items():
        medians = {name: statistics.median(values) for name, values in figures.items() if values}
        ratios = {
            name.removesuffix("_s"): value / ref[RATIO_OF[name]]
            for name, value in medians.items()
            if ref.get(RATIO_OF.get(name, ""), 0) > 0
        }
        pages[page] = {**medians, "ratios": ratios}
    return {"reference": ref, "pages": pages}


@dataclass
class Traffic:
    """What the server sent over the websocket during one step."""

    frames: int = 0
    bytes: int = 0
    runs: int = 0  # script runs started (a new_session message each)
    elements: Counter = field(default_factory=Counter)  # new elements by kind
    reused: int = 0  # elements the browser already had, sent as a hash
    chart_bytes: int = 0  # altair/vega-lite specs and their data
    table_bytes: int = 0  # st.dataframe's Arrow data
    started: float = field(default_factory=time.perf_counter)  # the step's navigation or click
    finished: float | None = None  # when the last script run's end arrived

    def add(self, payload: bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.frames += 1
        self.bytes += len(payload)
        message = ForwardMsg.FromString(payload)
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.runs += 1
        elif kind == "script_finished":
            self.finished = time.perf_counter()
        elif kind == "ref_hash":
            self.reused += 1
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            name = element.WhichOneof("type") or "?"
            self.elements[name] += 1
            if "vega_lite" in name:
                self.chart_bytes += len(payload)
            elif name in ("dataframe", "arrow_data_frame", "table", "arrow_table"):
                self.table_bytes += len(payload)

    def as_dict(self) -> dict:
        return {
            "frames": self.frames,
            "kb": round(self.bytes / 1024, 1),
            "runs": self.runs,
            "elements": sum(self.elements.values()),
            "by_kind": dict(sorted(self.elements.items())),
            "reused": self.reused,
            "chart_kb": round(self.chart_bytes / 1024, 1),
            "table_kb": round(self.table_bytes / 1024, 1),
            # from the step's start until the server's last run ended; the rest is the browser drawing
            "server_s": None if self.finished is None else round(self.finished - self.started, 3),
        }


# --- servers and the browser -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_env(data_dir: Path) -> dict[str, str]:
    """This process's environment for a bench server or sync: the data folder's warehouse and app
    store alone (whatever PULSE_WAREHOUSE_URL or PULSE_APP_DB_URL say), UTC, Streamlit quiet."""
    env = {**os.environ, "PULSE_DATA_DIR": str(data_dir), "PULSE_TIMEZONE": "UTC", "STREAMLIT_LOGGER_LEVEL": "error"}
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL"):
        env.pop(name, None)
    return env


@contextmanager
def serve(script: str, env: dict[str, str], *, root: Path = ROOT) -> Iterator[str]:
    """`streamlit run script` on a free port until the block ends, from the checkout at `root`
    (this one; bench/first_changes.py serves another too)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.headless", "true"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"streamlit run {script} did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Session:
    """One browser session (a new context: no cookies, no Streamlit session) and its traffic."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        self.page = self.context.new_page()
        self.traffic = Traffic()
        self.page.on("websocket", self._watch)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")

    def work(self) -> dict[str, float]:
        """The renderer's busy seconds so far by kind (Chrome's Performance domain): JavaScript,
        layout, style recalculation, and every task (including this bench's own polling)."""
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return {name: metrics.get(key, 0.0) for name, key in BROWSER_WORK.items()}

    def _step(self, before: dict[str, float], traffic: Traffic) -> dict:
        after = self.work()
        # a navigation may start a new renderer, whose counters start again
        spent = {name: after[name] - before[name] if after[name] >= before[name] else after[name] for name in after}
        return traffic.as_dict() | {f"{name}_s": round(value, 3) for name, value in spent.items()}

    def _watch(self, websocket) -> None:
        def received(payload: bytes | str) -> None:
            if isinstance(payload, bytes):
                self.traffic.add(payload)

        websocket.on("framereceived", received)

    def close(self) -> None:
        self.context.close()

    def text(self) -> str:
        return str(self.page.evaluate(MAIN_TEXT))

    def settle(self, started: float, before: str | None = None) -> float:
        """Seconds from `started` until the page settled (see the module's docstring)."""
        page, quiet = self.page, None
        while time.perf_counter() - started < LIMIT_S:
            busy = not page.locator(CONTENT).count() or page.locator(RUNNING).count()
            if not busy and before is not None and self.text() == before:
                busy = True  # the change has not shown yet
            if busy:
                quiet = None
            else:
                quiet = quiet or time.perf_counter()
                if time.perf_counter() - quiet >= QUIET_S:
                    if page.get_by_test_id("stException").count():
                        raise RuntimeError(f"{page.url}: the page shows an exception")
                    return quiet - started
            page.wait_for_timeout(30)  # lets the websocket's events through
        shot = Path(tempfile.gettempdir()) / f"bench-stuck-{int(time.time())}.png"
        page.screenshot(path=str(shot), full_page=True)
        showing = {selector: page.locator(selector).count() for selector in (CONTENT, *RUNNING.split(", "))}
        raise RuntimeError(f"{page.url} did not settle in {LIMIT_S:.0f} s: {showing}; {shot}")

    def open(self, url: str) -> tuple[float, dict]:
        work = self.work()
        self.traffic = Traffic()
        started = self.traffic.started
        self.page.goto(url)
        seconds = self.settle(started)
        return seconds, self._step(work, self.traffic)

    def open_showing(self, url: str, selector: str) -> tuple[float, float, dict]:
        """As open, and also the seconds until `selector` is first on screen (what a person came for,
        while the rest of the page may still be drawing)."""
        work = self.work()
        self.traffic = Traffic()
        started = self.traffic.started
        self.page.goto(url, wait_until="commit")
        self.page.locator(selector).first.wait_for(timeout=LIMIT_S * 1000)
        shown = time.perf_counter() - started
        seconds = self.settle(started)
        return shown, seconds, self._step(work, self.traffic)

    def choose(self, label: str, option: str | None = None) -> tuple[float, dict, str]:
        """Pick `option` (default: the first) in the selectbox labelled `label`; the time from the
        click on the option. Returns the option's name too."""
        box = self.page.get_by_test_id("stSelectbox").filter(has_text=label).locator("input")
        wanted = self.page.get_by_role("option", name=option, exact=True) if option else self.page.get_by_role("option")
        for _ in range(5):
            box.click()
            try:
                wanted.first.wait_for(timeout=5_000)
                break
            except Exception:  # a rerun still drawing can close the menu as it opens
                continue
        name = wanted.first.inner_text().strip()
        before, work = self.text(), self.work()
        self.traffic = Traffic()
        started = self.traffic.started
        wanted.first.click()
        seconds = self.settle(started, before)
        return seconds, self._step(work, self.traffic), name

    def press(self, label: str) -> tuple[float, dict]:
        button = self.page.get_by_test_id("stButton").filter(has_text=label).locator("button")
        before, work = self.text(), self.work()
        self.traffic = Traffic()
        started = self.traffic.started
        button.click()
        seconds = self.settle(started, before)
        return seconds, self._step(work, self.traffic)


# --- the phase ---------------------------------------------------------------------------------------


class Recorder:
    """Samples and the traffic of each step (the traffic of the last run kept)."""

    def __init__(self) -> None:
        self.samples: dict[str, dict[str, list[float]]] = {}
        self.reference: dict[str, list[float]] = {}
        self.traffic: dict[str, dict[str, dict]] = {}
        self.failures: list[str] = []

    def attempt(self, visit: Callable[..., None], *args: object, **options: object) -> None:
        """One visit; a visit that fails (a page that does not settle) is reported and left out,
        so one stuck page on a busy machine does not lose the rest of the phase."""
        try:
            visit(*args, **options)
        except Exception as error:
            named = " ".join([visit.__name__, *(arg for arg in args if isinstance(arg, str))])
            self.failures.append(f"{named}: {error}")
            print(f"    failed: {self.failures[-1]}", file=sys.stderr)

    def page(self, page: str, figure: str, seconds: float, traffic: dict) -> None:
        self.samples.setdefault(page, {}).setdefault(figure, []).append(seconds)
        self.traffic.setdefault(page, {})[figure.removesuffix("_s")] = traffic
        print(
            f"    {page:<16} {figure:<15} {seconds:6.2f} s (server {traffic['server_s'] or 0:5.2f} s, "
            f"browser js {traffic.get('script_s', 0):.2f} layout {traffic.get('layout_s', 0):.2f} "
            f"style {traffic.get('style_s', 0):.2f} busy {traffic.get('busy_s', 0):.2f} s) "
            f"{traffic['kb']:8.1f} kB  {traffic['elements']} elements  runs {traffic['runs']}",
            file=sys.stderr,
        )

    def ref(self, figure: str, seconds: float, traffic: dict) -> None:
        self.reference.setdefault(figure, []).append(seconds)
        self.traffic.setdefault("reference", {})[figure.removesuffix("_s")] = traffic

    def result(self, runs: int) -> dict:
        """What bench/results.json keeps under "browser": medians, ratios, traffic and the samples."""
        return {
            "runs": runs,
            **summarise(self.samples, self.reference),
            "traffic": self.traffic,
            "samples": {"reference": self.reference, **self.samples},
            "failures": self.failures,
        }


def reference_visit(browser, url: str, record: Recorder, *, cold: bool = False) -> None:
    """The reference page opened in a new session and rerun by its selectbox twice."""
    session = Session(browser)
    try:
        record.ref("open_cold_s" if cold else "open_warm_s", *session.open(url))
        for choice in REFERENCE_CHOICES:
            seconds, traffic, _ = session.choose("Period", choice)
            record.ref("rerun_s", seconds, traffic)
    finally:
        session.close()


def dashboard_visit(browser, url: str, page: str, record: Recorder, *, cold: bool, member_filter: list[str]) -> None:
    """A page opened in a new session, then its period and a member filter changed."""
    address, label = DASHBOARDS[page]
    session = Session(browser)
    try:
        record.page(page, "open_cold_s" if cold else "open_warm_s", *session.open(url + address))
        suffix = "_first_s" if cold else "_s"
        seconds, traffic, _ = session.choose(*PERIOD)
        record.page(page, f"period{suffix}", seconds, traffic)
        seconds, traffic, name = session.choose(label, member_filter[0] if member_filter else None)
        member_filter[:] = [name]  # the warm session picks what the cold one did: its data is cached
        record.page(page, f"filter{suffix}", seconds, traffic)
    finally:
        session.close()


def warmed_visit(browser, url: str, page: str, record: Recorder, *, member_filter: list[str]) -> None:
    """A page opened in a new session on a server that warmed its build, its period changed at
    once, then, after READING_S, a member filter (the one the cold visit chose)."""
    address, label = DASHBOARDS[page]
    session = Session(browser)
    try:
        record.page(page, "open_warmed_s", *session.open(url + address))
        seconds, traffic, _ = session.choose(*PERIOD)
        record.page(page, "period_warmed_s", seconds, traffic)
        time.sleep(READING_S)
        seconds, traffic, _ = session.choose(label, member_filter[0] if member_filter else None)
        record.page(page, "filter_warmed_s", seconds, traffic)
    finally:
        session.close()


@contextmanager
def warmed_server(browser, env: dict[str, str]) -> Iterator[str]:
    """The app with warming on, once it has warmed the build's default views and the likely next
    views after a first visit (as a server some minutes after a sync)."""
    log = Path(env["PULSE_DATA_DIR"]) / "pulse.log"
    seen = log.read_text(encoding="utf-8", errors="replace").count(WARMED_LINE) if log.exists() else 0
    with serve("serve.py", {**env, "PULSE_WARM_FIGURES": "true"}) as app:
        visit = Session(browser)
        visit.open(f"{app}/lookup")
        visit.close()
        deadline = time.monotonic() + 600
        while log.read_text(encoding="utf-8", errors="replace").count(WARMED_LINE) <= seen:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not warm its build within 10 minutes")
            time.sleep(0.5)
        yield app


def addresses(env: dict[str, str]) -> tuple[int, str]:
    """A feedback item with a next one in the inbox's default order, and a member who is active."""
    import sqlalchemy as sa

    from feedback.inbox import InboxFilters
    from settings import load_settings
    from ui import data

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("PULSE_")})
    try:
        settings = load_settings()
        inbox = data.load_inbox(settings, InboxFilters())
        warehouse = data.warehouse(settings)  # the app's read-only engine (one configuration a process)
        busiest = warehouse.run(
            sa.text("SELECT member_id FROM activities GROUP BY member_id ORDER BY count(*) DESC, member_id LIMIT 1")
        )
        data.app_store(settings.app_db_url).dispose()
        warehouse.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return int(inbox["id"].iloc[0]), str(busiest["member_id"].iloc[0])


def measure(env: dict[str, str], runs: int, pages: tuple[str, ...] = tuple(DASHBOARDS)) -> dict:
    """The browser phase: `runs` runs, each with its own two servers; medians and ratios."""
    from playwright.sync_api import sync_playwright

    item, member = addresses(env)
    cold = {**env, "PULSE_WARM_FIGURES": "false"}
    record = Recorder()
    filters: dict[str, list[str]] = {page: [] for page in DASHBOARDS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            for run in range(runs):
                print(f"  browser run {run + 1} of {runs}", file=sys.stderr)
                with serve("serve.py", cold) as app, serve(REFERENCE, env) as ref:
                    for url in (f"{app}/lookup", f"{ref}/?warm_up=1"):  # untimed: imports done
                        warm_up = Session(browser)
                        warm_up.open(url)
                        warm_up.close()
                    record.attempt(reference_visit, browser, ref, record, cold=True)
                    for page in pages:
                        record.attempt(
                            dashboard_visit, browser, app, page, record, cold=True, member_filter=filters[page]
                        )
                        record.attempt(reference_visit, browser, ref, record)
                        record.attempt(
                            dashboard_visit, browser, app, page, record, cold=False, member_filter=filters[page]
                        )
                    record.attempt(lookup, browser, f"{app}/lookup?member={member}", record)
                    record.attempt(inbox, browser, f"{app}/feedback?item={item}", record)
                    record.attempt(reference_visit, browser, ref, record)
                with warmed_server(browser, env) as app:
                    for page in pages:
                        record.attempt(warmed_visit, browser, app, page, record, member_filter=filters[page])
                    record.attempt(inbox_read, browser, f"{app}/feedback?item={item}", record)
        finally:
            browser.close()
    return record.result(runs)


def lookup(browser, url: str, record: Recorder) -> None:
    for figure in ("open_cold_s", "open_warm_s"):
        session = Session(browser)
        try:
            record.page("lookup", figure, *session.open(url))
        finally:
            session.close()


def inbox(browser, url: str, record: Recorder) -> None:
    """The inbox opening an item by address (warm: an untimed opening first) and moving to the next."""
    warm_up = Session(browser)
    warm_up.open(url)
    warm_up.close()
    session = Session(browser)
    item = url.rsplit("item=", 1)[-1]
    try:
        shown, seconds, traffic = session.open_showing(url, f"h3:has-text('#{item} ·')")  # the item's heading
        record.page("feedback item", "shown_warm_s", shown, traffic)
        record.page("feedback item", "open_warm_s", seconds, traffic)
        record.page("feedback item", "next_s", *session.press("Next"))
    finally:
        session.close()


def inbox_read(browser, url: str, record: Recorder) -> None:
    """On the server that warms: an item opened, read for ITEM_READING_S, then Next (*next warmed*:
    the next item's member read ahead meanwhile, ui.warming.read_ahead)."""
    session = Session(browser)
    item = url.rsplit("item=", 1)[-1]
    try:
        session.open_showing(url, f"h3:has-text('#{item} ·')")
        time.sleep(ITEM_READING_S)
        record.page("feedback item", "next_warmed_s", *session.press("Next"))
    finally:
        session.close()


def print_table(browser: dict) -> None:
    """The phase's lines of the bench table."""
    ref = browser["reference"]
    print(
        f"\nIn Chromium (median of {browser['runs']} runs; ratio = page / reference page): reference opens "
        f"{ref.get('open_cold_s', 0):.2f} s cold, {ref.get('open_warm_s', 0):.2f} s warm, "
        f"reruns {ref.get('rerun_s', 0):.2f} s"
    )
    columns = (
        "open_cold_s",
        "open_warm_s",
        "period_first_s",
        "filter_first_s",
        "period_s",
        "filter_s",
        "next_s",
        "shown_warm_s",
        "open_warmed_s",
        "period_warmed_s",
        "filter_warmed_s",
        "next_warmed_s",
    )
    heads = (
        *("open cold", "open warm", "period 1st", "filter 1st", "period", "filter", "next", "shown warm"),
        *("open warmed", "period warmed", "filter warmed", "next warmed"),
    )
    print(f"{'page':<16}" + "".join(f"{head:>15}" for head in heads))
    for name, page in browser["pages"].items():
        cells = []
        for column in columns:
            if column in page:
                ratio = page["ratios"].get(column.removesuffix("_s"))
                cells.append(f"{page[column]:.2f} s" + (f" {ratio:.1f}x" if ratio is not None else "     "))
            else:
                cells.append("–")
        print(f"{name:<16}" + "".join(f"{cell:>15}" for cell in cells))
    for failure in browser.get("failures", []):
        print(f"  (left out: {failure})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.browser")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--out", type=Path, help="write the phase's figures here as JSON")
    parser.add_argument("--pages", help="only these dashboard pages, comma-separated (a quicker look)")
    args = parser.parse_args()
    env = bench_env(args.dir / args.scale / "data")
    result = measure(env, args.runs, pages=tuple(args.pages.split(",")) if args.pages else tuple(DASHBOARDS))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)


if __name__ == "__main__":
    main()
