"""Sync: CSV folders in, clear errors out, and an atomic warehouse swap readers notice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import schema
from data_sources import demo
from data_sources.errors import InvalidData
from data_sources.sync import recent_runs, sync
from data_sources.warehouse import Warehouse
from errors import kept_text
from settings import load_settings
from store import tables
from store.database import AppStore
from surveys import demo as survey_demo

MEMBERS_CSV = """member_id,name,email,joined_at,channel,region,segment,is_team
m1,Ada,ada@example.org,2025-01-05 10:00:00,forum,EU,dev,false
m2,"Bo, Jr.",bo@example.org,2025-01-06T08:00:00+08:00,event,APAC,biz,no
m3,Team,t@example.org,2025-01-01,staff,EU,team,TRUE
"""
ACTIVITIES_CSV = """activity_id,member_id,occurred_at,kind,platform,campaign_id,points
a1,m1,2025-01-05 11:00:00,post,forum,,10
a2,m2,2025-01-06 09:00:00,comment,forum,,5
a3,zz,2025-01-06 09:00:00,comment,forum,,
"""


def write_folder(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE", "PULSE_COMMUNITY_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    yield settings, store
    store.dispose()


def test_csv_folder_is_synced_with_types_and_utc(env, tmp_path):
    settings, store = env
    folder = write_folder(tmp_path / "in", members=MEMBERS_CSV, activities=ACTIVITIES_CSV)
    result = sync(settings=settings, app_store=store, source=str(folder))
    assert result.rows == {"members": 3, "activities": 3, "campaigns": 0, "campaign_members": 0}
    assert "zz" in result.warnings[0]  # unknown member reported, not fatal
    members = Warehouse(settings.warehouse_url).run(sa.select(schema.members).order_by(schema.members.c.member_id))
    assert members["name"].tolist() == ["Ada", "Bo, Jr.", "Team"]
    assert members["is_team"].tolist() == [False, False, True]
    assert str(members.loc[1, "joined_at"]) == "2025-01-06 00:00:00"  # +08:00 converted to UTC
    run = store.run(sa.select(tables.sync_runs))
    assert run[["status", "source"]].values.tolist() == [["succeeded", str(folder)]]


@pytest.mark.parametrize(
    ("members_csv", "expected"),
    [
        (
            MEMBERS_CSV.replace("2025-01-05 10:00:00", "yesterday"),
            "members.csv, row 2, column joined_at: 'yesterday' is not a date/time",
        ),
        (MEMBERS_CSV.replace("m2,", "m1,"), "members.csv, row 3, column member_id: duplicate id 'm1'"),
        (MEMBERS_CSV.replace(",false", ",maybe"), "members.csv, row 2, column is_team: 'maybe' is not true/false"),
        (MEMBERS_CSV.replace("m1,Ada", ",Ada"), "members.csv, row 2, column member_id: a value is required"),
        (MEMBERS_CSV.replace("joined_at,", "joined,"), "members.csv, column joined_at: required column is missing"),
    ],
)
def test_malformed_file_names_file_row_column_and_keeps_previous_warehouse(env, tmp_path, members_csv, expected):
    settings, store = env
    sync(
        settings=settings,
        app_store=store,
        source=str(write_folder(tmp_path / "good", members=MEMBERS_CSV, activities=ACTIVITIES_CSV)),
    )
    before = settings.warehouse_path.resolve()
    bad = write_folder(tmp_path / "bad", members=members_csv, activities=ACTIVITIES_CSV)
    with pytest.raises(InvalidData) as error:
        sync(settings=settings, app_store=store, source=str(bad))
    assert expected in error.value.user_message
    assert settings.warehouse_path.resolve() == before
    assert len(list(settings.data_dir.glob("warehouse-*.duckdb"))) == 1
    statuses = store.run(sa.select(tables.sync_runs.c.status).order_by(tables.sync_runs.c.id))["status"].tolist()
    assert statuses == ["succeeded", "failed"]


def test_bad_number_in_activities_is_located(env, tmp_path):
    settings, store = env
    folder = write_folder(tmp_path / "in", members=MEMBERS_CSV, activities=ACTIVITIES_CSV.replace(",,10", ",,ten"))
    with pytest.raises(InvalidData, match=re.escape("activities.csv, row 2, column points: 'ten' is not a number")):
        sync(settings=settings, app_store=store, source=str(folder))


def test_missing_members_file_is_reported(env, tmp_path):
    settings, store = env
    folder = write_folder(tmp_path / "in", activities=ACTIVITIES_CSV)
    with pytest.raises(InvalidData, match=re.escape("members: required table is missing")):
        sync(settings=settings, app_store=store, source=str(folder))


def test_open_reader_notices_a_swap(env, tmp_path):
    settings, store = env
    sync(
        settings=settings,
        app_store=store,
        source=str(write_folder(tmp_path / "one", members=MEMBERS_CSV, activities=ACTIVITIES_CSV)),
    )
    reader = Warehouse(settings.warehouse_url)
    count = sa.select(sa.func.count()).select_from(schema.members)
    first_version = reader.version()
    assert reader.run(count).iloc[0, 0] == 3
    held = reader._current_engine().connect()  # a query still running on the old build
    fewer = "\n".join(MEMBERS_CSV.splitlines()[:3]) + "\n"
    sync(
        settings=settings,
        app_store=store,
        source=str(write_folder(tmp_path / "two", members=fewer, activities=ACTIVITIES_CSV)),
    )
    assert reader.version() != first_version
    assert reader.run(count).iloc[0, 0] == 2
    held.close()
    reader.dispose()


def test_demo_is_deterministic_and_shaped_like_a_community():
    first = demo.generate_community(today=date(2026, 1, 15), members=800, activities=30_000)
    second = demo.generate_community(today=date(2026, 1, 15), members=800, activities=30_000)
    for name in first:
        assert first[name].equals(second[name]), name
    activities, members = first["activities"], first["members"]
    assert members["member_id"].is_unique and activities["activity_id"].is_unique
    assert 25_000 < len(activities) < 36_000
    assert activities["occurred_at"].max() < pd.Timestamp("2026-01-15")
    per_member = activities.groupby("member_id").size()
    top_share = per_member.nlargest(len(per_member) // 20).sum() / per_member.sum()
    assert top_share > 0.3  # heavy tail: the top 5% make a large share of all activity
    assert set(first["campaign_members"]["status"]) == {"invited", "registered", "attended"}
    surveys = survey_demo.generate_surveys(first, today=date(2026, 1, 15))
    assert set(surveys.feedback["language"]) == {"en", "zh"}


def test_demo_surveys_replace_only_demo_rows_and_store_nulls(new_postgres_database):
    store = AppStore(new_postgres_database("demo"))
    store.migrate()
    community = demo.generate_community(today=date(2026, 1, 15), members=300, activities=8_000)
    surveys = survey_demo.generate_surveys(community, today=date(2026, 1, 15))
    now = pd.Timestamp("2026-01-15").to_pydatetime()
    written = survey_demo.store_surveys(store, surveys, now=now)
    survey_id = int(store.run(sa.select(tables.surveys.c.id).limit(1)).iloc[0, 0])
    with store.begin() as connection:  # a real response collected beside the demo
        connection.execute(
            tables.responses.insert().values(survey_id=survey_id, idempotency_key="real", source="web", completed=True)
        )
    assert survey_demo.store_surveys(store, surveys, now=now) == written
    responses = store.run(sa.select(tables.responses.c.source, sa.func.count()).group_by(tables.responses.c.source))
    assert dict(responses.values.tolist()) == {"demo": len(surveys.responses), "web": 1}
    assert written == surveys.responses["completed"].sum() < len(surveys.responses)  # a few abandoned
    text_numbers = store.run(
        sa.select(sa.func.count())
        .select_from(tables.answers)
        .where(tables.answers.c.question_type == "long_text", tables.answers.c.value_num.is_not(None))
    )
    assert text_numbers.iloc[0, 0] == 0
    store.dispose()


INTERRUPTED_SYNC = """
import sys, time
from pathlib import Path
import data_sources.warehouse as warehouse
from data_sources.sync import recent_runs, sync
from settings import load_settings
from store.database import AppStore

