"""Rebuild the warehouse from a source and record the run in the app store.

A run either swaps in a complete new warehouse or changes nothing: validation happens before the
build, and the build is swapped in only when it is whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data_sources import demo
from data_sources.csv_folder import read_csv_folder
from data_sources.errors import DataSourceError, NotConfigured
from data_sources.validate import validate
from data_sources.warehouse import build_warehouse
from settings import Settings
from store import tables
from store.database import AppStore

Frames = dict[str, pd.DataFrame]
Loader = Callable[[], tuple[Frames, list[str]]]


@dataclass
class SyncResult:
    source: str
    rows: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def load_community(source: str, *, settings: Settings, today: date | None = None) -> tuple[Frames, list[str]]:
    """Typed canonical frames and warnings from 'demo' or a folder of CSV files."""
    if source == "demo":
        frames = demo.generate_community(today=today or datetime.now(UTC).date())
        return frames, []
    validated = validate(read_csv_folder(Path(source)), timezone=settings.timezone)
    return validated.frames, validated.warnings


def sync(
    *, settings: Settings, app_store: AppStore, source: str | None = None, today: date | None = None
) -> SyncResult:
    """Rebuild the warehouse from `source` (default: the configured one); raises DataSourceError."""
    chosen = source or settings.community_source
    return run_sync(
        settings=settings,
        app_store=app_store,
        source=chosen,
        load=lambda: load_community(chosen, settings=settings, today=today),
    )


def run_sync(*, settings: Settings, app_store: AppStore, source: str, load: Loader) -> SyncResult:
    """Load, build and swap in a warehouse, recording the run (source, times, rows, warnings, error)."""
    path = settings.warehouse_path
    if path is None:
        raise NotConfigured(
            "The warehouse is your own database (PULSE_WAREHOUSE_URL); it is queried in place, so there is "
            "nothing to sync."
        )
    run_id = _record_start(app_store, source)
    try:
        frames, warnings = load()
        build_warehouse(path, frames, timezone=settings.timezone)
    except DataSourceError as error:
        _record_end(app_store, run_id, status="failed", error=error.user_message)
        raise
    except Exception as error:
        _record_end(app_store, run_id, status="failed", error=repr(error))
        raise
    rows = {name: len(frame) for name, frame in frames.items()}
    _record_end(app_store, run_id, status="succeeded", rows=rows, warnings=warnings)
    return SyncResult(source=source, rows=rows, warnings=warnings)


def _record_start(app_store: AppStore, source: str) -> int:
    with app_store.begin() as connection:
        result = connection.execute(
            tables.sync_runs.insert().values(source=source, started_at=_now(), status="running")
        )
        return int(result.inserted_primary_key[0])


def _record_end(
    app_store: AppStore,
    run_id: int,
    *,
    status: str,
    rows: dict[str, int] | None = None,
    warnings: list[str] | None = None,
    error: str | None = None,
) -> None:
    with app_store.begin() as connection:
        connection.execute(
            sa.update(tables.sync_runs)
            .where(tables.sync_runs.c.id == run_id)
            .values(finished_at=_now(), status=status, rows=rows, warnings=warnings, error=error)
        )
