"""The read cache: a CSV file that only grew is read from where it ended, and gives exactly the tables,
warnings and fingerprints a read of the whole folder gives; anything else reads the whole file."""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pytest
import xxhash

import schema
from data_sources import read_cache
from data_sources.append import fingerprint, known_prints
from data_sources.errors import InvalidData
from data_sources.files import read_folder
from data_sources.sync import read_cache_dir, sync
from data_sources.validate import Parsing, validate
from tests import test_sync

MEMBERS = """member_id,name,email,joined_at,channel,region,segment,is_team
m1,Ada,ada@example.org,2025-01-05 10:00:00,forum,EU,dev,false
m2,"Bo, Jr.",bo@example.org,2025-01-06T08:00:00+08:00,event,APAC,biz,no
"""
ACTIVITIES = """activity_id,member_id,occurred_at,kind,platform,campaign_id,points
a1,m1,2025-01-05 11:00:00,post,forum,,10
a2,m2,2025-01-06 09:00:00,comment,forum,,5
a3,zz,2025-01-06 09:00:00,comment,forum,,
"""
NEW_LINES = """a4,m1,2025-02-01 08:00:00,post,forum,c1,3

a5,m2,2025-02-02 09:30:00,"comment
on two lines",forum,,
a6,yy,2025-02-03 10:00:00,reaction,discord,,1
"""
CAMPAIGNS = """campaign_id,name,kind,starts_at,ends_at,budget,channel
c1,Launch,webinar,2025-01-10,2025-01-11,100,forum
"""
CAMPAIGN_MEMBERS = """campaign_id,member_id,status,at
c1,m1,registered,2025-01-09 10:00:00
c1,m1,attended,2025-01-10 10:00:00
"""
UTC = Parsing()
env = test_sync.env  # the fixture: a data folder and a migrated app store


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    tables = {
        "members": MEMBERS,
        "activities": ACTIVITIES,
        "campaigns": CAMPAIGNS,
        "campaign_members": CAMPAIGN_MEMBERS,
    }
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def read(folder: Path, cache: Path, parsing: Parsing = UTC):
    return read_cache.read_folder_validated(folder, parsing=parsing, cache=cache)


def assert_as_whole(folder: Path, cache: Path, parsing: Parsing = UTC) -> None:
    """A read through the cache gives what a read of the whole folder gives, and every frame carries
    the fingerprints of its own rows."""
    through = read(folder, cache, parsing)
    whole = validate(read_folder(folder), parsing=parsing)
    assert sorted(map(str, through.warnings)) == sorted(map(str, whole.warnings))
    for name, frame in whole.frames.items():
        pd.testing.assert_frame_equal(through.frames[name], frame)
        if not (folder / f"{name}.csv").exists() or any(folder.glob("*.xlsx")):
            continue  # not read through the cache
        table = schema.metadata.tables[name]
        known = known_prints(through.frames[name], table)
        assert len(frame) in known
        for rows, value in known.items():
            assert value == fingerprint(frame.iloc[:rows], table)


def same_as_whole(folder: Path, cache: Path) -> None:
    """As assert_as_whole, for a folder whose read may be refused: then both say the same."""
    try:
        validate(read_folder(folder), parsing=UTC)
    except InvalidData as refused:
        with pytest.raises(InvalidData) as through:
            read(folder, cache)
        assert through.value.user_message == refused.user_message
        return
    assert_as_whole(folder, cache)


def parts(cache: Path, name: str) -> list[int]:
    """How many rows each part of the cached table holds."""
    return [part["rows"] for part in json.loads((cache / name / "state.json").read_text())["parts"]]


def append(path: Path, text: str, encoding: str = "utf-8") -> None:
    with path.open("ab") as handle:
        handle.write(text.encode(encoding))


