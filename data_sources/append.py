"""Sync by appending: when a source's tables differ from the warehouse in use only by new rows, copy
the build, append them and bring the rollup up to date for the members and days they touch
(data_sources/increment.py), instead of rebuilding everything.

What a source gives is compared with what the warehouse holds: members and activities are known by
their ids, so the rows whose ids the warehouse lacks are the new ones (activities newer than the
last seen, a Sheets tab's new rows, lines added to a file). The increment is trusted only when
everything else is exactly as the build has it; otherwise the whole warehouse is rebuilt, and the
run records why (a `Said`): a first sync, a full rebuild asked for, another source or other source
settings (time zone, date order, a sheet's mapping) than the build was made from, a rollup of an
older version, other columns, a member or an old activity changed or gone. Campaigns and their
members are replaced whole when they changed (campaign_results, the one rollup table that reads
them, is then computed again whole; else an increment merges it, data_sources/increment.py).

The build records what it was made from in pulse_info (`stamp`): that is the watermark, swapped in
with the rows it describes. It records too how many members and activities it holds and a
fingerprint of their values (`row_prints`): when a source's first rows still have that fingerprint
(an export with lines added at the end, a sheet with rows added below), the old rows are known to be
unchanged without comparing millions of them with the warehouse, and the rows after them are the
new ones. Any other source, or a source whose first rows changed or moved, is compared row by row.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

import schema
from data_sources.identities import LINKS_KEY, NO_LINKS
from data_sources.increment import Touched, update_rollup
from data_sources.keyed_rows import added_columns, keyed_select
from data_sources.validate import checking
from data_sources.warehouse import (
    BUILD_CONFIG,
    ROLLUP_MEMORY,
    SORT_KEYS,
    discard_build,
    finish_build,
    new_build_path,
    typed_sql,
    write_beside,
    write_stamp,
)
from errors import Said
from rollup.state import member_keyed
from rollup.tables import VERSION, VERSION_KEY, member_keys

SOURCE_KEY, SETTINGS_KEY = "sync_source", "sync_settings"  # pulse_info: what the build was made from
ROWS_KEY = "sync_rows"  # pulse_info: per appended table, the source's rows and their fingerprint
PRINTS = "row_prints"  # a frame's attrs: Prints known without hashing (row_prints)
KEYS = {"members": "member_id", "activities": "activity_id"}  # the tables appended to, by their ids
REPLACED = ("campaigns", "campaign_members")  # replaced whole by an increment when changed
FULL, INCREMENTAL = "full", "incremental"
# the appended activities, whole: the rollup update reads them here rather than among ten million
appended = sa.Table(
    "pulse_appended", sa.MetaData(), *(sa.Column(column.name, column.type) for column in schema.activities.columns)
)


@dataclass(frozen=True)
class Verdict:
    """How a sync builds the warehouse (FULL or INCREMENTAL) and why, as a catalog message."""

    mode: str
    reason: Said


@dataclass(frozen=True)
class RowPrints:
    """What a source's tables are, for the stamp (`recorded`: per table, its rows and their
    fingerprint); how many of its first members and activities are those the build in use holds
    (`kept`, per table; None when they are not known to be); and the tables whose rows are all as
    the build has them (`same`: nothing to write)."""

    recorded: dict[str, list]
    kept: dict[str, int] | None
    same: frozenset[str]


def recorded_state(path: Path | None) -> dict[str, str]:
    """What the build in use at `path` records of itself (pulse_info); {} when there is none."""
    if path is None or not path.exists():
        return {}
    with duckdb.connect() as connection:
        connection.execute("ATTACH ? AS built (READ_ONLY)", [os.path.realpath(path)])
        return dict(connection.execute("SELECT key, value FROM built.pulse_info").fetchall())


def recorded_prints(state: Mapping[str, str]) -> dict[str, list]:
    """The row prints a build's state records; {} for none (an older build)."""
    return json.loads(state[ROWS_KEY]) if ROWS_KEY in state else {}


