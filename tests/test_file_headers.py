"""The header row of an imported file, as the Data page imports it (data_sources.sync.import_files):
a title above it is skipped with a warning and rows keep the spreadsheet's numbers; Chinese headers
of the required columns are read as those columns; a missing column names the headers found."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

import cli
import schema
from data_sources import streamed
from data_sources.errors import InvalidData
from data_sources.headers import HEADERS_SHOWN, fold, header_row, near_miss
from data_sources.sync import import_files, sync
from data_sources.validate import Parsing
from data_sources.warehouse import Warehouse
from tests import test_files

TITLE = "2026年11月 社群成员名单"
ACTIVITIES = "activity_id,member_id,occurred_at,kind\na1,m1,2025-01-05 11:00:00,post\n"
TITLE_WARNING = "members.csv: read the header from row 2; row 1 looked like a title and was skipped"


env = test_files.env  # the imports folder's settings and app store (a fixture), as there
write = test_files.write


def workbook(path: Path, rows: list[list[str | None]], *, sheet: str = "members") -> Path:
    """An .xlsx made with openpyxl, the library pandas reads it with; None is an empty cell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def imported(env, members: Path, tmp_path: Path):
    settings, store = env
    return import_files([members, write(tmp_path / "activities.csv", ACTIVITIES)], settings=settings, app_store=store)


def refused(env, members: Path, tmp_path: Path) -> InvalidData:
    with pytest.raises(InvalidData) as raised:
        imported(env, members, tmp_path)
    return raised.value


def members_in(settings) -> list[list]:
    members = schema.members
    query = sa.select(members.c.member_id, members.c.name, members.c.joined_at).order_by(members.c.member_id)
    return Warehouse(settings.warehouse_url).run(query).astype({"joined_at": str}).values.tolist()


MEMBERS_ROWS = [["member_id", "name", "joined_at"], ["m1", "李雷", "2025-01-05 10:00:00"], ["m2", "Bo", "2025/1/6"]]
IMPORTED = [["m1", "李雷", "2025-01-05 10:00:00"], ["m2", "Bo", "2025-01-06 00:00:00"]]


@pytest.mark.parametrize(
    ("title", "encoding"),
    [
        (TITLE, "utf-8"),  # one cell: the header row has more values than row 1
        (TITLE, "gbk"),  # a Chinese Excel's or WPS's CSV
        (TITLE + ",,", "utf-8-sig"),  # Excel writes the title's empty cells too, and a BOM
        (TITLE + "\n  ", "utf-8"),  # a line of spaces below it is blank, as pandas counts lines
    ],
)
def test_a_csv_title_row_is_skipped_with_a_warning_and_nothing_else_is(env, tmp_path, title, encoding):
    text = "\n".join([title, *(",".join(row) for row in MEMBERS_ROWS)]) + "\n"
    result = imported(env, write(tmp_path / "in" / "members.csv", text, encoding), tmp_path)
    assert result.rows["members"] == 2
    assert result.warnings == [TITLE_WARNING]
    assert [warning.text("zh-CN") for warning in result.warnings] == [
        "members.csv：已从第 2 行读取表头；第 1 行看起来是标题，已跳过"
    ]
    assert members_in(env[0]) == IMPORTED


def test_a_title_row_is_found_in_a_csv_with_old_mac_line_endings(env, tmp_path):
    """Lines ended by CR alone (an old Mac's, some exporters'): the title is still seen above the header."""
    text = "\r".join([TITLE, *(",".join(row) for row in MEMBERS_ROWS)]) + "\r"
    result = imported(env, write(tmp_path / "in" / "members.csv", text), tmp_path)
    assert result.warnings == [TITLE_WARNING]
    assert members_in(env[0]) == IMPORTED