def test_a_grown_file_is_read_from_where_it_ended(folder, tmp_path):
    cache = tmp_path / "cache"
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [3]
    append(folder / "activities.csv", NEW_LINES)  # a blank line, a value over two lines, an unknown member
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [3, 3]  # the new lines alone were read
    append(folder / "activities.csv", "a7,m1,2025-02-04 10:00:00,login,forum,,\n")
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [3, 3, 1]
    assert parts(cache, "members") == [2]
    append(folder / "campaign_members.csv", "c1,m2,registered,2025-01-09 11:00:00\n")
    assert_as_whole(folder, cache)
    assert parts(cache, "campaign_members") == [2, 1]
    assert "2 rows name member ids" in " ".join(read(folder, cache).warnings)  # zz's and yy's


def test_a_member_added_makes_their_old_activities_known(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    append(folder / "activities.csv", NEW_LINES)
    assert_as_whole(folder, cache)
    append(folder / "members.csv", "zz,Zed,,2025-01-07 10:00:00,forum,EU,dev,false\n")
    assert_as_whole(folder, cache)
    assert [str(warning) for warning in read(folder, cache).warnings if "not in members" in warning] == [
        "activities: 1 row names a member id that is not in members (e.g. yy); metrics leave them out."
    ]


def test_an_unchanged_folder_is_not_read_again(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    read(folder, cache)
    monkeypatch.setattr(read_cache, "RACY_NS", -(10**18))  # files written a moment ago trusted by their stat

    read(folder, cache)  # records the stat as trusted
    read_whole = []
    monkeypatch.setattr(read_cache, "read_files", lambda paths: read_whole.extend(paths) or {})
    monkeypatch.setattr(read_cache, "_prefix", lambda *args: pytest.fail("an unchanged file was hashed"))
    again = read(folder, cache)
    assert read_whole == []
    assert again.frames["activities"]["activity_id"].tolist() == ["a1", "a2", "a3"]


def test_a_file_changed_in_place_is_read_whole(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    path = folder / "activities.csv"
    path.write_text(ACTIVITIES.replace(",10\n", ",11\n"), encoding="utf-8")  # same size, another value
    assert_as_whole(folder, cache)
    assert read(folder, cache).frames["activities"]["points"].tolist()[:2] == [11.0, 5.0]
    path.write_text(ACTIVITIES.replace("a2,", "b2,") + NEW_LINES, encoding="utf-8")  # changed, and grown
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [6]
    path.write_text(ACTIVITIES, encoding="utf-8")  # shorter
    assert_as_whole(folder, cache)


@pytest.mark.parametrize(
    ("table", "lines", "message"),
    [
        (
            "activities",
            "a4,m1,2025-02-01 08:00:00,post,forum,,3\na5,m1,yesterday,post,forum,,\n",
            "activities.csv, row 6, column occurred_at: 'yesterday' is not",
        ),
        (
            "activities",
            "a4,m1,2025-02-01 08:00:00,post,forum,,3\na2,m1,2025-02-01 08:00:00,post,forum,,3\n",
            "activities.csv, row 6, column activity_id: duplicate id 'a2'",
        ),
        (
            "campaign_members",
            "c1,m2,registered,\nc1,m1,attended,2025-01-11 10:00:00\n",
            "campaign_members.csv, row 5, column campaign_id/member_id/status: duplicate id 'c1, m1, attended'",
        ),
    ],
)
def test_a_problem_in_the_new_lines_names_the_files_row(folder, tmp_path, table, lines, message):
    """A bad cell, or a key an old line has: said as a read of the whole file says it."""
    cache = tmp_path / "cache"
    read(folder, cache)
    append(folder / f"{table}.csv", lines)
    with pytest.raises(InvalidData, match=re.escape(message)):
        read(folder, cache)
    assert parts(cache, table) == [3 if table == "activities" else 2]  # nothing recorded of a read that failed


def test_a_last_line_without_its_newline_is_read_again(folder, tmp_path):
    """The last line read may have been cut short by the export still writing it."""
    cache = tmp_path / "cache"
    path = folder / "activities.csv"
    path.write_text(ACTIVITIES.rstrip("\n")[:-2], encoding="utf-8")  # a3's points cut: "" for now
    read(folder, cache)
    append(path, ",\n" + NEW_LINES)
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [6]


def test_dates_whose_order_the_whole_column_decides_are_read_whole(folder, tmp_path):
    """13/01/2025 among the old lines says the column is day first; 05/02/2025 alone would not."""
    cache = tmp_path / "cache"
    path = folder / "activities.csv"
    path.write_text(ACTIVITIES.replace("2025-01-05 11:00:00", "13/01/2025 11:00"), encoding="utf-8")
    read(folder, cache)
    append(path, "a4,m1,05/02/2025 08:00,post,forum,,3\n")
    assert_as_whole(folder, cache)
    assert str(read(folder, cache).frames["activities"]["occurred_at"].iloc[3]) == "2025-02-05 08:00:00"
    assert parts(cache, "activities") == [4]


def people(names: list[str], first: int = 1) -> str:
    return "".join(f"m{n},{name},,2025-01-05,wechat,CN,dev,false\n" for n, name in enumerate(names, start=first))


CHINESE = ["李雷", "韩梅梅", "王小明", "张伟"]


@pytest.mark.parametrize(
    ("bom", "encoding", "old", "new", "expected"),
    [
        (b"", "gb18030", CHINESE, ["Wang Fang"], [4, 1]),  # ASCII lines cannot change what is detected
        (b"", "gb18030", CHINESE, ["王芳"], [5]),  # a few names do not settle it: read whole
        (b"", "gb18030", CHINESE * 1_500, ["王芳"], [6_000, 1]),  # 256 kB of names do
        (codecs.BOM_UTF16_BE, "utf-16-be", CHINESE, ["王芳"], [5]),  # a newline's byte may be half a character
    ],
)
def test_a_file_in_another_encoding_grows(folder, tmp_path, bom, encoding, old, new, expected):
    """GB18030 (as a Chinese Excel saves CSV) is read from where it ended once its encoding is
    settled by its old lines; UTF-16 is read whole."""
    cache = tmp_path / "cache"
    path = folder / "members.csv"
    header = MEMBERS.splitlines()[0] + "\n"
    path.write_bytes(bom + (header + people(old)).encode(encoding))
    assert_as_whole(folder, cache)
    append(path, people(new, first=len(old) + 1), encoding=encoding)
    assert_as_whole(folder, cache)
    assert parts(cache, "members") == expected
    assert read(folder, cache).frames["members"]["name"].tolist() == old + new


def test_a_cache_of_another_version_is_read_whole(folder, tmp_path):
    """Version 2 digests the file with XXH3-128: a cache whose digests are SHA-256 (version 1) is
    not taken to tell a grown file from a rewritten one."""
    cache = tmp_path / "cache"
    read(folder, cache)
    state_path = cache / "activities" / "state.json"
    state = json.loads(state_path.read_text())
    assert state["digest"] == xxhash.xxh3_128((folder / "activities.csv").read_bytes()).hexdigest()
    sha256 = hashlib.sha256((folder / "activities.csv").read_bytes()).hexdigest()
    state_path.write_text(json.dumps(state | {"version": 1, "digest": sha256}))
    append(folder / "activities.csv", NEW_LINES)
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [6]  # read whole, then kept at this version
    append(folder / "activities.csv", "a7,m1,2025-02-04 10:00:00,login,forum,,\n")
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [6, 1]


def test_other_parsing_settings_read_whole(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    append(folder / "activities.csv", NEW_LINES)
    shanghai = Parsing(timezone="Asia/Shanghai")
    assert_as_whole(folder, cache, shanghai)
    assert str(read(folder, cache, shanghai).frames["activities"]["occurred_at"].iloc[0]) == "2025-01-05 03:00:00"


def test_a_damaged_cache_is_dropped_for_the_whole_file(folder, tmp_path, caplog):
    cache = tmp_path / "cache"
    read(folder, cache)
    (cache / "activities" / "part-000001.arrow").write_bytes(b"not arrow")
    append(folder / "activities.csv", NEW_LINES)
    with caplog.at_level(logging.WARNING, logger="data_sources.read_cache"):
        assert_as_whole(folder, cache)
    assert "could not be read" in caplog.text
    assert parts(cache, "activities") == [6]


def test_a_folder_with_a_workbook_is_read_as_before(folder, tmp_path):
    cache = tmp_path / "cache"
    (folder / "campaign_members.csv").unlink()
    pd.DataFrame({"campaign_id": ["c1"], "member_id": ["m1"], "status": ["attended"], "at": [""]}).to_excel(
        folder / "campaign_members.xlsx", index=False
    )
    assert_as_whole(folder, cache)
    assert not cache.exists()


def test_parts_are_merged_when_there_are_many(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(read_cache, "MAX_PARTS", 3)
    cache = tmp_path / "cache"
    read(folder, cache)
    for number in range(4, 8):
        append(folder / "activities.csv", f"a{number},m1,2025-02-0{number - 3} 08:00:00,post,forum,,1\n")
        assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [6, 1]
    assert sorted(path.name for path in (cache / "activities").iterdir()) == [
        "part-000004.arrow",
        "part-000005.arrow",
        "state.json",
    ]


def test_new_dates_that_would_decide_the_order_otherwise_are_read_whole(folder, tmp_path):
    """03/25/2025 among the old lines reads month first; 25/03/2025 alone would read day first, and
    with them the column mixes both (a note, and a problem for the one that cannot be read)."""
    cache = tmp_path / "cache"
    path = folder / "activities.csv"
    path.write_text(ACTIVITIES.replace("2025-01-05 11:00:00", "03/25/2025 11:00"), encoding="utf-8")
    assert_as_whole(folder, cache)
    append(path, "a4,m1,25/03/2025 08:00,post,forum,,3\n")
    same_as_whole(folder, cache)
    with pytest.raises(InvalidData, match="'25/03/2025 08:00' is not a date"):
        read(folder, cache)


def test_new_lines_in_another_encoding_than_the_files_are_read_whole(folder, tmp_path):
    """A few Windows-1252 names do not settle the encoding for good: UTF-8 lines added after them
    are decoded as the whole file decides, never as the old lines did."""
    cache = tmp_path / "cache"
    path = folder / "members.csv"
    header = MEMBERS.splitlines()[0] + "\n"
    path.write_bytes((header + people(["Zoë Müller", "José Peña", "François Dupré", "Søren Ærø"])).encode("cp1252"))
    assert_as_whole(folder, cache)
    append(path, people(["李雷"], first=5), encoding="utf-8")
    same_as_whole(folder, cache)
    assert parts(cache, "members") != [4, 1]


def test_a_last_line_still_being_written_is_read_with_the_whole_file(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    append(
        folder / "activities.csv", "a4,m1,2025-02-01 08:00:00,post,forum,,3\na5,m1,2025-02-02 08:00:00,post,forum,,1"
    )
    same_as_whole(folder, cache)  # "1" may be the first digit of "10": a whole read decides for now
    assert parts(cache, "activities") == [5]


def test_a_cache_whose_parts_lack_rows_is_not_used(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    state = json.loads((cache / "activities" / "state.json").read_text())
    state["parts"][0]["rows"] = 4  # as a state written beside another reader's part
    (cache / "activities" / "state.json").write_text(json.dumps(state))
    append(folder / "activities.csv", NEW_LINES)
    assert_as_whole(folder, cache)
    assert parts(cache, "activities") == [6]


def test_what_is_kept_goes_with_the_files_it_was_read_from(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    (folder / "campaigns.csv").unlink()
    read(folder, cache)
    assert sorted(path.name for path in cache.iterdir()) == ["activities", "campaign_members", "members"]
    read_cache.forget(cache)
    assert not cache.exists()


def test_a_sync_from_another_source_drops_what_was_kept(folder, env):
    settings, store = env
    sync(settings=settings, app_store=store, source=str(folder))
    assert (read_cache_dir(settings) / "activities" / "state.json").exists()
    sync(settings=settings, app_store=store, source="demo")
    assert not read_cache_dir(settings).exists()