def stall(connection, **_):  # the new tables are written; the process dies before the swap
    Path(sys.argv[2]).touch()
    time.sleep(60)

warehouse.build_rollup = stall
settings = load_settings()
sync(settings=settings, app_store=AppStore(settings.app_db_url), source=sys.argv[1])
"""


def test_a_sync_killed_midway_leaves_the_old_warehouse_in_use_and_is_marked_interrupted(env, tmp_path):
    settings, store = env
    old = write_folder(tmp_path / "old", members=MEMBERS_CSV, activities=ACTIVITIES_CSV)
    sync(settings=settings, app_store=store, source=str(old))
    new = write_folder(
        tmp_path / "new", members="\n".join(MEMBERS_CSV.splitlines()[:2]) + "\n", activities=ACTIVITIES_CSV
    )
    marker = tmp_path / "stalled"
    script = tmp_path / "interrupted_sync.py"
    script.write_text(INTERRUPTED_SYNC, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), str(new), str(marker)],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        for _ in range(600):
            if marker.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), "the sync did not reach its build"
    finally:
        process.kill()
        process.wait()
    builds = sorted(settings.data_dir.glob("warehouse-*.duckdb"))
    assert len(builds) == 2  # the one in use and the half-made one
    reader = Warehouse(settings.warehouse_url)
    assert reader.run(sa.select(sa.func.count()).select_from(schema.members)).iloc[0, 0] == 3  # still the old data
    reader.dispose()
    assert recent_runs(store)["status"].tolist() == ["running", "succeeded"]

    sync(settings=settings, app_store=store, source=str(new))  # the lock died with the process
    runs = recent_runs(store)
    assert runs["status"].tolist() == ["succeeded", "interrupted", "succeeded"]
    interrupted = runs.iloc[1]
    assert kept_text(interrupted["error_said"], interrupted["error"], "zh-CN") == (
        "本次同步未完成就停止了（其进程已结束）；正在使用上一次完整的数据仓库。"
    )
    assert builds[1] not in set(settings.data_dir.glob("warehouse-*.duckdb"))  # the half-made build is gone


def test_a_reader_during_swaps_sees_one_whole_build_or_the_other(env, tmp_path):
    settings, store = env
    three = write_folder(tmp_path / "three", members=MEMBERS_CSV, activities=ACTIVITIES_CSV)
    two_members = "\n".join(MEMBERS_CSV.splitlines()[:3]) + "\n"
    two = write_folder(
        tmp_path / "two", members=two_members, activities="\n".join(ACTIVITIES_CSV.splitlines()[:3]) + "\n"
    )
    sync(settings=settings, app_store=store, source=str(three))
    reader = Warehouse(settings.warehouse_url)
    both = sa.select(
        sa.select(sa.func.count()).select_from(schema.members).scalar_subquery(),
        sa.select(sa.func.count()).select_from(schema.activities).scalar_subquery(),
    )
    seen: set[tuple[int, int]] = set()
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.add(tuple(int(value) for value in reader.run(both).iloc[0]))
            except BaseException as error:  # any failure is the finding
                errors.append(error)
                return

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for source in (two, three, two, three):
            sync(settings=settings, app_store=store, source=str(source))
    finally:
        done.set()
        thread.join()
        reader.dispose()
    assert errors == []
    assert seen == {(3, 3), (2, 2)}  # never two members beside three activities