def row_prints(tables: Mapping[sa.Table, pd.DataFrame], recorded: Mapping[str, list]) -> RowPrints:
    """Each table's print, whether the first members and activities are the rows (and values)
    `recorded` (a source that only grew at the end), and which tables are unchanged. One pass over
    the rows (about a second for ten million activities): the first rows' fingerprint and the
    rest's add up to the whole's. Prints a frame carries (`PRINTS`: a table read from where its
    file's last read ended, data_sources/read_cache.py) are not hashed again."""
    prints: dict[str, list] = {}
    kept: dict[str, int] = {}
    same: set[str] = set()
    for table, frame in tables.items():
        held = recorded.get(table.name)
        rows = held[0] if held is not None and held[0] <= len(frame) else 0
        known = known_prints(frame, table)
        head = known[rows] if rows in known else fingerprint(frame.iloc[:rows], table)
        whole = known[len(frame)] if len(frame) in known else head + fingerprint(frame.iloc[rows:], table)
        prints[table.name] = [len(frame), str(whole)]
        if held is not None and held[0] <= len(frame) and str(head) == held[1]:
            kept[table.name] = rows
        if prints[table.name] == held:
            same.add(table.name)
    grown = {name: kept[name] for name in KEYS if name in kept}
    return RowPrints(recorded=prints, kept=grown if len(grown) == len(KEYS) else None, same=frozenset(same))


@dataclass(frozen=True)
class Prints:
    """The fingerprints of a table's first rows, by how many (`first`), known for a frame of `rows`
    rows of `table`. Kept in the frame's attrs as JSON-like data (pyarrow writes attrs into the
    schemas it makes of a frame), which pandas copies to frames made from it: the table and the
    rows guard against a copy of other rows taking them for its own."""

    table: str
    rows: int
    first: dict[int, int]

    def attach(self, frame: pd.DataFrame) -> None:
        frame.attrs[PRINTS] = {
            "table": self.table,
            "rows": self.rows,
            "first": {str(rows): str(value) for rows, value in self.first.items()},
        }


def known_prints(frame: pd.DataFrame, table: sa.Table) -> dict[int, int]:
    prints = frame.attrs.get(PRINTS)
    if isinstance(prints, dict) and prints.get("table") == table.name and prints.get("rows") == len(frame):
        return {int(rows): int(value) for rows, value in prints["first"].items()}
    return {}


def canonical(frames: Mapping[str, pd.DataFrame]) -> dict[sa.Table, pd.DataFrame]:
    """The frames by their tables (for row_prints)."""
    return {schema.metadata.tables[name]: frame for name, frame in frames.items()}


def fingerprint(frame: pd.DataFrame, table: sa.Table) -> int:
    """The sum of DuckDB's hash of each row's values in the table's columns: the same rows give the
    same number in any order; a changed value, a row more or less, another type, another."""
    if frame.empty:
        return 0
    columns = [column.name for column in table.columns]
    rows = pa.Table.from_pandas(frame[columns], preserve_index=False)
    listed = ", ".join(f'"{column}"' for column in columns)
    with duckdb.connect() as connection:
        connection.register("fingerprinted", rows)
        found = connection.execute(f"SELECT sum(hash({listed})::HUGEINT) FROM fingerprinted").fetchone()
    return int(found[0]) if found is not None else 0


def rows_alone(rows: pd.DataFrame) -> pd.DataFrame:
    """A copy of `rows` (a slice of a larger frame) holding only their own values. A slice, or its
    copy, of Arrow text still holds every row's buffers, and pandas' take of every position of a
    frame returns a view, so the slice's numbers held the whole frame's too (528 MB at 34.6 million
    activities, kept through a rebuild or an increment); each column's take copies just its rows. A
    take of the whole frame would join all its chunks first (0.5 s at 11.5M activities)."""
    positions = np.arange(len(rows))
    columns = {
        name: pd.Series(rows[name].array.take(positions), index=rows.index, dtype=rows[name].dtype, copy=False)
        for name in rows.columns
    }  # each of its own type: a frame made of arrays would read text in an object column anew
    return pd.DataFrame(columns, index=rows.index)


