"""Files imported by upload or `cli.py import`, kept as the "imports" source.

An import validates the given files (a table each: members.csv, activities.xlsx, ...), combines
them with the other tables as they are now in the warehouse (whether a sync from the demo, a
spreadsheet or a folder made them, or an earlier import), and rebuilds the warehouse from the
result: uploading only members.csv replaces the members and keeps everything else. The typed tables
are kept as Parquet in <data_dir>/imports, a link swapped only after the warehouse was, so an import
is all or nothing: a bad file changes neither the warehouse nor what was imported before, and the
staged folder of an import killed midway is removed by the next sync or import.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

import clock
from data_sources.files import read_files
from data_sources.validate import TABLES, Parsing, validate
from data_sources.warehouse import read_tables
from settings import Settings


def imports_dir(settings: Settings) -> Path:
    return settings.data_dir / "imports"


def stored_frames(settings: Settings) -> dict[str, pd.DataFrame]:
    """The typed tables imported so far ({} before the first import)."""
    folder = imports_dir(settings)
    return {
        name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES if (folder / f"{name}.parquet").exists()
    }


def prepare_import(
    paths: list[Path], *, settings: Settings, parsing: Parsing, table: str | None = None
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Frames for the warehouse (the files' tables, the rest as the warehouse has them now) and
    warnings; raises InvalidData."""
    raws = read_files(paths, table=table)
    kept = [name for name in TABLES if name not in raws]
    base = read_tables(settings.warehouse_path, kept) if settings.warehouse_path is not None else {}
    validated = validate(raws, parsing=parsing, base=base, consume=True)
    return validated.frames, validated.warnings


def stage_import(frames: dict[str, pd.DataFrame], *, settings: Settings) -> Path:
    """Write the tables beside the current imports; `publish_import` makes them current."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    staged = settings.data_dir / f"imports-{stamp}-{os.getpid()}"
    staged.mkdir(parents=True)
    for name, frame in frames.items():
        frame.to_parquet(staged / f"{name}.parquet", index=False)
    return staged


def publish_import(staged: Path, *, settings: Settings) -> None:
    """Point <data_dir>/imports at the staged folder in one rename, then remove the old folder."""
    link = imports_dir(settings)
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        raise RuntimeError(f"{link} is a folder, not the link imports are kept behind; move it away.")
    temporary = link.with_name(f".imports.{os.getpid()}.link")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(staged.name)
    os.replace(temporary, link)
    if previous is not None and previous != staged.resolve():
        shutil.rmtree(previous, ignore_errors=True)


def discard_import(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def remove_abandoned_imports(settings: Settings) -> list[Path]:
    """Staged folders (and half-made links) that are not the current imports were left by an import
    killed midway; the caller holds the sync lock, so no import is writing one. Returns what was removed."""
    link = imports_dir(settings)
    current = link.resolve() if link.is_symlink() else None
    folder = settings.data_dir
    abandoned = [path for path in folder.glob("imports-*") if path.is_dir() and path.resolve() != current]
    for path in abandoned:
        shutil.rmtree(path, ignore_errors=True)
    for temporary in folder.glob(".imports.*.link"):
        temporary.unlink(missing_ok=True)
    return abandoned
