"""`python -m bench.increment` (bench/increment.py): the bench's incremental sync repeated alone on a
scratch copy of a CSV folder, synced whole first; each run appends its own 10,000 activities and
syncs them as an increment, and the folder it was given stays as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pytest

import clock
from bench import increment
from bench.increment import ADDED
from bench.run import write_csv_folder
from data_sources import append
from data_sources.sync import sync
from tests import community, test_sync

ROOT = Path(__file__).resolve().parent.parent
env = test_sync.env  # the fixture: a data folder and a migrated app store


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def test_each_run_appends_its_own_activities_as_an_increment(tmp_path):
    frames = community.frames()
    write_csv_folder(frames, tmp_path / "csv")
    given = _lines(tmp_path / "csv" / "activities.csv")
    stale = tmp_path / "scratch" / "csv"  # an earlier run's copy, grown: copied again
    write_csv_folder(frames, stale)
    (stale / "activities.csv").write_text("no longer a CSV of activities\n", encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith("PULSE_")}
    env["PULSE_SECRETS_FILE"] = str(tmp_path / "no-secrets.toml")  # not a developer's .streamlit/secrets.toml
    command = [sys.executable, "-m", "bench.increment", "--csv", str(tmp_path / "csv"), "--scratch"]
    done = subprocess.run(
        [*command, str(tmp_path / "scratch"), "--runs", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    runs = [line for line in done.stdout.splitlines() if line.startswith("increment ")]
    assert len(runs) == 2 and all("), incremental: Only new rows: 10,000 activities" in line for line in runs), runs
    assert _lines(tmp_path / "csv" / "activities.csv") == given  # the folder given is not touched
    assert _lines(tmp_path / "scratch" / "csv" / "activities.csv") == given + 2 * ADDED
    with duckdb.connect(str(tmp_path / "scratch" / "data" / "warehouse.duckdb"), read_only=True) as warehouse:
        (stored,) = warehouse.execute("SELECT count(*) FROM activities").fetchone()
    assert stored == len(frames["activities"]) + 2 * ADDED


def test_a_scratch_folder_that_holds_the_csv_folder_is_refused(tmp_path):
    write_csv_folder(community.frames(), tmp_path / "csv")
    command = [sys.executable, "-m", "bench.increment", "--csv", str(tmp_path / "csv"), "--scratch", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--scratch holds the CSV folder" in done.stderr
    assert (tmp_path / "csv" / "activities.csv").exists()


def test_an_increment_is_timed_as_cli_sync_runs_it_the_folder_read_within_the_sync(env, tmp_path, monkeypatch):
    """The warehouse's copy for the increment is made while the folder is read, as in `cli.py sync`:
    timed with the folder read first and the sync after, the copy waited after the reading (0.2 s
    at the large scale) that no sync waits for."""
    settings, store = env
    folder = tmp_path / "csv"
    write_csv_folder(community.frames(), folder)
    assert sync(settings=settings, app_store=store, source=str(folder)).mode == "full"
    events: list[str] = []
    copying = append.BuildCopy.__init__
    reading = increment.load_community

    def copy(self, path):
        events.append("copy")
        copying(self, path)

    def read(*args, **kwargs):
        events.append("read")
        return reading(*args, **kwargs)

    monkeypatch.setattr(append.BuildCopy, "__init__", copy)
    monkeypatch.setattr(increment, "load_community", read)
    added = increment.added_activities(pacsv.read_csv(folder / "activities.csv").to_pandas(), now=clock.now())
    result = increment.measure(added, folder, settings=settings, store=store, now=clock.now())
    assert result["mode"] == "incremental", result["reason"]
    assert events == ["copy", "read"]
    assert 0 < result["read_s"] < result["total_s"] == pytest.approx(result["read_s"] + result["append_s"])
