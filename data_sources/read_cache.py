"""The typed tables a sync last read from a folder's CSV files, kept so that a file that only grew is
read from where it ended.

An export that gains lines at the end (activities.csv with today's rows added) was parsed and
validated whole on every sync: 15 s for ten million activities, however few were new. Each table
read from a CSV file is now kept in <data_dir>/read-cache/<table>/: its typed rows (Arrow IPC files,
mapped) and a state recording the file's path, size, XXH3-128 digest and stat, its encoding and header line,
the parsing settings and the pandas and pyarrow versions, the warnings its validation gave, and per
part its rows and their fingerprint (data_sources/append.py). At the next read the file is taken to
have only grown when

- its path, its encoding, the parsing settings, the versions and CACHE_VERSION are the recorded
  ones, and the encoding writes a newline as the one byte "\n" (not UTF-16);
- it is at least as long, and its first `size` bytes have the recorded digest and end a line;
- its header line closes its quotes (the new lines are read beneath it);
- its validation gave no note on its dates.

Then only the lines after `size` are parsed and validated, their ids are checked against the cached
rows' ids, and the table is the cached rows followed by the new ones. A file unchanged by its stat is
not read at all. What the whole file decides is left to a read of the whole file, which runs
instead when the new lines have a problem or repeat an id (so that its message numbers the file's
rows), do not end with a newline (an export still being written), hold a date such as 05/03/2024
(which part is the day, the whole column decides), or hold non-ASCII text in a file not in UTF-8
whose old lines do not fill the sample its encoding is detected from; and for a folder with other
than CSV files in it (a workbook's sheets name its tables: the plain path, data_sources/files.py).

The cache is no watermark: whether its rows are the warehouse's is decided by their fingerprint.
The frames carry the fingerprints the cache knows (append.Prints in their attrs), so that row_prints
hashes only the new rows. A cache that cannot be written is dropped (logged), never a failed sync;
it goes after a sync from another kind of source (data_sources/sync.py), and a table's when its file
leaves the folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
import xxhash

from data_sources.append import Prints, fingerprint
from data_sources.charsets import NAMES, SAMPLE, file_sample
from data_sources.errors import InvalidData, Problem
from data_sources.files import UTF8, folder_files, read_csv_lines, read_files
from data_sources.streamed import Streamed, read_validated, streams
from data_sources.validate import (
    TABLES,
    UNKNOWN_SHOWN,
    Parsing,
    Unknown,
    Validated,
    checking,
    undecided_dates,
    unknown_members,
    unknown_warnings,
    validate,
    validate_table,
)
from errors import Said, kept, recalled

CACHE_VERSION = 2  # bump when validation would type the same text otherwise, or the digest changes (2: XXH3)
MAX_PARTS = 16  # a table kept in more parts is written again as one
CHUNK = 1 << 23
RACY_NS = 2_000_000_000
LINE_SAFE = {UTF8, *NAMES}  # encodings whose other characters never hold the bytes "\n" or '"'
SPILL = "streamed."  # a spill file's name begins so: a table's typed rows while it is read in blocks
DATE_NOTE = "warning.column_note"  # how ambiguous dates were read: decided by the whole column
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    """One file of a cached table: its rows and their fingerprint (as text: a 128-bit sum)."""

    name: str
    rows: int
    print: str


@dataclass(frozen=True)
class State:
    """What a cached table was read from, and how (the module's docstring says what each is for)."""

    file: str
    size: int
    digest: str
    encoding: str
    header: int  # the header line's bytes; 0 when its quotes run on (no tail is read beneath it)
    parsing: dict
    warnings: list
    parts: list[Part]
    stat: list[int]  # _stat before the bytes recorded were read
    recorded_ns: int  # when: a file changed within RACY_NS before it is hashed, not trusted by its stat
    unknown: dict | None = None  # activities: Unknown, and the digest of the members it was counted against
    sample_full: bool = False  # not UTF-8: the old lines fill what the encoding is detected from
    version: int = CACHE_VERSION


@dataclass(frozen=True)
class Reused:
    """A table taken from the cache: its rows (the cached, then `added`), and the state to keep."""

    frame: pd.DataFrame
    added: pd.DataFrame
    state: State


def read_folder_validated(folder: Path, *, parsing: Parsing, cache: Path) -> Validated:
    """Every table of the folder's files, typed and validated as validate() does (raises
    InvalidData), each CSV file read from where its last read ended when it only grew since."""
    paths = folder_files(folder)
    names = [path.stem.strip().lower() for path in paths]
    if not paths or any(path.suffix.lower() != ".csv" for path in paths) or len(set(names)) != len(names):
        plain = validate(read_files(paths), parsing=parsing, consume=True)
        forget(cache)  # a workbook names its tables by its sheets: no file is kept apart
        return plain
    pairs = list(zip(paths, names, strict=True))
    reused: dict[str, Reused] = {}
    with ThreadPoolExecutor(max_workers=2) as hashing:
        plans = {name: _plan(path, parsing=parsing, folder=cache / name, hashing=hashing) for path, name in pairs}
        for name, plan in plans.items():
            found = None if plan is None else _reuse(plan, name, parsing=parsing, folder=cache / name)
            if found is not None:
                reused[name] = found
    whole = [path for path, name in pairs if name not in reused]
    stats = {name: _stat(path) for path, name in pairs if name not in reused}  # before reading: _keep_whole
    streamed: dict[str, Streamed] = {}
    try:
        _read_streamed(
            [(path, name) for path, name in pairs if path in whole], parsing=parsing, cache=cache, into=streamed
        )
        raws = read_files([path for path, name in pairs if path in whole and name not in streamed])
        encodings = {name: raw.encoding or UTF8 for name, raw in raws.items()} | dict.fromkeys(streamed, UTF8)
        files = {name: raw.file for name, raw in raws.items()}
        files |= {name: path.name for path, name in pairs if name in streamed}
        base = {name: found.frame for name, found in reused.items()} | {
            name: read.frame for name, read in streamed.items()
        }
        problems = [problem for read in streamed.values() for problem in read.problems]
        read_warnings = [warning for read in streamed.values() for warning in read.warnings]  # said when refused too
        try:
            validated = validate(raws, parsing=parsing, base=base, consume=True, references=False)
        except InvalidData as error:
            warnings = [*error.warnings, *read_warnings]
            raise InvalidData(_in_table_order([*problems, *error.problems], files), warnings=warnings) from None
        if problems:
            raise InvalidData(_in_table_order(problems, files), warnings=[*validated.warnings, *read_warnings])
        for name, read in streamed.items():
            read.frame.attrs["file"] = files[name]  # as validate names a table's frame
            validated.warnings.extend(read.warnings)
        unknown = _unknown(validated.frames, reused)
        validated.warnings.extend(unknown_warnings(unknown))
        digests: dict[str, str] = {}
        for path, name in sorted(pairs, key=lambda pair: pair[1] != "members"):  # members' digest goes with activities'
            noted = {"members": digests.get("members"), **asdict(unknown)} if name == "activities" else None
            if name in reused:
                found = reused[name]
                found.frame.attrs["file"] = Path(found.state.file).name
                validated.warnings[:0] = [
                    message for message in map(recalled, found.state.warnings) if message is not None
                ]
                state = _keep_grown(cache / name, found, name=name, unknown=noted)
            else:  # its warnings name its file (the one across tables, unknown members, does not)
                file = files[name]
                warnings = [w for w in validated.warnings if isinstance(w, Said) and w.values.get("file") == file]
                state = _keep_whole(
                    cache / name,
                    path,
                    validated.frames[name],
                    name=name,
                    stat=stats[name],
                    encoding=encodings[name],
                    parsing=parsing,
                    warnings=warnings,
                    unknown=noted,
                    written=streamed[name].spilled if name in streamed else None,
                )
            if state is not None:
                digests[name] = state.digest
        for gone in cache.iterdir() if cache.is_dir() else ():
            if gone.name not in names:  # a table whose file left the folder: its rows are not kept
                shutil.rmtree(gone, ignore_errors=True)
        return validated
    finally:  # a spill file the cache did not take (a refused read, a cache that could not be written)
        for read in streamed.values():
            if read.spilled is not None:
                read.spilled.unlink(missing_ok=True)


def _in_table_order(problems: list[Problem], files: dict[str, str]) -> list[Problem]:
    """Problems of tables read in blocks and read whole, listed as one whole read lists them."""
    order = {files[name]: position for position, name in enumerate(TABLES) if name in files}
    return sorted(problems, key=lambda problem: order.get(problem.file, -1))


def _read_streamed(pairs: list[tuple[Path, str]], *, parsing: Parsing, cache: Path, into: dict[str, Streamed]) -> None:
    """Into `into`, the tables of the large files that can be read a block at a time
    (data_sources/streamed.py), their typed rows written to a spill file in the table's cache
    folder: the part _keep_whole keeps (the caller removes those it does not)."""
    for path, name in pairs:
        if not streams(path):
            continue
        spill = _spill_file(cache / name)
        read = read_validated(path, name=name, parsing=parsing, spill=spill)
        if read is not None:
            into[name] = replace(read, spilled=spill if spill is not None and spill.exists() else None)


def _spill_file(folder: Path) -> Path | None:
    """A new spill file's path in a table's cache folder (made private, as the parts are), with the
    spill files of syncs that ended before removing theirs; None when the folder cannot be made."""
    try:
        _private_folder(folder)
        for left in folder.glob(f"{SPILL}*.tmp"):
            left.unlink(missing_ok=True)
    except OSError:
        log.warning("No spill file in %s; the table is held in memory", folder, exc_info=True)
        return None
    return folder / f"{SPILL}{os.getpid()}.{uuid.uuid4().hex}.tmp"


def forget(cache: Path) -> None:
    """Remove what is kept of the files read before: the source is no longer a folder of CSV files."""
    shutil.rmtree(cache, ignore_errors=True)


def _unknown(frames: dict[str, pd.DataFrame], reused: dict[str, Reused]) -> Unknown:
    """The activities of unknown members: those the activities' state recorded and those among the
    new rows, when the members are the ones it was counted against; else counted again."""
    activities, members = reused.get("activities"), reused.get("members")
    recorded = activities.state.unknown if activities is not None else None
    if (
        activities is not None
        and recorded is not None
        and members is not None
        and members.added.empty
        and recorded["members"] == members.state.digest
    ):
        new = unknown_members(activities.added, frames["members"])
        examples = sorted({*recorded["examples"], *new.examples})[:UNKNOWN_SHOWN]
        return Unknown(recorded["count"] + new.count, tuple(examples))
    return unknown_members(frames["activities"], frames["members"])


def _parsing(parsing: Parsing) -> dict:
    """The settings and the readers' versions the rows were typed with (a new pandas or pyarrow may
    read the same text otherwise)."""
    return {**asdict(parsing), "pandas": pd.__version__, "pyarrow": pa.__version__}


def _state(folder: Path) -> State | None:
    try:
        data = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        state = State(**{**data, "parts": [Part(**part) for part in data["parts"]]})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return state if state.version == CACHE_VERSION else None


@dataclass
class _Plan:
    """A cached table about to be reused for `path`: `digest` is the file's first `state.size` bytes
    being hashed (a thread: hashing releases the GIL), None when the file is unchanged by its stat."""

    path: Path
    state: State
    stat: list[int]
    digest: Future[tuple[Any, bytes]] | None
    stop: threading.Event = field(default_factory=threading.Event)  # a plan given up: its hashing stops


def _plan(path: Path, *, parsing: Parsing, folder: Path, hashing: ThreadPoolExecutor) -> _Plan | None:
    """A plan to reuse the cached table for `path`, when what is recorded of it allows; the bytes
    are checked later (_reuse)."""
    state = _state(folder)
    if (
        state is None
        or state.file != str(path.resolve())
        or state.parsing != _parsing(parsing)
        or state.encoding not in LINE_SAFE
        or any(isinstance(w, dict) and w.get("said") == DATE_NOTE for w in state.warnings)
    ):
        return None
    try:
        stat = _stat(path)
    except OSError:
        return None
    if stat[1] < state.size:
        return None
    if stat == state.stat and state.recorded_ns - stat[3] > RACY_NS:
        return _Plan(path, state, stat, None)
    plan = _Plan(path, state, stat, None)
    plan.digest = hashing.submit(_prefix, path, state.size, plan.stop)
    return plan


def _stat(path: Path) -> list[int]:
    """What changes whenever the file's bytes do (as git's index takes it): inode, size, mtime, ctime."""
    found = path.stat()
    return [found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns]


def _prefix(path: Path, size: int, stop: threading.Event) -> tuple[Any, bytes]:
    """The XXH3-128 digest of the file's first `size` bytes (the hash object, to go on with), and the
    last byte; b"" for the last when the file is shorter or the plan was given up (`stop`). It tells
    an export that only grew from one rewritten, which needs no cryptographic hash: SHA-256 took 0.6 s
    of the 840 MB activities.csv at the large scale, at the start of every increment; XXH3 0.06 s."""
    digest, last = xxhash.xxh3_128(), b""
    buffer = bytearray(CHUNK)
    with path.open("rb", buffering=0) as handle:
        remaining = size
        while remaining and not stop.is_set():
            read = handle.readinto(memoryview(buffer)[: min(CHUNK, remaining)])
            if not read:
                break
            digest.update(memoryview(buffer)[:read])
            remaining -= read
            last = bytes(buffer[read - 1 : read])
    return digest, last if not remaining else b""


def _reuse(plan: _Plan, name: str, *, parsing: Parsing, folder: Path) -> Reused | None:
    """The table of a CSV file that is its cached rows, or those and the rows of the lines added at
    its end; None when the cache cannot be trusted for it (the module's docstring says when)."""
    try:
        return _reused(plan, name, parsing=parsing, folder=folder)
    except (OSError, pa.ArrowException, ValueError):
        log.warning("The read cache of %s could not be read; the file is read whole", name, exc_info=True)
        return None
    finally:
        plan.stop.set()  # a hash still running is of no more use


def _reused(plan: _Plan, name: str, *, parsing: Parsing, folder: Path) -> Reused | None:
    state = plan.state
    with plan.path.open("rb") as handle:
        header = handle.read(state.header)
        handle.seek(state.size)
        lines = handle.read() if plan.digest is not None else b""
    table = _cached_table(folder, state)
    added = None
    if lines:
        if not state.header or not lines.endswith(b"\n"):  # a last line maybe still being written
            return None
        added = _new_rows(lines, header, name=name, path=plan.path, state=state, parsing=parsing)
        if added is None or _repeats(table, added, name):
            return None
    grown = replace(state, stat=plan.stat, recorded_ns=time.time_ns())
    if plan.digest is not None:
        digest, last = plan.digest.result()
        if digest.hexdigest() != state.digest or (state.size and last != b"\n"):
            return None
        digest.update(lines)
        grown = replace(grown, size=state.size + len(lines), digest=digest.hexdigest())
    if added is None or added.empty:
        frame = table.to_pandas()
        return Reused(frame=frame, added=frame.iloc[:0], state=grown)
    frame = pa.concat_tables([table, _arrow(added, schema=table.schema)]).to_pandas()  # one conversion
    return Reused(frame=frame, added=added, state=grown)


def _arrow(frame: pd.DataFrame, *, schema: pa.Schema | None = None) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def _new_rows(
    lines: bytes, header: bytes, *, name: str, path: Path, state: State, parsing: Parsing
) -> pd.DataFrame | None:
    """The added lines' typed rows; None when they have a problem or a warning the file did not
    have before (the whole file is read to say it); None too for what the whole file decides: the
    encoding, when the old lines do not fill what it is detected from and the new ones are not
    ASCII, and which part of 05/03/2024 is the day."""
    if state.encoding != UTF8 and not state.sample_full and not lines.isascii():
        return None
    try:
        raw = read_csv_lines(header, lines, encoding=state.encoding, name=name, file=path.name)
    except InvalidData:
        return None
    dates = [c.name for c in TABLES[name].columns if type(c.type) is sa.DateTime and c.name in raw.frame]
    if any(undecided_dates(raw.frame[column]) for column in dates):
        return None
    frame, problems, warnings = validate_table(raw, parsing=parsing)
    if problems or any(kept(warning) not in state.warnings for warning in warnings):
        return None
    return frame


def _repeats(cached: pa.Table, added: pd.DataFrame, name: str) -> bool:
    """Whether an added row repeats a cached row's key (the whole file is read to say which)."""
    key = [column.name for column in TABLES[name].primary_key.columns]
    if len(key) == 1:  # an id: Arrow's set lookup, a third of a DuckDB join's time on 11.5M ids
        values = pa.array(added[key[0]].dropna().astype(object).tolist(), type=cached.schema.field(key[0]).type)
        return bool(pc.any(pc.is_in(cached.column(key[0]), value_set=values)).as_py())
    with checking() as connection:
        connection.register("cached", cached.select(key))
        connection.register("added", added[key])
        joined = " AND ".join(f'cached."{column}" = added."{column}"' for column in key)
        found = connection.execute(f"SELECT count(*) FROM cached JOIN added ON {joined}").fetchall()[0][0]
    return bool(found)


def _cached_table(folder: Path, state: State) -> pa.Table:
    """The cached rows; raises ValueError when the parts do not hold the rows the state says."""
    table = pa.concat_tables([_read_part(folder / part.name) for part in state.parts])
    if table.num_rows != sum(part.rows for part in state.parts):
        raise ValueError(f"{table.num_rows} rows where the state says {sum(part.rows for part in state.parts)}")
    return table


def _read_part(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _prints(parts: list[Part]) -> dict[int, int]:
    """The fingerprint of the first rows, for each number of rows the parts end at."""
    prints, rows, total = {0: 0}, 0, 0
    for part in parts:
        rows, total = rows + part.rows, total + int(part.print)
        prints[rows] = total
    return prints


def _keep_grown(folder: Path, found: Reused, *, name: str, unknown: dict | None) -> State | None:
    """Record the lines added (a new part), or the whole table again when it has MAX_PARTS; the
    state written, None when it could not be."""
    state, frame = replace(found.state, unknown=unknown), found.frame
    known = _prints(state.parts)
    if found.added.empty:  # the same file, or blank lines added
        Prints(name, len(frame), known).attach(frame)
        return _write(folder, state, None)
    added_print = fingerprint(found.added, TABLES[name])
    total_rows = len(frame) - len(found.added)
    if len(state.parts) >= MAX_PARTS:
        whole = Part(_part_name(state.parts), len(frame), str(known[total_rows] + added_print))
        parts, rows = [whole], frame
    else:
        parts, rows = [*state.parts, Part(_part_name(state.parts), len(found.added), str(added_print))], found.added
    Prints(name, len(frame), {**known, len(frame): known[total_rows] + added_print}).attach(frame)
    return _write(folder, replace(state, parts=parts), rows)


def _keep_whole(
    folder: Path,
    path: Path,
    frame: pd.DataFrame,
    *,
    name: str,
    stat: list[int],
    encoding: str,
    parsing: Parsing,
    warnings: Sequence[str],
    unknown: dict | None,
    written: Path | None = None,
) -> State | None:
    """Record a table read whole from `path` (whose `stat` was taken before it was read), and give
    its frame its fingerprint; the state written. A file changed since is not recorded (None): its
    digest would not be that of the bytes read. `written`: the frame's rows already in an Arrow
    file (a spill file, data_sources/streamed.py), which becomes the part."""
    whole = fingerprint(frame, TABLES[name])
    Prints(name, len(frame), {0: 0, len(frame): whole}).attach(frame)
    try:
        digest, _ = _prefix(path, stat[1], threading.Event())  # the stat after says the size is the same
        header = _header(path)
        full = encoding != UTF8 and len(file_sample(path)) >= SAMPLE
        changed = _stat(path) != stat
    except OSError:
        log.warning("%s could not be read again for the read cache", path, exc_info=True)
        changed = True
    if changed:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    state = State(
        unknown=unknown,
        sample_full=full,
        stat=stat,
        recorded_ns=time.time_ns(),
        file=str(path.resolve()),
        size=stat[1],
        digest=digest.hexdigest(),
        encoding=encoding,
        header=header,
        parsing=_parsing(parsing),
        warnings=[kept(warning) for warning in warnings],
        parts=[Part(_part_name([]), len(frame), str(whole))],
    )
    return _write(folder, state, frame, written=written)


def _header(path: Path) -> int:
    """The length of the file's header line; 0 when its quotes run on (no new lines are read beneath it)."""
    with path.open("rb") as handle:
        header = handle.readline()
    closed = header.endswith(b"\n") and header.count(b'"') % 2 == 0
    return len(header) if closed else 0


def _part_name(parts: list[Part]) -> str:
    numbers = [int(part.name.split("-")[1].split(".")[0]) for part in parts]
    return f"part-{max(numbers, default=0) + 1:06d}.arrow"


def _write(folder: Path, state: State, rows: pd.DataFrame | None, *, written: Path | None = None) -> State | None:
    """Write the newest part (`rows`, or the Arrow file `written`; None: no new part), then the
    state naming it (atomically); remove the parts it no longer names. On failure the table's cache
    is removed: the next read reads the file whole. The state written, or None."""
    try:
        _private_folder(folder)
        if written is not None:
            os.replace(written, folder / state.parts[-1].name)
        elif rows is not None:
            part = folder / state.parts[-1].name
            table = _arrow(rows)
            draft = f"{part}.{os.getpid()}.{uuid.uuid4().hex}.tmp"  # two readers never share a draft
            with pa.OSFile(draft, "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)
            os.replace(draft, part)
        _write_state(folder, state)
        named = {p.name for p in state.parts} | {"state.json"}
        for leftover in folder.iterdir():
            if leftover.name not in named and not leftover.name.endswith(".tmp"):
                leftover.unlink(missing_ok=True)
    except (OSError, pa.ArrowException):
        log.warning("The read cache in %s could not be written; it is dropped", folder, exc_info=True)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return state


def _private_folder(folder: Path) -> None:
    """Make a table's cache folder, it and the cache readable by this user only: members' names and
    addresses, as in the export. Raises OSError."""
    folder.mkdir(parents=True, exist_ok=True)
    for private in (folder.parent, folder):
        os.chmod(private, 0o700)


def _write_state(folder: Path, state: State) -> None:
    temporary = folder / f"state.json.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    temporary.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(temporary, folder / "state.json")