def appended_rows(
    source: Mapping[str, pd.DataFrame], frames: Mapping[str, pd.DataFrame], kept: Mapping[str, int]
) -> dict[str, pd.DataFrame]:
    """The members and activities after the `kept` first rows of the `source`, as the build takes
    them from `frames` (one row a person: identities.gather keeps the activities in their order, and
    a new member that joined an old person would have changed the links, which rebuilds)."""
    activities = rows_alone(frames["activities"].iloc[kept["activities"] :])
    new_ids = source["members"]["member_id"].iloc[kept["members"] :]
    members = frames["members"][frames["members"]["member_id"].isin(new_ids)]
    return {"members": members, "activities": activities}


def judge(
    path: Path,
    frames: dict[str, pd.DataFrame],
    *,
    stamp: dict[str, str],
    full: bool = False,
    grown: bool = False,
) -> Verdict:
    """Whether `frames` may be appended to the warehouse in use at `path` (built with `stamp`);
    `grown` when the source's first rows are known to be the build's (row_prints), so only what
    the build records of itself is checked, not its rows."""
    if full:
        return Verdict(FULL, Said("sync.reason.asked"))
    if not path.exists():
        return Verdict(FULL, Said("sync.reason.first"))
    with checking() as connection:  # within its memory limit: the comparison spills rather than grows
        connection.execute("ATTACH ? AS built (READ_ONLY)", [os.path.realpath(path)])
        state = dict(connection.execute("SELECT key, value FROM built.pulse_info").fetchall())
        reason = _settled(state, stamp) or _columns_differ(connection)
        if reason is None and not grown:
            for name, frame in frames.items():
                connection.register(f"given_{name}", frame)
            reason = _old_rows_differ(connection)
    if reason is not None:
        return Verdict(FULL, reason)
    return Verdict(INCREMENTAL, Said("sync.reason.appended"))


NAMED_SOURCES = ("demo", "sheets", "imports", "connectors")  # said in the reader's words; a folder as its path


def _named(source: str) -> str:
    """A source as the sync's reason says it: "imported files", not "imports"."""
    return Said(f"data.source.{source}") if source in NAMED_SOURCES else source


def _settled(state: dict[str, str], stamp: dict[str, str]) -> Said | None:
    """Why the build cannot be appended to, by what it records of itself; None when it can."""
    if state.get(VERSION_KEY) != VERSION:
        return Said("sync.reason.rollup_version")
    if SOURCE_KEY not in state:
        return Said("sync.reason.unstamped")
    if state[SOURCE_KEY] != stamp[SOURCE_KEY]:
        return Said("sync.reason.source", before=_named(state[SOURCE_KEY]), now=_named(stamp[SOURCE_KEY]))
    if state.get(SETTINGS_KEY) != stamp[SETTINGS_KEY]:
        return Said("sync.reason.settings")
    if state.get(LINKS_KEY, NO_LINKS) != stamp.get(LINKS_KEY, NO_LINKS):
        # members joined or parted (a merge, an unmerge, a verified email): rows move between people
        return Said("sync.reason.links")
    return None


def _columns_differ(connection: duckdb.DuckDBPyConnection) -> Said | None:
    for table in schema.metadata.sorted_tables:
        found = connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'built' AND table_name = ? "
            "ORDER BY column_index",
            [table.name],
        ).fetchall()
        own = [column.name for column in table.columns]
        if [name for (name,) in found] not in (own, [*own, *added_columns(table.name)]):
            return Said("sync.reason.columns", table=table.name)
    return None


