"""Turn raw tables (text as read from a file or sheet) into typed canonical frames, or say exactly
which file, row and column is wrong. Nothing is loaded unless every table is valid."""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

import schema
from data_sources.errors import MORE_BAD, MORE_EMPTY, MORE_REPEATED, InvalidData, Problem
from data_sources.headers import (
    canonical_headers,
    column_letter,
    found_said,
    ignored_said,
    missing_said,
    required,
    unheaded,
    unheaded_said,
)
from errors import Listed, Said

TABLES: dict[str, sa.Table] = {
    "members": schema.members,
    "activities": schema.activities,
    "campaigns": schema.campaigns,
    "campaign_members": schema.campaign_members,
}
REQUIRED_TABLES = ("members", "activities")
NON_FINITE = "error.cell.not_finite"  # how a cell is wrong: a catalog key, said with the cell
RANGES = {"campaigns": ("starts_at", "ends_at")}  # (start, end) columns: an end before its start is refused
TRUE_WORDS = {"true", "t", "yes", "y", "1", "是"}  # 是/否: what a Chinese sheet, and this app, write
FALSE_WORDS = {"false", "f", "no", "n", "0", "", "否"}
# A column holding one of a few words: each word a person may write (any case), as the word stored.
CHOICES = {
    ("campaign_members", "status"): {
        **{word: word for word in ("invited", "registered", "attended")},
        **dict.fromkeys(("已邀请", "邀请", "已邀請", "邀請"), "invited"),
        **dict.fromkeys(("已报名", "报名", "已報名", "報名"), "registered"),
        **dict.fromkeys(("已签到", "签到", "已参加", "参加", "已簽到", "簽到", "已參加", "參加"), "attended"),
        **dict.fromkeys(("已到场", "到场", "已到場", "到場", "已出席", "出席"), "attended"),  # the app's own words
    }
}
CHOICES_SHOWN = 5  # words a warning names before "…"
OFFSET_PATTERN = r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
DAY_MONTH = r"^(\d{1,2})[/\-](\d{1,2})[/\-]\d{4}"  # 05/03/2024: which is the day, the whole column decides
SERIALS = (20_000.0, 80_000.0)  # Excel day numbers from 1954 to 2119: a number outside is no date
CHECK_MEMORY = "512MB"  # DuckDB's memory for the checks across every row (checking)


@dataclass(frozen=True)
class RawTable:
    """A table as read: every cell text ('' for empty); `first_row` is the row number of line 0;
    `warnings` what reading it found that a person should know (a sheet's merged or hidden rows);
    `encoding` a CSV file's, as it was decoded; `headers` the header as written, before Chinese
    names were read as columns (data_sources.headers), and `header_row` its row where the reader
    knows it (a CSV file's, a sheet's of a workbook), for a message naming them."""

    name: str
    file: str
    frame: pd.DataFrame
    first_row: int = 2
    warnings: tuple[str, ...] = ()  # Said
    encoding: str | None = None
    headers: tuple[str, ...] = ()
    header_row: int | None = None


@dataclass(frozen=True)
class Parsing:
    """How to read dates: the community's time zone for values without an offset, and whether
    ambiguous dates like 05/03/2024 are day first (the date_order setting)."""

    timezone: str = "UTC"
    day_first: bool = False


@dataclass
class Validated:
    frames: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)


def raw_table(frame: pd.DataFrame, *, name: str, file: str) -> RawTable:
    """A table as read, headers trimmed (a Chinese name read as the column it names:
    data_sources.headers.ALIASES) and rows with nothing in them (Excel's and Sheets' blank trailing
    rows) dropped; the rows kept keep their numbers."""
    headers = tuple(str(column).strip() for column in frame.columns)
    frame.columns = canonical_headers(headers, table=name)
    if not frame.empty:
        # Only rows whose first cell is empty can be blank: the whole-frame check stays off 10M rows.
        candidates = frame[_empty(frame.iloc[:, 0])]
        if not candidates.empty:
            blank = candidates.apply(_empty).all(axis=1)
            frame = frame.drop(index=blank[blank].index)
    return RawTable(name=name, file=file, frame=frame, headers=headers)


