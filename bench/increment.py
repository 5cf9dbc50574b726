"""The bench's incremental sync: 10,000 activities added to the CSV export the warehouse was synced
from (most of them today, a tenth on old days, as late data arrives), then synced again; issue 26
sets the whole at 5 s or less at the large scale. Timed as `cli.py sync` runs it, the folder read
within the sync (whose copy of the warehouse is made meanwhile), and in two parts: reading the folder
(its grown file from where the last read ended, data_sources/read_cache.py; the files the same to
the byte from the cache), and the rest of the run (comparing with the warehouse, appending to the
copy, updating the rollup, swapping it in).

python -m bench.increment --csv bench/data/large/csv --scratch DIR [--runs 3]   this phase alone,
repeated: the CSV folder copied into DIR, synced whole there (its own process, as `make bench`
syncs), then `--runs` increments of 10,000 activities each; to compare two versions of the code,
run it from each (a git worktree) on its own scratch folder, one after the other, and compare the
runs' total seconds (this machine's speed drifts within minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

import clock
import metrics.registered  # noqa: F401 (keep the figures in the rollups built here, as cli.py and the app do)
from data_sources.sync import load_community, run_sync
from settings import Settings, load_settings
from store.database import AppStore

ROOT = Path(__file__).resolve().parent.parent

ADDED = 10_000
LATE_SHARE = 0.1  # of the added activities, on a day already in the warehouse


def added_activities(
    activities: pd.DataFrame, *, now: datetime, count: int = ADDED, prefix: str = "added"
) -> pd.DataFrame:
    """`count` activities shaped like the generated ones (members, kinds, platforms drawn from them),
    with new ids (`prefix`-n): most in the hours before `now`, a tenth on days up to a year back."""
    rng = np.random.default_rng(26)
    drawn = activities.sample(n=count, random_state=26, replace=True).reset_index(drop=True)
    back = rng.uniform(0, 6 * 3600, count)
    late = rng.random(count) < LATE_SHARE
    back[late] = rng.uniform(1, 365, late.sum()) * 86_400
    stamps = pd.Timestamp(now) - pd.to_timedelta(back, unit="s")
    return drawn.assign(
        activity_id=[f"{prefix}-{n}" for n in range(count)],
        occurred_at=stamps.floor("s").astype(drawn["occurred_at"].dtype),
    )


def append_to_csv(added: pd.DataFrame, csv_folder: Path) -> None:
    """The `added` activities written at the end of the folder's activities.csv, as an export grows."""
    with (csv_folder / "activities.csv").open("ab") as handle:
        options = pacsv.WriteOptions(include_header=False)
        pacsv.write_csv(pa.Table.from_pandas(added, preserve_index=False), handle, write_options=options)


def measure(added: pd.DataFrame, csv_folder: Path, *, settings: Settings, store: AppStore, now: datetime) -> dict:
    """Append the `added` activities (added_activities) to activities.csv and sync the folder again;
    the two parts' seconds."""
    append_to_csv(added, csv_folder)
    reading: list[float] = []

    def load() -> tuple:
        """The folder read as `cli.py sync` reads it, within the sync: the warehouse's copy for the
        increment is made while it reads (data_sources.append.BuildCopy)."""
        started = time.perf_counter()
        loaded = load_community(str(csv_folder), settings=settings)
        reading.append(time.perf_counter() - started)
        return loaded

    started = time.perf_counter()
    result = run_sync(settings=settings, app_store=store, source=str(csv_folder), load=load)
    total_s = time.perf_counter() - started
    return {
        "activities": ADDED,
        "late": int((added["occurred_at"] < pd.Timestamp(now) - timedelta(hours=6)).sum()),
        "read_s": reading[0],
        "append_s": total_s - reading[0],
        "total_s": total_s,
        "mode": result.mode,
        "reason": str(result.reason),
    }


def main() -> None:
    """Copy a CSV folder into a scratch folder, sync it whole there, then time `--runs` increments:
    the bench's phase on its own, so that two versions of the code can be compared on one machine
    minutes apart (the whole bench takes 17 minutes, and this machine's speed drifts within them)."""
    parser = argparse.ArgumentParser(prog="python -m bench.increment")
    parser.add_argument("--csv", type=Path, required=True, help="the bench's CSV folder (bench/data/SCALE/csv)")
    parser.add_argument("--scratch", type=Path, required=True, help="where its copy (csv/) and warehouse (data/) go")
    parser.add_argument("--runs", type=int, default=3, help="increments of 10,000 activities, one after another")
    args = parser.parse_args()
    csv_folder, data = args.scratch / "csv", args.scratch / "data"
    if args.csv.resolve().is_relative_to(args.scratch.resolve()):
        parser.error("--scratch holds the CSV folder: give a folder of its own")
    for folder in (csv_folder, data):  # the scratch folder's own, never anything else in it
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(args.csv, csv_folder)
    data.mkdir()
    # The scratch folder's warehouse and app store alone, whatever this checkout's secrets configure.
    secrets = args.scratch / "no-secrets.toml"
    os.environ.update(
        {"PULSE_DATA_DIR": str(data.resolve()), "PULSE_TIMEZONE": "UTC", "PULSE_SECRETS_FILE": str(secrets)}
    )
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL"):
        os.environ.pop(name, None)
    started = time.perf_counter()
    sync = [sys.executable, "cli.py", "sync", "--source", str(csv_folder.resolve()), "--full"]
    subprocess.run(sync, check=True, cwd=ROOT)  # this checkout's cli.py, as the increments use its code
    print(f"full sync {time.perf_counter() - started:.1f} s")
    # Every run's activities drawn first, so that the export's frame (gigabytes at the large scale)
    # is gone before the syncs, as in `make bench`.
    activities = pacsv.read_csv(csv_folder / "activities.csv").to_pandas()
    added = [added_activities(activities, now=clock.now(), prefix=f"added-{run}") for run in range(args.runs)]
    del activities
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    for run, rows in enumerate(added, start=1):
        result = measure(rows, csv_folder, settings=settings, store=store, now=clock.now())
        print(
            f"increment {run}: {result['total_s']:.2f} s (reading {result['read_s']:.2f} s, the rest"
            f" {result['append_s']:.2f} s), {result['mode']}: {result['reason']}"
        )


if __name__ == "__main__":
    main()
