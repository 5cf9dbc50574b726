"""Bring the warehouse up to date from a source and record the run in the app store.

A run either swaps in a complete new warehouse or changes nothing: validation happens before the
build, and the build is swapped in only when it is whole. The build appends the source's new rows
to a copy of the one in use when that can be trusted, else is made afresh (data_sources/append.py).
One run at a time per data folder (a lock file); a run that died without finishing is shown as
interrupted.

A ClickHouse warehouse_url is built in that database instead: whole on every run, its new tables
written beside the ones in use and swapped in (data_sources/clickhouse.py).

Sources: "demo", "sheets" (the configured spreadsheet), "imports" (files imported before, kept in
<data_dir>/imports), "connectors" (the platforms in [pulse.connectors], fetched into their archives
first: data_sources/connectors/) or a folder of CSV, Excel or Parquet files named after the tables.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import gspread
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

import clock
from data_sources import clickhouse, demo, identities, imports, merges, read_cache, sheets
from data_sources.append import (
    FULL,
    INCREMENTAL,
    ROWS_KEY,
    SETTINGS_KEY,
    SOURCE_KEY,
    BuildCopy,
    RowPrints,
    append_build,
    appended_rows,
    canonical,
    judge,
    likely_appended,
    recorded_prints,
    recorded_state,
    row_prints,
)
from data_sources.connectors import wecom
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.saved import configured
from data_sources.connectors.source import archived_tables, load_connectors_source
from data_sources.errors import DataSourceError, NotConfigured, Shrink, SyncBusy
from data_sources.read_cache import read_folder_validated
from data_sources.shrink import check_shrinks
from data_sources.validate import Parsing, RawTable, validate
from data_sources.warehouse import build_warehouse, read_tables, remove_abandoned_builds, table_rows
from engines import create_engine
from errors import Said, kept
from settings import Settings
from store import tables
from store.database import AppStore
from store.keys import inserted_id

Frames = dict[str, pd.DataFrame]
Loader = Callable[[], tuple[Frames, list[str]]]
Allowed = bool | Collection[Shrink]  # --allow-shrink (True), or the very shrinks a person confirmed
IMPORTS = "imports"
CONNECTORS = "connectors"
INTERRUPTED = Said("error.sync.interrupted")
log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    source: str
    rows: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    mode: str = FULL  # or INCREMENTAL (data_sources/append.py)
    reason: str | None = None  # a Said: why the run built the warehouse the way it did


def parsing(settings: Settings) -> Parsing:
    return Parsing(timezone=settings.timezone, day_first=settings.day_first)


def load_community(
    source: str,
    *,
    settings: Settings,
    today: date | None = None,
    sheets_client: gspread.Client | None = None,
    progress: sheets.Progress | None = None,
    app_store: AppStore | None = None,
) -> tuple[Frames, list[str]]:
    """Typed canonical frames and warnings from one source (`progress` hears of a sheet's pages and
    of a connector's steps; connectors keep their cursors in `app_store`)."""
    if source == "demo":
        # in the community's language: a Chinese community's Sync now keeps its Chinese demo
        frames = demo.generate_community(today=today or clock.today(), locale=settings.language)
        return frames, []
    if source == "imports":
        return imports.stored_frames(settings), []
    if source == CONNECTORS:
        if app_store is None:
            raise NotConfigured(Said("error.sync.in_place"))
        return load_connectors_source(settings=settings, app_store=app_store, progress=progress)
    if source == "sheets":
        if settings.sheets is None:
            raise NotConfigured(Said("error.sync.no_sheets_section", section="[pulse.sheets]"))
        raws: dict[str, RawTable] = sheets.read_sheets(
            sheets_client or sheets.open_client(settings), settings.sheets, progress=progress
        )
        validated = validate(raws, parsing=parsing(settings), consume=True)
    else:
        validated = read_folder_validated(Path(source), parsing=parsing(settings), cache=read_cache_dir(settings))
    return validated.frames, validated.warnings


def read_cache_dir(settings: Settings) -> Path:
    """Where the tables last read from a folder's CSV files are kept (data_sources/read_cache.py)."""
    return settings.data_dir / "read-cache"


def sync(
    *,
    settings: Settings,
    app_store: AppStore,
    source: str | None = None,
    today: date | None = None,
    sheets_client: gspread.Client | None = None,
    allow_shrink: Allowed = False,
    progress: sheets.Progress | None = None,
    full: bool = False,
) -> SyncResult:
    """Bring the warehouse up to date from `source` (default: the configured one): by appending its
    new rows when that can be trusted, else (or when `full`) by rebuilding it. Raises
    DataSourceError, ShrinkRefused when the source would empty or cut a table it built last time.
    `progress` hears how far a large sheet has been read."""
    chosen = source or settings.community_source
    return run_sync(
        settings=settings,
        app_store=app_store,
        source=chosen,
        load=lambda: load_community(
            chosen, settings=settings, today=today, sheets_client=sheets_client, progress=progress, app_store=app_store
        ),
        allow_shrink=allow_shrink,
        full=full,
    )


def run_sync(
    *,
    settings: Settings,
    app_store: AppStore,
    source: str,
    load: Loader,
    publish: Callable[[], None] | None = None,
    allow_shrink: Allowed = False,
    replaces: bool = False,
    full: bool = False,
) -> SyncResult:
    """Load, build and swap in a warehouse, recording the run (source, times, rows, warnings, error,
    whether it appended or rebuilt and why: data_sources/append.py; `full` rebuilds in any case).

    `publish` runs after the swap (an import keeps its files then); raises SyncBusy when another run
    holds the data folder. Tables the new data would empty or cut deeply are refused unless allowed
    (data_sources/shrink.py): always when the run `replaces` tables in place (an import), else when
    the warehouse in use was built from the same source; a new source is a choice, not a loss.
    """
    path = settings.warehouse_path
    into_clickhouse = path is None and clickhouse.is_clickhouse(settings.warehouse_url)
    if path is None and not into_clickhouse:
        raise NotConfigured(Said("error.sync.in_place"))
    with sync_lock(settings.data_dir):
        _mark_interrupted(app_store)
        if path is not None:
            remove_abandoned_builds(path)
        imports.remove_abandoned_imports(settings)
        guarded = replaces or built_from(app_store) == _kind(source)
        run_id = _record_start(app_store, source)
        started = time.monotonic()
        log.info("Sync %s from %s started", run_id, source)
        copy = None
        try:
            state = recorded_state(path)
            # a copy of the build made while the source is read, for the increment this sync will likely be
            if path is not None and likely_appended(state, build_stamp(source, settings), full=full):
                copy = BuildCopy(path)
            frames, warnings = load()
            give_back_memory()  # what reading the source freed, before the identities are gathered
            recorded = recorded_prints(state)
            prints = row_prints(canonical(frames), recorded) if path is not None else None
            merged, details = merges.merged_pairs(app_store), _member_details(source, settings, app_store)
            inputs = identities.inputs_digest(merged, details)
            if path is not None and prints is not None and _same_people(prints, state, inputs):
                people = identities.carry(frames, *read_tables(path, PEOPLE_TABLES).values())
            else:
                people = identities.gather(frames, merges=merged, details=details)
            new = appended_rows(frames, people.frames, prints.kept) if prints and prints.kept else None
            # The build lets go of each frame once written (consume): its own dict of them, so that
            # a loader's caller keeps the dict it gave (cli.py demo), and people no longer holds them.
            frames, people = dict(people.frames), replace(people, frames={})
            rows = {name: len(frame) for name, frame in frames.items()}
            if guarded:
                rows_in_use = table_rows(path) if path is not None else clickhouse_rows(settings.warehouse_url)
                check_shrinks(rows_in_use, frames, origin=source, allowed=allow_shrink)
            stamp = {
                **build_stamp(source, settings),
                identities.LINKS_KEY: people.fingerprint,
                identities.INPUTS_KEY: inputs,
            }
            if path is not None and prints is not None:
                platforms = archived_tables(settings, app_store) if _kind(source) == CONNECTORS else {}
                beside = {**people.tables, **platforms}
                if wecom.group_days in beside:
                    stamp[wecom.GROUP_DAYS_KEY] = str(len(beside[wecom.group_days]))
                kept_beside = row_prints(beside, recorded)  # the identities and platforms' tables, as the source's
                stamp[ROWS_KEY] = json.dumps({**prints.recorded, **kept_beside.recorded})
                del people  # its tables are in `beside`, which the build lets go of once written
                same = prints.same | kept_beside.same
                mode, reason = _build(
                    path,
                    frames,
                    settings=settings,
                    stamp=stamp,
                    full=full,
                    beside=beside,
                    new=new,
                    same=same,
                    copy=copy,
                )
            else:  # rebuilt whole beside the tables in use, then swapped in (data_sources/clickhouse.py)
                del people  # its tables are not written there
                # The people are merged in `frames`, but their id tables (member_identities,
                # suggestions) are not written there yet, so its stamp does not claim them (person_of
                # then takes each id as its own): a lookup by a merged id and the People page need DuckDB.
                ch_stamp = {k: v for k, v in stamp.items() if k not in (identities.LINKS_KEY, identities.INPUTS_KEY)}
                clickhouse.build_clickhouse(settings.warehouse_url, frames, timezone=settings.timezone, stamp=ch_stamp)
                mode, reason = FULL, Said("sync.reason.clickhouse")
            if publish is not None:
                publish()
        except DataSourceError as error:
            _record_end(app_store, run_id, status="failed", error=error.said())
            log.warning("Sync %s from %s failed after %.1f s: %s", run_id, source, _since(started), error.user_message)
            raise
        except BaseException as error:
            _record_end(app_store, run_id, status="failed", error=Said("error.sync.unexpected", error=repr(error)))
            log.warning("Sync %s from %s failed after %.1f s: %r", run_id, source, _since(started), error)
            raise
        finally:
            if copy is not None:
                copy.release()
        _record_end(app_store, run_id, status="succeeded", rows=rows, warnings=warnings, mode=mode, reason=reason)
        if _kind(source) in ("demo", IMPORTS, CONNECTORS, "sheets"):
            read_cache.forget(read_cache_dir(settings))  # the rows of a folder read before are not kept
        counts = ", ".join(f"{name} {count}" for name, count in rows.items())
        took = _since(started)
        log.info(
            "Sync %s from %s succeeded in %.1f s (%s: %s): %s; %d warnings",
            *(run_id, source, took, mode, reason, counts, len(warnings)),
        )
    return SyncResult(source=source, rows=rows, warnings=warnings, mode=mode, reason=reason)


def clickhouse_rows(url: str) -> dict[str, int]:
    """Rows per canonical table of the ClickHouse warehouse at `url` ({} before its first sync)."""
    engine = create_engine(url)
    try:
        return clickhouse.table_rows(engine)
    finally:
        engine.dispose()


def _build(
    path: Path,
    frames: Frames,
    *,
    settings: Settings,
    stamp: dict[str, str],
    full: bool,
    beside: dict[sa.Table, pd.DataFrame],
    new: dict[str, pd.DataFrame] | None,
    same: frozenset[str],
    copy: BuildCopy | None = None,
) -> tuple[str, Said]:
    """Append to the warehouse in use when that can be trusted, else rebuild it; how, and why.
    `new`: the members and activities after the rows the build holds, when the source only grew;
    `same`: the tables whose rows are all as the build has them (an append leaves them). `frames`
    are the sync's own: each is let go of once it is of no more use. `copy`: of the build in use,
    made beside the reading, for the increment to take."""
    verdict = judge(path, frames, stamp=stamp, full=full, grown=new is not None)
    if verdict.mode == INCREMENTAL:
        for name in new or {}:  # the members and activities appended are the new rows: the whole are let go of
            frames.pop(name)
        give_back_memory()
        touched = append_build(
            path,
            frames,
            timezone=settings.timezone,
            stamp=stamp,
            beside=beside,
            new=new,
            same=same,
            copy=copy,
            consume=True,
        )
        counts = {"activities": touched.activities, "members": touched.new_members, "days": touched.member_days}
        return INCREMENTAL, Said("sync.reason.appended", **counts)
    if copy is not None:
        copy.release()  # before the new build takes its room
    give_back_memory()
    build_warehouse(path, frames, timezone=settings.timezone, stamp=stamp, beside=beside, consume=True)
    return FULL, verdict.reason


def give_back_memory() -> None:
    """Return what the sync's earlier steps freed before DuckDB takes its share: Arrow's allocator
    keeps freed blocks for reuse (at xl 0.7 GB of the mapped tables' conversions, more than DuckDB's
    limit for an incremental build), and cycles may hold frames until collected."""
    gc.collect()
    pa.default_memory_pool().release_unused()


PEOPLE_TABLES = [identities.member_identities.name, identities.member_suggestions.name]


def _same_people(prints: RowPrints, state: dict[str, str], inputs: str) -> bool:
    """Whether the build in use holds this source's people: its members are the build's, and so are
    the merges and connector details gather reads (identities.carry)."""
    return "members" in prints.same and state.get(identities.INPUTS_KEY) == inputs


def _member_details(source: str, settings: Settings, app_store: AppStore) -> pd.DataFrame | None:
    """The connectors' members' platform, handle, whether their email is verified and their avatar's
    address (what identities.gather links and suggests by); None for other sources, whose addresses
    nobody verified."""
    if _kind(source) != CONNECTORS:
        return None
    parts = [
        Archive(archive_dir(settings.data_dir, chosen.name)).members() for chosen in configured(settings, app_store)
    ]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True)[["member_id", "platform", "handle", "email_verified", "avatar"]]


