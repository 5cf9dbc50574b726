"""A folder of CSV files named after the canonical tables, with canonical headers."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa

from data_sources.errors import InvalidData, NotConfigured, Problem, SourceUnavailable
from data_sources.validate import TABLES, RawTable


def _read(path: Path) -> pd.DataFrame:
    """Text cells, parsed by pyarrow's multi-threaded reader (10M rows in seconds); files it cannot
    parse (an uneven row, say) are read again by pandas' own parser, whose errors say where."""
    options = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig", "skip_blank_lines": True}
    try:
        return pd.read_csv(path, engine="pyarrow", **options)
    except (pa.ArrowInvalid, ValueError):
        return pd.read_csv(path, **options)


def read_csv_table(path: Path, *, name: str) -> RawTable:
    """Read one CSV as text cells (UTF-8, with or without BOM); blank trailing rows are dropped."""
    try:
        frame = _read(path)
    except UnicodeDecodeError as error:
        raise InvalidData(
            [Problem(path.name, None, None, f"is not UTF-8 text ({error.reason}); save it as UTF-8")]
        ) from error
    except (pd.errors.ParserError, csv.Error) as error:
        raise InvalidData([Problem(path.name, None, None, f"is not a well-formed CSV file: {error}")]) from error
    except pd.errors.EmptyDataError as error:
        raise InvalidData([Problem(path.name, None, None, "is empty; it needs at least a header row")]) from error
    except OSError as error:
        raise SourceUnavailable(f"Could not read {path}: {error.strerror}.") from error
    frame.columns = [str(column).strip() for column in frame.columns]
    return RawTable(name=name, file=path.name, frame=frame)


def read_csv_folder(folder: Path) -> dict[str, RawTable]:
    """Every canonical table found in the folder (members.csv, activities.csv, ...)."""
    if not folder.is_dir():
        raise NotConfigured(
            f"{folder} is not a folder. Point --source at a folder holding members.csv and activities.csv."
        )
    return {
        name: read_csv_table(folder / f"{name}.csv", name=name) for name in TABLES if (folder / f"{name}.csv").exists()
    }