def test_an_xlsx_title_row_is_skipped_with_a_warning_and_nothing_else_is(env, tmp_path):
    result = imported(env, workbook(tmp_path / "in" / "members.xlsx", [[TITLE], *MEMBERS_ROWS]), tmp_path)
    assert result.warnings == [
        "members.xlsx [members]: read the header from row 2; row 1 looked like a title and was skipped"
    ]
    assert members_in(env[0]) == IMPORTED


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_rows_below_a_title_keep_the_numbers_the_spreadsheet_shows(env, tmp_path, encoding):
    text = f"{TITLE}\nmember_id,name,joined_at\nm1,李雷,2025-01-05\nm2,Bo,soon\n"
    error = refused(env, write(tmp_path / "in" / "members.csv", text, encoding), tmp_path)
    assert str(error).splitlines() == [
        "members.csv, row 4, column joined_at: 'soon' is not a date/time "
        "(use e.g. 2025-03-05 14:03:22, 2025/3/5 14:03 or 3/5/2025 2:03 PM)"
    ]


def test_rows_of_a_sheet_below_a_title_and_a_blank_row_keep_the_sheets_numbers(env, tmp_path):
    rows = [[TITLE], [None], ["member_id", "joined_at"], ["m1", "2025-01-05"], [None, None], ["m2", "soon"]]
    error = refused(env, workbook(tmp_path / "in" / "members.xlsx", rows), tmp_path)
    assert str(error).splitlines() == [
        "members.xlsx [members], row 6, column joined_at: 'soon' is not a date/time "
        "(use e.g. 2025-03-05 14:03:22, 2025/3/5 14:03 or 3/5/2025 2:03 PM)"
    ]


def test_a_folder_file_with_a_title_that_grew_is_read_again_whole(env, tmp_path):
    """The read cache reads new lines beneath a file's first line: below a title it reads the file whole."""
    settings, store = env
    folder = tmp_path / "export"
    members = f"{TITLE}\nmember_id,name,joined_at\nm1,李雷,2025-01-05 10:00:00\n"
    write(folder / "members.csv", members)
    write(folder / "activities.csv", ACTIVITIES)
    assert sync(settings=settings, app_store=store, source=str(folder)).rows["members"] == 1
    write(folder / "members.csv", members + "m2,Bo,2025/1/6\n")
    result = sync(settings=settings, app_store=store, source=str(folder))
    assert result.rows["members"] == 2
    assert TITLE_WARNING in result.warnings
    assert members_in(settings) == IMPORTED


def test_chinese_headers_of_the_required_columns_are_read_as_those_columns(env, tmp_path):
    settings, store = env
    members = write(tmp_path / "in" / "members.csv", "成员ID,姓名,加入时间,渠道\nm1,李雷,2025-01-05 10:00:00\n", "gbk")
    activities = write(
        tmp_path / "in" / "activities.csv", "行为ID,成员 ID,发生时间,类型\na1,m1,2025-01-05 11:00,post\n"
    )
    result = import_files([members, activities], settings=settings, app_store=store)
    assert result.rows["members"] == 1 and result.rows["activities"] == 1
    assert result.warnings == []  # 姓名 and 渠道 are read too (name, channel)
    assert members_in(settings) == [["m1", "李雷", "2025-01-05 10:00:00"]]


MEMBER_COLUMNS = ("member_id", "name", "email", "joined_at", "channel", "region", "segment", "is_team")
ACTIVITY_COLUMNS = ("activity_id", "member_id", "occurred_at", "kind", "platform", "campaign_id", "points")


