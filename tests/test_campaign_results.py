"""The campaigns' figures a built warehouse's rollup keeps (campaign_results,
metrics/campaigns.py): the Campaigns table and a campaign's lift read them for a view that
lists only campaigns the kept views list (the last 28, 7 and 90 days), and give what computing from
activities gives, with and without member filters (one that keeps nobody included); a view listing
another campaign computes them; a database queried in place never reads them, so its invitations
count as they change; and a process that keeps none builds and updates rollups that say so."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import clock
import schema
from data_sources import demo
from data_sources import increment as increment_module
from data_sources import rollup as rollup_module
from data_sources.increment import update_rollup
from data_sources.rollup import build_rollup
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import campaigns
from metrics.filters import DEFAULT_PRESET, Filters, day_number, preset_period
from rollup.state import kept_campaigns, kept_ids, rollup_state
from rollup.tables import BUILT_AT_KEY, CAMPAIGN_COUNTS, CAMPAIGNS_KEY, KEPT_KEYS, LIFT_KEY, campaign_results, info
from tests.conftest import OneAfterAnother, load_community

TODAY = date(2025, 6, 30)  # the demo's campaigns c029 (2-12 June) and c030 (24 June) run in the default view
VIEW = Filters(*preset_period(DEFAULT_PRESET, today=TODAY))
LISTED = {"c029", "c030"}  # by the default view
KEPT = {"c027", "c028", *LISTED}  # by the kept views: the last 90 days list c027 (12 April) and c028 (4 May) too
NOON = datetime(2025, 6, 30, 12)
ROOT = Path(__file__).resolve().parent.parent


def _frames() -> dict[str, pd.DataFrame]:
    return demo.generate_community(today=TODAY, members=300, activities=12_000)


def _rebuild_rollup(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            build_rollup(connection, timezone="UTC")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def kept(tmp_path_factory) -> str:
    """The URL of a demo community synced on TODAY, whose rollup keeps the kept views' campaigns."""
    directory = tmp_path_factory.mktemp("campaigns")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: NOON)
        return f"duckdb:///{build_warehouse(directory / 'warehouse.duckdb', _frames(), timezone='UTC')}"


def _last_reads(statements: list[str]) -> list[str]:
    """The statements of the last read of campaign figures, after the campaigns it lists (not
    pulse_info, nor the survey scores): one, or the funnel's and the lift's parts where PostgreSQL
    reads them side by side (metrics.campaigns._figures), in either order."""
    listed = max(n for n, statement in enumerate(statements) if "ORDER BY campaigns.starts_at" in statement)
    return [statement for statement in statements[listed:] if "campaign_figures" in statement]


def _last_read(statements: list[str]) -> str:
    return "\n".join(_last_reads(statements))


def _queried_in_place(engine: str, tmp_path: Path, request, name: str) -> tuple[str, dict[str, pd.DataFrame]]:
    """A SQLite or PostgreSQL database loaded with the demo community (no rollup yet), and its frames."""
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'community.db'}"
    else:
        url = request.getfixturevalue("new_postgres_database")(name)
    frames = _frames()
    load_community(url, frames)
    return url, frames


def _table(warehouse: Warehouse, filters: Filters) -> pd.DataFrame:
    return campaigns.results_table(warehouse=warehouse, filters=filters)


def _lift_row(warehouse: Warehouse, filters: Filters, campaign_id: str) -> pd.Series:
    listed = warehouse.run(campaigns.campaigns_query(filters=Filters(date(2000, 1, 1), TODAY)))
    starts_at = pd.Timestamp(listed.set_index("campaign_id").loc[campaign_id, "starts_at"]).to_pydatetime()
    query = campaigns.campaign_results_query(filters=filters, starts=[starts_at], campaign_id=campaign_id)
    return warehouse.run(query).iloc[0]


