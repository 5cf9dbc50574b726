"""A large CSV file read and validated a block at a time, so its text is never held whole.

Reading a file whole held every cell as text, then the text and the typed values together while
each column was converted: at ten million activities 2.6 GB for the text and 3.6 GB at
validation's peak, the sync's largest share after the warehouse build. Here pyarrow's streaming
reader hands over BLOCK bytes of rows at a time (the next parsed meanwhile), each is validated as
validate_table validates a file (with its rows' own numbers), and only the typed values are kept.
What needs the whole table is checked once it is whole: repeated ids (DuckDB, as before) and
activities of unknown members (the caller's, as before).

The cells are those the whole read gives (pyarrow's reader, every column text, nothing taken for
missing); anything that read would decide otherwise sends the file back to it (None): a file not
in UTF-8 or that pyarrow cannot parse (pandas' parser reads it and says where it is wrong),
repeated or blank headers (pandas renames them), and dates such as 05/03/2024, whose order the
whole column decides (data_sources/validate.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from data_sources.errors import MORE, MORE_BAD, MORE_EMPTY, InvalidData, Problem
from data_sources.headers import canonical_headers
from data_sources.validate import (
    TABLES,
    Parsing,
    more_said,
    raw_table,
    repeated_ids,
    required,
    undecided_dates,
    validate_table,
)
from errors import Said

STREAMED_BYTES = 64 << 20  # a smaller file is read whole: one parse is quicker, its text small
BLOCK = 16 << 20  # bytes of rows per block: about 200,000 activities, 60 MB of cells at most (set before a read)
REQUIRED = "error.cell.required"  # a cell left empty; listed after a column's bad cells
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas' pyarrow reader makes of dtype=str


@dataclass(frozen=True)
class Streamed:
    """A table read a block at a time: its typed frame, the problems found and the warnings."""

    frame: pd.DataFrame
    problems: list[Problem]
    warnings: list[str]  # Said
    spilled: Path | None = None  # the Arrow file the frame is mapped from (read_validated's `spill`)


def streams(path: Path) -> bool:
    """Whether a file is large enough to be read a block at a time."""
    return path.suffix.lower() == ".csv" and path.stat().st_size >= STREAMED_BYTES


def read_validated(path: Path, *, name: str, parsing: Parsing, spill: Path | None = None) -> Streamed | None:
    """The file's table typed and validated block by block, or None when the whole read must decide
    (the module's docstring says when). Rows are numbered as in the file (its header is row 1).
    With `spill`, the typed blocks are written there (an Arrow file) instead of held, and the frame
    is read from it mapped: its text stays in the file, not in the process's memory."""
    try:
        reader = pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(block_size=BLOCK, encoding="utf8"),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=True, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(  # type: ignore[call-arg]  # (stubs older than pyarrow 25)
                default_column_type=pa.string(), strings_can_be_null=False, null_values=[]
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError):  # the whole read says what is wrong
        return None
    written = [header.strip() for header in reader.schema.names]
    headers = canonical_headers(written, table=name)
    if len(set(headers)) != len(headers) or "" in headers or _lacks_required(headers, name=name):
        return None
    named = dict(zip(headers, written, strict=True))  # each column's header as the file writes it (as_written)
    blocks = _Blocks(spill)
    try:
        read = _read_blocks(reader, blocks, path=path, name=name, parsing=parsing, named=named)
        blocks.close()
        if read is None or read.problems:
            blocks.discard()
            return read
        frame = blocks.frame()
        key = [column.name for column in TABLES[name].primary_key.columns]
        repeated = _repeated(frame[key], blocks.numbers, key=key, file=path.name, named=named)
        return replace(read, frame=frame, problems=repeated)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError):  # OSError: the spill file (a full disk)
        blocks.discard()
        return None
    except BaseException:
        blocks.discard()
        raise


def _read_blocks(
    reader: pa_csv.CSVStreamingReader,
    blocks: _Blocks,
    *,
    path: Path,
    name: str,
    parsing: Parsing,
    named: Mapping[str, str],
) -> Streamed | None:
    """Validate each block and keep its typed rows in `blocks`; the problems of every block (without
    repeated ids, which need the whole table), or None for a file the whole read must decide."""
    dates = [column.name for column in TABLES[name].columns if type(column.type) is sa.DateTime]
    key = [column.name for column in TABLES[name].primary_key.columns]
    keys: list[pd.DataFrame] = []  # once a block has a problem, the ids alone: repeated ones are said too
    problems: list[Problem] = []
    shown: Counter[tuple[str | None, bool]] = Counter()  # as many per column and kind as a whole read lists
    more: Counter[tuple[str | None, str]] = Counter()  # the rows past them, by column and kind (errors.MORE)
    warnings: list[str] = []
    first_row = 2
    with closing(_read_ahead(reader)) as batches:  # closed (its thread ended) on every way out
        for batch in batches:
            raw = replace(raw_table(_cells(batch), name=name, file=path.name), first_row=first_row)
            first_row += batch.num_rows
            if any(undecided_dates(raw.frame[column]) for column in dates if column in raw.frame):
                return None
            numbers = raw.frame.index.to_numpy() + raw.first_row
            typed, found, said = validate_table(raw, parsing=parsing, consume=True, keys=False)
            for problem in found:
                said_as = problem.message
                message = said_as.key if isinstance(said_as, Said) else None
                if isinstance(said_as, Said) and said_as.key.removesuffix("_one") in MORE:  # said at the end
                    more[(problem.column, said_as.key.removesuffix("_one"))] += int(said_as.values["count"])
                    continue
                kind = (problem.column, message == REQUIRED)
                shown[kind] += 1
                if shown[kind] <= InvalidData.SHOWN:
                    problems.append(problem)
                else:
                    more[(problem.column, MORE_EMPTY if message == REQUIRED else MORE_BAD)] += 1
            warnings.extend(warning for warning in said if warning not in warnings)
            if problems and not blocks.refused:  # the table is refused: of its rows, the ids are of use
                earlier = blocks.frame(columns=key)
                keys, blocks.rows, blocks.refused = [earlier] if len(earlier.columns) else [], [], True
            blocks.add(typed[key] if problems else typed, numbers)
    if not blocks.numbers:  # no rows at all: the whole read of a file so small says so
        return None
    for (column, message), count in more.items():
        problems.append(Problem(path.name, None, column, more_said(message, count)))
    problems.sort(key=lambda problem: _listed(problem, name=name))  # column by column, as validate_table
    if problems:
        problems.extend(_repeated(_whole([*keys, *blocks.rows]), blocks.numbers, key=key, file=path.name, named=named))
    return Streamed(pd.DataFrame(), problems, warnings)


