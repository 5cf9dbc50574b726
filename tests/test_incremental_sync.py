"""Incremental sync: several increments give exactly the tables and figures a full build gives.

The fixture community (tests/community.py) is built, then grows in three steps, each appended and
the rollup brought up to date (data_sources/increment.py), beside a warehouse built whole from the
final rows: every rollup table is compared row for row (member keys are surrogates: compared as the
member ids they stand for) and so are the figures of the Overview, Members and Engagement sections.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import clock
import schema
from data_sources import append, identities, merges
from data_sources import increment as increment_module
from data_sources import sync as sync_module
from data_sources.append import ROWS_KEY, SETTINGS_KEY, SOURCE_KEY
from data_sources.identities import LINKS_KEY
from data_sources.increment import update_rollup
from data_sources.rollup import build_rollup, windows_to_keep
from data_sources.sync import SyncResult, run_sync, sync
from data_sources.sync import load_community as read_source
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from errors import kept_text
from metrics import campaigns, contributions, profile, sections
from metrics.filters import Filters, kept_views
from metrics.kept import period_id
from metrics.overview import daily_activity
from metrics.profile import with_member_key
from rollup.state import kept_campaigns, kept_ids, kept_windows, rollup_state
from rollup.tables import (
    BUILT_AT_KEY,
    CAMPAIGNS_KEY,
    COUNTS_KEY,
    KEPT_KEYS,
    KEPT_TABLES,
    LEADERS_KEY,
    LEVELS_KEY,
    PLATFORMS_KEY,
    PROFILES_KEY,
    WINDOWS_KEY,
    activity_changes,
    activity_rollup,
    info,
    lift_days,
    member_groups,
    member_keys,
    member_months,
    member_windows,
    rollup,
)
from settings import load_settings
from store import tables
from store.database import AppStore
from tests import community, test_sync
from tests.conftest import _records, load_community

t = datetime
NEW_MEMBERS = [
    # member_id, joined_at, channel, region, segment, is_team
    ("zoe", t(2025, 3, 6, 8), "event", "US", "dev", False),  # new: joins inside P
    ("ghost", t(2025, 3, 1), "forum", "EU", "biz", False),  # had an activity already (a3/a18): it counts from now on
    ("tina", t(2025, 2, 1), "staff", "EU", "team", True),  # new team member: never in activity_changes
    # two in a combination no member had, with no channel: one new group key for both
    ("yuki", t(2025, 3, 3, 9), None, "APAC", "dev", False),
    ("yann", t(2025, 3, 4, 9), None, "APAC", "dev", False),
    # new, joined before the meetup started and never active: one more eligible for its lift
    ("uma", t(2025, 2, 20), "forum", "US", "biz", False),
]
STEPS = [
    [  # late activity for old days: a day alice already had (a login on 5 Feb) and a quiet day of dave's
        ("late1", "alice", t(2025, 2, 5, 18), "comment"),
        ("late2", "dave", t(2024, 12, 20, 9), "post"),
        ("late3", "hank", t(2025, 2, 1, 12), "reaction"),  # hank was quiet in Q: no longer "returning"
        ("late4", "bob", t(2025, 3, 3, 2), "comment", None, "meetup"),  # bob, never invited, now took part
    ],
    [  # a new member, one who had been unknown, a new team member; activity for each
        ("new1", "zoe", t(2025, 3, 6, 9), "post"),
        ("new2", "zoe", t(2025, 3, 7, 10), "comment"),
        ("new3", "tina", t(2025, 3, 4, 10), "post"),
        ("new4", "ghost", t(2025, 3, 5, 10), "reaction"),
        ("new5", "yuki", t(2025, 3, 4, 10), "comment"),
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
        ("edge8", "dave", t(2025, 3, 9, 8), "post"),  # after three days with contributions: counts go on
        # points taken away: carol falls below hank, the untouched second of her combination on the board
        ("edge9", "carol", t(2025, 3, 5, 9), "comment", -30.0),
        ("edge10", "carol", t(2025, 3, 4, 12), "post", 2.7),  # points a four-byte FLOAT would round
    ],
]
P = date(2025, 3, 1), date(2025, 3, 8)
BY_VIEW_KEYS = (COUNTS_KEY, PLATFORMS_KEY, LEADERS_KEY, PROFILES_KEY, LEVELS_KEY)  # the figures kept by view


def kept_periods(timezone: str, engine: str = "duckdb") -> set[str]:
    """How pulse_info names the periods of the Engagement page's figures a rollup on `engine` keeps
    today: every kept view's on DuckDB, the default view's elsewhere."""
    views = kept_views(timezone)
    return {period_id(view) for view in (views if engine == "duckdb" else views[:1])}


env = test_sync.env  # the fixture: a data folder and a migrated app store
# when, and from what (the links among members too), a sync built it: compared apart
BUILT_KEPT = tuple(table for table in KEPT_TABLES if table is not lift_days)  # lift_days: KEPT_ONLY_IN_PLACE
STAMPED = (BUILT_AT_KEY, WINDOWS_KEY, *KEPT_KEYS, SOURCE_KEY, SETTINGS_KEY, LINKS_KEY, ROWS_KEY)
STAMPED += (identities.INPUTS_KEY,)


def activity_rows(step: list[tuple]) -> pd.DataFrame:
    """A step's activities; a fifth value is the activity's own points, a sixth its campaign."""
    return pd.DataFrame(
        [
            {
                "activity_id": a,
                "member_id": m,
                "occurred_at": at,
                "kind": kind,
                "platform": "forum",
                "campaign_id": rest[1] if len(rest) > 1 else None,
                "points": rest[0] if rest else None,
            }
            for a, m, at, kind, *rest in step
        ]
    ).astype({"points": "float64"})


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


def write_frames(folder: Path, frames: dict[str, pd.DataFrame]) -> None:
    """The frames as the CSV files a folder source reads (an export that grew: new lines at the end)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


