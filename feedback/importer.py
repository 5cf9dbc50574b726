"""Import feedback from a CSV or Excel file: all rows or none, and re-importing adds nothing.

Two ways to read a file. Our own columns (headers matched without regard to case or surrounding
spaces): created_at and text (required), member_id or email (at least one of the two columns; cells
may be empty for anonymous feedback), source (else the default given), score (optional, 0-10 like
NPS). Or a tool's export as downloaded (feedback/exports.py: Google Forms, 问卷星, 腾讯问卷,
Typeform, SurveyGizmo/Alchemer, recognised by their headers) or any file with a mapping that says
which columns are the text (one or several), the date, the member (email or id), the score and the
source. Each text column's answers become items tagged with their question; blank answers and the
tool's placeholders ("(空)", "(跳过)") are skipped and counted. CSV and .xlsx are read alike: every
cell as the text it shows ("N/A" stays "N/A"). An import is a batch (store.batches) undone as a whole.
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
from data_sources.errors import InvalidData, Problem, reason
from data_sources.files import RAGGED, column_letter, export_columns, unknown_column
from data_sources.identities import person_of
from data_sources.validate import Parsing, sheet_times
from engines import Runner
from errors import Lines, Listed, PulseError, Said
from feedback.exports import Preset, detect, folded, other_words, question_of
from feedback.intake import MAX_TEXT, NewFeedback, add_feedback, import_key, remove_feedback
from store import tables
from store.batches import finish_batch, new_batch, undo_batch
from store.database import AppStore

REQUIRED = ("created_at", "text")
KNOWN = ("created_at", "text", "member_id", "email", "source", "score")
MAX_PROBLEMS = 20
UNKNOWN_SHOWN = 5  # member ids a warning names before "…"
ASKED_AT_ONCE = 1_000  # member ids one statement asks the warehouse about
KIND = "feedback"  # import_batches.kind
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
class FeedbackMapping:
    """Which columns are what (a header as written, or a column letter); empty: the preset's, or
    the columns whose cells read as free text."""

    text: tuple[str, ...] = ()
    date: str | None = None
    member: str | None = None  # email addresses or member ids
    score: str | None = None
    source: str | None = None
    skip: tuple[str, ...] = ()  # more cell values that mean "no answer" (N/A where a tool writes it)

    def given(self) -> bool:
        return bool(self.text or self.date or self.member or self.score or self.source)


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_there: int  # rows imported before (or repeated in the file): skipped
    warnings: list[str] = field(default_factory=list)
    blank: int = 0  # answers left empty: skipped
    placeholders: int = 0  # the tool's "no answer" values ((空), (跳过), …): skipped
    batch: int | None = None  # import_batches.id
    preset: str | None = None  # the export recognised (feedback/exports.py), None for our columns or a mapping
    columns: list[str] = field(default_factory=list)  # the text columns read


@dataclass(frozen=True)
class Table:
    """A file's cells as text under their headers (a repeated header named by letter); the index is
    the row number a spreadsheet shows."""

    file: str
    frame: pd.DataFrame
    preset: Preset | None


def read_cells(name: str, content: bytes) -> pd.DataFrame:
    """Every cell of the file (of a workbook's first sheet) as text, header rows included."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFailed([Said("feedback.import.kind", file=name)])
    text = _decode(name, content) if suffix == ".csv" else ""
    if not content or (suffix == ".csv" and not text.strip()):
        raise ImportFailed([Said("feedback.import.empty", file=name)])
    try:
        if suffix == ".xlsx":  # keep_default_na=False: "N/A", "None", "n/a" are what people wrote
            cells = pd.read_excel(io.BytesIO(content), header=None, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            cells = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
    except Exception as error:  # the parsers are fed whatever was uploaded (BadZipFile, ParserError, ...)
        log.warning("%s could not be read", name, exc_info=True)
        ragged = RAGGED.search(str(error))
        if ragged:  # said plainly with its line, not as pandas' tokenizer text
            expected, line, saw = (int(number) for number in ragged.groups())
            said = Said("error.file.ragged_row", line=line, expected=expected, saw=saw)
            raise ImportFailed([Said("feedback.import.problem", problem=Problem(name, None, None, said))]) from error
        kind = suffix[1:].upper()
        raise ImportFailed([Said("feedback.import.unreadable", file=name, kind=kind, reason=reason(error))]) from error
    cells = cells.fillna("").astype("str")
    blank = cells.apply(lambda row: all(not cell.strip() for cell in row), axis=1)
    if cells.empty or blank.all():
        raise ImportFailed([Said("feedback.import.empty", file=name)])
    return cells[~blank]


def read_export_table(name: str, content: bytes, *, timezone: str = "UTC", day_first: bool = False) -> Table:
    """The file under its header (two header rows where a tool writes a question over its options).
    `day_first`: how dates such as 05/03/2026 read where the file does not tell (the date_order setting)."""
    cells = read_cells(name, content)
    headers = [cell.strip() for cell in cells.iloc[0]]
    preset = detect(headers)
    rows = 1
    if preset is not None and len(cells) >= 3:
        at = next(i for i, header in enumerate(headers) if folded(header) in preset.date)
        probe = sheet_times(cells.iloc[1:3, at], parsing=Parsing(timezone=timezone, day_first=day_first))
        if probe.isna().iloc[0] and probe.notna().iloc[1]:  # row 2 is words, row 3 a time: a second header
            rows = 2
            above = pd.Series(headers).replace("", pd.NA).ffill().fillna("").tolist()
            below = [cell.strip() for cell in cells.iloc[1]]
            headers = [f"{a} {b}".strip() if b and b != a else a for a, b in zip(above, below, strict=True)]
    frame = cells.iloc[rows:].copy()
    frame.columns = export_columns(headers)
    frame.index = pd.Index(frame.index + 1)  # positions from 0 to the rows a spreadsheet numbers from 1
    return Table(file=name, frame=frame, preset=preset)


def read_table(name: str, content: bytes) -> pd.DataFrame:
    """The file's cells as text under its headers, indexed by spreadsheet row (the header is row 1)."""
    return read_export_table(name, content).frame


def _decode(name: str, content: bytes) -> str:
    """UTF-8, or the encoding data_sources.charsets is sure of."""
    try:
        return decode(content, file=name)
    except InvalidData as error:
        raise ImportFailed([Said("feedback.import.problem", problem=problem) for problem in error.problems]) from error


@dataclass
class Parsed:
    rows: list[tuple[int, NewFeedback, str]]  # (row, item, email to resolve)
    columns: list[str]
    blank: int = 0
    placeholders: int = 0


@dataclass(frozen=True)
class _Roles:
    """The columns of one file: the text ones, and date, member, score and source (None: absent)."""

    text: list[str]
    date: str
    member: str | None
    email: str | None  # our own layout's separate email column
    score: str | None
    source: str | None
    skip: frozenset[str]
    zone: str
    tagged: bool  # items carry their question (a tool's export or a mapping), not our own layout
    other_words: bool


def _column(name: str, columns: list[str]) -> str | None:
    """A column of the file by its header (as written, or without case), or by its letter."""
    if name in columns:
        return name
    matches = [column for column in columns if folded(column) == folded(name)]
    if len(matches) == 1:
        return matches[0]
    letters = {column_letter(position): column for position, column in enumerate(columns)}
    return letters.get(name.strip().upper())


def _first(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    return next((column for column in columns if folded(column) in wanted), None)


def _addresses(frame: pd.DataFrame, columns: list[str], skip: frozenset[str]) -> str | None:
    """The column whose every answer is an email address (a form's "your email" question), if one
    is: a blank or a tool's placeholder for a skipped question ("(跳过)") is no answer."""
    for column in columns:
        given = frame[column].str.strip()
        given = given[(given != "") & ~given.isin(skip)]
        if len(given) and given.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+").all():
            return column
    return None


def _weight(text: str) -> int:
    """Length as reading effort: a Han character says about as much as two Latin letters."""
    return sum(2 if ord(character) >= 0x2E80 else 1 for character in text)


def _free_text(values: pd.Series, skip: frozenset[str], *, timezone: str, day_first: bool) -> bool:
    """Whether a column's answers read as people's words rather than choices, numbers, dates or addresses."""
    given = values.str.strip()
    given = given[(given != "") & ~given.isin(skip)]
    if given.empty:
        return False
    if pd.to_numeric(given, errors="coerce").notna().mean() > 0.5 or given.str.contains("@").mean() > 0.5:
        return False
    if given.str.contains("┋").mean() > 0.3:
        return False
    if sheet_times(given, parsing=Parsing(timezone=timezone, day_first=day_first)).notna().mean() > 0.5:
        return False
    length = given.map(_weight).mean()
    return length >= 16 or (len(given) >= 5 and given.nunique() / len(given) >= 0.9 and length >= 6)


def _roles(table: Table, mapping: FeedbackMapping, *, timezone: str, day_first: bool) -> _Roles:
    """Which column is what: the mapping's, else the preset's, else our own columns; raises ImportFailed."""
    columns, name, preset = list(table.frame.columns), table.file, table.preset
    lowered = [folded(column) for column in columns]
    own = preset is None and not mapping.given() and ("text" in lowered or "created_at" in lowered)
    if own:
        problems = [
            Said("feedback.import.column_missing", file=name, column=repr(column))
            for column in REQUIRED
            if column not in lowered
        ]
        if "member_id" not in lowered and "email" not in lowered:
            problems.append(Said("feedback.import.member_column", file=name))
        if problems:
            raise ImportFailed([*problems, Said("feedback.import.columns_found", file=name, columns=Listed(columns))])
        return _Roles(
            text=[_first(columns, ("text",)) or "text"],
            date=_first(columns, ("created_at",)) or "created_at",
            member=_first(columns, ("member_id",)),
            email=_first(columns, ("email",)),
            score=_first(columns, ("score",)),
            source=_first(columns, ("source",)),
            skip=frozenset(mapping.skip),
            zone=timezone,
            tagged=False,
            other_words=False,
        )
    unknown = [
        unknown_column(name, given, columns)
        for given in (*mapping.text, mapping.date, mapping.member, mapping.score, mapping.source)
        if given and _column(given, columns) is None
    ]
    if unknown:
        raise ImportFailed([Said("feedback.import.problem", problem=problem) for problem in unknown])

    def chosen(given: str | None, wanted: tuple[str, ...]) -> str | None:
        return _column(given, columns) if given else _first(columns, wanted)

    date = chosen(mapping.date, preset.date if preset else ())
    skip = frozenset(mapping.skip) | (preset.placeholders if preset else frozenset())
    member = chosen(mapping.member, preset.member if preset else ()) or _addresses(table.frame, columns, skip)
    score = chosen(mapping.score, ())
    source = chosen(mapping.source, preset.source if preset else ())
    zone = (preset.timezone if preset else None) or timezone
    taken = {date, member, score, source}
    meta = preset.meta if preset else frozenset()
    text = [_column(given, columns) or given for given in mapping.text] or [
        column
        for column in columns
        if column not in taken
        and folded(column) not in meta
        and _free_text(table.frame[column], skip, timezone=zone, day_first=day_first)
    ]
    if date is None or not text:
        raise ImportFailed(
            [
                Said("feedback.import.layout", file=name),
                Said("feedback.import.columns_found", file=name, columns=Listed(columns)),
            ]
        )
    return _Roles(text, date, member, None, score, source, skip, zone, True, bool(preset and preset.other_words))


def parse_table(
    table: Table, mapping: FeedbackMapping, *, default_source: str, timezone: str, day_first: bool = False
) -> tuple[Parsed, list[Said]]:
    """The items of every row, with what was skipped, and every problem (file, row, column)."""
    roles = _roles(table, mapping, timezone=timezone, day_first=day_first)
    frame, name = table.frame, table.file
    # Read as the Data page reads a file's times: 2026年11月22日, 2026/11/22 9:30, an offset, an Excel serial.
    moments = sheet_times(
        frame[roles.date], parsing=Parsing(timezone=roles.zone if roles.tagged else timezone, day_first=day_first)
    )
    zone = ZoneInfo(roles.zone if roles.tagged else timezone)
    parsed = Parsed(rows=[], columns=roles.text)
    problems: list[Said] = []
    words = [column for column in frame.columns if roles.other_words and column not in roles.text]
    for row, cells in zip(frame.index, frame.to_dict("records"), strict=True):
        texts: list[tuple[str, str]] = []  # (question, text)
        for column in roles.text:
            text = str(cells[column]).strip()
            if not text:
                parsed.blank += 1
            elif text in roles.skip:
                parsed.placeholders += 1
            elif len(text) > MAX_TEXT:
                long = Said("feedback.import.text_long_in", file=name, row=row, column=column, limit=MAX_TEXT)
                problems.append(long)
            else:
                texts.append((question_of(column), text))
        texts += [(question_of(column), said) for column in words for said in other_words(str(cells[column]))]
        moment = moments.loc[row]
        created = _spelled_out(str(cells[roles.date]), zone) if pd.isna(moment) else moment.to_pydatetime()
        if created is None and (texts or not roles.tagged):
            cell = repr(cells[roles.date])
            problems.append(Said("feedback.import.bad_date_in", file=name, row=row, column=roles.date, cell=cell))
        score = _score(str(cells.get(roles.score, ""))) if roles.score else None
        if score == "bad":
            cell = repr(cells[roles.score])
            problems.append(Said("feedback.import.bad_score_in", file=name, row=row, column=roles.score, cell=cell))
        if problems or created is None or isinstance(score, str):  # the last two are recorded in problems
            continue
        source = str(cells.get(roles.source, "")).strip()[:20] if roles.source else ""
        who = str(cells.get(roles.member, "")).strip() if roles.member else ""
        who = "" if who in roles.skip else who  # a skipped question's placeholder names nobody
        email = str(cells.get(roles.email, "")).strip().lower() if roles.email else ""
        if "@" in who:
            who, email = "", who.lower()
        for question, text in texts:
            tags = (question,) if roles.tagged else ()
            # The key is taken from the row as written (not the default source, not the member an email
            # resolves to), so importing the same file again finds the same keys.
            as_written = NewFeedback(
                source=source, text=text, created_at=created, member_id=who or email or None, tags=tags
            )
            item = NewFeedback(
                source=source or default_source,
                text=text,
                created_at=created,
                member_id=who or None,
                score=score,
                score_kind="nps" if score is not None else None,
                import_key=import_key(as_written),
                tags=tags,
            )
            parsed.rows.append((row, item, email))
    return parsed, problems


def _spelled_out(value: str, zone: ZoneInfo) -> datetime | None:
    """A time the Data page's reader does not take but pandas does ("Nov 22, 2026", "22 Nov 2026
    9:00", as this app writes a day), as naive UTC; without an offset it is `zone`'s local time."""
    try:
        stamp = pd.Timestamp(value.strip())
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        local = stamp.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        if pd.isna(local):
            return None
        stamp = local
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


def known_ids_query(member_ids: list[str]) -> sa.Select:
    """Those of the given ids that are a member's (any of a person's ids), as metrics.scope reads them."""
    members, person = schema.members, person_of()
    return (
        sa.select(person.c.identity_id.label("member_id"))
        .select_from(person.join(members, members.c.member_id == person.c.member_id))
        .where(person.c.identity_id.in_(member_ids))
    )


def preview_feedback(
    *,
    name: str,
    content: bytes,
    default_source: str,
    timezone: str,
    mapping: FeedbackMapping | None = None,
    day_first: bool = False,
) -> tuple[Table, Parsed, list[Said]]:
    """What an import would add, without storing anything: the table, the items and the problems."""
    table = read_export_table(name, content, timezone=timezone, day_first=day_first)
    parsed, problems = parse_table(
        table, mapping or FeedbackMapping(), default_source=default_source, timezone=timezone, day_first=day_first
    )
    return table, parsed, problems


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
    mapping: FeedbackMapping | None = None,
    day_first: bool = False,
) -> ImportResult:
    """Read, check every row, then add the new items in one transaction, as one batch."""
    try:
        table, parsed, problems = preview_feedback(
            name=name,
            content=content,
            default_source=default_source,
            timezone=timezone,
            mapping=mapping,
            day_first=day_first,
        )
        if problems:
            raise ImportFailed(problems)
    except ImportFailed as failed:
        log.warning("Feedback import of %s refused, %d problems: %s", name, len(failed.problems), failed.user_message)
        raise
    rows = parsed.rows
    warnings: list[str] = []
    if parsed.blank or parsed.placeholders:
        warnings.append(
            Said("feedback.import.skipped", file=name, blank=parsed.blank, placeholders=parsed.placeholders)
        )
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
    warnings.extend(_unknown_members(name, rows, warehouse))
    with store.begin() as connection:
        batch = new_batch(connection, kind=KIND, target="inbox", file=name, actor=actor, now=now)
        added = add_feedback(connection, [replace(item, import_batch=batch) for item in items], actor=actor, now=now)
        finish_batch(connection, batch, added=len(added), updated=0, skipped=parsed.blank + parsed.placeholders)
    log.info(
        "Feedback import %d of %s (%s): %d items, %d added, %d there already, %d blank, %d placeholders, %d warnings",
        batch,
        name,
        table.preset.name if table.preset else "columns",
        len(items),
        len(added),
        len(items) - len(added),
        parsed.blank,
        parsed.placeholders,
        len(warnings),
    )
    return ImportResult(
        added=len(added),
        already_there=len(items) - len(added),
        warnings=warnings,
        blank=parsed.blank,
        placeholders=parsed.placeholders,
        batch=batch,
        preset=table.preset.name if table.preset else None,
        columns=parsed.columns,
    )


def _unknown_members(name: str, rows: list[tuple[int, NewFeedback, str]], warehouse: Runner) -> list[str]:
    """A warning naming the rows whose member id the community data does not know: their items go
    to the inbox, and every figure leaves them out (metrics.scope.in_scope) until a sync brings
    those members, so the inbox's count and the figures' differ meanwhile."""
    given = [(number, item.member_id) for number, item, _ in rows if item.member_id is not None]
    if not given:
        return []
    ids = sorted({member_id for _, member_id in given})
    known: set[str] = set()
    for start in range(0, len(ids), ASKED_AT_ONCE):  # a database binds a few thousand values at most
        known |= set(warehouse.run(known_ids_query(ids[start : start + ASKED_AT_ONCE]))["member_id"])
    unknown = [(number, member_id) for number, member_id in given if member_id not in known]
    if not unknown:
        return []
    shown = list(dict.fromkeys(member_id for _, member_id in unknown))
    named = Listed(shown[:UNKNOWN_SHOWN] + (["…"] if len(shown) > UNKNOWN_SHOWN else []))
    key = "feedback.import.unknown_members_one" if len(unknown) == 1 else "feedback.import.unknown_members"
    return [Said(key, file=name, count=len(unknown), ids=named)]


def undo_feedback_import(store: AppStore, batch: int, *, now: datetime, actor: str = "cli") -> int:
    """Remove the items the import added, with their history, in one transaction; returns how many
    (0 when it was undone before). Items merged into them reopen, `actor` in their history."""
    with store.begin() as connection:
        ids = undo_batch(connection, batch, kind=KIND, table=tables.feedback, now=now)
        removed = 0 if ids is None else remove_feedback(connection, ids, actor=actor, now=now)
    log.info("Feedback import %d undone: %d items removed", batch, removed)
    return removed
