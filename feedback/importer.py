"""Import feedback from a CSV or Excel file: all rows or none, and re-importing adds nothing.

Columns (headers are matched without regard to case or surrounding spaces): created_at and text
(required), member_id or email (at least one of the two columns; cells may be empty for anonymous
feedback), source (else the default given), score (optional, 0-10 like NPS).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa

import schema
from data_sources.charsets import decode
from data_sources.errors import InvalidData, reason
from engines import Runner
from errors import Lines, Listed, PulseError, Said
from feedback.intake import MAX_TEXT, NewFeedback, add_feedback, import_key
from store.database import AppStore

REQUIRED = ("created_at", "text")
KNOWN = ("created_at", "text", "member_id", "email", "source", "score")
MAX_PROBLEMS = 20
log = logging.getLogger(__name__)


class ImportFailed(PulseError):
    """Raised when a feedback file cannot be imported (unreadable, a column missing, a bad cell);
    `problems` say where (file, row, column) and what. Nothing was written."""

    def __init__(self, problems: list[Said]) -> None:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        super().__init__(Lines(shown + ([Said("error.more_problems", count=more)] if more else [])))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_there: int  # rows imported before (or repeated in the file): skipped
    warnings: list[str] = field(default_factory=list)


def read_table(name: str, content: bytes) -> pd.DataFrame:
    """The file's cells as text (row 2 is the first data row, as a spreadsheet shows it)."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFailed([Said("feedback.import.kind", file=name)])
    text = _decode(name, content) if suffix == ".csv" else ""
    if not content or (suffix == ".csv" and not text.strip()):
        raise ImportFailed([Said("feedback.import.empty", file=name)])
    try:
        if suffix == ".xlsx":
            frame = pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl")
        else:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except Exception as error:  # the parsers are fed whatever was uploaded (BadZipFile, ParserError, ...)
        log.warning("%s could not be read", name, exc_info=True)
        kind = suffix[1:].upper()
        raise ImportFailed([Said("feedback.import.unreadable", file=name, kind=kind, reason=reason(error))]) from error
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took a row with one value too many as labels
        raise ImportFailed([Said("feedback.import.row_too_long", file=name)])
    frame = frame.fillna("")
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    blank = frame.apply(lambda row: all(not str(cell).strip() for cell in row), axis=1)
    return frame[~blank] if len(frame) else frame


def _decode(name: str, content: bytes) -> str:
    """UTF-8, or the encoding data_sources.charsets is sure of."""
    try:
        return decode(content, file=name)
    except InvalidData as error:
        raise ImportFailed([Said("feedback.import.problem", problem=problem) for problem in error.problems]) from error


def parse_rows(
    name: str, frame: pd.DataFrame, *, default_source: str, timezone: str
) -> list[tuple[int, NewFeedback, str]]:
    """(row number, item, email) per row, or every problem found, each with file, row and column."""
    problems = [
        Said("feedback.import.column_missing", file=name, column=repr(column))
        for column in REQUIRED
        if column not in frame.columns
    ]
    if "member_id" not in frame.columns and "email" not in frame.columns:
        problems.append(Said("feedback.import.member_column", file=name))
    if problems:
        found = Said(
            "feedback.import.columns_found", file=name, columns=Listed(str(column) for column in frame.columns)
        )
        raise ImportFailed([*problems, found])
    zone = ZoneInfo(timezone)
    rows: list[tuple[int, NewFeedback, str]] = []
    for position, cells in zip(frame.index, frame.to_dict("records"), strict=True):
        row = position + 2
        text = str(cells["text"]).strip()
        if not text:
            problems.append(Said("feedback.import.text_empty", file=name, row=row))
        elif len(text) > MAX_TEXT:
            problems.append(Said("feedback.import.text_long", file=name, row=row, limit=MAX_TEXT))
        created = _moment(str(cells["created_at"]), zone)
        if created is None:
            problems.append(Said("feedback.import.bad_date", file=name, row=row, cell=repr(cells["created_at"])))
        score = _score(str(cells.get("score", "")))
        if score == "bad":
            problems.append(Said("feedback.import.bad_score", file=name, row=row, cell=repr(cells["score"])))
        if problems or created is None or isinstance(score, str):  # the last two are recorded in problems
            continue
        source = str(cells.get("source", "")).strip()[:20]
        member_id = str(cells.get("member_id", "")).strip() or None
        email = str(cells.get("email", "")).strip().lower()
        # The key is taken from the row as written (not the default source, not the member an email
        # resolves to), so importing the same file again finds the same keys.
        as_written = NewFeedback(source=source, text=text, created_at=created, member_id=member_id or email or None)
        item = NewFeedback(
            source=source or default_source,
            text=text,
            created_at=created,
            member_id=member_id,
            score=score,
            score_kind="nps" if score is not None else None,
            import_key=import_key(as_written),
        )
        rows.append((position + 2, item, email))
    if problems:
        raise ImportFailed(problems)
    return rows


def _moment(value: str, zone: ZoneInfo) -> datetime | None:
    """Naive UTC; times without a zone are the community's local time."""
    try:
        stamp = pd.Timestamp(value.strip())
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(zone)
    return stamp.tz_convert(UTC).tz_localize(None).to_pydatetime()


def _score(value: str) -> float | str | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return "bad"
    return number if 0 <= number <= 10 else "bad"


def member_ids_by_email_query(emails: list[str]) -> sa.Select:
    members = schema.members
    return sa.select(sa.func.lower(members.c.email).label("email"), members.c.member_id).where(
        sa.func.lower(members.c.email).in_(emails)
    )


def import_feedback(
    store: AppStore,
    warehouse: Runner,
    *,
    name: str,
    content: bytes,
    default_source: str,
    timezone: str,
    actor: str,
    now: datetime,
) -> ImportResult:
    """Read, check every row, then add the new ones in one transaction."""
    warnings: list[str] = []
    try:
        rows = parse_rows(name, read_table(name, content), default_source=default_source, timezone=timezone)
    except ImportFailed as failed:
        log.warning("Feedback import of %s refused, %d problems: %s", name, len(failed.problems), failed.user_message)
        raise
    emails = sorted({email for _, item, email in rows if email and item.member_id is None})
    known = {}
    if emails:
        found = warehouse.run(member_ids_by_email_query(emails))
        known = dict(zip(found["email"], found["member_id"], strict=True))
    items = []
    for number, item, email in rows:
        if item.member_id is None and email:
            if email in known:
                item = replace(item, member_id=known[email])
            else:
                warnings.append(Said("feedback.import.unknown_email", file=name, row=number))
        items.append(item)
    with store.begin() as connection:
        added = add_feedback(connection, items, actor=actor, now=now)
    log.info(
        "Feedback import of %s: %d rows, %d added, %d there already, %d warnings",
        name,
        len(items),
        len(added),
        len(items) - len(added),
        len(warnings),
    )
    return ImportResult(added=len(added), already_there=len(items) - len(added), warnings=warnings)
