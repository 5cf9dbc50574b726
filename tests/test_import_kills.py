"""kill -9 during `cli.py import` and `cli.py sync`: the warehouse stays as it was, and the next
import succeeds and leaves no staged folder or half-made build behind.

Each run is killed at a moment it shows from outside: it holds the sync lock (reading files), its
staged folder exists (an import's tables written), its new build exists (the warehouse being
written). The runs go in parallel, one data folder each, so the whole test takes one start-up.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

import schema
from data_sources.sync import import_files, recent_runs, sync
from data_sources.warehouse import Warehouse, table_rows
from settings import load_settings
from store.database import AppStore
from tests.security_corpus.files import ACTIVITIES, MEMBERS

ROOT = Path(__file__).resolve().parent.parent
MEMBERS_N, ACTIVITIES_N = 10_000, 100_000  # big enough that each moment lasts a good fraction of a second


def locked(data_dir: Path) -> bool:
    """The run holds the data folder's sync lock: it is reading and validating."""
    with (data_dir / "sync.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def staged(data_dir: Path) -> bool:
    current = (data_dir / "imports").resolve()
    return any(path.resolve() != current for path in data_dir.glob("imports-*"))


def building(data_dir: Path) -> bool:
    current = Path(os.path.realpath(data_dir / "warehouse.duckdb")).name
    return any(path.name > current for path in data_dir.glob("warehouse-*.duckdb"))


MOMENTS: dict[str, Callable[[Path], bool]] = {"locked": locked, "staged": staged, "building": building}
RUNS = [("import", "locked"), ("import", "staged"), ("import", "building"), ("sync", "locked"), ("sync", "building")]


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    with (folder / "members.csv").open("w", encoding="utf-8") as out:
        out.write("member_id,name,joined_at\n")
        out.writelines(f"m{n},Member {n},2025-01-{n % 28 + 1:02d} 10:00:00\n" for n in range(MEMBERS_N))
    with (folder / "activities.csv").open("w", encoding="utf-8") as out:
        out.write("activity_id,member_id,occurred_at,kind,points\n")
        out.writelines(
            f"a{n},m{n % MEMBERS_N},2025-02-{n % 28 + 1:02d} {n % 24:02d}:00:00,post,{n % 7}\n"
            for n in range(ACTIVITIES_N)
        )
    return folder


def environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULSE_")}
    env |= {"PULSE_DATA_DIR": str(data_dir), "PULSE_SECRETS_FILE": str(data_dir / "none.toml")}
    return env | {"PULSE_COMMUNITY_SOURCE": "imports", "PYTHONPATH": str(ROOT)}


def small_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "members.csv").write_text(MEMBERS, encoding="utf-8")
    (folder / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    return [folder / "members.csv", folder / "activities.csv"]


def prepare(root: Path, command: str, big: Path, monkeypatch) -> tuple[Path, list[str]]:
    """A data folder whose warehouse holds the small community, and the command that replaces it."""
    data_dir = root / "data"
    for key, value in environment(data_dir).items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    if command == "import":
        import_files(small_files(root / "small"), settings=settings, app_store=store)
        argv = ["import", str(big / "members.csv"), str(big / "activities.csv")]
    else:
        source = root / "exports"
        small_files(source)
        sync(settings=settings, app_store=store, source=str(source))
        for name in ("members.csv", "activities.csv"):  # the same source, grown since
            (source / name).write_bytes((big / name).read_bytes())
        argv = ["sync", "--source", str(source)]
    store.dispose()
    return data_dir, argv


def snapshot(data_dir: Path) -> dict[str, object]:
    warehouse = Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    try:
        members = warehouse.run(sa.select(schema.members.c.member_id).order_by("member_id"))["member_id"].tolist()
    finally:
        warehouse.dispose()
    imports = data_dir / "imports"
    return {
        "build": os.path.realpath(data_dir / "warehouse.duckdb"),
        "rows": table_rows(data_dir / "warehouse.duckdb"),
        "members": members,
        "imports": imports.resolve().name if imports.is_symlink() else None,
    }


def test_runs_killed_midway_change_nothing_and_leave_nothing_behind(big, tmp_path, monkeypatch):
    runs = []
    for command, moment in RUNS:
        data_dir, argv = prepare(tmp_path / f"{command}-{moment}", command, big, monkeypatch)
        runs.append((command, moment, data_dir, argv, snapshot(data_dir)))
    processes = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), *argv],
            cwd=ROOT,
            env=environment(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _, _, data_dir, argv, _ in runs
    ]
    killed: dict[int, bool] = {}
    try:
        deadline = time.monotonic() + 120
        while len(killed) < len(runs) and time.monotonic() < deadline:
            for index, ((_, moment, data_dir, _, _), process) in enumerate(zip(runs, processes, strict=True)):
                if index in killed:
                    continue
                if MOMENTS[moment](data_dir):
                    process.send_signal(signal.SIGKILL)
                    killed[index] = True
                elif process.poll() is not None:
                    killed[index] = False  # finished before its moment came
            time.sleep(0.005)
    finally:
        for process in processes:
            process.kill()
            process.wait()
    assert [killed.get(index) for index in range(len(runs))] == [True] * len(runs)

    for command, moment, data_dir, _, before in runs:
        assert snapshot(data_dir) == before, f"{command} killed while {moment}"
        for key, value in environment(data_dir).items():
            monkeypatch.setenv(key, value)
        settings = load_settings()
        store = AppStore(settings.app_db_url)
        try:
            result = import_files(small_files(data_dir.parent / "again"), settings=settings, app_store=store)
            assert result.rows["members"] == 3
            statuses = recent_runs(store)["status"].tolist()  # killed before or after it recorded its start
            assert statuses in (["succeeded", "succeeded"], ["succeeded", "interrupted", "succeeded"])
        finally:
            store.dispose()
        current = (data_dir / "imports").resolve()
        assert [path for path in data_dir.glob("imports-*") if path.resolve() != current] == []
        assert not building(data_dir)
        assert list(data_dir.glob(".*.link")) == []