def assert_alike(warehouse: Warehouse, filters: Filters, statements: list[str], *, kept: set[str]) -> None:
    """The Campaigns table and each listed campaign's lift row equal those computed from activities
    (Etc/UTC: UTC's days under a name that is not the rollup's zone), read from campaign_results
    where the rollup keeps (`kept`) every campaign read, else computed from member_days."""
    ours = _table(warehouse, filters)
    every = set(ours["campaign_id"]) <= kept
    assert ("FROM campaign_results" in _last_read(statements)) is every
    assert ("FROM member_days" in _last_read(statements)) is not every
    computed = Filters(filters.start, filters.end, filters.channel, filters.region, filters.segment, "Etc/UTC")
    theirs = _table(warehouse, computed)
    assert "campaign_results" not in _last_read(statements) and "member_days" not in _last_read(statements)
    assert len(ours)
    pd.testing.assert_frame_equal(ours, theirs)
    for campaign_id in ours["campaign_id"]:
        row = _lift_row(warehouse, filters, campaign_id)
        assert ("FROM campaign_results" in _last_read(statements)) is (campaign_id in kept), campaign_id
        pd.testing.assert_series_equal(row, _lift_row(warehouse, computed, campaign_id))


def test_a_syncs_build_keeps_no_lift_days(kept):
    """It keeps the campaigns' whole figures (campaign_results): lift_days is kept in place alone."""
    engine = create_engine(kept)
    try:
        assert LIFT_KEY not in rollup_state(engine) and kept_campaigns(rollup_state(engine)) == KEPT
        assert not sa.inspect(engine).has_table("lift_days")
    finally:
        engine.dispose()


def test_the_ids_kept_figures_give_alone_are_those_of_their_rows(kept, monkeypatch):
    """An increment asks for the ids alone (KeptFigures.ids, twice per figure): the ids `rows` gives
    with its query, for every figure that says them apart (the campaigns, the Engagement page's,
    the activity profile)."""
    monkeypatch.setattr(clock, "now", lambda: NOON)
    apart = {key: figures for key, figures in rollup_module.KEPT.items() if figures.ids is not None}
    assert CAMPAIGNS_KEY in apart and len(apart) == len(rollup_module.KEPT) - 1  # all but lift_days
    engine = create_engine(kept)
    try:
        with engine.connect() as connection:
            for key, figures in apart.items():
                ids = figures.ids(connection, "UTC")  # type: ignore[misc]
                assert ids and ids == figures.rows(connection, "UTC")[0], key
                assert set(ids) == kept_ids(rollup_state(engine), key), key
    finally:
        engine.dispose()


def test_the_table_holds_every_figure_of_a_campaign():
    assert CAMPAIGN_COUNTS == campaigns.RESULTS


@pytest.mark.parametrize(
    "members", [{}, {"segment": "developer"}, {"region": "APAC", "channel": "github"}, {"segment": "nobody"}]
)
def test_the_kept_campaigns_give_the_computed_figures(kept, members, statements):
    warehouse = Warehouse(kept)
    try:
        assert kept_campaigns(warehouse.rollup_state()) == KEPT
        view = Filters(VIEW.start, VIEW.end, **members)
        assert set(_table(warehouse, view)["campaign_id"]) == LISTED
        assert_alike(warehouse, view, statements, kept=KEPT)
        if members == {"segment": "nobody"}:  # a row of zeros for each, as computing gives
            assert _table(warehouse, view)[["invited", "reach"]].to_numpy().sum() == 0
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("members", [{}, {"segment": "developer"}])
def test_the_kept_campaigns_read_in_two_parts_add_up_to_the_whole(kept, members, statements):
    """Where a warehouse reads the funnel's and the lift's parts side by side (PostgreSQL, whose
    rollup keeps no campaign figures), each part takes its own columns of the kept rows."""
    warehouse = Warehouse(kept)
    try:
        view = Filters(VIEW.start, VIEW.end, **members)
        whole = _table(warehouse, view)
        parts = campaigns.results_table(warehouse=OneAfterAnother(warehouse), filters=view)
        reads = _last_reads(statements)
        assert len(reads) == 2 and all("FROM campaign_results" in read for read in reads)
        pd.testing.assert_frame_equal(parts, whole)
        assert whole["participants"].sum() > 0 and whole["lift"].notna().any()  # both parts count
    finally:
        warehouse.dispose()