def _empty(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.isna()
    return values.fillna("").astype("str").str.strip() == ""


def _local_formats(day_first: bool) -> list[str]:
    """Spreadsheet forms of a date and time, tried in order after ISO 8601."""
    times = (" %H:%M:%S", " %H:%M", "", " %I:%M:%S %p", " %I:%M %p")
    days: tuple[str, ...] = (
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%Y年%m月%d日",
        "%d/%m/%Y" if day_first else "%m/%d/%Y",
        "%d.%m.%Y",
    )
    days += ("%d-%m-%Y",) if day_first else ("%m-%d-%Y",)
    return [day + time for day in days for time in times]


def _day_first(text: pd.Series, *, default: bool) -> tuple[bool, str | None]:
    """Whether dates like 05/03/2024 are day first: decided by a part above 12, else `default`
    (the date_order setting), with a note so the person can check."""
    parts = text.str.extract(DAY_MONTH).dropna().astype(int)
    if parts.empty:
        return default, None
    day_first, month_first = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
    if day_first != month_first:
        return day_first, None
    example = text[parts.index[0]]
    order = "day_first" if default else "month_first"
    if day_first and month_first:
        return default, Said(f"warning.dates_mixed.{order}", example=repr(example))
    return default, Said(f"warning.dates_either.{order}", example=repr(example), setting="date_order")


def _parse_local(text: pd.Series, *, day_first: bool) -> pd.Series:
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for form in ["ISO8601", *_local_formats(day_first)]:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=form, errors="coerce").astype("datetime64[us]")
    return parsed


def parse_timestamps(values: pd.Series, *, parsing: Parsing) -> tuple[pd.Series, str | None]:
    """Date/time text to naive UTC, and a note on how ambiguous dates were read.

    ISO 8601 first (the fast path for large files), then spreadsheet forms: 2024/3/5 14:03:22,
    2024年3月5日, 3/5/2024 2:03 PM (US), 05.03.2024 (European). A trailing offset (+08:00, Z, UTC)
    is honoured; values without one are taken in the community's time zone.
    """
    fast = _iso_without_offset(values)
    if fast is not None:
        return _in_utc(fast, parsing.timezone), None
    aware = values.str.contains(OFFSET_PATTERN, regex=True, na=False)
    naive = ~aware & (values != "")
    utc = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    local = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if aware.any():
        with_offset = pd.to_datetime(values[aware], format="ISO8601", utc=True, errors="coerce")
        utc[aware] = with_offset.dt.tz_localize(None).astype("datetime64[us]")
    if naive.any():
        local[naive] = pd.to_datetime(values[naive], format="ISO8601", errors="coerce").astype("datetime64[us]")
    note = None
    rest = values[(aware & utc.isna()) | (naive & local.isna())]
    if not rest.empty:
        split = rest.str.extract(f"^(.*?)\\s*({OFFSET_PATTERN})")
        text = split[0].fillna(rest).str.strip()
        day_first, note = _day_first(text, default=parsing.day_first)
        parsed = _parse_local(text, day_first=day_first)
        offset = split[1].dropna()
        shifted = parsed[offset.index] - _offsets(offset)
        utc[shifted.index] = shifted
        plain = parsed.drop(offset.index)
        local[plain.index] = plain
    return utc.fillna(_in_utc(local, parsing.timezone)), note


def sheet_times(values: pd.Series, *, parsing: Parsing) -> pd.Series:
    """A tool's submission times as naive UTC to the second (NaT where a cell is no time): text as a
    CSV or a responses sheet writes it, an .xlsx's date-times with milliseconds, or Excel serial
    numbers (46086.5847: days since 30 Dec 1899) where a workbook was saved again."""
    text = values.astype("str").str.strip()
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"\d+(\.\d+)?")), errors="coerce")
    serial = numbers.between(*SERIALS)
    if serial.any():
        moments = pd.Timestamp("1899-12-30") + pd.to_timedelta(numbers[serial], unit="D")
        text = text.where(~serial, moments.dt.round("s").dt.strftime("%Y-%m-%d %H:%M:%S"))
    text = text.str.replace(_CHINESE_CLOCK, _twenty_four_hours, regex=True)
    stamps, _ = parse_timestamps(text, parsing=parsing)
    return stamps.dt.floor("s")