def _old_rows_differ(connection: duckdb.DuckDBPyConnection) -> Said | None:
    """The first member or activity of the build that the source lost or changed (members first,
    then lost before changed, then by id: the same rows name the same one); None when none.
    Each side's rows are written first as their id and a hash of their values, then matched by id:
    joining the rows themselves held both sides' every value in the join's hash table (6.2 GB at 35
    million activities, beside the sync's 0.8 GB, in 12 s; now within the connection's memory limit,
    spilling, in 10 s: docs/performance.md). A changed row whose values hash alike goes unnoticed,
    one in 2**64, as row_prints' fingerprint of a grown source may miss one."""
    for name, key in KEYS.items():
        table = schema.metadata.tables[name]
        values = ", ".join(f'"{column.name}"' for column in table.columns)
        for side, rows in (("old_rows", f'built."{name}"'), ("new_rows", f"({typed_sql(table, f'given_{name}')})")):
            connection.execute(
                f'CREATE OR REPLACE TEMP TABLE {side} AS SELECT "{key}" AS id, hash({values}) AS print FROM {rows}'
            )
        found = connection.execute(
            "SELECT o.id, n.id IS NULL AS gone FROM old_rows AS o LEFT JOIN new_rows AS n ON n.id = o.id "
            "WHERE n.id IS NULL OR n.print <> o.print ORDER BY gone DESC, o.id LIMIT 1"
        ).fetchone()
        if found is None:
            continue
        if found[1]:  # gone: how many with it, as a re-export that left members out deletes them all
            counted = connection.execute(
                "SELECT count(*) FROM old_rows AS o LEFT JOIN new_rows AS n ON n.id = o.id WHERE n.id IS NULL"
            ).fetchone()
            gone = counted[0] if counted else 0
            if gone > 1:
                return Said(f"sync.reason.{name}_gone_many", id=found[0], count=gone)
        return Said(f"sync.reason.{name}_{'gone' if found[1] else 'changed'}", id=found[0])
    return None


def likely_appended(state: Mapping[str, str], stamp: Mapping[str, str], *, full: bool) -> bool:
    """Whether a sync will likely append to the build that records `state`, by what a sync knows
    before it reads its source (`stamp`: data_sources.sync.build_stamp's): not asked to rebuild, and
    the build is of this rollup version and made from this source read this way. `judge` decides."""
    return (
        not full
        and state.get(VERSION_KEY) == VERSION
        and all(state.get(key) == stamp[key] for key in (SOURCE_KEY, SETTINGS_KEY))
    )


class BuildCopy:
    """A copy of the build in use at `path` for an increment to append to (append_build), made in a
    thread of its own while the sync reads and compares its source, which then does not wait for
    it: half a gigabyte at the large scale took 0.15 s to copy, and up to 1 s when the build had
    just been written (its pages not yet on disk), and writing the copy to disk (fsync) 0.2-0.3 s
    more, which the increment's first checkpoint waited for when it was left to it. A copy no
    increment took is removed by `release` (a full rebuild, or a failure before)."""

    def __init__(self, path: Path) -> None:
        self.path = new_build_path(path)
        self._source = os.path.realpath(path)
        self._failed: BaseException | None = None
        self._taken = False
        self._thread = threading.Thread(target=self._copy, name="pulse-build-copy")
        self._thread.start()

    def _copy(self) -> None:
        try:
            shutil.copyfile(self._source, self.path)
            with self.path.open("rb+") as copied:
                os.fsync(copied.fileno())
        except BaseException as error:  # raised where the copy is taken
            self._failed = error

    def take(self) -> Path:
        """The copy, once made; the caller owns the file from then on."""
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        self._taken = True
        return self.path

    def release(self) -> None:
        """Remove the copy unless it was taken (once the copying is over); once."""
        if not self._taken:
            self._thread.join()
            discard_build(self.path)
            self._taken = True  # its name is free again: a later build may take it


