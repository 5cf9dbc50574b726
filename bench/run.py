"""`make bench [SCALE=small|large|xl]`: build a community at scale through the normal sync path, then
measure every page cold and warm beside the pandas way, engine time, memory, PostgreSQL, ClickHouse
(chDB: bench/clickhouse.py), survey submissions, and the browser's wait beside a bare Streamlit page
(bench/browser.py). Prints one table and writes bench/results.json. See docs/performance.md."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

import clock
from bench import increment
from data_sources import demo
from data_sources.sync import recent_runs
from metrics.overview import overview_kpis
from settings import load_settings
from store.database import AppStore
from surveys import demo as survey_demo
from ui.heap import CACHE_CHECK_LOG

ROOT = Path(__file__).resolve().parent.parent
SCALES = {"small": (100_000, 1_000_000), "large": (1_000_000, 10_000_000), "xl": (3_000_000, 30_000_000)}
SURVEYED = {"small": 20_000, "large": 100_000, "xl": 100_000}  # members whose survey answers are generated
RENDER_RUNS = {"small": 1, "large": 3, "xl": 1}  # AppTest renders: 20 s a run even at the small scale
# What xl leaves out unless --all-phases: the pandas way would hold about 15 GB, and loading
# PostgreSQL and ClickHouse would take most of the 40 minutes the scale is given; the other
# engines are compared at the large scale. xl measures the embedded default's growth.
SKIPPED = {"small": set(), "large": set(), "xl": {"baseline", "postgres", "clickhouse"}}
TARGETS = {"cold_s": 1.5, "warm_s": 0.05, "overview_ratio": 20.0, "peak_mb": 1536, "sync_s": 60.0, "p95_ms": 150.0}
TARGETS["incremental_s"] = 5.0  # 10,000 activities appended to the large warehouse (bench/increment.py)
PG_OVERVIEW_COLD_S = 5.0
PG_TIMEOUT_S = 180.0  # a statement on PostgreSQL; slower ones are reported, not waited for


def calibrate() -> dict[str, float]:
    """The same fixed work in every run, timed at its start and end (best of three): DuckDB grouping
    10M integers into a million groups, and a pure-Python loop. This machine's speed drifts by a
    third within a day, so comparing runs means comparing their page times to these."""
    import duckdb

    def best(work) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return min(times)

    connection = duckdb.connect()
    grouping = "SELECT count(*) FROM (SELECT i % 1000003 AS k, sum(i) FROM range(10000000) t(i) GROUP BY k)"
    try:
        return {
            "duckdb_s": best(lambda: connection.execute(grouping).fetchall()),
            "python_s": best(lambda: sum(i * i for i in range(3_000_000))),
        }
    finally:
        connection.close()


def write_csv_folder(frames: dict, folder: Path) -> None:
    """The generated tables as the CSV files `sync --source FOLDER` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        columns = [c for c in frame.columns if c != "propensity"]
        pacsv.write_csv(pa.Table.from_pandas(frame[columns], preserve_index=False), folder / f"{name}.csv")