@pytest.mark.parametrize(
    ("member_headers", "activity_headers", "encoding"),
    [
        (
            "成员ID,姓名,邮箱,加入时间,渠道,地区,分群,团队成员",
            "行为ID,成员ID,发生时间,行为类型,平台,活动ID,积分",
            "gbk",
        ),
        (
            "会员编号,昵称,电子邮箱,入群时间,来源渠道,区域,细分,是否员工",
            "记录ID,用户ID,互动时间,类型,来源平台,活动编号,积分",
            "utf-8",
        ),
        (
            "會員ID,姓名,電子郵件,加入時間,管道,地區,分群,團隊成員",
            "行為ID,會員ID,發生時間,類型,平台,活動ID,積分",
            "utf-8-sig",
        ),
        (
            "使用者編號,暱稱,電子信箱,註冊時間,通路,區域,細分,是否員工",
            "記錄ID,使用者ID,互動時間,行為類型,來源平台,活動編號,積分",
            "utf-8",
        ),
    ],
)
def test_chinese_headers_of_the_optional_columns_are_read_as_those_columns(
    env, tmp_path, member_headers, activity_headers, encoding
):
    settings, store = env
    members = (
        f"{member_headers}\nm1,李雷,li@example.org,2025-01-05 10:00:00,公众号,华东,核心,否\nm2,小王,,2025-01-06,,,,是\n"
    )
    activities = f"{activity_headers}\na1,m1,2025-01-05 11:00,post,论坛,c1,10\na2,m2,2025-01-06 09:00,comment,,,\n"
    files = [
        write(tmp_path / "in" / "members.csv", members, encoding),
        write(tmp_path / "in" / "activities.csv", activities),
    ]
    result = import_files(files, settings=settings, app_store=store)
    assert result.warnings == []  # no column ignored
    assert rows_in(settings, schema.members, MEMBER_COLUMNS) == [
        ["m1", "李雷", "li@example.org", "2025-01-05 10:00:00", "公众号", "华东", "核心", False],
        ["m2", "小王", None, "2025-01-06 00:00:00", None, None, None, True],  # 是: a team member
    ]
    assert rows_in(settings, schema.activities, ACTIVITY_COLUMNS) == [
        ["a1", "m1", "2025-01-05 11:00:00", "post", "论坛", "c1", 10.0],
        ["a2", "m2", "2025-01-06 09:00:00", "comment", None, None, None],
    ]


def rows_in(settings, table: sa.Table, columns: tuple[str, ...]) -> list[list]:
    """The table's rows as text where they are times, None where empty."""
    return [
        [None if pd.isna(value) else str(value) if isinstance(value, pd.Timestamp) else value for value in row]
        for row in test_files.warehouse_rows(settings, table, *columns)
    ]


def test_chinese_headers_of_campaigns_and_their_members_are_read_as_those_columns(env, tmp_path):
    """An event team's own sheets: 活动ID, 活动名称, 开始时间 … and 状态, its values in its words (已报名)."""
    settings, store = env
    members = "成员ID,加入时间\nm1,2025-01-05\nm2,2025-01-06\n"
    campaigns = (
        "活动ID,活动名称,活动类型,开始时间,结束时间,渠道,预算,目标\n"
        "c1,线下见面会,event,2025-01-10 19:00,2025-01-10 21:00,微信,300,40\n"
    )
    attendance = "活动ID,成员ID,状态,时间\nc1,m1,已报名,2025-01-08 10:00\nc1,m1,attended,2025-01-10 19:05\n"
    files = [
        write(tmp_path / "in" / "members.csv", members, "gbk"),
        write(tmp_path / "in" / "activities.csv", ACTIVITIES),
        write(tmp_path / "in" / "campaigns.csv", campaigns, "gbk"),
        write(tmp_path / "in" / "campaign_members.csv", attendance),
    ]
    result = import_files(files, settings=settings, app_store=store)
    assert result.warnings == []  # no column ignored
    names = ("campaign_id", "name", "kind", "starts_at", "ends_at", "channel", "budget", "target")
    assert rows_in(settings, schema.campaigns, names) == [
        ["c1", "线下见面会", "event", "2025-01-10 19:00:00", "2025-01-10 21:00:00", "微信", 300.0, 40.0]
    ]
    assert sorted(rows_in(settings, schema.campaign_members, ("campaign_id", "member_id", "status", "at"))) == [
        ["c1", "m1", "attended", "2025-01-10 19:05:00"],
        ["c1", "m1", "registered", "2025-01-08 10:00:00"],
    ]


def test_a_column_given_twice_keeps_the_canonical_one(env, tmp_path):
    members = write(tmp_path / "in" / "members.csv", "member_id,会员ID,joined_at\nm1,x9,2025-01-05 10:00:00\n")
    result = imported(env, members, tmp_path)
    assert result.warnings == [
        "members.csv: the column '会员ID' was ignored: member_id is read from the column 'member_id'"
    ]
    assert result.warnings[0].text("zh-CN") == "members.csv：已忽略 '会员ID' 列：member_id 已从 'member_id' 列读取"
    assert members_in(env[0]) == [["m1", None, "2025-01-05 10:00:00"]]