def append_build(
    path: Path,
    frames: dict[str, pd.DataFrame],
    *,
    timezone: str,
    stamp: dict[str, str],
    beside: dict[sa.Table, pd.DataFrame] | None = None,
    new: dict[str, pd.DataFrame] | None = None,
    same: frozenset[str] = frozenset(),
    copy: BuildCopy | None = None,
    consume: bool = False,
) -> Touched:
    """Copy the build in use (or take the `copy` of it made beside the sync's reading), append the
    frames' new members and activities, replace campaigns and their members (and the tables
    `beside` them), bring the rollup up to date and swap the copy in; the build in use is never
    written, so a failure anywhere leaves it as it was. `new`: the new members and activities, when
    known (appended_rows); else they are found by their ids. The tables named in `same` are as the
    build has them: not written again (millions of campaign members and identities at a large
    community). With `consume`, `frames`, `new` and `beside` are emptied once written, so that a
    caller holding no other reference to them (a sync) does not hold them while the rollup is
    brought up to date (the people's tables alone 300 MB at 3 million members)."""
    copy = BuildCopy(path) if copy is None else copy
    build = copy.path
    try:
        copy.take()
        with duckdb.connect(str(build), config=BUILD_CONFIG) as connection:
            _register_given(connection, {**frames, **(new or {})})
            _append_rows(connection, known=new is not None, same=same)
            changed = {table: frame for table, frame in (beside or {}).items() if table.name not in same}
            write_beside(connection, changed)
        if consume:
            for given in (frames, new or {}, beside or {}, changed):
                given.clear()
            pa.default_memory_pool().release_unused()  # Arrow's allocator keeps what it freed
    except BaseException:
        discard_build(build)
        raise

    def update_and_stamp(transaction: sa.Connection) -> Touched:
        transaction.exec_driver_sql(f"SET memory_limit = '{ROLLUP_MEMORY}'")
        touched = update_rollup(transaction, timezone=timezone, appended=appended, unchanged=same)
        appended.drop(transaction)
        write_stamp(transaction, stamp)
        return touched

    return finish_build(path, build, update_and_stamp)


def _register_given(connection: duckdb.DuckDBPyConnection, frames: Mapping[str, pd.DataFrame]) -> None:
    """Each frame as `given_<name>` (in a function of its own: a loop's variable would keep the last
    frame referenced until append_build ends)."""
    for name, frame in frames.items():
        connection.register(f"given_{name}", frame)


def _append_rows(connection: duckdb.DuckDBPyConnection, *, known: bool, same: frozenset[str]) -> None:
    """New members and activities appended (activities in time order), and pulse_appended holding
    the new activities for the rollup; campaigns and their members replaced unless `same`.
    `known`: the given members and activities are the new ones; else those whose ids the build
    lacks are."""
    connection.execute("BEGIN")
    for name, key in KEYS.items():
        typed = f"({typed_sql(schema.metadata.tables[name], f'given_{name}')})"
        new = f"FROM {typed} AS n"
        if not known:
            new += f' WHERE NOT EXISTS (SELECT 1 FROM "{name}" AS o WHERE o."{key}" = n."{key}")'
        if name == "activities":
            connection.execute(f'CREATE TABLE "{appended.name}" AS SELECT n.* {new}')
        order = f' ORDER BY n."{SORT_KEYS[name]}"'
        connection.execute(f'INSERT INTO "{name}" ({schema.own_columns(name)}) SELECT n.* {new}{order}')
    keyed = member_keyed(dict(connection.execute("SELECT key, value FROM pulse_info").fetchall()))
    for name in REPLACED:
        if name in same:
            continue
        connection.execute(f'DELETE FROM "{name}"')
        given = typed_sql(schema.metadata.tables[name], f"given_{name}")
        if name in keyed:  # with the keys of the members known so far; new members' come later
            known_keys = f'SELECT member_id, member_key FROM "{member_keys.name}"'
            columns = ", ".join([schema.own_columns(name), *(f'"{c}"' for c in added_columns(name))])
            connection.execute(f'INSERT INTO "{name}" ({columns}) {keyed_select(given, known_keys)}')
        else:
            connection.execute(f'INSERT INTO "{name}" ({schema.own_columns(name)}) {given}')
    connection.execute("COMMIT")
