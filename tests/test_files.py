"""Importing messy exports: encodings, spreadsheet date forms, Excel and Parquet, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import cli
import schema
from data_sources.errors import InvalidData
from data_sources.files import read_file
from data_sources.sync import import_files, recent_runs, sync
from data_sources.validate import Parsing, raw_table, validate, validate_table
from data_sources.warehouse import Warehouse
from settings import load_settings
from store.database import AppStore

MEMBERS = """member_id,name,joined_at,segment
m1,"Ada
Lovelace",2025-01-05 10:00:00,dev
m2,李雷,2025/1/6 14:03:22,biz
,,,
,,,
"""
ACTIVITIES = """activity_id,member_id,occurred_at,kind
a1,m1,2025-01-05 11:00:00,post
a2,m2,2025-01-06 15:00:00,comment
"""


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", "imports")
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    yield settings, store
    store.dispose()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def warehouse_rows(settings, table: sa.Table, *columns: str) -> list[list]:
    selected = sa.select(*(table.c[name] for name in columns)).order_by(table.c[columns[0]])
    return Warehouse(settings.warehouse_url).run(selected).values.tolist()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_is_read_in_utf8_with_or_without_bom(tmp_path, encoding):
    [raw] = read_file(write(tmp_path / "members.csv", MEMBERS, encoding))
    assert raw.frame["name"].tolist() == ["Ada\nLovelace", "李雷"]  # multi-line value kept, blank rows dropped
    assert list(raw.frame.columns) == ["member_id", "name", "joined_at", "segment"]


def test_a_legacy_encoding_too_short_to_tell_is_refused_not_guessed(tmp_path):
    """李雷 in GB18030 bytes reads as 燠濘 in Big5: one name cannot tell them apart (longer GB18030,
    Big5 and Shift-JIS files are read: tests/test_import_safety.py)."""
    with pytest.raises(InvalidData, match="is not UTF-8 text, and could be "):
        read_file(write(tmp_path / "members.csv", MEMBERS, "gb18030"))


@pytest.mark.parametrize(
    ("cells", "expected", "note"),
    [
        (["2024-03-05 14:03:22", "2024-03-05T14:03:22+08:00"], ["2024-03-05 14:03:22", "2024-03-05 06:03:22"], None),
        (["2024/3/5 14:03:22", "2024年3月5日 14:03"], ["2024-03-05 14:03:22", "2024-03-05 14:03:00"], None),
        (["3/5/2024 2:03:22 PM", "12/25/2024"], ["2024-03-05 14:03:22", "2024-12-25 00:00:00"], None),
        (["05/03/2024 14:03", "25/12/2024"], ["2024-03-05 14:03:00", "2024-12-25 00:00:00"], None),  # 25 → day first
        (["05.03.2024 14:03", "2024/3/5 14:03 +08:00"], ["2024-03-05 14:03:00", "2024-03-05 06:03:00"], None),
        (["3/5/2024", "2024-03-05 14:03 UTC"], ["2024-03-05 00:00:00", "2024-03-05 14:03:00"], "either order"),
        (["13/5/2024", "5/13/2024"], [None, "2024-05-13 00:00:00"], "mixes day-first and month-first"),
    ],
)
def test_dates_in_common_forms_are_read(cells, expected, note):
    frame = pd.DataFrame({"member_id": ["m1", "m2"], "joined_at": cells})
    typed, problems, warnings = validate_table(raw_table(frame, name="members", file="m.csv"), parsing=Parsing())
    got = [None if pd.isna(value) else str(value) for value in typed["joined_at"]]
    assert got == expected
    if note:
        assert note in " ".join(warnings)
    assert [problem.row for problem in problems] == [index + 2 for index, value in enumerate(expected) if value is None]


@pytest.mark.parametrize(
    ("cells", "expected"),  # a number, None (blank), or what the problem at that row says
    [
        (["12", "", "2.5", "-1e3", "+.5"], [12.0, None, 2.5, -1000.0, 0.5]),  # the cast pyarrow makes
        (["１２", "1_000", "٣"], [12.0, 1000.0, 3.0]),  # full-width and Arabic-Indic digits: as float() reads
        (["12", "ten", "1,000"], [12.0, "'ten' is not a number", "'1,000' is not a number"]),
        (
            ["inf", "NaN", "1e309", "3"],
            ["'inf' is not a finite", "'NaN' is not a finite", "'1e309' is not a finite", 3.0],
        ),
    ],
)
def test_number_cells_are_read_as_python_reads_them_and_the_others_said(cells, expected):
    frame = pd.DataFrame({"activity_id": [f"a{n}" for n in range(len(cells))], "points": cells})
    frame = frame.assign(member_id="m1", occurred_at="2024-03-05 14:03:22", kind="post").astype("str")
    typed, problems, _ = validate_table(raw_table(frame, name="activities", file="a.csv"), parsing=Parsing())
    assert typed["points"].dtype == "float64"
    read = {row: value for row, value in enumerate(expected, start=2) if not isinstance(value, str)}
    assert {
        row: None if pd.isna(typed["points"].iloc[row - 2]) else typed["points"].iloc[row - 2] for row in read
    } == read
    said = {problem.row: str(problem) for problem in problems}
    assert sorted(said) == [row for row, value in enumerate(expected, start=2) if isinstance(value, str)]
    assert all(value in said[row] for row, value in enumerate(expected, start=2) if isinstance(value, str))


def test_a_campaign_members_status_is_read_in_english_or_chinese_and_another_is_said():
    statuses = ["invited", "Registered", "已报名", "签到", "已簽到", "已到场", "maybe", "已取消", "maybe"]
    members = [f"m{n}" for n in range(len(statuses))]
    frame = pd.DataFrame({"campaign_id": "c1", "member_id": members, "status": statuses})
    typed, problems, warnings = validate_table(
        raw_table(frame, name="campaign_members", file="cm.csv"), parsing=Parsing()
    )
    assert problems == []  # a sheet synced yesterday still syncs
    assert typed["status"].tolist() == [
        *["invited", "registered", "registered", "attended", "attended", "attended"],
        *["maybe", "已取消", "maybe"],  # kept as written, and said: the funnel does not count them
    ]
    assert [str(warning) for warning in warnings] == [
        "cm.csv, column status: 3 rows hold a status the funnel does not count (maybe, 已取消); "
        "it counts invited, registered and attended."
    ]


def test_yes_and_no_are_true_and_false_in_chinese_too():
    frame = pd.DataFrame({"member_id": ["m1", "m2", "m3"], "joined_at": "2024-03-05", "is_team": ["是", "否", "对"]})
    typed, problems, _ = validate_table(raw_table(frame, name="members", file="m.csv"), parsing=Parsing())
    assert typed["is_team"].tolist()[:2] == [True, False]
    said = "m.csv, row 4, column is_team: '对' is not true/false (or yes/no)"
    assert [str(problem) for problem in problems] == [said]


def test_day_first_setting_reads_ambiguous_dates_the_european_way():
    frame = pd.DataFrame({"member_id": ["m1"], "joined_at": ["05/03/2024"]})
    typed, _, warnings = validate_table(raw_table(frame, name="members", file="m.csv"), parsing=Parsing(day_first=True))
    assert str(typed["joined_at"].iloc[0]) == "2024-03-05 00:00:00"
    assert "read as day first" in warnings[0]


def test_import_of_csv_excel_and_parquet_builds_the_warehouse(env, tmp_path):
    settings, store = env
    members = write(tmp_path / "in" / "members.csv", MEMBERS)
    workbook = tmp_path / "in" / "export.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.read_csv(pd.io.common.StringIO(ACTIVITIES)).to_excel(writer, sheet_name="activities", index=False)
        pd.DataFrame({"note": ["ignored: not a table"]}).to_excel(writer, sheet_name="Notes", index=False)
    campaigns = tmp_path / "in" / "campaigns.parquet"
    pd.DataFrame(
        {
            "campaign_id": ["c1"],
            "name": ["Meetup"],
            "starts_at": pd.to_datetime(["2025-01-05 09:00:00"]),
            "budget": [500.0],
        }
    ).to_parquet(campaigns)

    result = import_files([members, workbook, campaigns], settings=settings, app_store=store)

    assert result.rows == {"members": 2, "activities": 2, "campaigns": 1, "campaign_members": 0}
    assert warehouse_rows(settings, schema.members, "member_id", "name") == [["m1", "Ada\nLovelace"], ["m2", "李雷"]]
    assert warehouse_rows(settings, schema.campaigns, "campaign_id", "budget") == [["c1", 500.0]]
    assert recent_runs(store)["source"].tolist() == ["import: members.csv, export.xlsx, campaigns.parquet"]


def test_a_later_import_replaces_only_its_table(env, tmp_path):
    settings, store = env
    import_files(
        [write(tmp_path / "members.csv", MEMBERS), write(tmp_path / "activities.csv", ACTIVITIES)],
        settings=settings,
        app_store=store,
    )
    newer = ACTIVITIES + "a3,m1,2025-01-07 11:00:00,reaction\n"
    result = import_files([write(tmp_path / "week2" / "activities.csv", newer)], settings=settings, app_store=store)
    assert result.rows["members"] == 2 and result.rows["activities"] == 3
    assert warehouse_rows(settings, schema.activities, "activity_id") == [["a1"], ["a2"], ["a3"]]


def test_a_bad_import_names_every_problem_and_changes_nothing(env, tmp_path):
    settings, store = env
    import_files(
        [write(tmp_path / "members.csv", MEMBERS), write(tmp_path / "activities.csv", ACTIVITIES)],
        settings=settings,
        app_store=store,
    )
    bad_members = MEMBERS.replace("m2,李雷", "m1,李雷")
    bad_activities = ACTIVITIES.replace("2025-01-06 15:00:00", "soon")
    with pytest.raises(InvalidData) as raised:
        import_files(
            [
                write(tmp_path / "bad" / "members.csv", bad_members),
                write(tmp_path / "bad" / "activities.csv", bad_activities),
            ],
            settings=settings,
            app_store=store,
        )
    assert str(raised.value).splitlines() == [
        "members.csv, row 3, column member_id: duplicate id 'm1' (also on an earlier row)",
        "activities.csv, row 3, column occurred_at: 'soon' is not a date/time "
        "(use e.g. 2025-03-05 14:03:22, 2025/3/5 14:03 or 3/5/2025 2:03 PM)",
    ]
    assert warehouse_rows(settings, schema.members, "member_id") == [["m1"], ["m2"]]
    assert sorted(path.name for path in (settings.data_dir / "imports").iterdir()) == [
        "activities.parquet",
        "campaign_members.parquet",
        "campaigns.parquet",
        "members.parquet",
    ]
    assert [path.name for path in settings.data_dir.glob("imports-*")] == [
        (settings.data_dir / "imports").resolve().name
    ]
    assert recent_runs(store)["status"].tolist() == ["failed", "succeeded"]


def test_the_first_import_needs_members_and_activities(env, tmp_path):
    settings, store = env
    with pytest.raises(InvalidData, match="members: required table is missing: give a members file or sheet"):
        import_files([write(tmp_path / "activities.csv", ACTIVITIES)], settings=settings, app_store=store)
    with pytest.raises(InvalidData, match="activities: required table is missing: give an activities file or sheet"):
        import_files([write(tmp_path / "members.csv", MEMBERS)], settings=settings, app_store=store)


def test_one_table_replaces_that_table_of_a_synced_warehouse_and_keeps_the_rest(env, tmp_path):
    settings, store = env
    folder = tmp_path / "export"
    write(folder / "members.csv", MEMBERS)
    write(folder / "activities.csv", ACTIVITIES)
    sync(settings=settings, app_store=store, source=str(folder))  # nothing imported yet: made by a sync
    assert not (settings.data_dir / "imports").exists()

    # m2 leaves, m3 arrives; a2 (m2's comment) stays, as the activities were, and is reported.
    newer = write(tmp_path / "members.csv", "member_id,name,joined_at\nm1,Ada,2025-01-05\nm3,Cy,2025-01-07\n")
    result = import_files([newer], settings=settings, app_store=store)
    assert result.rows == {"members": 2, "activities": 2, "campaigns": 0, "campaign_members": 0}
    assert result.warnings == [
        "activities: 1 row names a member id that is not in members (e.g. m2); metrics leave them out."
    ]
    assert warehouse_rows(settings, schema.members, "member_id", "name") == [["m1", "Ada"], ["m3", "Cy"]]
    kept = [["a1", "m1", pd.Timestamp("2025-01-05 11:00:00")], ["a2", "m2", pd.Timestamp("2025-01-06 15:00:00")]]
    assert warehouse_rows(settings, schema.activities, "activity_id", "member_id", "occurred_at") == kept

    # What the import made is kept whole: a sync from the imports gives it again.
    assert sync(settings=settings, app_store=store, source="imports").rows == result.rows
    assert warehouse_rows(settings, schema.activities, "activity_id", "member_id", "occurred_at") == kept


def test_a_file_not_named_after_a_table_asks_for_one(env, tmp_path):
    settings, store = env
    with pytest.raises(InvalidData, match=r"export\.csv: is not named after a table \(members, activities"):
        import_files([write(tmp_path / "export.csv", MEMBERS)], settings=settings, app_store=store)


def test_cli_import_reports_rows_and_problems(env, tmp_path, capsys):
    members = write(tmp_path / "members.csv", MEMBERS)
    activities = write(tmp_path / "activities.csv", ACTIVITIES)
    assert cli.main(["import", str(members), str(activities)]) == 0
    assert "Imported import: members.csv, activities.csv: 2 members, 2 activities" in capsys.readouterr().out
    broken = write(tmp_path / "broken" / "export.csv", ACTIVITIES.replace("a2,", "a1,"))
    assert cli.main(["import", str(broken), "--table", "activities"]) == 1
    assert "export.csv, row 3, column activity_id: duplicate id 'a1'" in capsys.readouterr().err


def test_activities_of_unknown_members_are_warned_about_with_a_sample():
    members = raw_table(
        pd.DataFrame({"member_id": ["m1", "m2"], "joined_at": ["2025-01-01", "2025-01-02"]}),
        name="members",
        file="m.csv",
    )
    activities = raw_table(
        pd.DataFrame(
            {
                "activity_id": [f"a{n}" for n in range(8)],
                "member_id": ["m1", "x9", "x1", "x7", "x3", "x5", "x1", "x2"],
                "occurred_at": ["2025-02-01"] * 8,
                "kind": ["post"] * 8,
            }
        ),
        name="activities",
        file="a.csv",
    )
    validated = validate({"members": members, "activities": activities}, parsing=Parsing())
    assert validated.warnings == [
        "activities: 7 rows name member ids that are not in members (e.g. x1, x2, x3, x5, x7); metrics leave them out."
    ]
    assert (
        validate(
            {"members": members, "activities": raw_table(activities.frame.head(1), name="activities", file="a.csv")},
            parsing=Parsing(),
        ).warnings
        == []
    )


def _raws() -> dict:
    """A folder's worth of raw tables with problems in the tables validation reads the text of."""
    members = pd.DataFrame({"member_id": ["m1", "m2"], "joined_at": ["2025-01-01", "2025-01-02"]})
    activities = pd.DataFrame(
        {
            "activity_id": ["a1", "a2", "a3"],
            "member_id": ["m1", "m2", "m1"],
            "occurred_at": ["2025-02-01", "yesterday", "2025-02-03"],
            "kind": ["post", "post", "reply"],
        }
    )
    campaigns = pd.DataFrame(
        {"campaign_id": ["c1"], "name": ["Launch"], "starts_at": ["2025-03-02"], "ends_at": ["2025-03-01"]}
    )
    return {
        "members": raw_table(members, name="members", file="members.csv"),
        "activities": raw_table(activities, name="activities", file="activities.csv"),
        "campaigns": raw_table(campaigns, name="campaigns", file="campaigns.csv"),
    }


