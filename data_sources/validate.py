"""Turn raw tables (text as read from a file or sheet) into typed canonical frames, or say exactly
which file, row and column is wrong. Nothing is loaded unless every table is valid."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.errors import InvalidData, Problem

TABLES: dict[str, sa.Table] = {
    "members": schema.members,
    "activities": schema.activities,
    "campaigns": schema.campaigns,
    "campaign_members": schema.campaign_members,
}
REQUIRED_TABLES = ("members", "activities")
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0", ""}
OFFSET_PATTERN = r"(?:Z|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class RawTable:
    """A table as read: every cell text ('' for empty); `first_row` is the row number of line 0."""

    name: str
    file: str
    frame: pd.DataFrame
    first_row: int = 2


@dataclass
class Validated:
    frames: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)


def _required(column: sa.Column) -> bool:
    return not column.nullable or column.primary_key


def _parse_timestamps(values: pd.Series, *, timezone: str) -> pd.Series:
    """ISO 8601 text to naive UTC; values without an offset are taken in the community's zone."""
    aware = values.str.contains(OFFSET_PATTERN, regex=True, na=False)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if aware.any():
        with_offset = pd.to_datetime(values[aware], format="ISO8601", utc=True, errors="coerce")
        parsed[aware] = with_offset.dt.tz_localize(None).astype("datetime64[us]")
    naive = ~aware & (values != "")
    if naive.any():
        local = pd.to_datetime(values[naive], format="ISO8601", errors="coerce")
        if timezone != "UTC":
            local = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            local = local.dt.tz_convert("UTC").dt.tz_localize(None)
        parsed[naive] = local.astype("datetime64[us]")
    return parsed


def _convert(raw: pd.Series, column: sa.Column, *, timezone: str) -> tuple[pd.Series, pd.Series, str]:
    """Typed values, a mask of cells that failed, and how to write them correctly."""
    text = raw.fillna("").astype("str").str.strip()
    kind = type(column.type)
    if kind is sa.DateTime:
        parsed = _parse_timestamps(text, timezone=timezone)
        return parsed, parsed.isna() & (text != ""), "is not a date/time (use ISO 8601, e.g. 2025-03-05 14:03:22)"
    if kind is sa.Float:
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
        return numbers.astype("float64"), numbers.isna() & (text != ""), "is not a number"
    if kind is sa.Boolean:
        lowered = text.str.lower()
        bad = ~lowered.isin(TRUE_WORDS | FALSE_WORDS)
        return lowered.isin(TRUE_WORDS), bad, "is not true/false"
    strings = text.where(text != "")  # stays Arrow-backed text: no Python object per cell
    return strings, pd.Series(False, index=text.index), ""


def validate_table(raw: RawTable, *, timezone: str) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Typed frame in canonical column order, the problems found, and warnings."""
    table = TABLES[raw.name]
    problems: list[Problem] = []
    warnings: list[str] = []
    present = set(raw.frame.columns)
    for column in table.columns:
        if column.name not in present and _required(column):
            problems.append(Problem(raw.file, None, column.name, "required column is missing from the header"))
    extra = sorted(present - set(table.columns.keys()))
    if extra:
        warnings.append(f"{raw.file}: ignored columns not in the canonical model: {', '.join(extra)}")
    if problems:
        return pd.DataFrame(), problems, warnings

    rows = pd.RangeIndex(len(raw.frame)) + raw.first_row
    typed: dict[str, pd.Series] = {}
    for column in table.columns:
        if column.name not in present:
            typed[column.name] = pd.Series([None] * len(raw.frame), dtype="object")
            continue
        values, bad, hint = _convert(raw.frame[column.name].reset_index(drop=True), column, timezone=timezone)
        for position in bad[bad].index[: InvalidData.SHOWN]:
            cell = raw.frame[column.name].iloc[position]
            problems.append(Problem(raw.file, int(rows[position]), column.name, f"{cell!r} {hint}"))
        missing = values.isna() if type(column.type) is not sa.Boolean else pd.Series(False, index=values.index)
        if _required(column):
            for position in (missing & ~bad)[missing & ~bad].index[: InvalidData.SHOWN]:
                problems.append(Problem(raw.file, int(rows[position]), column.name, "a value is required"))
        typed[column.name] = values
    frame = pd.DataFrame(typed)

    key = [column.name for column in table.primary_key.columns]
    duplicated = frame.duplicated(subset=key, keep="first")
    for position in duplicated[duplicated].index[: InvalidData.SHOWN]:
        value = ", ".join(str(frame.at[position, name]) for name in key)
        problems.append(
            Problem(raw.file, int(rows[position]), "/".join(key), f"duplicate id {value!r} (also on an earlier row)")
        )
    return frame, problems, warnings


def validate(raws: dict[str, RawTable], *, timezone: str) -> Validated:
    """Validate every table; raise InvalidData listing all problems, or return typed frames."""
    problems: list[Problem] = []
    result = Validated(frames={})
    for name in REQUIRED_TABLES:
        if name not in raws:
            problems.append(Problem(f"{name}.csv", None, None, "required table is missing"))
    for name, table in TABLES.items():
        raw = raws.get(name)
        if raw is None:
            result.frames[name] = pd.DataFrame({column.name: [] for column in table.columns})
            continue
        frame, table_problems, warnings = validate_table(raw, timezone=timezone)
        problems.extend(table_problems)
        result.warnings.extend(warnings)
        result.frames[name] = frame
    if problems:
        raise InvalidData(problems)
    result.warnings.extend(_reference_warnings(result.frames))
    return result


def _reference_warnings(frames: dict[str, pd.DataFrame]) -> list[str]:
    known = set(frames["members"]["member_id"])
    warnings = []
    unknown = ~frames["activities"]["member_id"].isin(known)
    if unknown.any():
        sample = ", ".join(sorted(set(frames["activities"].loc[unknown, "member_id"]))[:5])
        warnings.append(
            f"activities: {int(unknown.sum())} rows name member ids that are not in members "
            f"(e.g. {sample}); metrics leave them out."
        )
    return warnings