@pytest.mark.parametrize(
    ("preset", "listed"),
    [
        ("last_7_days", {"c030"}),  # only kept campaigns: read
        ("this_month", {"c029", "c030"}),  # likewise
        ("last_90_days", KEPT),  # the longest kept view: every kept campaign, read
        ((date(2025, 3, 1), TODAY), {"c026", *KEPT}),  # one more (18 March): computed
    ],
)
def test_another_period_reads_the_kept_campaigns_when_it_lists_no_other(kept, preset, listed, statements):
    warehouse = Warehouse(kept)
    try:
        period = Filters(*(preset if isinstance(preset, tuple) else preset_period(preset, today=TODAY)))
        assert set(_table(warehouse, period)["campaign_id"]) == listed
        assert_alike(warehouse, period, statements, kept=KEPT)
    finally:
        warehouse.dispose()


def test_campaigns_left_by_a_rebuild_that_keeps_none_are_not_read(kept, statements):
    """A rollup rebuilt by a version that keeps no campaigns writes its build time and leaves
    campaign_results and its row in pulse_info as they were: their build time is no longer the
    rollup's, so the figures are computed."""
    engine = create_engine(kept)
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(info).where(info.c.key == BUILT_AT_KEY).values(value="2099-01-01T00:00:00"))
    finally:
        engine.dispose()
    warehouse = Warehouse(kept)
    try:
        assert_alike(warehouse, VIEW, statements, kept=set())
    finally:
        warehouse.dispose()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: NOON)
            _rebuild_rollup(kept)  # the module's warehouse as it was


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_database_queried_in_place_reads_its_campaigns_live(engine, tmp_path, request, statements):
    """Its rollup is a snapshot (`cli.py rollup`), but its campaigns, invitations and members change
    without it: a registration made since is counted, the kept figures (here written all the same,
    as a sync's build would) never read."""
    url, frames = _queried_in_place(engine, tmp_path, request, "in_place")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: NOON)
        _rebuild_rollup(url)
    warehouse = Warehouse(url)
    try:
        # written (the default view's: a database other than DuckDB keeps its views alone), not read:
        assert kept_campaigns(warehouse.rollup_state()) == LISTED
        before = _table(warehouse, VIEW).set_index("campaign_id")
        # PostgreSQL reads the funnel's and the lift's parts side by side; their sums are the whole's
        assert len(_last_reads(statements)) == (2 if engine == "postgresql" else 1)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Warehouse, "runs_statements_side_by_side", False)
            whole = _table(warehouse, VIEW).set_index("campaign_id")
        assert len(_last_reads(statements)) == 1
        pd.testing.assert_frame_equal(before, whole)
        assert_alike(warehouse, VIEW, statements, kept=set())
        invited = set(frames["campaign_members"].query("campaign_id == 'c030'")["member_id"])
        newcomer = next(m for m in frames["members"].query("~is_team")["member_id"] if m not in invited)
        row = {"campaign_id": "c030", "member_id": newcomer, "status": "registered", "at": None}
        with warehouse._current_engine().begin() as connection:
            connection.execute(sa.insert(schema.campaign_members), [row])
        after = _table(warehouse, VIEW).set_index("campaign_id")
        assert after.loc["c030", "registered"] == before.loc["c030", "registered"] + 1
        assert after.loc["c029", "registered"] == before.loc["c029", "registered"]
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
@pytest.mark.parametrize(("segment", "leaving"), [("developer", 3), (None, 2)])
def test_in_place_a_participant_who_left_the_scope_since_the_rollup_leaves_the_lift(
    engine, segment, leaving, tmp_path, request, statements
):
    """lift_days keeps each member's segment and team flag as the rollup saw them, and the reached
    members are matched in their scope now: a participant who has joined the team since, or left
    the filtered segment, is in neither of the lift's groups, as when it is computed from
    member-days, and as the funnel, read live, no longer counts them. Without a member filter
    (the reached members' marks then looked up by no member: _reached) only the team's two leave."""
    url, frames = _queried_in_place(engine, tmp_path, request, f"scope_moved_{segment}")
    warehouse = Warehouse(url)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: NOON)
            warehouse.refresh_rollup(timezone="UTC")
        start = pd.Timestamp(frames["campaigns"].set_index("campaign_id").loc["c030", "starts_at"])
        acts = frames["activities"]
        tagged = set(acts[acts["campaign_id"] == "c030"]["member_id"])
        attended = set(frames["campaign_members"].query("campaign_id == 'c030' and status == 'attended'")["member_id"])
        before = acts[(acts["occurred_at"] >= start - pd.Timedelta(days=30)) & (acts["occurred_at"] < start)]
        developers = frames["members"].query("segment == 'developer' and ~is_team").set_index("member_id")
        early = developers[developers["joined_at"] < start.to_pydatetime()].index
        moved = sorted((tagged | attended) & set(before["member_id"]) & set(early))[:3]
        assert len(moved) == 3
        view = Filters(VIEW.start, VIEW.end, segment=segment)
        had = _lift_row(warehouse, view, "c030")
        with warehouse._current_engine().begin() as connection:
            teamed = sa.update(schema.members).where(schema.members.c.member_id.in_(moved[:2])).values(is_team=True)
            connection.execute(teamed)
            left = sa.update(schema.members).where(schema.members.c.member_id == moved[2]).values(segment="designer")
            connection.execute(left)
        row = _lift_row(warehouse, view, "c030")
        assert "FROM lift_days" in _last_read(statements)
        computed = Filters(view.start, view.end, segment=segment, timezone="Etc/UTC")
        pd.testing.assert_series_equal(row, _lift_row(warehouse, computed, "c030"))
        assert row["eligible_participants"] == had["eligible_participants"] - leaving
        ours = _table(warehouse, view)
        assert "FROM lift_days" in _last_read(statements)
        pd.testing.assert_frame_equal(ours, _table(warehouse, computed))
    finally:
        warehouse.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_in_place_the_lift_reads_the_active_days_kept_around_the_listed_campaigns_starts(
    engine, tmp_path, request, statements
):
    """`cli.py rollup` keeps, in place, each member's active days around the start days of the
    campaigns the last 90 days list (lift_days): the lift reads them, with the funnel read live,
    and gives what computing from activities gives, with member filters, after a member attended
    since the rollup (they move from the comparison group to the participants) and another was
    invited (they leave the comparison group, in neither group now), for two campaigns
    starting on one day, and for a campaign whose start has moved since (computed: its new start
    day is not kept, so any view listing it; read again once moved onto a kept day)."""
    url, frames = _queried_in_place(engine, tmp_path, request, "lift_in_place")
    warehouse = Warehouse(url)
    # c031 starts on c030's day, two hours later: their day's rows are kept once, and read by both
    twin = {**frames["campaigns"].set_index("campaign_id").loc["c030"].to_dict(), "campaign_id": "c031"}
    twin |= {"name": "Twin", "starts_at": twin["starts_at"] + pd.Timedelta(hours=2), "survey_id": None}
    with warehouse._current_engine().begin() as connection:
        connection.execute(sa.insert(schema.campaigns), [twin])
    kept = KEPT | {"c031"}
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(clock, "now", lambda: NOON)
            warehouse.refresh_rollup(timezone="UTC")
        # the campaigns the last 90 days list: any period inside them reads their lift's days
        listed = frames["campaigns"].set_index("campaign_id").loc[sorted(KEPT), "starts_at"]
        start_days = {str(day_number(pd.Timestamp(start).date())) for start in listed}
        assert kept_ids(warehouse.rollup_state(), LIFT_KEY) == start_days and len(start_days) == len(kept) - 1
        assert kept_campaigns(warehouse.rollup_state()) == set()  # in place the funnel is read live

        def assert_lift_alike(filters: Filters, *, kept: set[str]) -> pd.DataFrame:
            """The table reads lift_days where every campaign it lists starts on a kept day, a
            campaign's lift row where its own does."""
            ours = _table(warehouse, filters)
            assert ("FROM lift_days" in _last_read(statements)) is (set(ours["campaign_id"]) <= kept)
            computed = Filters(filters.start, filters.end, filters.channel, filters.region, filters.segment, "Etc/UTC")
            pd.testing.assert_frame_equal(ours, _table(warehouse, computed))
            assert "lift_days" not in _last_read(statements)
            for campaign_id in ours["campaign_id"]:
                row = _lift_row(warehouse, filters, campaign_id)
                assert ("FROM lift_days" in _last_read(statements)) is (campaign_id in kept), campaign_id
                pd.testing.assert_series_equal(row, _lift_row(warehouse, computed, campaign_id))
            return ours.set_index("campaign_id")

        for members in ({}, {"segment": "developer"}, {"region": "APAC", "channel": "github"}):
            assert_lift_alike(Filters(VIEW.start, VIEW.end, **members), kept=kept)
        assert_lift_alike(Filters(*preset_period("last_90_days", today=TODAY)), kept=kept)
        assert_lift_alike(Filters(date(2025, 3, 1), TODAY), kept=kept)  # c026 (18 March) is not kept
        before = assert_lift_alike(VIEW, kept=kept)
        # (its lift from its figures: the table's waits for the 30 days from its start, by the clock)
        lift_before = campaigns.lift(_lift_row(warehouse, VIEW, "c030"))
        assert lift_before is not None
        # a member active around c030's start, whom it had not touched, attended it since the rollup
        start = pd.Timestamp(listed["c030"])
        occurred = frames["activities"]["occurred_at"]
        around = frames["activities"][(occurred >= start - pd.Timedelta(days=30)) & (occurred < start)]
        touched = set(frames["campaign_members"].query("campaign_id == 'c030'")["member_id"])  # any status
        team = set(frames["members"].query("is_team")["member_id"])
        joined = frames["members"].set_index("member_id")["joined_at"]
        member = next(
            m for m in around["member_id"] if m not in touched and m not in team and joined[m] < start.to_pydatetime()
        )
        row = {"campaign_id": "c030", "member_id": member, "status": "attended", "at": None}
        with warehouse._current_engine().begin() as connection:
            connection.execute(sa.insert(schema.campaign_members), [row])
        after = assert_lift_alike(VIEW, kept=kept)
        assert after.loc["c030", "participants"] == before.loc["c030", "participants"] + 1
        lift_after = campaigns.lift(_lift_row(warehouse, VIEW, "c030"))
        assert lift_after != lift_before
        # another of its comparison group was invited to it since: exposed, they leave that group
        exposed = _lift_row(warehouse, VIEW, "c030")["eligible_exposed"]
        guest = next(
            m
            for m in around["member_id"]
            if m not in touched | {member} and m not in team and joined[m] < start.to_pydatetime()
        )
        row = {"campaign_id": "c030", "member_id": guest, "status": "invited", "at": None}
        with warehouse._current_engine().begin() as connection:
            connection.execute(sa.insert(schema.campaign_members), [row])
        invited = assert_lift_alike(VIEW, kept=kept)
        assert invited.loc["c030", "invited"] == after.loc["c030", "invited"] + 1
        assert _lift_row(warehouse, VIEW, "c030")["eligible_exposed"] == exposed + 1
        assert campaigns.lift(_lift_row(warehouse, VIEW, "c030")) != lift_after
        # c030 moved a day later: its start day is not kept, so its lift and the view's are computed
        with warehouse._current_engine().begin() as connection:
            later = (start + pd.Timedelta(days=1)).to_pydatetime()
            connection.execute(
                sa.update(schema.campaigns).where(schema.campaigns.c.campaign_id == "c030").values(starts_at=later)
            )
        assert_lift_alike(VIEW, kept=kept - {"c030"})
        # and then onto c029's day, which is kept: read again
        with warehouse._current_engine().begin() as connection:
            onto = pd.Timestamp(listed["c029"]).to_pydatetime()
            connection.execute(
                sa.update(schema.campaigns).where(schema.campaigns.c.campaign_id == "c030").values(starts_at=onto)
            )
        assert_lift_alike(VIEW, kept=kept)
    finally:
        warehouse.dispose()


