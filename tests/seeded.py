"""The seeded demo (conftest's `demo_data_dir`) read straight from its two files with duckdb, sqlite3
and pandas, none of the app's queries: tests work out here the exact figures a page must show.

The demo is generated relative to today (UTC) and the app's default time zone is UTC, so a preset
period such as the last 28 days is [today - 28 days, today) at midnight UTC, in naive UTC like the
stored timestamps. Each definition below is DESIGN.md's, written again in pandas.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

import schema

DIMENSIONS = ("channel", "region", "segment")
MIN_BASE = 5  # the movers leave out groups smaller than this in both periods (DESIGN.md: movers)


def today() -> pd.Timestamp:
    """Midnight UTC of today: where the demo's data and the app's preset periods end."""
    return pd.Timestamp(datetime.now(UTC).date())


def last_days(days: int, *, end: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of the `days` days before `end` (today by default)."""
    end = today() if end is None else end
    return end - pd.Timedelta(days=days), end


@functools.cache
def _warehouse(path: str) -> dict[str, pd.DataFrame]:
    # A copy: DuckDB refuses a second connection to a file the app's engine holds in this process.
    with tempfile.TemporaryDirectory() as folder:
        copy = shutil.copyfile(path, Path(folder) / "warehouse.duckdb")
        with duckdb.connect(str(copy), read_only=True) as connection:
            return {
                name: connection.sql(f"SELECT {schema.own_columns(name)} FROM {name}").df()
                for name in ("members", "activities", "campaigns", "campaign_members")
            }


def warehouse(directory: Path) -> dict[str, pd.DataFrame]:
    """The demo's canonical community tables (read once per built warehouse file)."""
    return _warehouse(str((directory / "warehouse.duckdb").resolve()))


def people(directory: Path) -> pd.DataFrame:
    """The members every community figure counts: the team left out."""
    members = warehouse(directory)["members"]
    return members[~members["is_team"]]


def app_store(directory: Path, table: str) -> pd.DataFrame:
    """One table of the demo's app store, read fresh (tests write to it)."""
    with sqlite3.connect(directory / "app.db") as connection:
        return pd.read_sql(f"SELECT * FROM {table}", connection, parse_dates=["submitted_at", "created_at"])


def _within(frame: pd.DataFrame, column: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame[column] >= start) & (frame[column] < end)]


def activities_of_people(directory: Path) -> pd.DataFrame:
    """The activities of counted members, with each member's dimensions."""
    return warehouse(directory)["activities"].merge(
        people(directory)[["member_id", *DIMENSIONS]], on="member_id", how="inner"
    )


def movers(directory: Path, *, days: int = 28, limit: int = 5) -> list[tuple[str, str, str, int, int]]:
    """(measure, dimension, value, previous, current) of the largest moves in active and new members
    per channel, region and segment against the period before, largest first, ties by measure,
    dimension and value; groups under MIN_BASE in both periods and unchanged ones left out."""
    current = last_days(days)
    previous = last_days(days, end=current[0])
    active, members = activities_of_people(directory), people(directory)
    rows = []
    for measure, frame, column, counted in (
        ("active members", active, "occurred_at", "nunique"),
        ("new members", members, "joined_at", "size"),
    ):
        for dimension in DIMENSIONS:
            counts = {
                name: getattr(_within(frame, column, *period).groupby(dimension)["member_id"], counted)()
                for name, period in (("previous", previous), ("current", current))
            }
            table = pd.DataFrame(counts).fillna(0).astype(int)
            rows += [(measure, dimension, value, int(n.previous), int(n.current)) for value, n in table.iterrows()]
    moves = [row for row in rows if max(row[3], row[4]) >= MIN_BASE and row[3] != row[4]]
    moves.sort(key=lambda row: (-abs(row[4] - row[3]), row[0], row[1], row[2]))
    return moves[:limit]


def window_figures(directory: Path, *, days: int = 90, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per counted member active in the `days` before `end` (today): weeks (Monday start) with
    activity and contributions (activities other than logins), what engagement levels are read from."""
    active = _within(activities_of_people(directory), "occurred_at", *last_days(days, end=end))
    day = active["occurred_at"].dt.normalize()
    week = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    grouped = active.assign(week=week, contribution=active["kind"] != "login").groupby("member_id")
    return pd.DataFrame({"weeks": grouped["week"].nunique(), "contributions": grouped["contribution"].sum()})


def champions(directory: Path, *, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Members at level champion at `end` (today): 6 weeks and 20 contributions in the 90 days before
    (LevelRules' defaults)."""
    figures = window_figures(directory, end=end)
    return figures[(figures["weeks"] >= 6) & (figures["contributions"] >= 20)]


def slipping_champions(directory: Path) -> pd.DataFrame:
    """Champions of 30 days ago who have done nothing since."""
    quiet_from = last_days(30)[0]
    since = _within(activities_of_people(directory), "occurred_at", quiet_from, today())
    was = champions(directory, end=quiet_from)
    return was[~was.index.isin(since["member_id"])]


def dormant(directory: Path) -> pd.DataFrame:
    """Counted members who joined before today and did nothing in the trailing 90 days."""
    members = people(directory)
    joined = members[members["joined_at"] < today()]
    return joined[~joined["member_id"].isin(window_figures(directory).index)]


def top_by_points(directory: Path, *, days: int = 28, platform: str | None = None) -> pd.DataFrame:
    """The 20 counted members with most points in the period (on one platform), then most
    contributions, then by member id: member_id, points."""
    active = _within(activities_of_people(directory), "occurred_at", *last_days(days))
    if platform:
        active = active[active["platform"] == platform]
    totals = (
        active.assign(contributions=active["kind"] != "login")
        .groupby("member_id", as_index=False)[["points", "contributions"]]
        .sum()
    )
    ranked = totals.sort_values(["points", "contributions", "member_id"], ascending=[False, False, True])
    return ranked.head(20)[["member_id", "points"]].reset_index(drop=True)


def campaigns_during(directory: Path, *, days: int) -> pd.DataFrame:
    """Campaigns running at some time in the period (started before its end, not ended before its
    start), earliest first."""
    campaigns = warehouse(directory)["campaigns"]
    start, end = last_days(days)
    ends = campaigns["ends_at"].fillna(campaigns["starts_at"])
    return campaigns[(campaigns["starts_at"] < end) & (ends >= start)].sort_values(["starts_at", "campaign_id"])


def completed_responses(directory: Path, slug: str, *, days: int) -> pd.DataFrame:
    """A survey's completed responses submitted in the period."""
    surveys = app_store(directory, "surveys").rename(columns={"id": "survey_id"})[["survey_id", "slug"]]
    responses = app_store(directory, "responses").merge(surveys, on="survey_id")
    done = responses[(responses["slug"] == slug) & (responses["completed"] == 1)]
    return _within(done, "submitted_at", *last_days(days))