def _read_ahead(reader: pa_csv.CSVStreamingReader) -> Generator[pa.RecordBatch, None, None]:
    """The reader's blocks, each next one parsed in a thread while the caller validates the one
    given: pyarrow parses without holding the GIL, so on two cores the two overlap (xl's 34.6M
    activities: 31.4 -> 25.0 s). One block more is held meanwhile."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-csv") as pool:
        following = pool.submit(reader.read_next_batch)
        while True:
            try:
                batch = following.result()
            except StopIteration:
                return
            following = pool.submit(reader.read_next_batch)
            yield batch


class _Blocks:
    """The typed blocks read so far, held or written to a spill file, and their rows' numbers."""

    def __init__(self, spill: Path | None) -> None:
        self.spill = spill
        self.rows: list[pd.DataFrame] = []
        self.numbers: list[np.ndarray | tuple[int, int]] = []  # (first row, rows) where none was dropped
        self.refused = False  # a problem was found: the blocks' ids are held, nothing more is written
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        self._schema: pa.Schema | None = None
        self._closed = False

    def add(self, typed: pd.DataFrame, numbers: np.ndarray) -> None:
        contiguous = len(numbers) == 0 or numbers[-1] - numbers[0] == len(numbers) - 1
        self.numbers.append((int(numbers[0]) if len(numbers) else 0, len(numbers)) if contiguous else numbers)
        if self.spill is None or self.refused:
            self.rows.append(typed)
            return
        table = pa.Table.from_pandas(typed, schema=self._schema, preserve_index=False)
        if self._writer is None:
            self._schema = table.schema
            self._writer = pa.ipc.new_file(str(self.spill), table.schema)
        self._writer.write_table(table)

    def frame(self, *, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows so far (only `columns`, when given)."""
        if self._writer is None:
            held = _whole(self.rows) if self.rows else pd.DataFrame()
            return held[columns] if columns is not None and len(held.columns) else held
        self.close()
        with pa.memory_map(str(self.spill)) as source:
            table = pa.ipc.open_file(source).read_all()
            return (table.select(columns) if columns is not None else table).to_pandas()

    def close(self) -> None:
        if self._writer is not None and not self._closed:
            self._writer.close()
            self._closed = True

    def discard(self) -> None:
        with suppress(OSError, pa.ArrowException):  # the file goes anyway
            self.close()
        if self.spill is not None:
            self.spill.unlink(missing_ok=True)


def _lacks_required(headers: list[str], *, name: str) -> bool:
    """A required column missing: said once by the whole read, not once a block."""
    return any(column.name not in headers and required(column) for column in TABLES[name].columns)


def _cells(batch: pa.RecordBatch | pa.Table) -> pd.DataFrame:
    return batch.to_pandas(types_mapper=_text)


def _text(kind: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    return TEXT if kind == pa.string() else None


def _whole(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _listed(problem: Problem, *, name: str) -> tuple[int, bool]:
    """Where validate_table lists a cell's problem: by column (named as the file has it: as_written),
    its bad cells before its missing ones."""
    columns = list(TABLES[name].columns.keys())
    said = problem.column or ""
    position = next(
        (at for at, column in enumerate(columns) if said == column or said.endswith(f" ({column})")), len(columns)
    )
    return position, getattr(problem.message, "key", None) in (REQUIRED, MORE_EMPTY)


def _repeated(
    frame: pd.DataFrame,
    numbers: list[np.ndarray | tuple[int, int]],
    *,
    key: list[str],
    file: str,
    named: Mapping[str, str],
) -> list[Problem]:
    """Rows repeating an earlier row's key across the whole table, numbered and named as in the file."""
    return repeated_ids(frame, key, file=file, row=lambda position: _row(numbers, position), read=named)


def _row(numbers: list[np.ndarray | tuple[int, int]], position: int) -> int:
    """The file's row number of the table's row at `position`."""
    for block in numbers:
        size = block[1] if isinstance(block, tuple) else len(block)
        if position < size:
            return block[0] + position if isinstance(block, tuple) else int(block[position])
        position -= size
    raise IndexError(position)
