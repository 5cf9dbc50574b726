"""The bench's ClickHouse phase: the warehouse built into ClickHouse by `cli.py sync` from the bench's
CSV folder (one Arrow insert per table, then the member-day rollup: data_sources/clickhouse.py), and
every page's queries measured on it as on DuckDB and PostgreSQL.

ClickHouse runs in process through chDB (no server can be installed here), under clickhouse-connect's
client, so the pages send exactly the SQL a server would get; what a server adds (HTTP, a network,
other queries, a cluster) is not measured. `python -m bench.clickhouse --scale small` runs this phase
alone on the CSV folder an earlier `make bench` wrote (generating it first when there is none)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 180  # a statement (max_execution_time); a page past it is reported, not waited for


def clickhouse_url(folder: Path) -> str:
    return f"clickhousedb:///default?interface=chdb&path={folder}&max_execution_time={TIMEOUT_S}"


def measure(env: dict[str, str], csv_folder: Path, runs: int) -> dict:
    """Sync the CSV folder into a new chDB folder beside the bench's data, then measure the pages."""
    from bench.run import measure_pages

    folder = Path(env["PULSE_DATA_DIR"]).parent / "chdb"
    shutil.rmtree(folder, ignore_errors=True)
    ch_env = {**env, "PULSE_WAREHOUSE_URL": clickhouse_url(folder)}
    print("ClickHouse (chDB): syncing from CSV…", file=sys.stderr)
    started = time.perf_counter()
    command = [sys.executable, "cli.py", "sync", "--source", str(csv_folder)]
    subprocess.run(command, cwd=ROOT, env=ch_env, check=True, stdout=subprocess.DEVNULL)
    sync_s = time.perf_counter() - started
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    pages = measure_pages(ch_env, runs, timeout=TIMEOUT_S * 6)
    return {"sync_s": sync_s, "folder_mb": size / 2**20, "pages": pages}


def print_table(measured: dict) -> None:
    print(
        f"ClickHouse in process (chDB; synced from CSV in {measured['sync_s']:.1f} s, "
        f"{measured['folder_mb']:.0f} MB on disk):"
    )
    for name, page in measured["pages"].items():
        if "timed_out_s" in page:
            print(f"  {name:<16} a statement over {page['timed_out_s']:.0f} s (stopped)")
        else:
            cold, warm, engine = page["cold_s"], page["warm_s"], page["engine_s"]
            print(f"  {name:<16}{cold:>9.3f} s cold{warm:>9.4f} s warm{engine:>9.3f} s engine")


def main() -> None:
    from bench.browser import bench_env
    from bench.run import SCALES, write_csv_folder

    parser = argparse.ArgumentParser(prog="python -m bench.clickhouse")
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    folder = args.dir / args.scale
    env = bench_env(folder / "data")
    os.environ.update({k: v for k, v in env.items() if k.startswith("PULSE_")})
    from settings import load_settings
    from store.database import AppStore

    store = AppStore(load_settings().app_db_url)  # the sync records its run there; surveys for their page
    store.migrate()
    if not (folder / "csv" / "activities.csv").exists():
        import clock
        from bench.run import SURVEYED, survey_sample
        from data_sources import demo
        from surveys import demo as survey_demo

        members, activities = SCALES[args.scale]
        print(f"Generating {members:,} members and {activities:,} activities…", file=sys.stderr)
        frames = demo.generate_community(today=clock.today(), members=members, activities=activities)
        write_csv_folder(frames, folder / "csv")
        surveyed = survey_sample(frames, members=SURVEYED[args.scale])
        survey_demo.store_surveys(store, survey_demo.generate_surveys(surveyed, today=clock.today()), now=clock.now())
    store.dispose()
    measured = measure(env, folder / "csv", args.runs)
    print_table(measured)
    print(json.dumps(measured, default=str))


if __name__ == "__main__":
    main()
