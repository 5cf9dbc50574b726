"""Incremental sync: several increments give exactly the tables and figures a full build gives.

The fixture community (tests/community.py) is built, then grows in three steps, each appended and
the rollup brought up to date (data_sources/increment.py), beside a warehouse built whole from the
final rows: every rollup table is compared row for row (member keys are surrogates: compared as the
member ids they stand for) and so are the figures of the Overview, Members and Engagement sections.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import schema
from data_sources.increment import update_rollup
from data_sources.rollup import build_rollup
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import sections
from metrics.filters import Filters
from metrics.overview import daily_activity
from rollup.tables import BUILT_AT_KEY, activity_changes, activity_rollup, info, member_keys, member_months, rollup
from tests import community
from tests.conftest import _records, load_community

t = datetime
NEW_MEMBERS = [
    # member_id, joined_at, channel, region, segment, is_team
    ("zoe", t(2025, 3, 6, 8), "event", "US", "dev", False),  # new: joins inside P
    ("ghost", t(2025, 3, 1), "forum", "EU", "biz", False),  # had an activity already (a3/a18): it counts from now on
    ("tina", t(2025, 2, 1), "staff", "EU", "team", True),  # new team member: never in activity_changes
]
STEPS = [
    [  # late activity for old days: a day alice already had (a login on 5 Feb) and a quiet day of dave's
        ("late1", "alice", t(2025, 2, 5, 18), "comment"),
        ("late2", "dave", t(2024, 12, 20, 9), "post"),
        ("late3", "hank", t(2025, 2, 1, 12), "reaction"),  # hank was quiet in Q: no longer "returning"
    ],
    [  # a new member, one who had been unknown, a new team member; activity for each
        ("new1", "zoe", t(2025, 3, 6, 9), "post"),
        ("new2", "zoe", t(2025, 3, 7, 10), "comment"),
        ("new3", "tina", t(2025, 3, 4, 10), "post"),
        ("new4", "ghost", t(2025, 3, 5, 10), "reaction"),
    ],
    [  # across boundaries: the last second of P and the first of the day after, the end of February,
        # Sunday night to Monday (a new week), and the last day of a 30-day window
        ("edge1", "carol", t(2025, 3, 7, 23, 59, 59), "post"),
        ("edge2", "carol", t(2025, 3, 8), "comment"),
        ("edge3", "bob", t(2025, 2, 28, 23, 59, 59), "post"),
        ("edge4", "bob", t(2025, 3, 2, 23, 0), "login"),
        ("edge5", "bob", t(2025, 3, 3, 0, 30), "post"),
        ("edge6", "erin", t(2025, 4, 6), "login"),
        ("edge7", "zoe", t(2025, 3, 6, 20), "post"),  # a member-day made by the step before, again
    ],
]
P = date(2025, 3, 1), date(2025, 3, 8)


def activity_rows(step: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "activity_id": a,
                "member_id": m,
                "occurred_at": at,
                "kind": kind,
                "platform": "forum",
                "campaign_id": None,
            }
            for a, m, at, kind in step
        ]
    ).assign(points=pd.Series([None] * len(step), dtype="float64"))


def member_rows() -> pd.DataFrame:
    frame = pd.DataFrame(NEW_MEMBERS, columns=["member_id", "joined_at", "channel", "region", "segment", "is_team"])
    return frame.assign(name=frame["member_id"].str.title(), email=frame["member_id"] + "@example.org")


def grown(steps: int) -> dict[str, pd.DataFrame]:
    """The fixture community with the first `steps` increments."""
    frames = community.frames()
    added = [activity_rows(step) for step in STEPS[:steps]]
    frames["activities"] = pd.concat([frames["activities"], *added], ignore_index=True)
    if steps >= 2:
        frames["members"] = pd.concat([frames["members"], member_rows()], ignore_index=True)
    return frames


def increment(url: str, step: int, *, timezone: str) -> None:
    """Append step `step`'s rows (members with the second) and bring the rollup up to date."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if step == 1:
                connection.execute(schema.members.insert(), _records(member_rows()))
            rows = activity_rows(STEPS[step])
            connection.execute(schema.activities.insert(), _records(rows))
            ids = schema.activities.c.activity_id
            appended = sa.select(ids).where(ids.in_(rows["activity_id"].tolist())).subquery()
            update_rollup(connection, timezone=timezone, appended=appended)
    finally:
        engine.dispose()