@pytest.mark.parametrize(
    "entry",
    ["cli", "ui.data", "ui.background", "serve", "bench.increment", "bench.connectors", "bench.postgres", "bench.run"],
)
def test_every_process_that_builds_a_rollup_keeps_every_figure(entry):
    """data_sources may not import metrics, so the metrics modules that keep figures register them
    as they are imported (metrics/registered.py imports them all): each entry point that syncs or
    builds a rollup must have imported every one."""
    code = f"import {entry}\nfrom data_sources.rollup import KEPT\nprint(sorted(KEPT))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == str(sorted(KEPT_KEYS))


def test_a_share_of_no_campaigns_is_no_rows(kept, monkeypatch):
    """Past midnight the last 90 days may list no campaign: an increment's share after is then empty
    (its table's columns, no rows), not a failed sync."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 1, 1, 12))  # months after the last one
    engine = create_engine(kept)
    try:
        with engine.connect() as connection:
            share = campaigns.kept_share(connection, "UTC", sa.select(sa.literal(1)), None)
            rows = connection.execute(share)
            assert list(rows.keys()) == [column.name for column in campaign_results.c] and not rows.all()
    finally:
        engine.dispose()


def test_where_no_campaigns_are_kept_a_build_and_an_increment_say_so(tmp_path, monkeypatch, statements):
    """A rollup built, or updated, by a process that keeps no campaign figures says it keeps none
    (an increment there cannot write them again): the page computes them, never reads stale ones."""
    monkeypatch.setattr(clock, "now", lambda: NOON)
    frames = _frames()
    kept_url = f"duckdb:///{build_warehouse(tmp_path / 'kept' / 'warehouse.duckdb', frames, timezone='UTC')}"
    monkeypatch.setattr(rollup_module, "KEPT", {})
    monkeypatch.setattr(increment_module, "KEPT", {})
    bare_url = f"duckdb:///{build_warehouse(tmp_path / 'bare' / 'warehouse.duckdb', frames, timezone='UTC')}"
    engine = create_engine(kept_url)
    try:
        assert kept_campaigns(rollup_state(engine)) == KEPT
        with engine.begin() as connection:  # a late activity of a participant, on c030's day
            row = {"activity_id": "late", "member_id": frames["members"]["member_id"].iloc[0], "kind": "post"}
            connection.execute(sa.insert(schema.activities), [row | {"occurred_at": datetime(2025, 6, 24, 18)}])
            appended = sa.select(schema.activities).where(schema.activities.c.activity_id == "late").subquery()
            update_rollup(connection, timezone="UTC", appended=appended)
    finally:
        engine.dispose()
    for url in (kept_url, bare_url):
        warehouse = Warehouse(url)
        try:
            assert kept_campaigns(warehouse.rollup_state()) == frozenset()
            assert_alike(warehouse, VIEW, statements, kept=set())
        finally:
            warehouse.dispose()