@pytest.mark.parametrize(
    ("headers", "en", "zh_cn", "zh_tw"),
    [
        (
            "member_id,joined_at,备注",
            "members.csv: the column '备注' was ignored: the app does not use it",
            "members.csv：已忽略 '备注' 列：本应用不使用这一列",
            "members.csv：已忽略 '备注' 欄：本應用程式不使用這一欄",
        ),
        (
            "member_id,微信号,joined_at,备注",  # as the file has them
            "members.csv: the columns '微信号', '备注' were ignored: the app does not use them",
            "members.csv：已忽略 '微信号'、'备注' 这几列：本应用不使用它们",
            "members.csv：已忽略 '微信号'、'备注' 這幾欄：本應用程式不使用它們",
        ),
        (
            "member_id,Name,joined_at",  # a column the app reads, typed another way: not read, but asked about
            "members.csv: the column 'Name' was ignored; if it holds name, rename it to name",
            "members.csv：已忽略 'Name' 列；如果这一列填的是 name，请将表头改为 name",
            "members.csv：已忽略 'Name' 欄；如果這一欄填的是 name，請將標頭改為 name",
        ),
    ],
)
def test_a_column_the_app_does_not_read_is_named_in_plain_words(env, tmp_path, headers, en, zh_cn, zh_tw):
    values = {"member_id": "m1", "joined_at": "2025-01-05"}
    cells = ",".join(values.get(header, "x") for header in headers.split(","))
    result = imported(env, write(tmp_path / "in" / "members.csv", f"{headers}\n{cells}\n"), tmp_path)
    assert result.warnings == [en]
    assert [result.warnings[0].text("zh-CN"), result.warnings[0].text("zh-TW")] == [zh_cn, zh_tw]


def test_a_column_without_a_header_is_named_by_its_letter_and_an_empty_one_not_at_all(env, tmp_path):
    """pandas calls a blank header cell "Unnamed: 2": a person's file has column C. Columns left empty
    (Excel's and a CSV's trailing commas) lose nothing and are not mentioned."""
    trailing = write(tmp_path / "in" / "members.csv", "member_id,joined_at,,\nm1,2025-01-05,,\nm2,2025-01-06,,\n")
    assert imported(env, trailing, tmp_path).warnings == []
    rows = [["member_id", "joined_at", None, "渠道", None], ["m1", "2025-01-05", "x", "微信", "y"]]
    result = imported(env, workbook(tmp_path / "in" / "members.xlsx", rows), tmp_path)
    (said,) = result.warnings
    unheaded = "columns C, E have values but no header, and were ignored: give them headers to import them"
    assert said == f"members.xlsx [members]: {unheaded}"
    assert said.text("zh-CN") == "members.xlsx [members]：C、E 列有数据但没有表头，已忽略；如需导入，请为它们加上表头"
    assert members_in(env[0]) == [["m1", None, "2025-01-05"]]  # the channel read from 渠道 as ever


def test_a_refused_file_keeps_its_warnings_beside_its_problems(env, tmp_path):
    """The title row skipped and the column ignored may be why a cell is refused: they are said with it."""
    text = f"{TITLE}\nmember_id,备注,joined_at\nm1,x,2025-01-05\nm2,y,soon\n"
    error = refused(env, write(tmp_path / "in" / "members.csv", text), tmp_path)
    assert str(error).splitlines() == [
        "members.csv, row 4, column joined_at: 'soon' is not a date/time "
        "(use e.g. 2025-03-05 14:03:22, 2025/3/5 14:03 or 3/5/2025 2:03 PM)"
    ]
    assert error.warnings == [TITLE_WARNING, "members.csv: the column '备注' was ignored: the app does not use it"]