def run_sampled(command: list[str], env: dict[str, str]) -> float:
    """Run `command` to its end (raising if it fails); its peak anonymous memory in MB, sampled.
    ru_maxrss counts the pages of files a process maps (a sync maps its typed tables: the kernel
    drops them under pressure), so it says little of the memory the process needs; RssAnon is that."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                anon = next((int(line.split()[1]) for line in status if line.startswith("RssAnon:")), 0)
        except OSError:  # ended meanwhile
            anon = 0
        peak = max(peak, anon)
        time.sleep(0.05)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return peak / 1024


def survey_sample(frames: dict, *, members: int) -> dict:
    """The demo's survey answers come from at most `members` members (the generator loops in Python
    per response); at the large scale that is still about 37,000 responses for the results page."""
    sample = frames["members"]
    if len(sample) > members:
        sample = sample.sample(n=members, random_state=1).sort_index()
    invited = frames["campaign_members"]
    return {**frames, "members": sample, "campaign_members": invited[invited["member_id"].isin(sample["member_id"])]}


def probe(env: dict[str, str], *args: str, timeout: float | None = None) -> dict:
    """One probe in a new process; a probe past `timeout` is reported as {"timed_out": seconds}."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.probe", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": timeout}
    stopped = "statement timeout" in result.stderr or "TIMEOUT_EXCEEDED" in result.stderr  # PostgreSQL, ClickHouse
    if result.returncode != 0 and timeout is not None and stopped:
        return {"timed_out": timeout}
    if result.returncode != 0:
        raise RuntimeError(f"bench.probe {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def measure_pages(
    env: dict[str, str], runs: int, *, render_runs: int = 0, timeout: float | None = None
) -> dict[str, dict]:
    """Every page in `runs` new processes, the first `render_runs` of which also render each page
    through AppTest (the slowest part of a run); figures are medians over the runs that have them."""
    from bench.pages import PAGES

    measured = [
        probe(env, *(("pages", "--render") if n < render_runs else ("pages",)), timeout=timeout) for n in range(runs)
    ]
    if any("timed_out" in run for run in measured):  # the whole process ran out of time
        return {page: {"timed_out_s": timeout} for page in PAGES}
    pages = {}
    for page in PAGES:
        per_run = [run["pages"][page] for run in measured]
        if any("timed_out" in run for run in per_run):
            pages[page] = {"timed_out_s": PG_TIMEOUT_S}
            print(f"  {page}: a statement ran over {PG_TIMEOUT_S:.0f} s, stopped", file=sys.stderr)
            continue
        figures = {
            "cold_s": median_of(per_run, "cold"),
            "cold_runs_s": [run["cold"] for run in per_run],
            "warm_s": median_of(per_run, "warm"),
            "engine_s": median_of(per_run, "engine"),
            "queries": per_run[0]["queries"],
        }
        rendered = per_run[:render_runs]
        if rendered:
            figures |= {
                "render_cold_s": median_of(rendered, "render_cold"),
                "render_warm_s": median_of(rendered, "render_warm"),
            }
        pages[page] = figures
        print(f"  {page}: {figures}", file=sys.stderr)
    pages_peak = max(run["peak_mb"] for run in measured)
    for figures in pages.values():
        figures["peak_mb"] = pages_peak  # one process served every page
    return pages