def test_validation_that_consumes_the_text_says_the_same_problems():
    """A sync hands its raw tables over (consume): each column is dropped once typed, yet every
    problem still quotes the cell as written, a campaign's inverted dates too."""
    with pytest.raises(InvalidData) as kept:
        validate(_raws(), parsing=Parsing())
    raws = _raws()
    with pytest.raises(InvalidData) as consumed:
        validate(raws, parsing=Parsing(), consume=True)
    assert consumed.value.problems == kept.value.problems
    said = [str(problem) for problem in consumed.value.problems]
    assert any("'yesterday'" in text and "row 3" in text for text in said), said
    assert any("2025-03-01" in text and "2025-03-02" in text for text in said), said
    assert raws == {}  # handed over


def test_validation_that_consumes_the_text_gives_the_same_frames():
    clean = _raws()
    clean["activities"].frame.loc[1, "occurred_at"] = "2025-02-02"
    clean["campaigns"].frame.loc[0, "ends_at"] = "2025-03-09"
    expected = validate(clean, parsing=Parsing())
    consumed = validate(clean, parsing=Parsing(), consume=True)
    assert set(consumed.frames) == set(expected.frames)
    for name, frame in expected.frames.items():
        pd.testing.assert_frame_equal(consumed.frames[name], frame)
    assert consumed.warnings == expected.warnings