def test_a_refused_cell_of_a_chinese_header_names_the_header_as_written(env, tmp_path):
    """A manager looks for 加入时间 in their file, not joined_at: the message names both."""
    text = "成员ID,加入时间\nm1,2025-01-05\nm2,soon\n,2025-01-07\nm1,2025-01-08\n"
    lines = str(refused(env, write(tmp_path / "in" / "members.csv", text, "gbk"), tmp_path)).splitlines()
    assert "members.csv, row 4, column 成员ID (member_id): a value is required" in lines
    bad_day = "members.csv, row 3, column 加入时间 (joined_at): 'soon' is not a date"
    assert any(line.startswith(bad_day) for line in lines)
    assert any(line.startswith("members.csv, row 5, column 成员ID (member_id): ") for line in lines)  # repeated


def test_a_file_refused_while_reading_keeps_the_warnings_of_the_others(env, tmp_path):
    members = write(tmp_path / "in" / "members.csv", f"{TITLE}\nmember_id,joined_at\nm1,2025-01-05\n")
    activities = write(tmp_path / "in" / "activities.csv", "activity_id,member_id,occurred_at,kind\na1,m1,x,post,9\n")
    with pytest.raises(InvalidData) as raised:
        import_files([members, activities], settings=env[0], app_store=env[1])
    assert raised.value.warnings == [TITLE_WARNING]