def warehouse_bytes(path: Path) -> int:
    return path.resolve().stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-clickhouse", action="store_true", help="skip the ClickHouse (chDB) phase")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser phase (bench/browser.py)")
    parser.add_argument("--browser-runs", type=int, default=3, help="runs of the browser phase (medians)")
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--all-phases", action="store_true", help="at xl too: the pandas way, PostgreSQL, ClickHouse")
    args = parser.parse_args()
    # Each cached loader of ui/ says, as bench.pages loads it, that no Streamlit runtime runs: none
    # does in this process (a filter, as Streamlit sets its loggers' levels when it loads).
    logging.getLogger(CACHE_CHECK_LOG).addFilter(lambda record: False)
    skipped = set() if args.all_phases else SKIPPED[args.scale]
    args.no_postgres = args.no_postgres or "postgres" in skipped
    args.no_clickhouse = args.no_clickhouse or "clickhouse" in skipped
    began = time.perf_counter()
    members, activities = SCALES[args.scale]
    folder = args.dir / args.scale
    env = {
        **os.environ,
        "PULSE_DATA_DIR": str(folder / "data"),
        "PULSE_TIMEZONE": "UTC",
        "PULSE_WARM_FIGURES": "false",  # each probe measures a page's own work (the browser phase warms)
        "STREAMLIT_LOGGER_LEVEL": "error",
    }
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL"):
        env.pop(name, None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("PULSE_")})
    results: dict[str, object] = {"scale": args.scale, "members": members, "activities": activities}
    today = clock.today()
    results["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }
    results["versions"] = {name: metadata.version(name) for name in ("streamlit", "duckdb", "pandas", "SQLAlchemy")}
    results["calibration"] = {"start": calibrate()}

    print(f"Generating {members:,} members and {activities:,} activities…", file=sys.stderr)
    started = time.perf_counter()
    frames = demo.generate_community(today=today, members=members, activities=activities)
    results["generate_s"] = time.perf_counter() - started
    results["rows"] = {name: len(frame) for name, frame in frames.items()}
    started = time.perf_counter()
    write_csv_folder(frames, folder / "csv")
    results["write_csv_s"] = time.perf_counter() - started
    # What later phases need of the generated frames, taken now so that the frames (11 GB at xl)
    # are gone before the syncs, which hold as much again.
    activities_written = frames["activities"][[c for c in frames["activities"].columns if c != "propensity"]]
    added = increment.added_activities(activities_written, now=clock.now())
    sampled = increment.added_activities(activities_written, now=clock.now(), prefix="sampled")
    surveys = survey_demo.generate_surveys(survey_sample(frames, members=SURVEYED[args.scale]), today=today)
    del frames, activities_written

    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    # In its own process, as `cli.py sync` runs from cron: this process still holds the generated
    # frames (gigabytes at the large scale), which is not the state a sync runs in.
    print("Syncing from CSV (the normal path, `cli.py sync` in its own process)…", file=sys.stderr)
    started = time.perf_counter()
    results["sync_peak_anon_mb"] = run_sampled([sys.executable, "cli.py", "sync", "--source", str(folder / "csv")], env)
    results["sync_s"] = time.perf_counter() - started
    # The only child waited for so far, so the children's peak is the sync's (kB on Linux).
    results["sync_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    results["warehouse_mb"] = warehouse_bytes(settings.warehouse_path) / 2**20
    print(f"Adding {increment.ADDED:,} activities and syncing again (incremental)…", file=sys.stderr)
    results["incremental_sync"] = increment.measure(
        added, folder / "csv", settings=settings, store=store, now=clock.now()
    )
    # Another 10,000 in `cli.py sync`'s own process, as cron runs it, for its anonymous peak (item 4's
    # 2 GiB holds for an increment too): the one timed above runs here, beside the bench's own memory.
    increment.append_to_csv(sampled, folder / "csv")
    command = [sys.executable, "cli.py", "sync", "--source", str(folder / "csv")]
    results["incremental_sync"]["peak_anon_mb"] = run_sampled(command, env)
    results["incremental_sync"]["sampled_mode"] = str(recent_runs(store, limit=1)["mode"].iloc[0])
    started = time.perf_counter()
    responses = survey_demo.store_surveys(store, surveys, now=clock.now())
    results["surveys"] = {"responses": responses, "seconds": time.perf_counter() - started}

    save(results)
    print("Pages, embedded DuckDB…", file=sys.stderr)
    results["pages"] = measure_pages(env, args.runs, render_runs=RENDER_RUNS[args.scale])
    save(results)
    # Submissions before the pandas way, away from that process's 5 GB: right after it, one run's
    # p95 was 457 ms; on their own, the same submissions took 110-140 ms.
    print("Survey submissions…", file=sys.stderr)
    from bench.submissions import measure as measure_submissions

    results["submissions"] = measure_submissions(store)
    save(results)
    if "baseline" not in skipped:
        print("The pandas way…", file=sys.stderr)
        measured = probe(env, "baseline", str(args.runs))
        baselines = measured["runs"]
        results["baseline"] = {
            "seconds": median_of(baselines, "seconds"),
            "load_s": median_of(baselines, "load"),
            "peak_mb": measured["peak_mb"],
        }
        results["baseline"]["agrees"] = agrees(settings, store, baselines[0])
    store.dispose()
    save(results)

    if not args.no_postgres:
        results["postgres"] = postgres_pages(env, folder / "csv", args.runs)
        save(results)

    if not args.no_clickhouse:
        from bench import clickhouse

        results["clickhouse"] = clickhouse.measure(env, folder / "csv", 1)
        save(results)

    if not args.no_browser:
        from bench import browser

        print("In Chromium, beside the reference page…", file=sys.stderr)
        results["browser"] = browser.measure(env, args.browser_runs)

    results["calibration"]["end"] = calibrate()
    results["duration_s"] = time.perf_counter() - began
    save(results)
    print_table(results)


def save(results: dict) -> None:
    """Written after each phase too, so a long run that is stopped keeps what it measured; also
    kept per scale, for bench/growth.py."""
    results["measured_at"] = clock.now().replace(tzinfo=UTC).isoformat(timespec="seconds")
    written = json.dumps(results, indent=2, default=str) + "\n"
    (ROOT / "bench" / "results.json").write_text(written, encoding="utf-8")
    (ROOT / "bench" / f"results-{results['scale']}.json").write_text(written, encoding="utf-8")  # bench/growth.py


def agrees(settings, store: AppStore, baseline: dict) -> bool:
    """The pandas way and our SQL give the same Overview figures (a cross-check at scale)."""
    from bench.probe import default_filters
    from data_sources.warehouse import Warehouse

    ours = overview_kpis(
        warehouse=Warehouse(settings.warehouse_url), app_store=store, filters=default_filters(settings.timezone)
    ).kpis
    for key, value in baseline["kpis"].items():
        mine = ours[key].current
        if value is None or mine is None:
            if value != mine:
                return False
        elif abs(float(value) - float(mine)) > 1e-9 * max(1.0, abs(float(mine))):
            print(f"  baseline disagrees on {key}: pandas {value}, ours {mine}", file=sys.stderr)
            return False
    return True


def postgres_pages(env: dict[str, str], csv_folder: Path, runs: int) -> dict:
    """The same page queries with the warehouse on a local PostgreSQL loaded by COPY, each page cold
    in `runs` new processes: the median, as the embedded pages', and each run's (a single cold run
    swung by 0.3-0.5 s at the large scale)."""
    from bench.postgres import load_postgres
    from tests.postgres import postgres_server

    print("PostgreSQL: loading…", file=sys.stderr)
    with postgres_server() as url:
        load = load_postgres(url, csv_folder, timezone=env["PULSE_TIMEZONE"])
        # The server stops a statement at the same limit, so a stopped probe leaves no query running.
        pg_env = {**env, "PULSE_WAREHOUSE_URL": url, "PGOPTIONS": f"-c statement_timeout={int(PG_TIMEOUT_S * 1000)}"}
        pages = measure_pages(pg_env, runs, timeout=PG_TIMEOUT_S * 6)
    return {"load_s": load.total_s, "rollup_s": load.rollup_s, "load": asdict(load), "pages": pages}


def print_table(results: dict) -> None:
    pages = results["pages"]
    print(f"\nCommunity Pulse benchmark, scale {results['scale']}: {results['rows']}")
    print(f"{'page':<16}{'cold s':>9}{'warm s':>9}{'engine s':>10}{'queries':>9}{'render s':>10}{'peak MB':>9}")
    for name, page in pages.items():
        print(
            f"{name:<16}{page['cold_s']:>9.3f}{page['warm_s']:>9.4f}{page['engine_s']:>10.3f}{page['queries']:>9}"
            f"{page.get('render_cold_s', 0):>10.2f}{page['peak_mb']:>9.0f}"
        )
    if "baseline" in results:
        base = results["baseline"]
        ratio = base["seconds"] / pages["overview"]["cold_s"]
        print(
            f"\npandas way (Overview KPIs): {base['seconds']:.2f} s cold ({base['load_s']:.2f} s reading tables), "
            f"peak {base['peak_mb']:.0f} MB; ours {pages['overview']['cold_s']:.3f} s: {ratio:.1f}x faster; "
            f"same figures: {base['agrees']}"
        )
    print(
        f"sync from CSV: {results['sync_s']:.1f} s, peak {results.get('sync_peak_mb', 0):.0f} MB "
        f"({results.get('sync_peak_anon_mb', 0):.0f} MB anonymous); "
        f"warehouse {results['warehouse_mb']:.0f} MB; "
        f"generate {results['generate_s']:.1f} s, write CSV {results['write_csv_s']:.1f} s"
    )
    if "incremental_sync" in results:
        inc = results["incremental_sync"]
        print(
            f"incremental sync of {inc['activities']:,} added activities ({inc['late']:,} on old days): "
            f"{inc['total_s']:.2f} s (target {TARGETS['incremental_s']:.0f} s at the large scale): "
            f"{inc['read_s']:.2f} s reading the grown CSV folder, {inc['append_s']:.2f} s to compare, append and "
            f"update the rollup; {inc['mode']}: {inc['reason']} Another {inc['activities']:,} in `cli.py sync`'s "
            f"own process ({inc.get('sampled_mode', '?')}): {inc.get('peak_anon_mb', 0):.0f} MB anonymous at its peak."
        )
    sub = results["submissions"]
    print(
        f"survey submit, {sub['submitters']} at once: p50 {sub['p50_ms']:.0f} ms, p95 {sub['p95_ms']:.0f} ms, "
        f"{sub['per_second']:.0f}/s; stored exactly once: {sub['exactly_once']} "
        f"({sub['stored']} of {sub['submissions']})"
    )
    if "postgres" in results:
        pg = results["postgres"]
        print(f"PostgreSQL (loaded in {pg['load_s']:.1f} s, of which the member-day rollup {pg['rollup_s']:.1f} s):")
        for name, page in pg["pages"].items():
            if "timed_out_s" in page:
                print(f"  {name:<16} a statement over {page['timed_out_s']:.0f} s (stopped)")
            else:
                runs = ", ".join(f"{cold:.2f}" for cold in page.get("cold_runs_s", []))
                print(f"  {name:<16}{page['cold_s']:>9.3f} s cold ({runs}){page['warm_s']:>9.4f} s warm")
    if "clickhouse" in results:
        from bench import clickhouse

        clickhouse.print_table(results["clickhouse"])
    if "browser" in results:
        from bench import browser

        browser.print_table(results["browser"])
    marks = results["calibration"]
    print(
        "machine speed (fixed work, lower is faster): "
        + ", ".join(f"{when} DuckDB {c['duckdb_s']:.2f} s, Python {c['python_s']:.2f} s" for when, c in marks.items())
    )
    print(f"\nThe whole bench took {results['duration_s']:.0f} s. Written to bench/results.json.")


if __name__ == "__main__":
    main()