def build_sql(url: str, frames: dict[str, pd.DataFrame], *, timezone: str) -> None:
    load_community(url, frames)
    engine = create_engine(url)
    with engine.begin() as connection:
        build_rollup(connection, timezone=timezone)
    engine.dispose()


def keyed(table: sa.Table) -> sa.Select:
    """A rollup table's rows with the member's id for their key, in a fixed order."""
    columns = [column for column in table.c if column.name != "member_key"]
    query = sa.select(member_keys.c.member_id, *columns).join(
        member_keys, member_keys.c.member_key == table.c.member_key
    )
    return query.order_by(member_keys.c.member_id, *columns)


def tables_of(url: str) -> dict[str, list[tuple]]:
    """Every rollup table and canonical table, row for row."""
    statements = {
        "member_keys": sa.select(*(c for c in member_keys.c if c.name != "member_key")).order_by(
            member_keys.c.member_id
        ),
        "activity_days": keyed(activity_rollup),
        "member_days": keyed(rollup),
        "member_months": keyed(member_months),
        "activity_changes": sa.select(activity_changes).order_by(*activity_changes.c),
        "pulse_info": sa.select(info).where(info.c.key != BUILT_AT_KEY).order_by(info.c.key),
        **{
            name: sa.select(table).order_by(*table.c)
            for name, table in schema.metadata.tables.items()
            if name in ("members", "activities")
        },
    }
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: [tuple(row) for row in connection.execute(query)] for name, query in statements.items()}
    finally:
        engine.dispose()


def figures(url: str, *, timezone: str) -> dict[str, object]:
    """What the Overview's daily series, Members and Engagement show for P, read from the rollup."""
    warehouse = Warehouse(url)
    try:
        assert warehouse.rollup_state()["member_days_timezone"] == timezone  # the rollup is what is read
        filters = Filters(start=P[0], end=P[1], timezone=timezone)
        return {
            "daily": daily_activity(warehouse=warehouse, filters=filters).to_dict("records"),
            "members": sections.members_section(warehouse=warehouse, filters=filters),
            "engagement": sections.engagement_section(warehouse=warehouse, filters=filters),
            "us": sections.members_section(warehouse=warehouse, filters=Filters(*P, region="US", timezone=timezone)),
        }
    finally:
        warehouse.dispose()


def sql_urls(engine: str, directory: Path, new_postgres_database) -> tuple[str, str]:
    if engine == "sqlite":
        return f"sqlite:///{directory / 'grown.db'}", f"sqlite:///{directory / 'whole.db'}"
    return new_postgres_database("grown"), new_postgres_database("whole")


@pytest.mark.parametrize(
    ("engine", "timezone"),
    [("duckdb", "UTC"), ("duckdb", "Asia/Shanghai"), ("sqlite", "UTC"), ("postgresql", "Asia/Shanghai")],
)
def test_increments_give_the_tables_and_figures_of_a_full_build(engine, timezone, tmp_path, request):
    if engine == "duckdb":
        build = build_warehouse(tmp_path / "grown" / "warehouse.duckdb", community.frames(), timezone=timezone)
        grown_url = f"duckdb:///{build}"
        whole = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", grown(len(STEPS)), timezone=timezone)
        whole_url = f"duckdb:///{whole}"
    else:
        grown_url, whole_url = sql_urls(engine, tmp_path, request.getfixturevalue("new_postgres_database"))
        build_sql(grown_url, community.frames(), timezone=timezone)
        build_sql(whole_url, grown(len(STEPS)), timezone=timezone)
    before = tables_of(grown_url)
    for step in range(len(STEPS)):
        increment(grown_url, step, timezone=timezone)
    after, expected = tables_of(grown_url), tables_of(whole_url)
    for name, rows in expected.items():
        assert after[name] == rows, name
    assert after["member_days"] != before["member_days"]  # the increments did change the rollup
    assert figures(grown_url, timezone=timezone) == figures(whole_url, timezone=timezone)