def test_the_cli_prints_a_refused_imports_warnings_after_its_problems(env, tmp_path, capsys):
    text = f"{TITLE}\nmember_id,备注,joined_at\nm1,x,2025-01-05\nm2,y,soon\n"
    members = write(tmp_path / "in" / "members.csv", text)
    activities = write(tmp_path / "in" / "activities.csv", ACTIVITIES)
    assert cli.main(["import", str(members), str(activities)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "cli.py import: members.csv, row 4, column joined_at: 'soon' is not a date/time "
        "(use e.g. 2025-03-05 14:03:22, 2025/3/5 14:03 or 3/5/2025 2:03 PM)",
        f"warning: {TITLE_WARNING}",
        "warning: members.csv: the column '备注' was ignored: the app does not use it",
    ]


def test_unknown_headers_are_refused_naming_the_headers_found(env, tmp_path):
    members = write(tmp_path / "in" / "members.csv", "编号,入会,渠道\nm1,2025-01-05,wx\n", "gbk")
    error = refused(env, members, tmp_path)
    assert str(error).splitlines() == [
        "members.csv, column member_id: required column is missing from the header",
        "members.csv, column joined_at: required column is missing from the header",
        "members.csv, row 1: headers found: '编号', '入会', '渠道'",
    ]
    assert error.text("zh-CN").splitlines() == [
        "members.csv，member_id 列：表头中缺少必填列",
        "members.csv，joined_at 列：表头中缺少必填列",
        "members.csv，第 1 行：找到的表头：'编号'、'入会'、'渠道'",
    ]


def test_below_a_title_the_headers_found_are_those_of_the_header_row(env, tmp_path):
    members = write(tmp_path / "in" / "members.csv", f"{TITLE}\nMember ID,Joined At,渠道\nm1,2025-01-05,wx\n")
    error = refused(env, members, tmp_path)
    assert str(error).splitlines() == [
        "members.csv, column member_id: required column is missing from the header; "
        "did you mean 'Member ID'? Rename it to member_id",
        "members.csv, column joined_at: required column is missing from the header; "
        "did you mean 'Joined At'? Rename it to joined_at",
        "members.csv, row 2: headers found: 'Member ID', 'Joined At', '渠道'",
    ]
    assert error.text("zh-CN").splitlines() == [
        "members.csv，member_id 列：表头中缺少必填列；是不是指 'Member ID'？请将其改为 member_id",
        "members.csv，joined_at 列：表头中缺少必填列；是不是指 'Joined At'？请将其改为 joined_at",
        "members.csv，第 2 行：找到的表头：'Member ID'、'Joined At'、'渠道'",
    ]


def test_a_sheets_headers_found_are_named_with_the_sheet(env, tmp_path):
    error = refused(env, workbook(tmp_path / "in" / "members.xlsx", [["member_id", "加入"], ["m1", "x"]]), tmp_path)
    assert str(error).splitlines() == [
        "members.xlsx [members], column joined_at: required column is missing from the header",
        "members.xlsx [members], row 1: headers found: 'member_id', '加入'",
    ]


def test_an_empty_header_row_is_said_to_be_empty(env, tmp_path):
    error = refused(env, workbook(tmp_path / "in" / "members.xlsx", [[None], ["m1"]]), tmp_path)
    assert str(error).splitlines()[-1] == "members.xlsx [members], row 1: no headers found: the header row is empty"
    assert error.text("zh-CN").splitlines()[-1] == "members.xlsx [members]，第 1 行：未找到表头：表头行是空的"


@pytest.mark.parametrize(
    ("count", "listed", "more"), [(HEADERS_SHOWN, HEADERS_SHOWN, ""), (14, HEADERS_SHOWN, " and 4 more")]
)
def test_the_headers_found_are_listed_up_to_the_cap_and_the_rest_counted(env, tmp_path, count, listed, more):
    headers = [f"c{number}" for number in range(count)]
    text = ",".join(headers) + "\n" + ",".join("x" * count) + "\n"
    error = refused(env, write(tmp_path / "in" / "members.csv", text), tmp_path)
    shown = ", ".join(f"'{header}'" for header in headers[:listed])
    assert str(error).splitlines()[-1] == f"members.csv, row 1: headers found: {shown}{more}"
    if more:
        assert error.text("zh-TW").splitlines()[-1].endswith("'c9'，另有 4 個未列出")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["member_id", "joined_at"], ["m1", "2025-01-05"]], 0),
        ([[TITLE], ["member_id", "joined_at"]], 1),
        ([[TITLE, "", ""], ["成员ID", "加入时间", "渠道"]], 1),  # Chinese headers found whole
        ([["导出人：张三", "2026-11-30"], ["member_id", "joined_at"]], 1),  # not one cell, but the header is row 2
        ([[TITLE], ["导出时间：2026-11-30"], ["member_id", "joined_at"]], 2),
        ([[TITLE], [""], ["编号", "入会"]], 2),  # a title, a blank sheet row: the header names other columns
        ([[TITLE], ["编号", "入会"]], 1),
        ([["member_id"], ["m1"]], 0),  # one column named: no title, a header lacking joined_at
        ([["编号"], ["m1"]], 0),  # one cell over one cell: no header below it
        ([["a", "b"], ["c", "d"], ["member_id", "joined_at"]], 2),
        ([["a", "b"], ["c", "d"], ["e", "f"], ["member_id", "joined_at"]], 0),  # further down: not looked for
        ([], 0),
    ],
)
def test_the_header_row_is_the_first_naming_the_required_columns_or_the_one_below_a_title(rows, expected):
    assert header_row(rows, table="members", expected=["member_id", "joined_at"]) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Member ID", "name"], "Member ID"),
        (["MEMBER_ID"], "MEMBER_ID"),
        (["member-id"], "member-id"),
        (["ｍｅｍｂｅｒ＿ｉｄ"], "ｍｅｍｂｅｒ＿ｉｄ"),  # full-width, as a Chinese input method types it
        (["memberid"], "memberid"),
        (["member"], None),
        (["id"], None),
        (["member_id"], None),  # the column itself is no near miss
    ],
)
def test_a_header_is_a_near_miss_when_it_differs_only_in_case_width_spaces_or_underscores(headers, expected):
    assert near_miss("member_id", headers) == expected


def test_chinese_names_fold_as_canonical_ones_do():
    assert fold("成员 ID") == fold("成员_id") == fold("成员ID")


def test_a_large_file_with_chinese_headers_is_still_read_in_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(streamed, "STREAMED_BYTES", 0)
    monkeypatch.setattr(streamed, "BLOCK", 64)
    rows = "".join(f"a{number},m1,2025-01-05 11:00:00,post\n" for number in range(20))
    path = write(tmp_path / "activities.csv", "行为ID,成员ID,发生时间,行为类型\n" + rows)
    read = streamed.read_validated(path, name="activities", parsing=Parsing())
    assert read is not None and read.problems == []
    assert read.frame["activity_id"].tolist() == [f"a{number}" for number in range(20)]
