"""The bench's incremental sync: 10,000 activities added to the CSV export the warehouse was synced
from (most of them today, a tenth on old days, as late data arrives), then synced again; issue 26
sets the whole at 5 s or less at the large scale. Timed in two parts: reading the folder (its grown
file from where the last read ended, data_sources/read_cache.py; the files the same to the byte from
the cache), and the rest of the run (comparing with the warehouse, appending to a copy, updating the
rollup, swapping it in)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

import metrics.registered  # noqa: F401 (keep the figures in the rollups built here, as cli.py and the app do)
from data_sources.sync import load_community, run_sync
from settings import Settings
from store.database import AppStore

ADDED = 10_000
LATE_SHARE = 0.1  # of the added activities, on a day already in the warehouse


def added_activities(activities: pd.DataFrame, *, now: datetime, count: int = ADDED) -> pd.DataFrame:
    """`count` activities shaped like the generated ones (members, kinds, platforms drawn from them),
    with new ids: most in the hours before `now`, a tenth on days up to a year back."""
    rng = np.random.default_rng(26)
    drawn = activities.sample(n=count, random_state=26, replace=True).reset_index(drop=True)
    back = rng.uniform(0, 6 * 3600, count)
    late = rng.random(count) < LATE_SHARE
    back[late] = rng.uniform(1, 365, late.sum()) * 86_400
    stamps = pd.Timestamp(now) - pd.to_timedelta(back, unit="s")
    return drawn.assign(
        activity_id=[f"added-{n}" for n in range(count)],
        occurred_at=stamps.floor("s").astype(drawn["occurred_at"].dtype),
    )


def measure(added: pd.DataFrame, csv_folder: Path, *, settings: Settings, store: AppStore, now: datetime) -> dict:
    """Append the `added` activities (added_activities) to activities.csv and sync the folder again;
    the two parts' seconds."""
    with (csv_folder / "activities.csv").open("ab") as handle:
        options = pacsv.WriteOptions(include_header=False)
        pacsv.write_csv(pa.Table.from_pandas(added, preserve_index=False), handle, write_options=options)
    started = time.perf_counter()
    loaded = load_community(str(csv_folder), settings=settings)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    result = run_sync(settings=settings, app_store=store, source=str(csv_folder), load=lambda: loaded)
    return {
        "activities": ADDED,
        "late": int((added["occurred_at"] < pd.Timestamp(now) - timedelta(hours=6)).sum()),
        "read_s": read_s,
        "append_s": (append_s := time.perf_counter() - started),
        "total_s": read_s + append_s,
        "mode": result.mode,
        "reason": str(result.reason),
    }
