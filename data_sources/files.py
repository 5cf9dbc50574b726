"""Community data from the files people export: CSV, Excel (.xlsx) and Parquet.

Everything comes out as a RawTable of text cells (Parquet keeps its typed date/time columns), so
one validation step finds every problem with file, sheet, row and column. Exports are messy: CSV is
read as UTF-8 (with or without BOM) or else in the encoding data_sources.charsets recognises (GBK,
Big5, Shift-JIS, Latin-1, UTF-16), quoted values may span lines, and rows with nothing in them
(Excel's blank trailing rows) are dropped. A title above the header (row 1 "2026年11月 社群成员名单",
the header on row 2) is skipped, with a warning, and the rows keep the numbers the spreadsheet
shows (data_sources.headers). A file no parser can read is refused by name: the readers are
third-party code fed whatever was uploaded, so any error they raise is the file's fault.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import logging
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa

from data_sources.charsets import HOW_TO_SAVE, NAMES, file_encoding
from data_sources.errors import InvalidData, NotConfigured, Problem, SourceUnavailable, reason
from data_sources.headers import TITLE_ROWS, UNNAMED, column_letter, table_header_row, title_warning
from data_sources.validate import TABLES, RawTable, raw_table
from errors import Said

log = logging.getLogger(__name__)
SUFFIXES = (".csv", ".xlsx", ".parquet")
UTF8 = "utf-8-sig"  # with or without a byte order mark
HEAD = 64 << 10  # bytes of a CSV file its header row is looked for in (a title above it)


def _csv_frame(source: Path | IO[bytes], *, encoding: str, header: int | None = 0) -> pd.DataFrame:
    """Text cells, parsed by pyarrow's multi-threaded reader (10M rows in seconds); files it cannot
    parse (a value spanning lines, an uneven row) are read again by pandas' own parser, whose
    errors say where. A header below the first row is left to pandas' parser, which counts rows as
    the rest of this module does (pyarrow counts blank lines too)."""
    if encoding == UTF8 and header in (0, None):
        try:
            return pd.read_csv(
                source,
                engine="pyarrow",
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                skip_blank_lines=True,
                header=header,
            )
        except (pa.ArrowInvalid, ValueError):
            if not isinstance(source, Path):
                source.seek(0)
    return pd.read_csv(
        source, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=True, header=header
    )


def _read_csv(path: Path, *, header: int | None = 0, table: str | None = None) -> tuple[pd.DataFrame, str, int | None]:
    """The cells, the encoding they were decoded from (UTF-8 first, certain when it decodes, and
    the fast reader's; else the detected encoding) and the header's row among the rows that are
    not blank, from 0: `header`, or for a `table` the row its header was found on (_header_at)."""

    def read(encoding: str) -> tuple[pd.DataFrame, str, int | None]:
        at = _header_at(path, encoding=encoding, table=table) if table else header
        return _csv_frame(path, encoding=encoding, header=at), encoding, at

    try:
        return read(UTF8)
    except UnicodeDecodeError:
        encoding = file_encoding(path)
    try:
        return read(encoding)
    except UnicodeDecodeError as error:
        named = NAMES.get(encoding, encoding)
        why = Said("error.encoding.not_all", encoding=named)
        raise InvalidData(
            [Problem(path.name, None, None, Said("error.encoding.refused", why=why, how=HOW_TO_SAVE))]
        ) from error


def _header_at(path: Path, *, encoding: str, table: str) -> int:
    """The row of the file's first ones (blank lines not counted, as pandas counts them) that holds
    the table's header (data_sources.headers.table_header_row). Raises UnicodeDecodeError when they are
    not UTF-8 and that is the encoding asked for, as the whole read would."""
    with path.open("rb") as handle:
        head = handle.read(HEAD)
    if len(head) == HEAD:  # whole lines only
        head = head[: head.rfind(b"\n") + 1]
    text = head.decode(encoding, errors="strict" if encoding == UTF8 else "replace")
    try:
        lines = (row for row in csv.reader(io.StringIO(text, newline=None)) if len(row) > 1 or (row and row[0].strip()))
        rows = list(itertools.islice(lines, TITLE_ROWS + 1))  # blank lines skipped, whitespace too, as pandas does
    except csv.Error:  # the whole read says what is wrong
        return 0
    return table_header_row(rows, table=table)


def _one_header(frame: pd.DataFrame, *, file: str, row: int = 2) -> pd.DataFrame:
    """pandas takes a first data row (`row`) with one value more than the header as row labels; refuse it."""
    if isinstance(frame.index, pd.RangeIndex):
        return frame
    columns = len(frame.columns)
    raise InvalidData(
        [
            Problem(
                file,
                row,
                None,
                Said("error.file.row_too_long", columns=columns),
            )
        ]
    )


def _headed(raw: RawTable, *, at: int) -> RawTable:
    """A table whose header is on row `at` + 1: its rows numbered from the next, and a warning
    when rows above the header were skipped."""
    warnings = (title_warning(raw.file, at=at),) if at else ()
    return replace(raw, first_row=at + 2, header_row=at + 1, warnings=(*raw.warnings, *warnings))


def _table_name(stem: str, *, file: str) -> str:
    name = stem.strip().lower()
    if name not in TABLES:
        raise InvalidData([Problem(file, None, None, Said("error.file.not_a_table", tables=", ".join(TABLES)))])
    return name


RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _csv_cells(path: Path, *, header: int | None = 0, table: str | None = None) -> tuple[pd.DataFrame, str, int | None]:
    try:
        return _read_csv(path, header=header, table=table)
    except (pd.errors.ParserError, csv.Error) as error:
        ragged = RAGGED.search(str(error))  # pandas' tokenizer text, said plainly with its line
        if ragged:
            expected, line, saw = (int(number) for number in ragged.groups())
            said = Said("error.file.ragged_row", line=line, expected=expected, saw=saw)  # a line, not a row
            raise InvalidData([Problem(path.name, None, None, said)]) from error
        raise InvalidData([Problem(path.name, None, None, Said("error.file.bad_csv", reason=str(error)))]) from error
    except pd.errors.EmptyDataError as error:
        raise InvalidData([Problem(path.name, None, None, Said("error.file.empty"))]) from error
    except OSError as error:
        raise SourceUnavailable(Said("error.file.unreadable", path=str(path), reason=error.strerror)) from error


def read_csv_table(path: Path, *, name: str) -> RawTable:
    """One CSV file as text cells, its header on the first rows (a title above it skipped)."""
    cells, encoding, found = _csv_cells(path, table=name)
    at = found or 0
    raw = raw_table(_one_header(cells, file=path.name, row=at + 2), name=name, file=path.name)
    return replace(_headed(raw, at=at), encoding=encoding)


def read_csv_lines(header: bytes, lines: bytes, *, encoding: str, name: str, file: str) -> RawTable:
    """Lines of a CSV file (whole rows, data_sources/read_cache.py), read under its header line as
    the file is read; raises InvalidData, numbered from the first of `lines`, for what cannot be.
    A file with a title above its header has the title as its first line: the lines read under it
    lack the table's columns, so the cache reads the file whole, as the first time."""
    try:
        cells = _csv_frame(io.BytesIO(header + lines), encoding=encoding)
    except (pd.errors.ParserError, csv.Error, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise InvalidData([Problem(file, None, None, Said("error.file.bad_csv", reason=str(error)))]) from error
    return replace(raw_table(_one_header(cells, file=file), name=name, file=file), encoding=encoding)


def read_export(path: Path, *, name: str) -> RawTable:
    """The table a tool exported (a Google Form's responses, a 问卷星 or Typeform download) as text
    cells: a CSV file, or a workbook's first sheet. A header that appears more than once names each
    of its columns by letter ("F: Age", "N: Age"), never pandas' silent "Age.1"; rows are numbered
    as the spreadsheet shows them (the header is row 1)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidData([Problem(path.name, None, None, Said("error.file.kind", kinds=".csv", last=".xlsx"))])
    if not path.is_file():
        raise SourceUnavailable(Said("error.file.missing", path=str(path)))
    file = path.name
    if suffix == ".csv":
        cells, _, _ = _csv_cells(path, header=None)
    else:
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, keep_default_na=False)
        except Exception as error:  # openpyxl raises what its zip and XML readers raise (BadZipFile, ...)
            log.warning("%s could not be read as a workbook", path.name, exc_info=True)
            raise InvalidData([Problem(path.name, None, None, _unreadable("xlsx", error))]) from error
        sheet, cells = next(iter(sheets.items()))
        file = f"{path.name} [{sheet}]"
    if cells.empty:
        raise InvalidData([Problem(file, None, None, Said("error.file.empty"))])
    headers = [str(cell).strip() for cell in cells.iloc[0]]
    frame = cells.iloc[1:].fillna("").astype("str")
    frame.columns = export_columns(headers)
    return replace(raw_table(frame, name=name, file=file), first_row=1)  # index 1 is the sheet's row 2


def export_columns(headers: list[str]) -> list[str]:
    """The headers, each one that appears more than once (or is empty) named with its column letter."""
    seen = Counter(headers)
    named = []
    for position, header in enumerate(headers):
        letter = column_letter(position)
        named.append(letter if not header else f"{letter}: {header}" if seen[header] > 1 else header)
    return named


def _workbook(path: Path, *, sheet: str | None = None, header: int = 0) -> dict[str, pd.DataFrame]:
    """The sheets of a workbook (or the one named) as text cells; raises InvalidData."""
    try:
        return pd.read_excel(
            path,
            sheet_name=[sheet] if sheet else None,
            header=header,
            dtype=str,
            keep_default_na=False,
            engine="openpyxl",
        )
    except Exception as error:  # openpyxl raises what its zip and XML readers raise (BadZipFile, ...)
        log.warning("%s could not be read as a workbook", path.name, exc_info=True)
        raise InvalidData([Problem(path.name, None, None, _unreadable("xlsx", error))]) from error


def _read_excel(path: Path, *, table: str | None) -> list[RawTable]:
    """Sheets named after tables; a workbook with one sheet may instead be named after its table."""
    sheets = _workbook(path)
    named = {sheet: frame for sheet, frame in sheets.items() if sheet.strip().lower() in TABLES}
    if table is not None or (not named and len(sheets) == 1):
        sheet, frame = next(iter(sheets.items()))
        name = table or _table_name(path.stem, file=path.name)
        return [_sheet_table(path, sheet, frame, name=name)]
    if not named:
        raise InvalidData([Problem(path.name, None, None, Said("error.file.no_table_sheet", tables=", ".join(TABLES)))])
    return [_sheet_table(path, sheet, frame, name=sheet.strip().lower()) for sheet, frame in named.items()]


def _sheet_table(path: Path, sheet: str, frame: pd.DataFrame, *, name: str) -> RawTable:
    """A sheet read with its first row as header, read again from the row its header is on when a
    title is above it (data_sources.headers.header_row): rows are the sheet's, blank ones too."""
    first = ["" if UNNAMED.fullmatch(str(column)) else str(column) for column in frame.columns]
    rows = [first, *frame.head(TITLE_ROWS).astype("str").values.tolist()]
    at = table_header_row(rows, table=name)
    if at:
        frame = _workbook(path, sheet=sheet, header=at)[sheet]
    return _headed(raw_table(frame, name=name, file=f"{path.name} [{sheet}]"), at=at)


def _read_parquet(path: Path, *, name: str) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow's readers, fed whatever was uploaded
        log.warning("%s could not be read as Parquet", path.name, exc_info=True)
        raise InvalidData([Problem(path.name, None, None, _unreadable("parquet", error))]) from error
    typed = {
        column: values
        if pd.api.types.is_datetime64_any_dtype(values)
        else values.astype("str").where(values.notna(), "")
        for column, values in frame.items()
    }
    return raw_table(pd.DataFrame(typed), name=name, file=path.name)


def _unreadable(kind: str, error: Exception) -> Said:
    return Said(f"error.file.unreadable_{kind}", reason=reason(error))


def read_file(path: Path, *, table: str | None = None) -> list[RawTable]:
    """The tables in one file: named by `table`, else by the file's name (members.csv) or, in a
    workbook, by its sheets' names."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kinds = Said("error.file.kind", kinds=", ".join(SUFFIXES[:-1]), last=SUFFIXES[-1])
        raise InvalidData([Problem(path.name, None, None, kinds)])
    if not path.is_file():
        raise SourceUnavailable(Said("error.file.missing", path=str(path)))
    if suffix == ".xlsx":
        return _read_excel(path, table=table)
    name = table or _table_name(path.stem, file=path.name)
    if suffix == ".parquet":
        return [_read_parquet(path, name=name)]
    return [read_csv_table(path, name=name)]


def read_files(paths: list[Path], *, table: str | None = None) -> dict[str, RawTable]:
    """Every table in the files; a table given twice is refused rather than one silently winning."""
    found: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            tables = read_file(path, table=table)
        except InvalidData as error:
            problems.extend(error.problems)
            continue
        for raw in tables:
            if raw.name in found:
                problems.append(
                    Problem(raw.file, None, None, Said("error.file.twice", table=raw.name, first=found[raw.name].file))
                )
            found[raw.name] = raw
    if problems:  # with what the files read had to say (a title row skipped)
        raise InvalidData(problems, warnings=[warning for raw in found.values() for warning in raw.warnings])
    return found


def folder_files(folder: Path) -> list[Path]:
    """The files of the folder named after tables: members.csv, activities.xlsx, campaigns.parquet, ..."""
    if not folder.is_dir():
        raise NotConfigured(Said("error.folder.missing", folder=str(folder), suffixes=", ".join(SUFFIXES)))
    return [
        path for path in sorted(folder.iterdir()) if path.suffix.lower() in SUFFIXES and path.stem.lower() in TABLES
    ]


def read_folder(folder: Path) -> dict[str, RawTable]:
    """Every table found in the folder (folder_files)."""
    return read_files(folder_files(folder))


def unknown_column(file: str, name: str, headers: list[str]) -> Problem:
    """A column a mapping names that the file lacks, with the closest headers it has (or its first ones)."""
    close = difflib.get_close_matches(name, headers, n=3, cutoff=0.6)
    if close:
        return Problem(file, None, name, Said("forms.map_unknown_close", closest=" | ".join(close)))
    return Problem(file, None, name, Said("forms.map_unknown", headers=" | ".join(headers[:12])))