UNCHANGED = frozenset({schema.campaigns.name, schema.campaign_members.name})  # no step replaces them


def increment(url: str, step: int, *, timezone: str, unchanged: frozenset[str] = UNCHANGED) -> None:
    """Append step `step`'s rows (members with the second) and bring the rollup up to date (the
    campaigns and their members `unchanged`, as a sync that found them so says)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if step == 1:
                connection.execute(schema.members.insert(), _records(member_rows()))
            rows = activity_rows(STEPS[step])
            connection.execute(schema.activities.insert(), _records(rows))
            ids = schema.activities.c.activity_id
            appended = sa.select(schema.activities).where(ids.in_(rows["activity_id"].tolist())).subquery()
            update_rollup(connection, timezone=timezone, appended=appended, unchanged=unchanged)
    finally:
        engine.dispose()


def build_sql(url: str, frames: dict[str, pd.DataFrame], *, timezone: str) -> None:
    load_community(url, frames)
    engine = create_engine(url)
    with engine.begin() as connection:
        build_rollup(connection, timezone=timezone)
    engine.dispose()


def keyed(table: sa.Table) -> sa.Select:
    """A rollup table's rows with the member's id for their key and their group's dimensions for its
    group key (both are surrogates, numbered otherwise by an increment), in a fixed order."""
    columns = [column for column in table.c if column.name not in ("member_key", "group_key")]
    if table is member_keys:
        query = sa.select(*columns)
    else:
        query = sa.select(member_keys.c.member_id, *columns).join(
            member_keys, member_keys.c.member_key == table.c.member_key
        )
    if "group_key" in table.c:
        group = member_groups.alias("member_group")
        dimensions = [group.c[name].label(f"group_{name}") for name in schema.MEMBER_DIMENSIONS]
        query = query.add_columns(*dimensions).join(group, group.c.group_key == table.c.group_key)
        columns += dimensions
    return query.order_by(member_keys.c.member_id, *columns)


def tables_of(url: str) -> dict[str, list[tuple]]:
    """Every rollup table and canonical table, row for row."""
    statements = {
        "member_keys": keyed(member_keys),
        "member_groups": sa.select(*(c for c in member_groups.c if c.name != "group_key")).order_by(
            *(c for c in member_groups.c if c.name != "group_key")
        ),
        "activity_days": keyed(activity_rollup),
        "member_days": keyed(rollup),
        "member_months": keyed(member_months),
        "member_windows": keyed(member_windows),
        "activity_changes": sa.select(activity_changes).order_by(*activity_changes.c),
        **{table.name: sa.select(table).order_by(*table.c) for table in BUILT_KEPT},
        "pulse_info": sa.select(info).where(info.c.key.not_in(STAMPED)).order_by(info.c.key),
        **{
            name: sa.select(table).order_by(*table.c)
            for name, table in schema.metadata.tables.items()
            if name in ("members", "activities")
        },
    }
    if url.startswith("duckdb"):  # a sync's build: each activity's and invitation's key, as the member it names
        for table in (schema.activities, schema.campaign_members):
            rows = with_member_key(table)
            named = sa.select(member_keys.c.member_id).where(member_keys.c.member_key == rows.c.member_key)
            own = [rows.c[column.name] for column in table.columns]
            statements[f"{table.name}_keys"] = sa.select(*own, named.scalar_subquery().label("keyed")).order_by(*own)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: [tuple(row) for row in connection.execute(query)] for name, query in statements.items()}
    finally:
        engine.dispose()


def keys_name_their_members(tables: dict[str, list[tuple]]) -> None:
    """Every activity and invitation of a known member carries that member's key; one of a member
    nobody knows, none."""
    known = {row[0] for row in tables["member_keys"]}
    for table in (schema.activities, schema.campaign_members):
        member = [column.name for column in table.columns].index("member_id")
        rows = tables[f"{table.name}_keys"]
        assert rows and [row[-1] for row in rows] == [row[member] if row[member] in known else None for row in rows]


def figures(url: str, *, timezone: str) -> dict[str, object]:
    """What the Overview's daily series, Members, Engagement and Campaigns show for P, read from the
    rollup."""
    warehouse = Warehouse(url)
    try:
        assert warehouse.rollup_state()["member_days_timezone"] == timezone  # the rollup is what is read
        filters = Filters(start=P[0], end=P[1], timezone=timezone)
        return {
            "daily": daily_activity(warehouse=warehouse, filters=filters).to_dict("records"),
            "members": sections.members_section(warehouse=warehouse, filters=filters),
            "engagement": sections.engagement_section(warehouse=warehouse, filters=filters),
            "us": sections.members_section(warehouse=warehouse, filters=Filters(*P, region="US", timezone=timezone)),
            "campaigns": campaigns.results_table(warehouse=warehouse, filters=filters).to_dict("records"),
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
def test_increments_give_the_tables_and_figures_of_a_full_build(engine, timezone, tmp_path, request, monkeypatch):
    # Built on P's last day, the rollup keeps windows of the fixture's days, which the increments change.
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 8, 12))
    # The leaderboard's first of each combination: one, so that an increment moves members in and out.
    monkeypatch.setattr(contributions, "LEADERS_KEPT", 1)
    kept = windows_to_keep(timezone)
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
    whole: list[list[str]] = []  # per step, the kept figures computed again whole (the others merged)
    write_kept = increment_module.write_kept
    monkeypatch.setattr(
        increment_module, "write_kept", lambda *args, **kw: whole.append(sorted(kw["keys"])) or write_kept(*args, **kw)
    )
    for step in range(len(STEPS)):
        increment(grown_url, step, timezone=timezone)
    # The leaderboard only where carol's negative points make her fall (step 2): the campaigns are
    # merged too (no step replaces them).
    assert whole == [[LEADERS_KEY]]
    after, expected = tables_of(grown_url), tables_of(whole_url)
    for name, rows in expected.items():
        assert after[name] == rows, name
    if engine == "duckdb":  # ghost's earlier activities too, keyed once the increment made ghost known
        keys_name_their_members(after)
        assert None in [row[-1] for row in before["activities_keys"]]  # ghost's, before
    assert after["member_days"] != before["member_days"]  # the increments did change the rollup
    assert after["member_windows"] != before["member_windows"] and before["member_windows"]
    for table in BUILT_KEPT:  # the figures kept were written again
        assert after[table.name] != before[table.name] and before[table.name], table.name
    engine = create_engine(grown_url)  # the windows and figures are still said to be this build's
    try:
        assert kept_windows(rollup_state(engine)) == frozenset(kept)
        # the kept views' campaigns on DuckDB (the last 90 days list the letter), the default view's elsewhere
        on_duckdb = engine.dialect.name == "duckdb"
        assert kept_campaigns(rollup_state(engine)) == ({"meetup", "letter"} if on_duckdb else {"meetup"})
        for key in BY_VIEW_KEYS:  # the kept views' periods
            assert kept_ids(rollup_state(engine), key) == kept_periods(timezone, engine.dialect.name), key
    finally:
        engine.dispose()
    assert figures(grown_url, timezone=timezone) == figures(whole_url, timezone=timezone)


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_an_increment_on_a_new_day_keeps_that_days_windows(engine, tmp_path, request, monkeypatch):
    """The rollup keeps the windows and figures of the kept views on the day it is built; an
    increment on a later day keeps that day's instead (its first computes them whole, the others
    from the members they touch), as a full build that day would."""

    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 8, 12))
    first_day = windows_to_keep("UTC")
    if engine == "duckdb":
        grown_path = build_warehouse(tmp_path / "grown" / "warehouse.duckdb", community.frames(), timezone="UTC")
        grown_url = f"duckdb:///{grown_path}"
    else:
        grown_url, whole_url = sql_urls(engine, tmp_path, request.getfixturevalue("new_postgres_database"))
        build_sql(grown_url, community.frames(), timezone="UTC")
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 9, 12))  # the next day
    next_day = windows_to_keep("UTC")
    assert next_day != first_day
    if engine == "duckdb":
        whole_path = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", grown(len(STEPS)), timezone="UTC")
        whole_url = f"duckdb:///{whole_path}"
    else:
        build_sql(whole_url, grown(len(STEPS)), timezone="UTC")
    before = tables_of(grown_url)
    for step in range(len(STEPS)):
        increment(grown_url, step, timezone="UTC")
    after, expected = tables_of(grown_url), tables_of(whole_url)
    assert after["member_windows"] == expected["member_windows"] != before["member_windows"]
    assert after["member_windows"]
    for table in BUILT_KEPT:
        assert after[table.name] == expected[table.name] != before[table.name], table.name
    engine_ = create_engine(grown_url)
    try:
        assert kept_windows(rollup_state(engine_)) == frozenset(next_day)
        for key in BY_VIEW_KEYS:
            assert kept_ids(rollup_state(engine_), key) == kept_periods("UTC", engine), key
    finally:
        engine_.dispose()


def test_an_increment_that_replaced_the_campaigns_computes_their_figures_whole(tmp_path, monkeypatch):
    """A sync that replaced the campaigns or their members (not `unchanged`) cannot take the kept
    campaigns' share before from them, as they are new already: their figures are computed whole,
    and equal a full build's (gina, whose invitation is withdrawn, has no new activity)."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 8, 12))
    frames = grown(1)
    invitations = frames["campaign_members"]
    gone = (invitations["campaign_id"] == "meetup") & (invitations["member_id"] == "gina")
    assert gone.sum() == 1
    frames["campaign_members"] = invitations[~gone]
    url = f"duckdb:///{build_warehouse(tmp_path / 'grown' / 'warehouse.duckdb', community.frames(), timezone='UTC')}"
    whole_url = f"duckdb:///{build_warehouse(tmp_path / 'whole' / 'warehouse.duckdb', frames, timezone='UTC')}"
    whole: list[list[str]] = []
    write_kept = increment_module.write_kept
    monkeypatch.setattr(
        increment_module, "write_kept", lambda *args, **kw: whole.append(sorted(kw["keys"])) or write_kept(*args, **kw)
    )
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            table = schema.campaign_members
            withdrawn = (table.c.campaign_id == "meetup") & (table.c.member_id == "gina")
            connection.execute(sa.delete(table).where(withdrawn))
            rows = activity_rows(STEPS[0])
            connection.execute(schema.activities.insert(), _records(rows))
            ids = schema.activities.c.activity_id
            appended = sa.select(schema.activities).where(ids.in_(rows["activity_id"].tolist())).subquery()
            update_rollup(connection, timezone="UTC", appended=appended, unchanged=frozenset({"campaigns"}))
    finally:
        engine.dispose()
    assert whole == [[CAMPAIGNS_KEY]]
    ours, theirs = tables_of(url)["campaign_results"], tables_of(whole_url)["campaign_results"]
    assert ours == theirs and ours