def build_stamp(source: str, settings: Settings) -> dict[str, str]:
    """What a build is made from, recorded in it: the source, and a digest of the settings that
    decide how the source's rows are read (time zone, date order, the sheets' mapping)."""
    kind = _kind(source)
    read_by = {
        "timezone": settings.timezone,
        "date_order": settings.date_order,
        "sheets": asdict(settings.sheets) if kind == "sheets" and settings.sheets is not None else None,
    }
    digest = hashlib.sha256(json.dumps(read_by, sort_keys=True).encode()).hexdigest()[:16]
    return {SOURCE_KEY: kind, SETTINGS_KEY: digest}


def _since(started: float) -> float:
    return time.monotonic() - started


def _kind(source: str) -> str:
    """An import run ('import: members.csv') feeds the imports source."""
    return IMPORTS if source.startswith("import: ") else source


def built_from(app_store: AppStore) -> str | None:
    """The source of the warehouse in use: that of the last run that succeeded ("imports" for files
    imported on the Data page), None before any."""
    runs = tables.sync_runs
    with app_store.read() as connection:
        source = connection.scalar(
            sa.select(runs.c.source).where(runs.c.status == "succeeded").order_by(runs.c.id.desc()).limit(1)
        )
    return None if source is None else _kind(source)


@contextmanager
def sync_lock(data_dir: Path) -> Iterator[None]:
    """One sync at a time per data folder, across processes; the OS frees it if a run dies. Raises
    SyncBusy when another holds it (what follows a sync, such as feedback/messages.py, takes it too)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "sync.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBusy(Said("error.sync.busy")) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mark_interrupted(app_store: AppStore) -> None:
    """Runs still 'running' while we hold the lock died midway (a crash, a killed process)."""
    with app_store.begin() as connection:
        connection.execute(
            sa.update(tables.sync_runs)
            .where(tables.sync_runs.c.status == "running")
            .values(status="interrupted", error=str(INTERRUPTED), error_said=kept(INTERRUPTED))
        )


def _record_start(app_store: AppStore, source: str) -> int:
    with app_store.begin() as connection:
        result = connection.execute(
            tables.sync_runs.insert().values(source=source, started_at=clock.now(), status="running")
        )
        return inserted_id(result)


def _record_end(
    app_store: AppStore,
    run_id: int,
    *,
    status: str,
    rows: dict[str, int] | None = None,
    warnings: list[str] | None = None,
    error: str | None = None,
    mode: str | None = None,
    reason: Said | None = None,
) -> None:
    """`error` and `reason` (how the run built: `mode`) are Said (or Lines of them), kept with
    their keys and values for the Data page."""
    english, said = (None, None) if error is None else (str(error), kept(error))
    with app_store.begin() as connection:
        connection.execute(
            sa.update(tables.sync_runs)
            .where(tables.sync_runs.c.id == run_id)
            .values(
                finished_at=clock.now(),
                status=status,
                rows=rows,
                warnings=warnings,
                error=english,
                error_said=said,
                mode=mode,
                mode_said=None if reason is None else kept(reason),
            )
        )


def import_files(
    paths: list[Path],
    *,
    settings: Settings,
    app_store: AppStore,
    table: str | None = None,
    allow_shrink: Allowed = False,
) -> SyncResult:
    """Import CSV, Excel or Parquet files (each replaces its table; the other tables stay as they
    are now) and rebuild the warehouse from them; all or nothing. Raises DataSourceError,
    ShrinkRefused when a file would empty its table or cut it deeply."""
    if settings.warehouse_path is None and clickhouse.is_clickhouse(settings.warehouse_url):
        raise NotConfigured(Said("error.sync.import_into_clickhouse"))  # it has no tables to keep beside the files'
    staged: list[Path] = []

    def load() -> tuple[Frames, list[str]]:
        frames, warnings = imports.prepare_import(paths, settings=settings, parsing=parsing(settings), table=table)
        staged.append(imports.stage_import(frames, settings=settings))
        if settings.community_source != "imports":
            warnings.append(
                Said(
                    "warning.import_not_kept",
                    source=repr(settings.community_source),
                    setting='community_source = "imports"',
                )
            )
        return frames, warnings

    try:
        return run_sync(
            settings=settings,
            app_store=app_store,
            source="import: " + ", ".join(path.name for path in paths),
            load=load,
            publish=lambda: imports.publish_import(staged[0], settings=settings),
            allow_shrink=allow_shrink,
            replaces=True,
        )
    except BaseException:
        for folder in staged:
            imports.discard_import(folder)
        raise


def recent_runs(app_store: AppStore, *, limit: int = 20) -> pd.DataFrame:
    """The latest runs, newest first: source, started, finished, status, rows, warnings, error."""
    runs = tables.sync_runs
    return app_store.run(sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit))


def last_good_sync(app_store: AppStore) -> datetime | None:
    """When the warehouse in use was built (the last run that succeeded), in UTC."""
    runs = tables.sync_runs
    with app_store.read() as connection:
        return connection.scalar(sa.select(sa.func.max(runs.c.finished_at)).where(runs.c.status == "succeeded"))


def sync_due(*, settings: Settings, app_store: AppStore, now: datetime) -> bool:
    """True when the last run (good or not) started sheets_refresh_minutes ago or more, or never ran:
    a failing source is retried on the same schedule, not on every page view."""
    runs = tables.sync_runs
    with app_store.read() as connection:
        started = connection.scalar(sa.select(sa.func.max(runs.c.started_at)))
    return started is None or now - started >= timedelta(minutes=settings.sheets_refresh_minutes)
