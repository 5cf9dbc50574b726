"""The header row of a community file: which row holds it, the names it may give a column, and
what to say when a required column is not in it.

Files made by people stray from the canonical header in three ways, each met here:

- **A title above the header** ("2026年11月 社群成员名单" on row 1, the header on row 2): the header
  is looked for on the first three rows (`header_row`); the rows above it are skipped and a warning
  says so, and rows keep the numbers the spreadsheet shows.
- **Chinese headers** for the columns of members and activities (成员ID, 加入时间, 姓名, 渠道): read
  as the columns they name (ALIASES), where the file has no column of the canonical name already.
- **A canonical name typed another way** (Member ID, joined at, JOINED_AT): not read as the column
  (the header is the contract), but the message asks whether it is meant (`near_miss`).

Names are compared folded (`fold`): letters in any case and width, spaces, underscores and hyphens
left out, so 成员 ID, 成员id and 成员_ID are all 成员ID.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence

import sqlalchemy as sa

import schema
from errors import Listed, Said

# Chinese headers read as the columns of each table, in Simplified and Traditional
# characters: the words a community manager's own roster or export uses (渠道 is 管道 or 通路 in
# Taiwan). 活动 is a campaign in this product's Chinese, an activity being 行为: 活动ID is the
# campaign an activity belongs to, never the activity's own id.
MEMBER_ID = (
    *("成员ID", "会员ID", "用户ID", "成员编号", "会员编号", "用户编号"),
    *("成員ID", "會員ID", "用戶ID", "使用者ID", "成員編號", "會員編號", "使用者編號"),
)
CAMPAIGN_ID = ("活动ID", "活动编号", "活動ID", "活動編號")
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "members": {
        "member_id": MEMBER_ID,
        "name": (
            *("姓名", "名字", "成员姓名", "成员名称", "昵称", "用户名"),
            *("成員姓名", "成員名稱", "暱稱", "用戶名", "使用者名稱"),
        ),
        "email": ("邮箱", "电子邮箱", "邮箱地址", "电子邮件", "電子郵件", "電子信箱", "電郵", "郵箱"),
        "joined_at": ("加入时间", "入群时间", "加入日期", "入群日期", "注册时间", "加入時間", "入群時間", "註冊時間"),
        "channel": ("渠道", "来源渠道", "获客渠道", "来源", "管道", "來源管道", "通路", "來源"),
        "region": ("地区", "区域", "所在地区", "地區", "區域", "所在地區"),
        "segment": ("分群", "细分", "分层", "用户分群", "成员分群", "細分", "分層", "用戶分群", "成員分群"),
        "is_team": (
            *("团队成员", "是否团队成员", "内部成员", "是否内部成员", "员工", "是否员工", "工作人员"),
            *("團隊成員", "是否團隊成員", "內部成員", "是否內部成員", "員工", "是否員工", "工作人員"),
        ),
    },
    "activities": {
        "activity_id": ("行为ID", "记录ID", "互动ID", "行為ID", "記錄ID", "互動ID"),
        "member_id": MEMBER_ID,
        "occurred_at": ("发生时间", "行为时间", "互动时间", "發生時間", "行為時間", "互動時間"),
        "kind": ("行为类型", "互动类型", "类型", "行為類型", "互動類型", "類型"),
        "platform": ("平台", "来源平台", "來源平台"),
        "campaign_id": CAMPAIGN_ID,
        "points": ("积分", "得分", "积分值", "積分", "積分值"),
    },
    "campaigns": {
        "campaign_id": CAMPAIGN_ID,
        "name": ("活动名称", "活动名", "名称", "活動名稱", "活動名", "名稱"),
        "kind": ("活动类型", "类型", "活動類型", "類型"),
        "starts_at": ("开始时间", "开始日期", "開始時間", "開始日期"),
        "ends_at": ("结束时间", "结束日期", "結束時間", "結束日期"),
        "channel": ("渠道", "管道", "通路"),
        "budget": ("预算", "預算"),
        "target": ("目标", "目標"),
        "survey_id": ("问卷ID", "問卷ID"),
    },
    "campaign_members": {
        "campaign_id": CAMPAIGN_ID,
        "member_id": MEMBER_ID,
        "status": ("状态", "狀態"),
        "at": ("时间", "時間"),
    },
}
HEADERS_SHOWN = 10  # headers a message names before "and N more"
TITLE_ROWS = 2  # rows above the header that may be a title (the header is on row 1, 2 or 3)
UNNAMED = re.compile(r"Unnamed: \d+")  # pandas' name for a blank header cell
_FOLDED_AWAY = re.compile(r"[\s_\-]+")


def fold(header: str) -> str:
    """A header as compared: any width and case, without spaces, underscores or hyphens."""
    return _FOLDED_AWAY.sub("", unicodedata.normalize("NFKC", header).casefold())


_ALIASED = {
    table: {fold(alias): column for column, aliases in names.items() for alias in aliases}
    for table, names in ALIASES.items()
}


def canonical_headers(headers: Sequence[str], *, table: str) -> list[str]:
    """The headers with each Chinese name (ALIASES) read as its column, unless the file has that
    column already or an earlier header took it: the later one stays as written (and is ignored)."""
    aliased = _ALIASED.get(table, {})
    taken = set(headers)
    named = []
    for header in headers:
        column = aliased.get(fold(header))
        if column is not None and column not in taken:
            taken.add(column)
            header = column
        named.append(header)
    return named


def required(column: sa.Column) -> bool:
    """A column whose cells need a value; a flag with a default (is_team) may be left out."""
    return (not column.nullable or column.primary_key) and column.default is None


def table_header_row(rows: Sequence[Sequence[str]], *, table: str) -> int:
    """Which of the first rows (cells as text) is a canonical table's header (header_row, expecting
    its required columns); 0, the first, for a table of other columns (a form's responses)."""
    if table not in schema.metadata.tables:
        return 0
    expected = [column.name for column in schema.metadata.tables[table].columns if required(column)]
    return header_row(rows, table=table, expected=expected)


def header_row(rows: Sequence[Sequence[str]], *, table: str, expected: Collection[str]) -> int:
    """Which of a file's first rows (cells as text) is its header, counted from 0: the first where
    every `expected` column is named, within the first TITLE_ROWS + 1 rows; else, after rows that
    hold at most one cell (a title) that names no column, the row below them when it holds two
    cells or more (a header naming other columns, said by the message); else the first."""
    if not rows or _names_all(rows[0], table=table, expected=expected):
        return 0
    for at in range(1, min(TITLE_ROWS + 1, len(rows))):
        if _names_all(rows[at], table=table, expected=expected):
            return at
    at = 0
    while at < min(TITLE_ROWS, len(rows) - 1) and _title(rows[at], table=table):
        at += 1
    return at if at and len(_filled(rows[at])) >= 2 else 0


def _names_all(row: Sequence[str], *, table: str, expected: Collection[str]) -> bool:
    return set(expected) <= set(canonical_headers([cell.strip() for cell in row], table=table))


def _filled(row: Sequence[str]) -> list[str]:
    return [cell.strip() for cell in row if cell.strip() and not UNNAMED.fullmatch(cell.strip())]


def _title(row: Sequence[str], *, table: str) -> bool:
    """A row holding one cell at most, which names no column of the table."""
    filled = _filled(row)
    columns = schema.metadata.tables[table].columns.keys() if table in schema.metadata.tables else []
    return len(filled) <= 1 and not (filled and canonical_headers(filled, table=table)[0] in columns)


def title_warning(file: str, *, at: int) -> Said:
    """The warning for a header read from row `at` + 1, the rows above it skipped."""
    if at == 1:
        return Said("warning.header_row_one", file=file, row=2)
    return Said("warning.header_row", file=file, row=at + 1, above=at)


def column_letter(position: int) -> str:
    """How a spreadsheet names the column at this position (0 is A): A … Z, AA, AB, …"""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def unheaded(header: str) -> bool:
    """A header cell left blank (pandas names it "Unnamed: 2"): the column has no name to say."""
    return not header.strip() or UNNAMED.fullmatch(header.strip()) is not None


def unheaded_said(file: str, letters: Sequence[str]) -> Said:
    """Columns with values but no header, by their letters: ignored, as no column can be read from
    them ("the column 'Unnamed: 2'" named pandas' word, not the file's)."""
    if len(letters) == 1:
        return Said("warning.column_unheaded", file=file, column=letters[0])
    return Said("warning.columns_unheaded", file=file, columns=Listed(list(letters)))


def ignored_said(file: str, ignored: Sequence[str], *, table: str, read: Mapping[str, str]) -> list[Said]:
    """What is said of the headers no column is read from (`read`: each column read, from which
    header as written): one naming a column read from another header already (会员ID beside
    member_id), one that is a column's name typed another way (Name, E-mail: rename it); the rest
    together, which the app does not use. A required column's near miss is left to the message
    saying it is missing (missing_said), which asks about it."""
    aliased = _ALIASED.get(table, {})
    columns = (
        {column.name: column for column in schema.metadata.tables[table].columns}
        if table in schema.metadata.tables
        else {}
    )
    said, unused = [], []
    for header in ignored:
        column = aliased.get(fold(header)) or next((name for name in columns if fold(name) == fold(header)), None)
        if column is None:
            unused.append(repr(header))
        elif column in read:
            said.append(
                Said(
                    "warning.column_ignored_twice",
                    file=file,
                    header=repr(header),
                    column=column,
                    other=repr(read[column]),
                )
            )
        elif not required(columns[column]):
            said.append(Said("warning.column_ignored_close", file=file, header=repr(header), column=column))
    if len(unused) == 1:
        said.append(Said("warning.columns_ignored_one", file=file, columns=unused[0]))
    elif unused:
        said.append(Said("warning.columns_ignored", file=file, columns=Listed(unused)))
    return said


def near_miss(column: str, headers: Sequence[str]) -> str | None:
    """The first header that is `column` typed another way (Joined At, JOINED-AT), if any."""
    return next((header for header in headers if header != column and fold(header) == fold(column)), None)


def missing_said(column: str, headers: Sequence[str]) -> Said:
    """What is said of a required column the header lacks, asking about a header that looks like it."""
    close = near_miss(column, headers)
    if close is None:
        return Said("error.column_missing")
    return Said("error.column_missing_close", header=repr(close), column=column)


def found_said(headers: Sequence[str]) -> Said:
    """The headers a file has, as written (blank ones left out): the first HEADERS_SHOWN, then how
    many more."""
    named = _filled(headers)
    if not named:
        return Said("error.header_empty")
    shown = Listed([repr(header) for header in named[:HEADERS_SHOWN]])
    if len(named) > HEADERS_SHOWN:
        return Said("error.header_found_more", headers=shown, count=len(named) - HEADERS_SHOWN)
    return Said("error.header_found", headers=shown)
