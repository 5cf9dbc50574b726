"""Imports that must refuse wrong data: every malformed file of the corpus through import, sync and
feedback import; deep cuts confirmed or refused; encodings recognised or refused; no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import cli
import schema
from data_sources.charsets import decode, file_encoding
from data_sources.errors import InvalidData, Shrink, ShrinkRefused
from data_sources.files import read_file
from data_sources.shrink import check_shrinks
from data_sources.warehouse import Warehouse, table_rows
from feedback import importer
from store import tables
from store.database import AppStore
from tests.security_corpus.files import CORPUS, GOOD, Malformed

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Path:
    """A data folder synced from a folder of the corpus' good files (so that folder is the source)."""
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE", "PULSE_COMMUNITY_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    exports = tmp_path / "exports"
    exports.mkdir()
    for name, content in GOOD.items():
        (exports / name).write_bytes(content)
    assert cli.main(["sync", "--source", str(exports)]) == 0
    return exports


def state(data_dir: Path) -> dict[str, object]:
    """What a failed run must leave as it was: the build in use, its rows, the files beside it,
    and the feedback in the app store."""
    warehouse = Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    try:
        members = warehouse.run(sa.select(schema.members.c.member_id, schema.members.c.name).order_by("member_id"))
        points = warehouse.run(sa.select(schema.activities.c.points).order_by(schema.activities.c.activity_id))
    finally:
        warehouse.dispose()
    store = AppStore(f"sqlite:///{data_dir / 'app.db'}")
    try:
        feedback = len(store.run(sa.select(tables.feedback.c.id)))
    finally:
        store.dispose()
    return {
        "build": os.path.realpath(data_dir / "warehouse.duckdb"),
        "rows": table_rows(data_dir / "warehouse.duckdb"),
        "members": members.values.tolist(),
        "points": points["points"].tolist(),
        "files": sorted(path.name for path in data_dir.iterdir() if path.name not in ("app.db", "sync.lock")),
        "feedback": feedback,
    }


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    """Exit code and stderr of cli.py, run in this process: an exception would fail the test, as a
    traceback would show in a terminal."""
    code = cli.main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("malformed", CORPUS, ids=[malformed.id for malformed in CORPUS])
def test_every_malformed_file_is_refused_by_name_and_changes_nothing(synced, tmp_path, capsys, malformed: Malformed):
    data_dir = tmp_path / "data"
    before = state(data_dir)
    upload = tmp_path / "upload" / malformed.name
    upload.parent.mkdir()
    upload.write_bytes(malformed.content)

    code, err = run_cli(capsys, "import", str(upload))
    assert (code, err.startswith(f"cli.py import: {malformed.says}")) == (1, True), err
    assert state(data_dir) == before

    for good in synced.glob(f"{malformed.table}.*"):  # the folder holds the malformed file in its place
        good.unlink()
    (synced / malformed.name).write_bytes(malformed.content)
    code, err = run_cli(capsys, "sync", "--source", str(synced))
    assert (code, err.startswith(f"cli.py sync: {malformed.says}")) == (1, True), err
    assert state(data_dir) == before

    code, err = run_cli(capsys, "feedback", "import", str(upload))
    assert (code, err.startswith(f"Nothing was imported from {malformed.name}:\n")) == (1, True), err
    assert malformed.feedback_says in err
    assert state(data_dir) == before


def test_a_header_only_members_file_is_imported_only_when_confirmed(synced, tmp_path, capsys):
    header_only = tmp_path / "members.csv"
    header_only.write_text("member_id,name,joined_at\n", encoding="utf-8")
    code, err = run_cli(capsys, "import", str(header_only))
    assert (code, err) == (
        1,
        "cli.py import: members.csv: members would go from 3 rows to 0\n"
        "Nothing was changed. If the new data is right, confirm it: run again with --allow-shrink, "
        "or tick the box on the Data page.\n",
    )
    assert run_cli(capsys, "import", str(header_only), "--allow-shrink")[0] == 0
    assert table_rows(tmp_path / "data" / "warehouse.duckdb") == {
        "members": 0,
        "activities": 2,
        "campaigns": 1,
        "campaign_members": 0,
    }


def test_a_sync_from_the_same_folder_that_empties_a_table_needs_allow_shrink(synced, tmp_path, capsys):
    (synced / "campaigns.csv").unlink()  # the source lost a file since the last sync
    code, err = run_cli(capsys, "sync", "--source", str(synced))
    assert (code, err.splitlines()[0]) == (1, f"cli.py sync: {synced}: campaigns would go from 1 row to 0")
    assert run_cli(capsys, "sync", "--source", str(synced), "--allow-shrink")[0] == 0
    assert table_rows(tmp_path / "data" / "warehouse.duckdb")["campaigns"] == 0


def test_a_sync_from_another_source_is_a_choice_not_a_loss(synced, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "members.csv").write_bytes(GOOD["members.csv"])
    (other / "activities.csv").write_bytes(GOOD["activities.csv"])
    assert run_cli(capsys, "sync", "--source", str(other))[0] == 0  # campaigns 1 → 0, from a new source
    assert table_rows(tmp_path / "data" / "warehouse.duckdb")["campaigns"] == 0