# A Chinese-locale responses sheet writes the hour as 上午 (a.m.) or 下午 (p.m.): "2026/3/5 下午 2:03:22".
_CHINESE_CLOCK = re.compile(r"(上午|下午)\s*(\d{1,2})(?=:\d{2})")


def _twenty_four_hours(match: re.Match[str]) -> str:
    hour = int(match[2]) % 12 + (12 if match[1] == "下午" else 0)
    return f"{hour:02d}"


def undecided_dates(text: pd.Series) -> bool:
    """Whether date cells hold a date such as 05/03/2024, whose order the whole column decides: a
    part of a table read alone (a block, the lines added to a file) could decide it otherwise.
    Plain ISO 8601 (the large exports') is told by one quick cast."""
    text = text.astype("str")
    return _iso_without_offset(text) is None and bool(text.str.strip().str.match(DAY_MONTH, na=False).any())


def _iso_without_offset(values: pd.Series) -> pd.Series | None:
    """The fast path for large exports: a column of plain ISO 8601 date-times, parsed by pyarrow in
    a fraction of pandas' time; None when any cell is something else (the general path decides)."""
    try:
        return values.where(values != "").astype("timestamp[ns][pyarrow]").astype("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, TypeError):
        return None


def _in_utc(local: pd.Series, timezone: str) -> pd.Series:
    """Wall-clock times in the community's zone as naive UTC."""
    if timezone == "UTC" or not local.notna().any():
        return local
    zoned = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    return zoned.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")


def _offsets(offset: pd.Series) -> pd.Series:
    """'+08:00', '-0530', 'Z', 'UTC' as timedeltas east of UTC."""
    parts = offset.str.extract(r"([+-])(\d{2}):?(\d{2})")
    sign = parts[0].map({"+": 1, "-": -1}).fillna(0)
    minutes = parts[1].fillna("0").astype(int) * 60 + parts[2].fillna("0").astype(int)
    return pd.to_timedelta(sign * minutes, unit="min")


def _convert(
    raw: pd.Series, column: sa.Column, *, parsing: Parsing
) -> tuple[pd.Series, pd.Series, str | pd.Series, str | None]:
    """Typed values, a mask of cells that failed, how to write them correctly (a catalog key per
    cell, or one for all), and a note (a Said)."""
    kind = type(column.type)
    if kind is sa.DateTime and pd.api.types.is_datetime64_any_dtype(raw):  # Parquet keeps its types
        if raw.dt.tz is None and parsing.timezone != "UTC":
            raw = raw.dt.tz_localize(parsing.timezone, ambiguous="NaT", nonexistent="NaT")
        if raw.dt.tz is not None:
            raw = raw.dt.tz_convert("UTC").dt.tz_localize(None)
        return raw.astype("datetime64[us]"), pd.Series(False, index=raw.index), "", None
    text = raw.fillna("").astype("str").str.strip()
    if kind is sa.DateTime:
        parsed, note = parse_timestamps(text, parsing=parsing)
        hint: str | pd.Series = "error.cell.not_date"
        return parsed, parsed.isna() & (text != ""), hint, note
    if kind is sa.Float:
        numbers = _numbers(text.where(text != ""))
        # 'inf', 'NaN' and 1e309 parse as floats, but no sum or JSON report can carry them
        infinite = numbers.isin([math.inf, -math.inf]) | (
            numbers.isna() & text.str.lower().isin(["nan", "+nan", "-nan"])
        )
        hint = pd.Series("error.cell.not_number", index=text.index).mask(infinite, NON_FINITE)
        return numbers, (numbers.isna() | infinite) & (text != ""), hint, None
    if kind is sa.Boolean:
        lowered = text.str.lower()
        bad = ~lowered.isin(TRUE_WORDS | FALSE_WORDS)
        return lowered.isin(TRUE_WORDS), bad, "error.cell.not_true_false", None
    strings = text.where(text != "")  # stays Arrow-backed text: no Python object per cell
    return strings, pd.Series(False, index=text.index), "", None


def _chosen(text: pd.Series, words: dict[str, str]) -> tuple[pd.Series, dict[str, object]]:
    """A column of CHOICES: each cell as the word stored where it is one of its words (in any case,
    or its Chinese), else as written; and for a warning, how many rows are none of them, with
    examples (a funnel counts only its words: "cancelled" drops out of it, which it should say; it
    does not refuse the data, which a Sheets source would then fail on every refresh)."""
    stored = text.str.lower().map(words)
    other = stored.isna() & text.notna()
    if not other.any():
        return stored.astype(text.dtype), {}
    examples = list(dict.fromkeys(text[other].tolist()))
    shown = examples[:CHOICES_SHOWN] + (["…"] if len(examples) > CHOICES_SHOWN else [])
    return stored.fillna(text).astype(text.dtype), {"count": int(other.sum()), "examples": Listed(shown)}


def _numbers(text: pd.Series) -> pd.Series:
    """Text cells as floats (NaN where blank or no number). pyarrow's cast takes a column of plain
    numbers (3.4 times faster than pandas' cast of Arrow text, which makes a Python float of each
    cell: 4.2 s of reading xl's 34.6M activities); Python's float() also reads 1_000 and full-width
    digits (１２); any cell neither reads sends the column to pandas' parser, which marks it."""
    try:
        return pd.Series(pc.cast(pa.array(text), pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    try:
        return text.astype("float64")
    except (ValueError, TypeError):
        return pd.to_numeric(text, errors="coerce").astype("float64")


def validate_table(
    raw: RawTable, *, parsing: Parsing, consume: bool = False, keys: bool = True
) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Typed frame in canonical column order, the problems found, and warnings. With `consume`,
    each column of `raw.frame` is dropped once it is typed and its problems are said (the text and
    the typed values of ten million activities are not both held: about 1 GB). Without `keys`,
    repeated ids are left to the caller (a block of a file: data_sources/streamed.py)."""
    table = TABLES[raw.name]
    problems: list[Problem] = []
    warnings: list[str] = []  # Said
    present = set(raw.frame.columns)
    written = raw.headers if len(raw.headers) == len(raw.frame.columns) else tuple(raw.frame.columns)
    blank = [position for position, header in enumerate(written) if unheaded(header)]
    unclaimed = [
        header
        for position, (header, name) in enumerate(zip(written, raw.frame.columns, strict=True))
        if name not in table.c and position not in blank
    ]
    for column in table.columns:
        if column.name not in present and required(column):
            problems.append(Problem(raw.file, None, column.name, missing_said(column.name, unclaimed)))
    read = {name: header for header, name in zip(written, raw.frame.columns, strict=True) if name in table.c}
    warnings.extend(ignored_said(raw.file, unclaimed, table=raw.name, read=read))
    filled = [column_letter(at) for at in blank if not _empty(raw.frame.iloc[:, at]).all()]  # empty ones: nothing lost
    if filled:
        warnings.append(unheaded_said(raw.file, filled))
    if problems:  # and the headers the file has, as written, on their row
        problems.append(Problem(raw.file, raw.header_row, None, found_said(written)))
        return pd.DataFrame(), problems, warnings

    rows = pd.Index(raw.frame.index) + raw.first_row  # blank rows dropped keep their numbers
    kept_text = set(RANGES.get(raw.name, ()))  # _inverted quotes them
    typed: dict[str, pd.Series] = {}
    for column in table.columns:
        if column.name not in present:
            default = column.default.arg if isinstance(column.default, sa.ColumnDefault) else None
            typed[column.name] = pd.Series(
                [default] * len(raw.frame), dtype="bool" if default is not None else "object"
            )
            continue
        values, bad, hint, note = _convert(raw.frame[column.name].reset_index(drop=True), column, parsing=parsing)
        if (raw.name, column.name) in CHOICES:
            values, other = _chosen(values, CHOICES[(raw.name, column.name)])
            if other:
                warnings.append(Said("warning.other_status", file=raw.file, column=column.name, **other))
        if note:
            warnings.append(Said("warning.column_note", file=raw.file, column=column.name, note=note))
        shown = as_written(column.name, read)
        for position in bad[bad].index[: InvalidData.SHOWN]:
            cell = raw.frame[column.name].iloc[position]
            said = hint if isinstance(hint, str) else hint.iloc[position]
            problems.append(Problem(raw.file, int(rows[position]), shown, Said(said, cell=repr(cell))))
        problems.extend(more_rows(raw.file, shown, MORE_BAD, int(bad.sum())))
        missing = values.isna() if type(column.type) is not sa.Boolean else pd.Series(False, index=values.index)
        if required(column):
            empty = missing & ~bad
            for position in empty[empty].index[: InvalidData.SHOWN]:
                problems.append(Problem(raw.file, int(rows[position]), shown, Said("error.cell.required")))
            problems.extend(more_rows(raw.file, shown, MORE_EMPTY, int(empty.sum())))
        typed[column.name] = values
        if consume and column.name not in kept_text:
            del raw.frame[column.name]
    frame = pd.DataFrame(typed)

    problems.extend(_inverted(frame, raw, rows))
    if keys:
        key = [column.name for column in table.primary_key.columns]
        problems.extend(repeated_ids(frame, key, file=raw.file, row=lambda position: int(rows[position]), read=read))
    return frame, problems, warnings


def as_written(column: str, read: Mapping[str, str]) -> str:
    """A column as a message names it: with the header it was read from where that is another
    (`read`: column -> header as written), "加入时间 (joined_at)", so that a person finds it in
    their file; else its name."""
    header = read.get(column)
    return column if header is None or header == column else f"{header} ({column})"


def repeated_ids(
    frame: pd.DataFrame, key: list[str], *, file: str, row: Callable[[int], int], read: Mapping[str, str] | None = None
) -> list[Problem]:
    """The rows repeating an earlier row's key, each said at its row of the file (`row`: a row's
    position in the frame to its number), its columns as the file names them (`read`: as_written)."""
    named = "/".join(as_written(column, read or {}) for column in key)
    repeated = np.flatnonzero(_duplicated(frame, key).to_numpy())
    problems = []
    for position in repeated[: InvalidData.SHOWN]:
        value = ", ".join(str(frame.at[position, name]) for name in key)
        said = Said("error.cell.duplicate_id", value=repr(value))
        problems.append(Problem(file, row(int(position)), named, said))
    return problems + more_rows(file, named, MORE_REPEATED, len(repeated))


def more_rows(file: str, column: str, key: str, found: int) -> list[Problem]:
    """The line after a column's first InvalidData.SHOWN problems of one kind (`key`, one of MORE),
    saying how many rows more have it: fixing twenty cells should not meet eleven more on the next try."""
    if found <= InvalidData.SHOWN:
        return []
    return [Problem(file, None, column, more_said(key, found - InvalidData.SHOWN))]


def more_said(key: str, count: int) -> Said:
    """A MORE line's message for `count` rows ("1 more row", "11 more rows")."""
    return Said(f"{key}_one" if count == 1 else key, count=count)


def _inverted(frame: pd.DataFrame, raw: RawTable, rows: pd.Index) -> list[Problem]:
    """Rows that end before they start (a campaign's ends_at before its starts_at)."""
    if raw.name not in RANGES:
        return []
    start, end = RANGES[raw.name]
    inverted = frame[start] > frame[end]  # False where either is missing
    return [
        Problem(
            raw.file,
            int(rows[position]),
            f"{start}/{end}",
            Said(
                "error.cell.ends_before_start", end=raw.frame[end].iloc[position], start=raw.frame[start].iloc[position]
            ),
        )
        for position in inverted[inverted].index[: InvalidData.SHOWN]
    ]


def checking() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for the checks across every row (repeated ids, unknown members). Its hash
    of ten million activity ids would add about 1 GB at the sync's peak; within CHECK_MEMORY DuckDB
    spills to the temporary directory instead, no slower here."""
    return duckdb.connect(config={"memory_limit": CHECK_MEMORY, "temp_directory": tempfile.gettempdir()})


def _duplicated(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """Rows repeating an earlier row's key. DuckDB answers "any at all?" in a third of pandas' time on
    10M rows; only a file that has some pays for finding which."""
    with checking() as connection:
        connection.register("incoming", frame[key])
        columns = ", ".join(f'"{name}"' for name in key)
        repeated = connection.execute(
            f"SELECT count(*) FROM (SELECT {columns} FROM incoming GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall()[0][0]  # count(*) answers one row
    if not repeated:
        return pd.Series(False, index=frame.index)
    return frame.duplicated(subset=key, keep="first")


def validate(
    raws: dict[str, RawTable],
    *,
    parsing: Parsing,
    base: dict[str, pd.DataFrame] | None = None,
    consume: bool = False,
    references: bool = True,
) -> Validated:
    """Validate every table; raise InvalidData listing all problems, or return typed frames.

    Tables not in `raws` come from `base` (typed frames kept from an earlier import), else empty.
    With `consume`, `raws` is emptied as its tables are validated (validate_table), for callers
    that have no more use for the text: a sync holds about 2 GB less at a million members. Without
    `references`, activities of unknown members are left for the caller to count (read_cache).
    """
    problems: list[Problem] = []
    result = Validated(frames={})
    kept = base or {}
    for name in REQUIRED_TABLES:
        if name not in raws and name not in kept:
            article = "an" if name[0] in "aeiou" else "a"
            problems.append(Problem(name, None, None, Said(f"error.table_missing.{article}", table=name)))
    for name, table in TABLES.items():
        raw = raws.pop(name, None) if consume else raws.get(name)
        if raw is None:
            result.frames[name] = kept.get(name, pd.DataFrame({column.name: [] for column in table.columns}))
            continue
        frame, table_problems, warnings = validate_table(raw, parsing=parsing, consume=consume)
        frame.attrs["file"] = raw.file  # named when the new rows would empty or cut the table
        problems.extend(table_problems)
        result.warnings.extend([*raw.warnings, *warnings])
        result.frames[name] = frame
    if problems:
        raise InvalidData(problems, warnings=result.warnings)
    if references:
        result.warnings.extend(unknown_warnings(unknown_members(result.frames["activities"], result.frames["members"])))
    return result


@dataclass(frozen=True)
class Unknown:
    """Activities whose member is not in members: how many, and the first few such member ids."""

    count: int
    examples: tuple[str, ...]  # the smallest, up to UNKNOWN_SHOWN


UNKNOWN_SHOWN = 5


def unknown_members(activities: pd.DataFrame, members: pd.DataFrame) -> Unknown:
    """A DuckDB anti-join: pandas' isin over a set of a million ids took 13 s on 11.5M activities."""
    with checking() as connection:
        connection.register("activities", activities[["member_id"]])
        connection.register("members", members[["member_id"]])
        unknown = "SELECT member_id FROM activities ANTI JOIN members USING (member_id)"
        count = connection.execute(f"SELECT count(*) FROM ({unknown})").fetchall()[0][0]
        if not count:
            return Unknown(0, ())
        rows = connection.execute(f"SELECT DISTINCT * FROM ({unknown}) ORDER BY 1 LIMIT {UNKNOWN_SHOWN}").fetchall()
    return Unknown(count, tuple(str(row[0]) for row in rows))


def unknown_warnings(unknown: Unknown) -> list[Said]:
    if not unknown.count:
        return []
    sample = ", ".join(unknown.examples)
    if unknown.count == 1:
        return [Said("warning.unknown_member_one", example=sample)]
    return [Said("warning.unknown_members", count=unknown.count, examples=sample)]
