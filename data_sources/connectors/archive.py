"""A connector's archive: the canonical rows it has fetched, kept in the data folder, so a platform
that forgets (WeCom keeps 180 days) is outlived and a sync never fetches everything again.

The archive is a folder of segments, `seg-00000001/` …, each holding what one step of a fetch
brought (members.parquet, activities.parquet). A segment is written into a hidden folder and renamed
into place, so it is there whole or not at all; the cursor in the app store moves only after its
segment is in place. A run that dies between the two fetches that step again next time, and reading
the archive takes each member and activity once (by id), so nothing is counted twice: activities
keep their last copy, members their earliest joined_at and their latest other values. Members carry
what identity merging needs: platform, handle, an email with whether the platform verified it, and
the address of their avatar image where the platform gives one (never the image: a browser showing
the People page loads it). No message bodies are kept, only who did what when.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

MEMBER_COLUMNS = (
    "member_id",
    "platform",
    "handle",
    "name",
    "email",
    "email_verified",
    "joined_at",
    "is_team",
    "avatar",  # the avatar image's address (https), missing where the platform gives none
)
ACTIVITY_COLUMNS = ("activity_id", "member_id", "occurred_at", "kind", "platform")
TABLE_KEYS = {"wecom_group_days": ("day",)}  # a platform's own tables, by the columns that identify a row
COMPACT_AFTER = 200  # segments; more are merged into one on the next read
Row = dict[str, object]


def activity_row(platform: str, key: str, person: Row, at: object, kind: str) -> Row:
    """An activity as a connector archives it: `<platform>:<key>` its id, by `person` (a member row)."""
    return {
        "activity_id": f"{platform}:{key}",
        "member_id": person["member_id"],
        "occurred_at": at,
        "kind": kind,
        "platform": platform,
    }


def archive_dir(data_dir: Path, connector: str) -> Path:
    return data_dir / "connectors" / connector


def set_aside(data_dir: Path, connector: str, *, now: datetime) -> Path | None:
    """Rename a connector's archive to `<name>-replaced-<UTC time>` beside it, never deleting it, so a
    connector pointed at another site (or removed, or moved from secrets.toml to the Data page)
    starts an empty archive instead of mixing two sites' rows under the same ids. One rename, synced
    before returning: the archive is where it was or set aside whole. None when there was nothing."""
    folder = archive_dir(data_dir, connector)
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target, number = folder.with_name(f"{connector}-replaced-{stamp}"), 1
    while target.exists():  # set aside twice within a second
        number += 1
        target = folder.with_name(f"{connector}-replaced-{stamp}-{number}")
    os.rename(folder, target)
    _sync_directory(folder.parent)
    return target


def _sync_directory(folder: Path) -> None:
    """A rename in `folder` on disk (its entries synced), not only in the page cache."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Archive:
    """The segments of one connector's archive under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for draft in folder.glob(".seg-*"):  # a step killed while writing: never part of the archive
            shutil.rmtree(draft, ignore_errors=True)

    def segments(self) -> list[Path]:
        return sorted(path for path in self.folder.glob("seg-*") if path.is_dir())

    @property
    def empty(self) -> bool:
        return not self.segments()

    def append(
        self, members: Sequence[Row], activities: Sequence[Row], tables: Mapping[str, Sequence[Row]] | None = None
    ) -> Path | None:
        """Write one step's rows as a new segment, whole or not at all; None when there are none.
        `tables` are a platform's own (WeCom's daily group figures), kept beside the canonical rows."""
        extra = {name: pd.DataFrame(list(rows)) for name, rows in (tables or {}).items() if rows}
        if not members and not activities and not extra:
            return None
        segments = self.segments()
        number = int(segments[-1].name.removeprefix("seg-")) + 1 if segments else 1
        return self._write(number, _members(members), _activities(activities), extra)

    def _write(
        self, number: int, members: pd.DataFrame, activities: pd.DataFrame, extra: Mapping[str, pd.DataFrame]
    ) -> Path:
        final = self.folder / f"seg-{number:08d}"
        draft = self.folder / f".seg-{number:08d}-{os.getpid()}"
        draft.mkdir()
        members.to_parquet(draft / "members.parquet", index=False)
        activities.to_parquet(draft / "activities.parquet", index=False)
        for name, frame in extra.items():
            frame.to_parquet(draft / f"{name}.parquet", index=False)
        for path in draft.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        os.rename(draft, final)
        # the rename itself on disk before the cursor moves past it (else a power cut could keep the
        # cursor and lose the segment)
        _sync_directory(self.folder)
        return final

    def members(self) -> pd.DataFrame:
        """Each member once: the earliest joined_at seen, the latest of every other value."""
        frame = self._read("members", MEMBER_COLUMNS)
        if frame.empty:
            return frame
        grouped = frame.groupby("member_id", sort=True)
        merged = grouped.last().reset_index()  # last non-missing value per column
        merged["joined_at"] = grouped["joined_at"].min().to_numpy()
        merged["is_team"] = merged["is_team"].fillna(False).astype(bool)  # never said: not team
        return merged[list(MEMBER_COLUMNS)]

    def activities(self) -> pd.DataFrame:
        """Each activity once (its latest copy), in id order."""
        frame = self._read("activities", ACTIVITY_COLUMNS)
        frame = frame.drop_duplicates("activity_id", keep="last")
        return frame.sort_values("activity_id", kind="stable").reset_index(drop=True)

    def table(self, name: str, *, key: Sequence[str]) -> pd.DataFrame:
        """A platform's own table: each row once by `key` (its latest copy)."""
        parts = [
            pd.read_parquet(path / f"{name}.parquet") for path in self.segments() if (path / f"{name}.parquet").exists()
        ]
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True).drop_duplicates(list(key), keep="last")
        return frame.sort_values(list(key), kind="stable").reset_index(drop=True)

    def compact(self) -> None:
        """Merge many segments into one (written as a new segment first, then the old removed: a
        run killed midway leaves both, which reading takes once)."""
        segments = self.segments()
        if len(segments) <= COMPACT_AFTER:
            return
        number = int(segments[-1].name.removeprefix("seg-")) + 1
        names = {path.stem for segment in segments for path in segment.glob("*.parquet")} - {"members", "activities"}
        keys = dict(TABLE_KEYS)
        extra = {name: self.table(name, key=keys[name]) for name in names if name in keys}
        self._write(number, self.members(), self.activities(), extra)
        for path in segments:
            shutil.rmtree(path)

    def _read(self, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
        parts = [pd.read_parquet(path / f"{table}.parquet") for path in self.segments()]
        parts = [part for part in parts if not part.empty]
        if not parts:
            return _members([]) if table == "members" else _activities([])
        # a segment written before a column was added (members' avatar) reads it as missing
        return pd.concat(parts, ignore_index=True).reindex(columns=list(columns))


def _members(rows: Sequence[Row]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(MEMBER_COLUMNS))
    frame["joined_at"] = pd.to_datetime(frame["joined_at"]).astype("datetime64[us]")
    frame["email_verified"] = frame["email_verified"].fillna(False).astype(bool)
    frame["is_team"] = frame["is_team"].astype("boolean")  # missing where the platform did not say
    for column in ("member_id", "platform", "handle", "name", "email", "avatar"):
        frame[column] = frame[column].astype(object)
    return frame


def _activities(rows: Sequence[Row]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(ACTIVITY_COLUMNS))
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"]).astype("datetime64[us]")
    for column in ("activity_id", "member_id", "kind", "platform"):
        frame[column] = frame[column].astype(object)
    return frame