@pytest.mark.parametrize(
    ("before", "after", "refused"),
    [
        (3, 0, True),  # emptied: refused however small
        (0, 0, False),  # nothing to lose
        (50, 25, False),  # half lost: not more than half
        (50, 24, True),  # 26 of 50 lost
        (30, 10, False),  # 20 lost: more than half, but a table anyone checks at a glance
        (30, 9, True),  # 21 of 30 lost
        (1_000, 499, True),
        (1_000, 1_500, False),  # growth
    ],
)
def test_a_deep_cut_is_more_than_half_of_the_rows_and_more_than_20(before, after, refused):
    frames = {"members": pd.DataFrame({"member_id": [f"m{n}" for n in range(after)]})}
    frames["members"].attrs["file"] = "members.csv"
    if not refused:
        check_shrinks({"members": before}, frames, origin="folder")
        return
    with pytest.raises(ShrinkRefused) as caught:
        check_shrinks({"members": before}, frames, origin="folder")
    assert caught.value.shrinks == [Shrink("members", before, after, "members.csv")]
    confirmed = Shrink("members", before, after, "members.csv")
    check_shrinks({"members": before}, frames, origin="folder", allowed=[confirmed])  # the very one confirmed
    with pytest.raises(ShrinkRefused):  # a confirmation of other counts is not this one's
        check_shrinks({"members": before}, frames, origin="folder", allowed=[Shrink("members", before, 0, "x.csv")])


NAMES = {
    "shift_jis": ["山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲"],
    "gb18030": ["李雷", "韩梅梅", "王小明", "张伟"],
    "gbk": ["李雷", "韩梅梅", "王小明", "张伟"],
    "big5": ["陳大文", "林小美", "黃志明", "張家豪"],
    "cp1252": ["Zoë Müller", "José Peña", "François Dupré", "Søren Ærø"],
    "latin-1": ["Zoë Müller", "José Peña", "François Dupré", "Søren Ærø"],
    "utf-8": ["山田太郎", "李雷", "Zoë Müller", "Ærø"],
    "utf-8-sig": ["山田太郎", "李雷", "Zoë Müller", "Ærø"],
    "utf-16": ["山田太郎", "李雷", "Zoë Müller", "Ærø"],  # Python writes its BOM
}


def members_text(names: list[str]) -> str:
    return "member_id,name,joined_at\n" + "".join(f"m{n},{name},2025-01-0{n + 1}\n" for n, name in enumerate(names))


@pytest.mark.parametrize("encoding", NAMES)
def test_exports_in_the_usual_encodings_keep_their_names(tmp_path, encoding):
    path = tmp_path / "members.csv"
    path.write_bytes(members_text(NAMES[encoding]).encode(encoding))
    [raw] = read_file(path)
    assert raw.frame["name"].tolist() == NAMES[encoding]
    assert decode(path.read_bytes(), file="members.csv") == members_text(NAMES[encoding])  # feedback's reader


def test_the_encoding_is_told_by_non_ascii_lines_however_far_into_the_file(tmp_path):
    ascii_rows = "".join(f"m{n},Member {n}\n" for n in range(2_000))  # 30 kB before the first name
    path = tmp_path / "members.csv"
    path.write_bytes(("member_id,name\n" + ascii_rows + members_text(NAMES["shift_jis"])).encode("shift_jis"))
    assert file_encoding(path, chunk=4_096) == "cp932"  # Shift-JIS, as Windows writes it


def test_text_too_short_to_tell_its_encoding_is_refused_with_how_to_save_it():
    content = members_text(["山田太郎"]).encode("shift_jis")  # also valid GB18030 (嶳揷懢榊) and Windows-1252
    with pytest.raises(InvalidData) as caught:
        decode(content, file="members.csv")
    assert caught.value.user_message == (
        "members.csv: is not UTF-8 text, and could be Shift-JIS or Windows-1252 (Latin-1) or GB18030; save it as "
        "UTF-8 (Excel: Save As, 'CSV UTF-8'; other programs: encoding UTF-8) and try again"
    )


def test_feedback_in_shift_jis_is_read_as_written():
    content = "created_at,text,member_id\n2026-11-20 10:00,検索がとても難しいです。答えが見つかりません。,m1\n"
    frame = importer.read_table("notes.csv", content.encode("shift_jis"))
    assert frame["text"].tolist() == ["検索がとても難しいです。答えが見つかりません。"]


def open_data(tmp_path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at.switch_page("pages/data.py").run()


def test_the_data_page_names_a_damaged_workbook_and_changes_nothing(configured, tmp_path, monkeypatch):
    [damaged] = [malformed for malformed in CORPUS if malformed.id == "xlsx-random-bytes"]
    at = open_data(tmp_path, monkeypatch)
    at.file_uploader(key="data_files").set_value([(damaged.name, damaged.content, "application/octet-stream")]).run()
    at.button(key="data_import").click().run()
    assert not at.exception
    assert at.error[0].value == "Nothing was changed. What went wrong:"
    assert at.text[-1].value == (
        "members.xlsx: is not a readable .xlsx workbook (File is not a zip file); export it again from the "
        "program that made it"
    )
    assert table_rows(configured / "warehouse.duckdb")["members"] == 9


def test_the_data_page_asks_before_a_file_empties_a_table(configured, tmp_path, monkeypatch):
    at = open_data(tmp_path, monkeypatch)
    at.file_uploader(key="data_files").set_value([("members.csv", b"member_id,name,joined_at\n", "text/csv")]).run()
    at.button(key="data_import").click().run()
    assert not at.exception
    assert at.warning[0].value.startswith("Nothing was changed: the new data would empty a table")
    [box] = at.checkbox
    assert box.label == "Replace Members (9 rows now) with the 0 rows in members.csv"
    assert table_rows(configured / "warehouse.duckdb")["members"] == 9

    box.check().run()
    at.button(key="data_import").click().run()
    assert at.success[0].value.replace("\\", "").startswith("Imported members.csv. Members: 0 · Activities: 19 ·")
    assert table_rows(configured / "warehouse.duckdb")["members"] == 0
    assert not at.checkbox  # the question is answered
