"""A large CSV file read a block at a time (data_sources/streamed.py) gives what the whole read
gives: the same typed frames and warnings, or the same refusal with the file's own row numbers."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

import schema
from data_sources import identities, read_cache, streamed, warehouse
from data_sources.errors import InvalidData
from data_sources.streamed import read_validated
from data_sources.sync import read_cache_dir, run_sync, sync
from data_sources.validate import Parsing
from data_sources.warehouse import Warehouse, build_warehouse, table_rows
from tests import community, test_read_cache, test_sync
from tests.test_read_cache import ACTIVITIES, same_as_whole

UTC = Parsing()
folder = test_read_cache.folder  # the fixture: an export folder of every table
HEADER = ACTIVITIES.splitlines()[0]


@pytest.fixture
def blocks(monkeypatch) -> list[int]:
    """Every CSV file streams, in blocks of about ten lines; the rows of each block read, in order."""
    monkeypatch.setattr(streamed, "STREAMED_BYTES", 0)
    monkeypatch.setattr(streamed, "BLOCK", 512)
    seen: list[int] = []
    cells = streamed._cells

    def counted(batch):
        seen.append(batch.num_rows)
        return cells(batch)

    monkeypatch.setattr(streamed, "_cells", counted)
    return seen


def write_activities(folder: Path, lines: list[str]) -> Path:
    path = folder / "activities.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def activity(number: int, *, member: str = "m1", at: str = "2025-01-05 11:00:00", points: str = "1") -> str:
    return f"a{number},{member},{at},post,forum,,{points}"


def test_a_file_read_in_blocks_gives_the_whole_reads_frames(folder, tmp_path, blocks):
    lines = [activity(number, member="m2" if number % 3 else "m1") for number in range(200)]
    lines[50:50] = [
        "",
        'a900,m1,2025-01-06 09:00:00,"comment',
        'on two lines",forum,,5',
    ]  # a blank line, a value over two
    lines.append(activity(901, member="zz"))  # an unknown member, said once for the whole table
    write_activities(folder, lines)
    same_as_whole(folder, tmp_path / "cache")
    assert len(blocks) > 5  # every table of the folder, activities in many blocks
    read = streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC)
    assert read is not None and len(read.frame) == 202 and read.problems == []


def test_a_problem_in_a_later_block_names_the_files_row(folder, tmp_path, blocks):
    lines = [activity(number) for number in range(200)]
    lines.insert(10, ",,,,,,")  # a blank row keeps its number: the rows after it are numbered as in the file
    lines[150] = activity(149, at="the day after")  # line 152 of the file, its row 152
    write_activities(folder, lines)
    read = streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC)
    assert read is not None and len(blocks) > 3
    assert [(problem.row, problem.column) for problem in read.problems] == [(152, "occurred_at")]
    same_as_whole(folder, tmp_path / "cache")


def test_an_id_repeated_in_another_block_is_refused_with_its_row(folder, tmp_path, blocks):
    lines = [activity(number) for number in range(200)]
    lines.insert(3, ",,,,,,")
    lines.append(activity(7))  # a7 again, in the last block: line 203 of the file
    write_activities(folder, lines)
    read = streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC)
    assert read is not None
    assert [(problem.row, problem.column) for problem in read.problems] == [(203, "activity_id")]
    same_as_whole(folder, tmp_path / "cache")


def test_problems_of_every_block_and_column_are_listed_as_a_whole_read_lists_them(folder, tmp_path, blocks):
    lines = [activity(number, points="many" if number % 5 == 0 else "1") for number in range(300)]  # 60 bad cells…
    lines[250] = activity(250, at="later")  # …59 (a250's good now); a late bad date, a repeated id: first and last
    lines.append(activity(3))
    write_activities(folder, lines)
    read = streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC)
    assert read is not None and len(read.problems) == 23
    assert [(problem.row, problem.column) for problem in read.problems][:3] == [
        (252, "occurred_at"),
        (2, "points"),
        (7, "points"),
    ]
    # After the first twenty, the points' other bad rows are counted on a line of their own.
    assert (read.problems[-2].row, read.problems[-2].column) == (None, "points")
    assert read.problems[-2].message == "39 more rows in this column cannot be read either"  # 59 bad: a250 has 1
    said = InvalidData(read.problems).text("en").splitlines()
    assert len(said) == 21 and said[-1] == "… and 41 more problems."  # the 20th bad point, 39 more, the id
    assert (read.problems[-1].row, read.problems[-1].column) == (302, "activity_id")
    same_as_whole(folder, tmp_path / "cache")


def test_problems_under_chinese_headers_are_named_and_listed_as_a_whole_read_does(folder, tmp_path, blocks):
    """Each column as the file names it, 发生时间 (occurred_at): a block's problems in the same order as
    the whole read's, a repeated id's too."""
    chinese = "行为ID,成员ID,发生时间,行为类型,platform,campaign_id,points"
    lines = [activity(number) for number in range(200)]
    lines[150] = activity(150, at="the day after")
    lines[20] = "a20,,2025-01-05 11:00:00,post,forum,,1"  # no member
    lines.append(activity(7))
    (folder / "activities.csv").write_text("\n".join([chinese, *lines]) + "\n", encoding="utf-8")
    read = streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC)
    assert read is not None and len(blocks) > 3
    assert [(problem.row, problem.column) for problem in read.problems] == [
        (22, "成员ID (member_id)"),
        (152, "发生时间 (occurred_at)"),
        (202, "行为ID (activity_id)"),
    ]
    same_as_whole(folder, tmp_path / "cache")


@pytest.mark.parametrize("day", ["05/03/2025 10:00", " 05/03/2025 10:00"])  # a space before it too
def test_dates_whose_order_the_whole_column_decides_are_read_whole(folder, tmp_path, blocks, day):
    lines = [activity(number, at=day) for number in range(100)]
    lines += [activity(number, at=day.replace("05/", "13/")) for number in range(100, 200)]  # 13: day first
    write_activities(folder, lines)
    assert streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC) is None
    assert len(blocks) == 1  # the first block decided it; the thread parsing the next one has ended
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("pulse-csv")]
    same_as_whole(folder, tmp_path / "cache")


def test_problems_of_tables_read_in_blocks_and_whole_are_listed_in_the_tables_order(
    folder, tmp_path, blocks, monkeypatch
):
    members = folder / "members.csv"
    members.write_text(members.read_text().replace("2025-01-05 10:00:00", "soon"), encoding="utf-8")
    write_activities(folder, [activity(number, points="x" if number == 150 else "1") for number in range(200)])
    monkeypatch.setattr(streamed, "STREAMED_BYTES", members.stat().st_size + 1)  # activities in blocks alone
    with pytest.raises(InvalidData) as refused:
        read_cache.read_folder_validated(folder, parsing=UTC, cache=tmp_path / "cache")
    assert [problem.file for problem in refused.value.problems] == ["members.csv", "activities.csv"]
    same_as_whole(folder, tmp_path / "cache")


def test_a_spill_that_cannot_be_written_or_a_read_stopped_leaves_no_file(folder, tmp_path, blocks, monkeypatch):
    path = write_activities(folder, [activity(number) for number in range(200)])
    spill = tmp_path / "spill.tmp"
    real = pa.ipc.new_file

    def full_disk(*args, **kwargs):
        real(*args, **kwargs).close()  # the file is made, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pa.ipc, "new_file", full_disk)
    assert streamed.read_validated(path, name="activities", parsing=UTC, spill=spill) is None  # read whole
    assert not spill.exists()
    monkeypatch.setattr(pa.ipc, "new_file", real)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(streamed, "_repeated", stopped)
    with pytest.raises(KeyboardInterrupt):
        streamed.read_validated(path, name="activities", parsing=UTC, spill=spill)
    assert not spill.exists()


def test_a_file_not_in_utf8_is_read_whole(folder, tmp_path, blocks):
    path = folder / "members.csv"
    path.write_bytes(
        (
            "member_id,name,email,joined_at,channel,region,segment,is_team\n" + "m1,张伟,,2025-01-05,wechat,CN,dev,no\n"
        ).encode("gbk")
    )
    assert streamed.read_validated(path, name="members", parsing=UTC) is None
    same_as_whole(folder, tmp_path / "cache")


def test_bytes_not_in_utf8_in_a_later_block_send_the_file_to_the_whole_read(folder, tmp_path, blocks):
    """The next block is parsed while one is validated (streamed._read_ahead): what it raises is
    raised where that block is taken, after the blocks before it."""
    path = write_activities(folder, [activity(number) for number in range(200)])
    with path.open("ab") as file:
        file.write("a200,m1,2025-01-05 11:00:00,post,论坛,,1\n".encode("gbk"))
    assert streamed.read_validated(path, name="activities", parsing=UTC, spill=tmp_path / "spill") is None
    assert len(blocks) > 1 and sum(blocks) < 201  # blocks were read, and not the last
    assert not (tmp_path / "spill").exists()


@pytest.mark.parametrize(
    "header",
    ["activity_id,member_id,occurred_at,kind,platform,campaign_id,points,points", "activity_id,occurred_at,kind"],
)
def test_headers_the_whole_read_says_something_about_are_read_whole(folder, tmp_path, blocks, header):
    path = folder / "activities.csv"
    path.write_text(header + "\n" + "a1,m1,2025-01-05 11:00:00,post,forum,,1,1\n", encoding="utf-8")
    assert streamed.read_validated(path, name="activities", parsing=UTC) is None
    same_as_whole(folder, tmp_path / "cache")


env = test_sync.env  # the fixture: a data folder and a migrated app store


def warehouse_tables(settings) -> dict[str, pd.DataFrame]:
    warehouse = Warehouse(settings.warehouse_url)
    return {
        table.name: warehouse.run(sa.select(table).order_by(*table.primary_key.columns or table.columns))
        for table in schema.metadata.sorted_tables
    }


def test_a_sync_in_blocks_builds_the_warehouse_a_whole_read_builds(env, tmp_path, monkeypatch):
    settings, store = env
    lines = [activity(number, member="m2" if number % 4 else "m1") for number in range(300)]
    lines.append(activity(999, member="zz"))  # an unknown member, said as the whole read says it
    members = test_sync.MEMBERS_CSV
    folder = test_sync.write_folder(tmp_path / "in", members=members, activities="\n".join([HEADER, *lines]) + "\n")
    whole = sync(settings=settings, app_store=store, source=str(folder))
    built = warehouse_tables(settings)
    monkeypatch.setattr(streamed, "STREAMED_BYTES", 0)
    monkeypatch.setattr(streamed, "BLOCK", 1024)
    reads: list[streamed.Streamed | None] = []

    def read(*args, **kwargs):
        reads.append(read_validated(*args, **kwargs))
        return reads[-1]

    monkeypatch.setattr(read_cache, "read_validated", read)
    read_cache.forget(read_cache_dir(settings))  # else the unchanged files are not read again
    in_blocks = sync(settings=settings, app_store=store, source=str(folder), full=True)
    assert [read is not None for read in reads] == [True, True]  # activities and members, each in blocks
    assert in_blocks.rows == whole.rows == {"members": 3, "activities": 301, "campaigns": 0, "campaign_members": 0}
    assert in_blocks.warnings == whole.warnings and "zz" in in_blocks.warnings[0]
    for name, frame in warehouse_tables(settings).items():
        pd.testing.assert_frame_equal(frame, built[name])


def test_a_build_that_consumes_its_frames_lets_go_of_each(tmp_path, monkeypatch):
    people = identities.gather(community.frames())
    frames, beside = dict(people.frames), people.tables
    expected = {name: len(frame) for name, frame in frames.items()}
    left_beside = []  # as each canonical table is written: the people's tables are let go of first
    create_table_sql = warehouse._create_table_sql

    def writing(table: sa.Table, source: str) -> str:
        left_beside.append(len(beside))
        return create_table_sql(table, source)

    monkeypatch.setattr(warehouse, "_create_table_sql", writing)
    path = build_warehouse(tmp_path / "warehouse.duckdb", frames, timezone="UTC", beside=beside, consume=True)
    assert frames == {} and beside == {}
    assert left_beside == [0] * len(expected)
    assert table_rows(path) == expected
    built = Warehouse(f"duckdb:///{path}")
    try:
        assert len(built.run(sa.select(identities.member_identities))) == len(people.identities)
    finally:
        built.dispose()


def test_spilled_blocks_are_the_cache_s_part_and_a_refused_read_leaves_none(folder, tmp_path, blocks):
    lines = [activity(number) for number in range(200)]
    path = write_activities(folder, lines)
    held = streamed.read_validated(path, name="activities", parsing=UTC)
    spilled = streamed.read_validated(path, name="activities", parsing=UTC, spill=tmp_path / "spill.tmp")
    assert held is not None and spilled is not None and spilled.frame.columns.tolist() == held.frame.columns.tolist()
    pd.testing.assert_frame_equal(spilled.frame, held.frame)
    cache = tmp_path / "cache"
    same_as_whole(folder, cache)
    assert sorted(file.name for file in (cache / "activities").iterdir()) == ["part-000001.arrow", "state.json"]
    write_activities(folder, [*lines, activity(7)])  # a repeated id: refused
    same_as_whole(folder, cache)
    assert not list(cache.glob("*/*.tmp"))
    write_activities(folder, [*lines, activity(300)])  # read well, but the members are refused
    members = folder / "members.csv"
    members.write_text(members.read_text().replace("2025-01-05 10:00:00", "soon"), encoding="utf-8")
    same_as_whole(folder, cache)
    assert not list(cache.glob("*/*.tmp"))


def test_a_sync_leaves_the_frames_its_loader_gave_to_the_loaders_caller(env):
    settings, store = env
    given = community.frames()
    result = run_sync(settings=settings, app_store=store, source="demo", load=lambda: (given, []))
    assert sorted(given) == sorted(result.rows) and all(len(given[name]) == rows for name, rows in result.rows.items())


def test_one_more_bad_row_is_said_as_one(folder, tmp_path, blocks):
    lines = [activity(number, points="many" if number < 21 else "1") for number in range(60)]  # 21 bad cells
    write_activities(folder, lines)
    read = streamed.read_validated(folder / "activities.csv", name="activities", parsing=UTC)
    assert read is not None and len(read.problems) == 21
    assert str(read.problems[-1].message) == "1 more row in this column cannot be read either"
    same_as_whole(folder, tmp_path / "cache")