def test_an_increment_across_midnight_keeps_the_next_days_figures(tmp_path, monkeypatch):
    """Midnight passes while an increment runs, after the touched members' share of the kept
    figures was taken for the day before: they are computed whole for the new day's kept views,
    as a full build that day gives, not merged into the day before's."""
    now = [datetime(2025, 3, 8, 12)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    grown_path = build_warehouse(tmp_path / "grown" / "warehouse.duckdb", community.frames(), timezone="UTC")
    redo_activity_days = increment_module._redo_activity_days

    def past_midnight(connection) -> None:
        redo_activity_days(connection)
        now[0] = datetime(2025, 3, 9, 0, 0, 1)

    monkeypatch.setattr(increment_module, "_redo_activity_days", past_midnight)
    increment(f"duckdb:///{grown_path}", 0, timezone="UTC")
    whole = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", grown(1), timezone="UTC")
    after, expected = tables_of(f"duckdb:///{grown_path}"), tables_of(f"duckdb:///{whole}")
    for table in BUILT_KEPT:
        assert after[table.name] == expected[table.name], table.name
    engine = create_engine(f"duckdb:///{grown_path}")
    try:
        for key in BY_VIEW_KEYS:
            assert kept_ids(rollup_state(engine), key) == kept_periods("UTC") != set(), key
    finally:
        engine.dispose()


def synced(settings, store, frames: dict[str, pd.DataFrame], **options) -> SyncResult:
    """A sync through the real path (lock, shrink check, build, record) from frames as a folder gives them."""
    copies = {name: frame.copy() for name, frame in frames.items()}
    return run_sync(settings=settings, app_store=store, source="/exports", load=lambda: (copies, []), **options)


def recorded(store: AppStore) -> list[tuple]:
    runs = store.run(sa.select(tables.sync_runs).order_by(tables.sync_runs.c.id))
    return [(mode, kept_text(said, None, "en")) for mode, said in zip(runs["mode"], runs["mode_said"], strict=True)]


def test_a_sync_appends_new_rows_and_gives_what_a_rebuild_gives(env, tmp_path):
    settings, store = env
    first = synced(settings, store, community.frames())
    for steps in range(1, len(STEPS) + 1):
        result = synced(settings, store, grown(steps))
        assert result.mode == "incremental", result.reason
    whole = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", grown(len(STEPS)), timezone="UTC")
    in_use = f"duckdb:///{os.path.realpath(settings.warehouse_path)}"
    assert tables_of(in_use) == tables_of(f"duckdb:///{whole}")
    keys_name_their_members(tables_of(in_use))
    assert figures(in_use, timezone="UTC") == figures(f"duckdb:///{whole}", timezone="UTC")
    assert first.mode == "full"
    assert recorded(store) == [
        ("full", "First sync: there was no data yet."),
        ("incremental", "Only new rows: 4 activities and 0 members appended, 4 member-days updated."),
        # zoe's two days, tina's, ghost's 5 March and the day of its earlier activity (3 March)
        ("incremental", "Only new rows: 5 activities and 6 members appended, 6 member-days updated."),
        ("incremental", "Only new rows: 10 activities and 0 members appended, 10 member-days updated."),
    ]


def invited_before_known(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames with invitations of ghost (who has activities already) and yuki (who has none),
    two members the second step makes known."""
    invitations = frames["campaign_members"]
    early = pd.DataFrame(
        {"campaign_id": ["meetup", "meetup"], "member_id": ["ghost", "yuki"], "status": ["registered", "invited"]}
    )
    frames["campaign_members"] = pd.concat([invitations, early.assign(at=pd.NaT)], ignore_index=True).astype(
        invitations.dtypes.to_dict()
    )
    return frames


def test_an_invitation_made_before_its_member_was_known_is_theirs_once_an_append_makes_them_known(
    env, tmp_path, monkeypatch
):
    # The invitations are the same in both syncs, so the append keeps them as they are: their
    # keys come from the members it added, and the lookup finds the campaigns by them, as the
    # increment's share of the kept campaigns does (built on P's last day, the meetup is kept).
    ticks = itertools.count()  # a second later each time: each build's file is named by its moment
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 8, 12) + timedelta(seconds=next(ticks)))
    settings, store = env
    synced(settings, store, invited_before_known(community.frames()))
    assert synced(settings, store, invited_before_known(grown(2))).mode == "incremental"
    in_use = f"duckdb:///{os.path.realpath(settings.warehouse_path)}"
    keys_name_their_members(tables_of(in_use))
    built = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", invited_before_known(grown(2)), timezone="UTC")
    whole = f"duckdb:///{built}"
    assert tables_of(in_use) == tables_of(whole)  # the kept campaigns' figures among them
    assert figures(in_use, timezone="UTC") == figures(whole, timezone="UTC")
    engine = create_engine(in_use)
    try:
        assert "meetup" in kept_campaigns(rollup_state(engine))
    finally:
        engine.dispose()
    warehouse = Warehouse(in_use)
    try:
        filters = Filters(start=P[0], end=P[1])
        stages = {
            who: profile.member_activity(warehouse.run(profile.member_activity_query(filters=filters, member_id=who)))
            for who in ("ghost", "yuki")
        }
    finally:
        warehouse.dispose()
    assert stages["yuki"]["campaigns"][["campaign_id", "stage"]].values.tolist() == [["meetup", "invited"]]
    assert stages["ghost"]["campaigns"][["campaign_id", "stage"]].values.tolist() == [["meetup", "registered"]]


def changed_member(frames: dict[str, pd.DataFrame]) -> None:
    frames["members"].loc[frames["members"]["member_id"] == "bob", "segment"] = "biz"


def gone_activity(frames: dict[str, pd.DataFrame]) -> None:
    frames["activities"] = frames["activities"].drop(index=4)  # a4, alice's meetup


def changed_activity(frames: dict[str, pd.DataFrame]) -> None:
    frames["activities"].loc[frames["activities"]["activity_id"] == "a9", "occurred_at"] = t(2024, 12, 6)


def gone_member(frames: dict[str, pd.DataFrame]) -> None:
    frames["members"] = frames["members"].drop(index=6)  # gina, never active


def gone_activities(frames: dict[str, pd.DataFrame]) -> None:
    frames["activities"] = frames["activities"].drop(index=[4, 5, 6])  # a4 and the two after it


def valued_activity(frames: dict[str, pd.DataFrame]) -> None:
    frames["activities"].loc[frames["activities"]["activity_id"] == "a6", "points"] = 5  # none before


def blanked_member(frames: dict[str, pd.DataFrame]) -> None:
    frames["members"].loc[frames["members"]["member_id"] == "carol", "email"] = None


def team_member(frames: dict[str, pd.DataFrame]) -> None:
    frames["members"].loc[frames["members"]["member_id"] == "hank", "is_team"] = True


def several(*changes: Callable[[dict[str, pd.DataFrame]], None]) -> Callable[[dict[str, pd.DataFrame]], None]:
    """The `changes` made one after another (a source that differs in several rows)."""

    def changed(frames: dict[str, pd.DataFrame]) -> None:
        for change in changes:
            change(frames)

    return changed


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (changed_member, "Member bob changed in the source."),
        (gone_member, "Member gina is no longer in the source."),
        (gone_activity, "Activity a4 is no longer in the source."),
        (changed_activity, "Activity a9 changed in the source."),
        (valued_activity, "Activity a6 changed in the source."),  # a value where NULL was
        (blanked_member, "Member carol changed in the source."),  # NULL where a value was
        (team_member, "Member hank changed in the source."),
        # several rows: members before activities, a row gone before one changed, then the first id
        (several(changed_activity, changed_member), "Member bob changed in the source."),
        (several(changed_activity, gone_activity), "Activity a4 is no longer in the source."),
        (several(valued_activity, changed_activity), "Activity a6 changed in the source."),
        # several gone: how many, as a re-export that left them out deletes them all
        (gone_activities, "3 activities are no longer in the source (the first: a4)."),
    ],
)
def test_a_changed_or_gone_old_row_rebuilds_everything_and_says_which(env, tmp_path, change, expected):
    settings, store = env
    synced(settings, store, community.frames())
    frames = grown(1)
    change(frames)
    result = synced(settings, store, frames)
    assert (result.mode, result.reason) == ("full", expected)
    whole = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", frames, timezone="UTC")
    in_use = f"duckdb:///{os.path.realpath(settings.warehouse_path)}"
    assert tables_of(in_use) == tables_of(f"duckdb:///{whole}")
    assert recorded(store)[-1] == ("full", expected)


def test_a_full_rebuild_when_asked_or_the_source_or_its_settings_change(env, monkeypatch):
    settings, store = env
    synced(settings, store, community.frames())
    assert synced(settings, store, grown(1), full=True).reason == "A full rebuild was asked for."
    other = run_sync(settings=settings, app_store=store, source="/other", load=lambda: (grown(1), []))
    assert other.reason == "The source changed (/exports → /other)."
    monkeypatch.setenv("PULSE_DATE_ORDER", "day_first")
    assert synced(load_settings(), store, grown(1)).reason == "The source changed (/other → /exports)."
    assert synced(load_settings(), store, grown(2)).mode == "incremental"
    monkeypatch.setenv("PULSE_TIMEZONE", "Asia/Shanghai")
    shanghai = synced(load_settings(), store, grown(2))
    assert (shanghai.mode, shanghai.reason) == (
        "full",
        "How the source is read changed (time zone, date order or the sheets' mapping).",
    )


def test_a_folder_of_files_with_new_lines_is_appended(env, tmp_path):
    settings, store = env
    folder = tmp_path / "exports"
    write_frames(folder, community.frames())
    assert sync(settings=settings, app_store=store, source=str(folder)).mode == "full"
    write_frames(folder, grown(2))
    result = sync(settings=settings, app_store=store, source=str(folder))
    assert (result.mode, result.rows["activities"]) == ("incremental", 28)
    assert sync(settings=settings, app_store=store, source=str(folder), full=True).mode == "full"


@pytest.fixture
def compared(monkeypatch) -> list[int]:
    """Counts the row-by-row comparisons of a source with the warehouse (append._old_rows_differ)."""
    calls: list[int] = []
    real = append._old_rows_differ

    def counted(connection):
        calls.append(1)
        return real(connection)

    monkeypatch.setattr(append, "_old_rows_differ", counted)
    return calls


@pytest.fixture
def export(env, tmp_path) -> Callable[[dict[str, pd.DataFrame]], SyncResult]:
    """An export folder synced once from the fixture community; calling it writes the frames there
    (an export written again) and syncs."""
    settings, store = env
    folder = tmp_path / "exports"
    write_frames(folder, community.frames())
    sync(settings=settings, app_store=store, source=str(folder))

    def resync(frames: dict[str, pd.DataFrame]) -> SyncResult:
        write_frames(folder, frames)
        return sync(settings=settings, app_store=store, source=str(folder))

    return resync


def test_an_export_that_only_grew_is_appended_without_comparing_its_old_rows(env, tmp_path, export, compared):
    settings, store = env
    for steps in range(1, len(STEPS) + 1):
        result = export(grown(steps))
        assert result.mode == "incremental", result.reason
    assert compared == []  # the first rows had the build's fingerprint each time
    whole = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", grown(len(STEPS)), timezone="UTC")
    in_use = f"duckdb:///{os.path.realpath(settings.warehouse_path)}"
    assert tables_of(in_use) == tables_of(f"duckdb:///{whole}")
    assert figures(in_use, timezone="UTC") == figures(f"duckdb:///{whole}", timezone="UTC")
    assert [said for _, said in recorded(store)[1:]] == [
        "Only new rows: 4 activities and 0 members appended, 4 member-days updated.",
        "Only new rows: 5 activities and 6 members appended, 6 member-days updated.",
        "Only new rows: 10 activities and 0 members appended, 10 member-days updated.",
    ]


def test_the_appended_rows_hold_only_their_own_values():
    # The new rows are kept through a rebuild or an increment: a view of the whole activities (pandas
    # gives one for a take of every position) held every row's numbers and text with them.
    frames = community.frames()
    activities = pd.concat([frames["activities"]] * 50, ignore_index=True)
    activities["activity_id"] = [f"a{n}" for n in range(len(activities))]
    activities = activities.astype({"activity_id": "str", "member_id": "str", "kind": "str"})
    source = {"members": frames["members"], "activities": activities}
    kept = {"members": len(frames["members"]), "activities": len(activities) - 3}
    activities["campaign_id"] = pd.Series([None, "meetup"] * (len(activities) // 2), dtype=object)  # not Arrow text
    new = append.appended_rows(source | {"activities": activities}, source | {"activities": activities}, kept)
    added = new["activities"]
    pd.testing.assert_frame_equal(added, activities.iloc[-3:])  # the same types: None stays None
    for column in ("occurred_at", "points"):
        assert not np.shares_memory(added[column].to_numpy(), activities[column].to_numpy()), column
    texts = added["activity_id"].array._pa_array.chunks
    assert sum(chunk.buffers()[2].size for chunk in texts) < 64, "only the three ids' characters"
    assert new["members"].empty


def test_an_increment_lets_go_of_the_sources_frames_before_the_rollup_is_updated(export, monkeypatch):
    # The sync's own frames, new rows and the tables beside them (the people's) are written before
    # the rollup is brought up to date, and not held while it is (300 MB of identities at xl).
    given: list[tuple[dict, ...]] = []
    left: list[list[int]] = []
    real_append, real_update = sync_module.append_build, append.update_rollup

    def appending(path, frames, **kwargs):
        given.append((frames, kwargs["new"], kwargs["beside"]))
        return real_append(path, frames, **kwargs)

    def updating(*args, **kwargs):
        left.append([len(held) for held in given[-1]])
        return real_update(*args, **kwargs)

    monkeypatch.setattr(sync_module, "append_build", appending)
    monkeypatch.setattr(append, "update_rollup", updating)
    assert export(grown(1)).mode == "incremental"
    assert left == [[0, 0, 0]]


def test_campaigns_changed_beside_new_rows_are_replaced_and_unchanged_ones_kept(env, tmp_path, export, compared):
    settings, _ = env
    frames = grown(1)
    assert export(frames).mode == "incremental"
    frames = grown(2)
    frames["campaigns"] = frames["campaigns"].assign(budget=frames["campaigns"]["budget"] * 2)
    frames["campaign_members"] = frames["campaign_members"].iloc[1:]
    assert export(frames).mode == "incremental"
    assert compared == []
    whole = build_warehouse(tmp_path / "whole" / "warehouse.duckdb", frames, timezone="UTC")
    in_use = f"duckdb:///{os.path.realpath(settings.warehouse_path)}"
    assert tables_of(in_use) == tables_of(f"duckdb:///{whole}")
    keys_name_their_members(tables_of(in_use))  # the invitations replaced, keyed again
    for table in (schema.campaigns, schema.campaign_members):
        rows = [Warehouse(url).run(sa.select(table).order_by(*table.c)) for url in (in_use, f"duckdb:///{whole}")]
        assert rows[0].equals(rows[1]), table.name
    budget = Warehouse(in_use).run(sa.select(sa.func.sum(schema.campaigns.c.budget))).iloc[0, 0]
    assert budget == 700.0  # the meetup's 300 and the letter's 50, doubled


def test_a_new_member_sharing_an_address_is_suggested_after_an_append(env, export, compared):
    settings, _ = env
    frames = community.frames()
    twin = frames["members"].iloc[[0]].assign(member_id="alice-2", name="A. Liddell")  # alice@example.org again
    frames["members"] = pd.concat([frames["members"], twin], ignore_index=True)
    assert export(frames).mode == "incremental"
    assert compared == []
    suggested = Warehouse(settings.warehouse_url).run(sa.select(identities.member_suggestions))
    assert suggested.values.tolist() == [["alice", "alice-2", "email"]]


def with_twin(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames with alice-2, who shares alice's address: a suggestion, so alice's activities are
    counted for the People page."""
    twin = frames["members"].iloc[[0]].assign(member_id="alice-2", name="A. Liddell")
    return {**frames, "members": pd.concat([frames["members"], twin], ignore_index=True)}


@pytest.fixture
def gathered(monkeypatch) -> list[int]:
    """Counts the runs of identities.gather (a sync that carries the build's people runs none)."""
    calls: list[int] = []
    real = identities.gather

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(identities, "gather", counted)
    return calls


def test_new_activities_alone_keep_the_builds_people_with_their_counts_again(env, tmp_path, gathered):
    settings, store = env
    folder = tmp_path / "exports"
    write_frames(folder, with_twin(community.frames()))
    sync(settings=settings, app_store=store, source=str(folder))
    assert gathered == [1]
    identities_in_use = sa.select(identities.member_identities).order_by(identities.member_identities.c.identity_id)

    def counted() -> dict[str, float]:
        kept = Warehouse(settings.warehouse_url).run(identities_in_use)
        return kept.set_index("identity_id")["activities"].dropna().to_dict()

    assert counted() == {"alice": 5, "alice-2": 0}  # the fixture's five
    write_frames(folder, with_twin(grown(1)))  # late1 is alice's sixth
    assert sync(settings=settings, app_store=store, source=str(folder)).mode == "incremental"
    assert gathered == [1]  # carried, not gathered again
    assert counted() == {"alice": 6, "alice-2": 0}
    warehouse = Warehouse(settings.warehouse_url)
    kept = warehouse.run(identities_in_use)
    assert warehouse.run(sa.select(identities.member_suggestions)).values.tolist() == [["alice", "alice-2", "email"]]
    expected = identities.gather(read_source(str(folder), settings=settings)[0]).identities  # what gather says

    def links(frame: pd.DataFrame) -> set[tuple]:
        columns = ["identity_id", "member_id", "platform", "name", "linked_by", "activities"]
        return {tuple(None if pd.isna(value) else value for value in row) for row in frame[columns].to_numpy()}

    assert links(kept) == links(expected)


def test_a_merge_made_between_syncs_gathers_again_and_rebuilds(env, tmp_path, gathered):
    settings, store = env
    folder = tmp_path / "exports"
    write_frames(folder, with_twin(community.frames()))
    sync(settings=settings, app_store=store, source=str(folder))
    merges.merge(store, "alice", "alice-2", by="ana", now=datetime(2025, 3, 9))
    write_frames(folder, with_twin(grown(1)))
    result = sync(settings=settings, app_store=store, source=str(folder))
    assert (result.mode, gathered) == ("full", [1, 1])
    assert kept_text(result.reason, None, "en").startswith("Members were joined or parted")


def test_new_rows_above_the_old_ones_are_found_by_comparing(export, compared):
    frames = grown(1)
    frames["activities"] = frames["activities"].iloc[::-1]  # the newest first: the first rows moved
    result = export(frames)
    assert (result.mode, compared) == ("incremental", [1])
    assert kept_text(result.reason, None, "en") == (
        "Only new rows: 4 activities and 0 members appended, 4 member-days updated."
    )


def test_an_old_line_edited_in_the_file_rebuilds_and_says_which(export, compared):
    frames = grown(1)
    changed_member(frames)
    result = export(frames)
    assert (result.mode, kept_text(result.reason, None, "en"), compared) == (
        "full",
        "Member bob changed in the source.",
        [1],
    )


ACTIVITY_HEADER = "activity_id,member_id,occurred_at,kind\n"


def test_a_new_line_that_changes_how_old_dates_read_rebuilds(env, tmp_path, compared):
    """03/04/2025 reads as 4 March (month first, the default) until a line with 25/03/2025 shows the
    file writes the day first: the old line's date changes, so its rows are not the build's."""
    settings, store = env
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "members.csv").write_text("member_id,joined_at\nann,2025-01-01\n")
    (folder / "activities.csv").write_text(ACTIVITY_HEADER + "x1,ann,03/04/2025 10:00,post\n")
    sync(settings=settings, app_store=store, source=str(folder))
    with (folder / "activities.csv").open("a") as file:
        file.write("x2,ann,25/03/2025 10:00,post\n")
    result = sync(settings=settings, app_store=store, source=str(folder))
    assert (result.mode, kept_text(result.reason, None, "en"), compared) == (
        "full",
        "Activity x1 changed in the source.",
        [1],
    )
    days = Warehouse(settings.warehouse_url).run(sa.select(schema.activities.c.occurred_at))
    assert sorted(days["occurred_at"].dt.strftime("%d %b").tolist()) == ["03 Apr", "25 Mar"]


def builds(settings) -> list[str]:
    """The warehouse files in the data folder, oldest first."""
    path = settings.warehouse_path
    return sorted(build.name for build in path.parent.glob(f"{path.stem}-*{path.suffix}"))


@pytest.fixture
def copies(monkeypatch) -> list[append.BuildCopy]:
    """The copies of the build in use that syncs make for an increment, as they are begun."""
    made: list[append.BuildCopy] = []
    begin = append.BuildCopy.__init__

    def recorded(self, path):
        begin(self, path)
        made.append(self)

    monkeypatch.setattr(append.BuildCopy, "__init__", recorded)
    return made


def test_an_increment_appends_to_the_copy_made_while_the_source_was_read(env, copies):
    settings, store = env
    synced(settings, store, community.frames())
    in_use = os.path.realpath(settings.warehouse_path)
    seen_while_reading: list[int] = []

    def load():
        seen_while_reading.append(len(copies))  # begun before the source is read
        return grown(1), []

    result = run_sync(settings=settings, app_store=store, source="/exports", load=load)
    assert result.mode == "incremental"
    assert seen_while_reading == [1]
    assert [copy.path for copy in copies] == [Path(os.path.realpath(settings.warehouse_path))]
    assert builds(settings) == sorted([Path(in_use).name, copies[0].path.name])  # the previous kept, no other


def grown_with_a_changed_member() -> dict[str, pd.DataFrame]:
    frames = grown(1)
    changed_member(frames)
    return frames


@pytest.mark.parametrize(
    ("frames", "options", "copied"),
    [
        (lambda: grown(1), {"full": True}, False),  # asked for: no copy made
        (grown_with_a_changed_member, {}, True),  # found on comparing: the copy goes
    ],
)
def test_a_full_rebuild_leaves_no_copy_behind(env, copies, frames, options, copied):
    settings, store = env
    synced(settings, store, community.frames())
    result = synced(settings, store, frames(), **options)
    assert result.mode == "full"
    assert bool(copies) == copied
    assert all(not copy.path.exists() for copy in copies)
    assert Path(os.path.realpath(settings.warehouse_path)).name == builds(settings)[-1]
    assert len(builds(settings)) == 2  # the new build and the one before


def test_a_copy_that_fails_or_a_source_that_fails_to_read_leaves_the_build_in_use(env, monkeypatch, copies):
    settings, store = env
    synced(settings, store, community.frames())
    in_use, before = os.path.realpath(settings.warehouse_path), builds(settings)

    def unreadable():
        raise OSError("the export is gone")

    with pytest.raises(OSError, match="the export is gone"):
        run_sync(settings=settings, app_store=store, source="/exports", load=unreadable)
    assert len(copies) == 1 and builds(settings) == before  # begun, then removed

    def full_disk(source, target):
        Path(target).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(append.shutil, "copyfile", full_disk)
    with pytest.raises(OSError, match="No space left"):
        synced(settings, store, grown(1))
    assert len(copies) == 2  # the copy beside the reading failed, and the sync with it
    assert (os.path.realpath(settings.warehouse_path), builds(settings)) == (in_use, before)
    runs = store.run(sa.select(tables.sync_runs.c.status).order_by(tables.sync_runs.c.id))
    assert list(runs["status"])[-2:] == ["failed", "failed"]


def test_a_released_copy_is_removed_once(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    (tmp_path / "warehouse-1.duckdb").write_bytes(b"the build in use")
    path.symlink_to("warehouse-1.duckdb")
    copy = append.BuildCopy(path)
    copy.release()
    assert not copy.path.exists()
    copy.path.write_bytes(b"a later build that took the same name")
    copy.release()
    assert copy.path.exists()


def test_a_change_of_source_is_said_in_the_readers_words():
    from data_sources.append import SOURCE_KEY, _settled
    from errors import in_language
    from rollup.tables import VERSION, VERSION_KEY

    said = _settled({VERSION_KEY: VERSION, SOURCE_KEY: "demo"}, {SOURCE_KEY: "imports"})
    assert in_language(said, "en") == "The source changed (Demo data → Imported files)."
    assert in_language(said, "zh-CN") == "数据源已更换（演示数据 → 导入的文件）。"
    folder = _settled({VERSION_KEY: VERSION, SOURCE_KEY: "/exports"}, {SOURCE_KEY: "sheets"})
    assert in_language(folder, "en") == "The source changed (/exports → Google Sheets)."
