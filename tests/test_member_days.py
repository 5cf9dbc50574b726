"""The member-day rollup (metrics/member_days.py): its rows worked out by hand, that metrics read it
only where its time zone matches, and that it gives the same answers as computing from activities."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

import pandas as pd
import pytest
import sqlalchemy as sa

from data_sources.rollup import TABLES, build_rollup
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import activity, campaigns, cohorts, contributions, levels, retention
from metrics.filters import Filters, day_number
from metrics.member_days import member_attributes
from metrics.member_periods import fallen_silent, first_days
from rollup.tables import (
    KEPT_TABLES,
    VERSION_KEY,
    activity_rollup,
    info,
    member_keys,
    member_months,
    member_windows,
    rollup,
)
from tests import community
from tests.conftest import WAREHOUSE_ENGINES, databases, fixture_warehouse, load_community, make_warehouse

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))


def rollup_rows(warehouse: Warehouse, *member_ids: str) -> list[tuple]:
    query = (
        sa.select(
            member_keys.c.member_id,
            rollup.c.day,
            rollup.c.activities,
            rollup.c.contributions,
            rollup.c.points,
            member_keys.c.is_team,
        )
        .join(member_keys, member_keys.c.member_key == rollup.c.member_key)
        .where(member_keys.c.member_id.in_(member_ids))
        .order_by(member_keys.c.member_id, rollup.c.day)
    )
    return [tuple(row) for row in warehouse.run(query).itertuples(index=False)]


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def built(request, tmp_path_factory):
    """The fixture community's rollup as sync builds it (DuckDB) and as PostgreSQL builds it in
    place, whose activity_days and weeks_so_far are made by other queries (rollup/build.py)."""
    directory = tmp_path_factory.mktemp(f"built-{request.param}")
    new_database = databases(request, request.param)
    result = fixture_warehouse(request.param, directory, "community", community.frames, new_database)
    yield result
    result.dispose()


def test_rollup_rows_by_hand(built):
    # alice: 5 Feb login; 23 Feb comment (5 points); 1 Mar post (10); on 3 Mar a comment (5) and an
    # event attendance carrying its own 50 points. tom is team: kept, flagged. ghost is no member.
    day = day_number
    assert rollup_rows(built, "alice", "tom", "ghost") == [
        ("alice", day(date(2025, 2, 5)), 1, 0, 0.0, False),
        ("alice", day(date(2025, 2, 23)), 1, 1, 5.0, False),
        ("alice", day(date(2025, 3, 1)), 1, 1, 10.0, False),
        ("alice", day(date(2025, 3, 3)), 2, 2, 55.0, False),
        ("tom", day(date(2025, 3, 3)), 1, 1, 10.0, True),
    ]


def test_running_counts_by_hand(built):
    # (day, previous_day, next_day, weeks_so_far, contributions_so_far). alice's days fall in four
    # weeks (Mondays 3, 17 and 24 Feb, 3 Mar); bob's login on Tuesday 25 Feb and reaction on
    # Wednesday 26 Feb in one week, whose weeks count stays 1.
    day = day_number
    query = (
        sa.select(
            rollup.c.day,
            rollup.c.previous_day,
            rollup.c.next_day,
            rollup.c.weeks_so_far,
            rollup.c.contributions_so_far,
        )
        .join(member_keys, member_keys.c.member_key == rollup.c.member_key)
        .order_by(rollup.c.day)
    )
    rows = {
        who: [
            tuple(None if pd.isna(value) else int(value) for value in row)
            for row in built.run(query.where(member_keys.c.member_id == who)).itertuples(index=False)
        ]
        for who in ("alice", "bob")
    }
    feb5, feb23, mar1, mar3 = (
        day(date(2025, 2, 5)),
        day(date(2025, 2, 23)),
        day(date(2025, 3, 1)),
        day(date(2025, 3, 3)),
    )
    assert rows["alice"] == [
        (feb5, None, feb23, 1, 0),
        (feb23, feb5, mar1, 2, 1),
        (mar1, feb23, mar3, 3, 2),
        (mar3, mar1, None, 4, 4),
    ]
    feb25, feb26 = day(date(2025, 2, 25)), day(date(2025, 2, 26))
    assert rows["bob"] == [(feb25, None, feb26, 1, 0), (feb26, feb25, None, 1, 1)]


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgresql"])
def test_weeks_so_far_count_weeks_before_1970_by_hand(engine, tmp_path, request):
    # olga's days: Wednesday 24 and Tuesday 30 December 1969, Monday 5 January 1970: three weeks
    # (Mondays 22 and 29 December, 5 January). Day numbers before 1970 are negative, where the
    # engines' % keeps the sign; a week counted by it put 24 and 30 December in one week.
    member = ("olga", datetime(1969, 12, 1), "forum", "EU", "dev", False)
    days = [datetime(1969, 12, 24, 9), datetime(1969, 12, 30, 9), datetime(1970, 1, 5, 9)]
    frames = community.frames(member_rows=[member], activity_rows=[("olga", day, "comment") for day in days])
    warehouse = make_warehouse(engine, tmp_path, frames, databases(request, engine))
    try:
        if engine != "duckdb":  # a database queried in place: its rollup is built there
            warehouse.refresh_rollup(timezone="UTC")
        weeks = warehouse.run(sa.select(rollup.c.day, rollup.c.weeks_so_far).order_by(rollup.c.day))
    finally:
        warehouse.dispose()
    assert [(int(d), int(w)) for d, w in weeks.itertuples(index=False)] == [
        (day_number(date(1969, 12, 24)), 1),
        (day_number(date(1969, 12, 30)), 2),
        (day_number(date(1970, 1, 5)), 3),
    ]


def test_activity_days_by_hand(built):
    # alice's activities per day, kind and platform (forum unless said): her comment and her event
    # attendance (in person, its own 50 points) on 3 March are two rows; tom (team) is kept.
    query = (
        sa.select(
            member_keys.c.member_id,
            activity_rollup.c.day,
            activity_rollup.c.kind,
            activity_rollup.c.platform,
            activity_rollup.c.activities,
            activity_rollup.c.points,
        )
        .join(member_keys, member_keys.c.member_key == activity_rollup.c.member_key)
        .where(member_keys.c.member_id.in_(["alice", "tom", "ghost"]))
        .order_by(member_keys.c.member_id, activity_rollup.c.day, activity_rollup.c.kind)
    )
    day = day_number
    assert [tuple(row) for row in built.run(query).itertuples(index=False)] == [
        ("alice", day(date(2025, 2, 5)), "login", "forum", 1, 0.0),
        ("alice", day(date(2025, 2, 23)), "comment", "forum", 1, 5.0),
        ("alice", day(date(2025, 3, 1)), "post", "forum", 1, 10.0),
        ("alice", day(date(2025, 3, 3)), "comment", "forum", 1, 5.0),
        ("alice", day(date(2025, 3, 3)), "event_attend", "in person", 1, 50.0),
        ("tom", day(date(2025, 3, 3)), "post", "forum", 1, 10.0),
    ]


def test_rollup_days_are_in_the_time_zone_it_was_built_for(tmp_path):
    url = f"sqlite:///{tmp_path / 'community.db'}"
    engine = create_engine(url)
    load_community(url, community.frames())
    with engine.begin() as connection:
        rows = build_rollup(connection, timezone="Asia/Shanghai")
    engine.dispose()
    warehouse = Warehouse(url)
    try:
        # dave's comment at 23:59:59 UTC on 28 Feb is on 1 March in Shanghai
        assert rollup_rows(warehouse, "dave")[-1][:2] == ("dave", day_number(date(2025, 3, 1)))
        assert rows == 17  # 18 known-member activities; alice's two on 3 March make one day
    finally:
        warehouse.dispose()


def test_metrics_read_the_rollup_only_in_its_time_zone(duckdb_warehouse, statements):
    shanghai = Filters(start=P.start, end=P.end, timezone="Asia/Shanghai")
    for query, table in (
        (activity.daily_activity_query, "activity_changes"),
        (retention.activity_profile_query, "member_days"),
        (contributions.active_by_platform_query, "activity_days"),
    ):
        duckdb_warehouse.run(query(filters=P))
        assert f"FROM {table}" in statements[-1] and "FROM activities" not in statements[-1]
        duckdb_warehouse.run(query(filters=shanghai))
        assert "FROM activities" in statements[-1] and f"FROM {table}" not in statements[-1]


def test_a_warehouse_without_the_rollup_computes_member_days(tmp_path, statements):
    url = f"sqlite:///{tmp_path / 'community.db'}"
    load_community(url, community.frames())
    warehouse = Warehouse(url)
    try:
        daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=P)), filters=P)
        assert "FROM activities" in statements[-1]
        assert daily["dau"].tolist() == [1, 1, 1, 1, 1, 0, 1]  # as in test_metrics_overview
    finally:
        warehouse.dispose()


def test_a_member_whose_team_flag_is_empty_counts_in_the_rollup_as_in_the_computed_figures(tmp_path, statements):
    """A database queried in place may leave is_team empty; metrics count a member only where it is
    false (metrics.sql.member_conditions), and activity_changes, counted by group key with the team
    left out, must leave that member out too."""
    url = f"sqlite:///{tmp_path / 'community.db'}"
    load_community(url, community.frames())
    engine = create_engine(url)
    with engine.begin() as connection:  # members again, without NOT NULL (SQLite cannot drop it in place)
        connection.exec_driver_sql("CREATE TABLE loose AS SELECT * FROM members")
        connection.exec_driver_sql("DROP TABLE members")
        connection.exec_driver_sql("ALTER TABLE loose RENAME TO members")
        connection.exec_driver_sql("UPDATE members SET is_team = NULL WHERE member_id = 'alice'")
    engine.dispose()
    warehouse = Warehouse(url)
    try:
        computed = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=P)), filters=P)
        assert "FROM activities" in statements[-1]
        warehouse.refresh_rollup(timezone="UTC")
        rolled = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=P)), filters=P)
        assert "FROM activity_changes" in statements[-1]
    finally:
        warehouse.dispose()
    pd.testing.assert_frame_equal(rolled, computed, check_dtype=False)
    assert computed["dau"].tolist() == [0, 1, 0, 1, 1, 0, 1]  # all 1, 1, 1, 1, 1, 0, 1 but alice's 1 and 3 March


def queries(filters: Filters, starts: list[datetime]) -> dict[str, sa.Select]:
    """Every metric that reads member-days, with the demo's default period."""
    found = {
        "daily": activity.daily_activity_query(filters=filters),
        "profile": retention.activity_profile_query(filters=filters),
        "levels": levels.active_level_changes_query(filters=filters),
        "champions": levels.members_at_level_query(filters=filters, level="champion"),
        "slipping": levels.slipping_champions_query(filters=filters),
        "cohorts": cohorts.cohort_activity_query(filters=filters),
        "contributions": contributions.contribution_counts_query(filters=filters),
        "leaders": contributions.top_contributors_query(filters=filters),
        "leaders on the forum": contributions.top_contributors_query(filters=filters, platform="forum"),
        "leaders by comments": contributions.top_contributors_query(filters=filters, kind="comment"),
        "platforms": contributions.active_by_platform_query(filters=filters),
        "activity": contributions.activity_by_bucket_query(filters=filters),
    }
    if starts:
        found["campaigns"] = campaigns.results_query(filters=filters, starts=starts)
    return found


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.parametrize("segment", [None, "developer"])
def test_rollup_and_activities_give_the_same_answers(demo_data_dir, segment):
    # Etc/UTC has UTC's days but is not the rollup's "UTC": the same metrics computed from activities.
    today = datetime.now().date()
    end = today - timedelta(days=1)
    rolled = Filters(start=end - timedelta(days=28), end=end, segment=segment)
    computed = Filters(start=rolled.start, end=rolled.end, segment=segment, timezone="Etc/UTC")
    warehouse = Warehouse(f"duckdb:///{demo_data_dir / 'warehouse.duckdb'}")
    try:
        listed = warehouse.run(campaigns.campaigns_query(filters=rolled))
        starts = [stamp.to_pydatetime() for stamp in pd.to_datetime(listed["starts_at"])]
        left, right = queries(rolled, starts), queries(computed, starts)
        assert "campaigns" in left, "the demo has campaigns in its last four weeks"
        for name in left:
            ours, theirs = warehouse.run(left[name]), warehouse.run(right[name])
            if name == "daily":  # the days before the period are history for WAU/MAU, not answers
                ours = activity.complete_days(ours, filters=rolled)
                theirs = activity.complete_days(theirs, filters=computed)
            assert len(ours) or name == "slipping", name  # no champion of the demo falls silent
            pd.testing.assert_frame_equal(sorted_frame(ours), sorted_frame(theirs), check_dtype=False, obj=name)
    finally:
        warehouse.dispose()


def test_cli_writes_the_rollup_into_a_warehouse_queried_in_place(tmp_path, statements):
    import os
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'community.db'}"
    load_community(url, community.frames())
    env = {
        **os.environ,
        "PULSE_DATA_DIR": str(tmp_path / "data"),
        "PULSE_WAREHOUSE_URL": url,
        "PULSE_TIMEZONE": "Asia/Shanghai",
    }
    cli = Path(__file__).resolve().parent.parent / "cli.py"
    done = subprocess.run([sys.executable, str(cli), "rollup"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "17 member-days" in done.stdout and "Asia/Shanghai" in done.stdout
    warehouse = Warehouse(url)
    try:
        shanghai = Filters(start=P.start, end=P.end, timezone="Asia/Shanghai")
        daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=shanghai)), filters=shanghai)
        assert "FROM activity_changes" in statements[-1]
        # dave's last comment falls on 1 March in Shanghai: DAU on 1 March is alice and dave
        assert daily["dau"].tolist()[0] == 2
        # Levels read both windows from the rollup with a FULL JOIN, which SQLite has since 3.39.
        # PRC is Shanghai's time under another name: the same days, computed from activities.
        prc = Filters(start=P.start, end=P.end, timezone="PRC")
        casual = partial(levels.members_at_level_query, level="casual")
        # By hand in Shanghai's days: nobody reaches regular (alice's 4 weeks hold 4 contributions of
        # the 5 it takes); alice, dave, hank and bob were casual before P too, carol joined in it.
        changes = warehouse.run(levels.active_level_changes_query(filters=shanghai))
        assert sorted(changes.fillna("new").values.tolist()) == [["casual", "casual", 4], ["new", "casual", 1]]
        by_contributions = warehouse.run(casual(filters=shanghai))["member_id"].tolist()
        assert by_contributions == ["alice", "dave", "hank", "bob", "carol"]  # 4, 2, 2, 1, 1
        for query in (levels.active_level_changes_query, casual):
            ours = warehouse.run(query(filters=shanghai))
            assert "member_days AS last_" in statements[-1]
            theirs = warehouse.run(query(filters=prc))
            assert "member_days AS last_" not in statements[-1]
            pd.testing.assert_frame_equal(sorted_frame(ours), sorted_frame(theirs), check_dtype=False)
    finally:
        warehouse.dispose()


def test_a_postgresql_warehouse_runs_without_jit(new_postgres_database):
    url = new_postgres_database("jit")
    warehouse = Warehouse(url)
    try:
        assert warehouse.run(sa.select(sa.func.current_setting("jit").label("jit")))["jit"].tolist() == ["off"]
    finally:
        warehouse.dispose()
    plain = create_engine(url)  # other engines (the app store) keep the server's setting
    with plain.connect() as connection:
        assert connection.execute(sa.select(sa.func.current_setting("jit"))).scalar() == "on"
    plain.dispose()


CREATED = re.compile(r'CREATE TABLE "?(\w+)"?')


def test_postgresql_knows_each_rollup_table_before_building_from_it(new_postgres_database):
    # Without statistics the planner took a million member keys for duplicates and merge-joined them
    # to the activities (35 s against 19 s at the large scale): each table is analysed once written.
    url = new_postgres_database("statistics")
    load_community(url, community.frames())
    engine = create_engine(url)
    built = [table.name for table in (*TABLES, member_windows, *KEPT_TABLES)]
    ran: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda _c, _r, statement, *_: ran.append(statement))
    try:
        with engine.begin() as connection:
            build_rollup(connection, timezone="UTC", in_place=True)
            written = [name for name in built if sa.inspect(connection).has_table(name)]
            filled = [name for name in written if connection.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar()]
            known = connection.execute(
                sa.text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")
            ).scalars()
            assert set(filled) - set(known) == set()
    finally:
        engine.dispose()
    assert {"member_keys", "activity_days", "member_days", "member_months"} <= set(filled)
    found = [(i, CREATED.match(statement.strip())) for i, statement in enumerate(ran)]
    created = [(i, match[1]) for i, match in found if match and match[1] in built]
    for (first, name), then in zip(created, [*(i for i, _ in created[1:]), len(ran)], strict=True):
        assert f'ANALYZE "{name}"' in ran[first:then], name  # analysed before the next table is built
    assert {name for _, name in created} == set(written)


LOW_BAR = levels.LevelRules(champion_weeks=2, champion_contributions=2)  # so that the demo has slipping champions


def _ends(today: date) -> list[date]:
    """Period ends on every weekday (window edges cut weeks differently on each), and the 15th of
    last month (a partial last month for cohorts, with activity after the period's end)."""
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=15)
    return [today - timedelta(days=n) for n in range(1, 8)] + [last_month]


def asked(filters: Filters, some: list[str]) -> dict[str, sa.Select]:
    """The figures with a rollup definition and a computed one, for a view (`some`: respondents)."""
    return {
        "levels": levels.active_level_changes_query(filters=filters),
        "levels by combination": levels.level_counts_query(filters=filters),
        "regulars": levels.members_at_level_query(filters=filters, level="regular"),
        "first casual": levels.members_at_level_query(filters=filters, level="casual", limit=5),
        "slipping": levels.slipping_champions_query(filters=filters, rules=LOW_BAR),
        "respondents": levels.respondent_profiles_query(filters=filters, member_ids=some),
        "cohorts": cohorts.cohort_activity_query(filters=filters),
        "profile": retention.activity_profile_query(filters=filters),
    }


def assert_computed_alike(
    warehouse: Warehouse,
    rolled: Filters,
    computed: Filters,
    some: list[str],
    statements: list[str],
    *,
    may_be_empty: tuple[str, ...] = (),
) -> set[str]:
    """Each of `asked`'s figures read from the rollup (`rolled`, the rollup's zone) equals the same
    figure computed from activities (`computed`: the same days under another name of the zone), and
    has rows unless named in `may_be_empty`. Returns the names of those with rows."""
    with_rows = set()
    for name, query in asked(rolled, some).items():
        ours = warehouse.run(query)
        # the windows' figures: from member_days, or member_windows where the rollup keeps them (the
        # profile: activity_profiles; the level counts: level_counts, where it keeps the view)
        read = {
            "cohorts": ("FROM member_months",),
            "profile": ("FROM member_days", "FROM activity_profiles"),
            "levels": ("member_days AS last_", "FROM member_windows", "FROM level_counts"),
        }.get(name, ("member_days AS last_", "FROM member_windows"))
        assert any(part in statements[-1] for part in read), name
        theirs = warehouse.run(asked(computed, some)[name])
        assert not any(part in statements[-1] for part in read), name
        assert len(ours) or name in may_be_empty, (name, rolled)
        pd.testing.assert_frame_equal(
            sorted_frame(ours), sorted_frame(theirs), check_dtype=False, obj=f"{name} of {rolled}"
        )
        if len(ours):
            with_rows.add(name)
    return with_rows


def test_windows_months_and_first_days_give_the_computed_answers(demo_data_dir, statements):
    today = datetime.now().date()
    warehouse = Warehouse(f"duckdb:///{demo_data_dir / 'warehouse.duckdb'}")
    try:
        ids = warehouse.run(sa.select(member_keys.c.member_id).order_by(member_keys.c.member_key).limit(40))
        some = ids["member_id"].tolist()
        for end, segment in [(end, None) for end in _ends(today)] + [(today, "developer")]:
            rolled = Filters(start=end - timedelta(days=28), end=end, segment=segment)
            computed = Filters(start=rolled.start, end=end, segment=segment, timezone="Etc/UTC")
            assert_computed_alike(warehouse, rolled, computed, some, statements)
    finally:
        warehouse.dispose()


def test_a_years_view_reads_no_member_active_only_between_its_windows(demo_data_dir, statements):
    """A year's level windows end a year apart: a member active only between them has no figures
    in either, from the rollup or computed (the computed figures once gave them a row of zeros,
    and the level counts a dormant pair more than the rollup's)."""
    today = datetime.now().date()
    year = Filters(start=today - timedelta(days=365), end=today)
    now, before, _ = levels.windows_read(year)
    warehouse = Warehouse(f"duckdb:///{demo_data_dir / 'warehouse.duckdb'}")
    try:
        days = rollup.c.day
        in_windows = sa.select(rollup.c.member_key).where(
            ((days >= day_number(now[0])) & (days < day_number(now[1])))
            | ((days >= day_number(before[0])) & (days < day_number(before[1])))
        )
        between = sa.select(sa.func.count(sa.distinct(rollup.c.member_key))).where(
            days >= day_number(before[1]), days < day_number(now[0]), rollup.c.member_key.not_in(in_windows)
        )
        assert warehouse.run(between).iloc[0, 0] > 0  # such members there are, so the figures can differ
        some = warehouse.run(sa.select(member_keys.c.member_id).limit(40))["member_id"].tolist()
        computed = Filters(start=year.start, end=year.end, timezone="Etc/UTC")
        assert_computed_alike(warehouse, year, computed, some, statements, may_be_empty=("slipping",))
    finally:
        warehouse.dispose()


def nina_frames() -> dict[str, pd.DataFrame]:
    """The fixture community and nina, who has neither channel nor segment and joined at 20:00 UTC on
    28 February: 1 March in Shanghai, so her cohort and join day differ by the zone."""
    frames = community.frames()
    nina = {
        "member_id": "nina",
        "joined_at": datetime(2025, 2, 28, 20),
        "channel": None,
        "region": "EU",
        "segment": None,
        "is_team": False,
        "name": "Nina",
        "email": "nina@example.org",
    }
    posts = [datetime(2025, 3, 2, 10), datetime(2025, 3, 5, 10), datetime(2025, 3, 12, 10), datetime(2025, 4, 2, 10)]
    activities = pd.DataFrame(
        {"activity_id": [f"n{n}" for n in range(len(posts))], "member_id": "nina", "occurred_at": posts}
    ).assign(kind="post", platform="forum", campaign_id=None, points=float("nan"))
    frames["members"] = pd.concat([frames["members"], pd.DataFrame([nina])], ignore_index=True)
    frames["activities"] = pd.concat([frames["activities"], activities], ignore_index=True)
    return frames


def test_a_rollup_in_shanghai_with_empty_dimensions_gives_the_computed_answers(tmp_path, statements):
    """The rollup's join days, cohorts and group keys are in the zone it was built in, and a member
    without a channel or segment is a group of her own: "PRC" names the same zone, and is not the
    rollup's, so its figures are computed from activities."""
    path = build_warehouse(tmp_path / "warehouse.duckdb", nina_frames(), timezone="Asia/Shanghai")
    warehouse = Warehouse(f"duckdb:///{path}")
    try:
        some = ["nina", "alice", "dave"]
        with_rows: set[str] = set()
        for end in (P.end, date(2025, 3, 15), date(2025, 4, 1), date(2025, 4, 5)):
            for region in (None, "EU"):
                rolled = Filters(start=end - timedelta(days=7), end=end, region=region, timezone="Asia/Shanghai")
                computed = Filters(start=rolled.start, end=end, region=region, timezone="PRC")
                quiet = ("regulars", "slipping", "respondents")
                with_rows |= assert_computed_alike(warehouse, rolled, computed, some, statements, may_be_empty=quiet)
        expected = {"levels", "levels by combination", "first casual", "cohorts", "profile", "respondents", "slipping"}
        assert with_rows >= expected
        profile = warehouse.run(retention.activity_profile_query(filters=replace(P, timezone="Asia/Shanghai")))
        ninas = profile[profile["channel"].isna()]
        # nina joined in P in Shanghai (joined 3, "during this period") and was first active there on 2 March
        assert ninas[["region", "joined", "period", "members"]].values.tolist() == [["EU", 3, 2, 1]]
    finally:
        warehouse.dispose()


def test_a_rollup_of_an_older_version_is_not_read(tmp_path, statements):
    url = f"sqlite:///{tmp_path / 'community.db'}"
    load_community(url, community.frames())
    engine = create_engine(url)
    with engine.begin() as connection:
        build_rollup(connection, timezone="UTC")
        connection.execute(sa.update(info).where(info.c.key == VERSION_KEY).values(value="1"))
        member_months.drop(connection)  # as a rollup written before member_months existed
    engine.dispose()
    warehouse = Warehouse(url)
    try:
        grid = warehouse.run(cohorts.cohort_activity_query(filters=P))
        assert "FROM activities" in statements[-1] and "FROM member_days" not in statements[-1]
        # (cohort, months since, size, active), months counted from 1970 (653 is June 2024), as worked
        # out in test_metrics_members: gina never active, hank (October) in January and March, dave
        # (December) to February, alice (January) in February and March, bob in February, carol and
        # erin in March.
        assert sorted(grid.fillna(-1).astype(int).itertuples(index=False, name=None)) == [
            (653, -1, 1, -1),
            (657, 3, 1, 1),
            (657, 5, 1, 1),
            (659, 0, 1, 1),
            (659, 1, 1, 1),
            (659, 2, 1, 1),
            (660, 1, 1, 1),
            (660, 2, 1, 1),
            (661, 0, 1, 1),
            (662, 0, 2, 2),
        ]
    finally:
        warehouse.dispose()


def first_days_rows(warehouse) -> list[tuple[str, int, int | None]]:
    """first_days over [1 Feb, 22 Feb), [22 Feb, 1 Mar), [1 Mar, 8 Mar): (member, period, was active), sorted."""
    periods = [(date(2025, 2, 1), date(2025, 2, 22)), (date(2025, 2, 22), P.start), (P.start, P.end)]
    firsts = first_days(P, periods)
    member = member_attributes(P)
    query = sa.select(member.c.member_id, firsts.c.period, firsts.c.was_active).join(
        member, member.c.member_key == firsts.c.member_key
    )
    rows = sorted(tuple(row) for row in warehouse.run(query).astype(object).itertuples(index=False))
    return [(who, int(period), None if pd.isna(was) else int(was)) for who, period, was in rows]


def test_first_days_by_hand(warehouse):
    # Periods [1 Feb, 22 Feb), [22 Feb, 1 Mar), [1 Mar, 8 Mar). alice: 5 Feb, 23 Feb, 1 and 3 Mar;
    # bob 25-26 Feb; carol 2 and 5 Mar; dave 15 Jan then 28 Feb; erin 7 Mar; frank 8 Mar (after);
    # hank 20 Jan then 4 Mar; tom is team.
    assert first_days_rows(warehouse) == [
        ("alice", 0, None),
        ("alice", 1, 1),
        ("alice", 2, 1),
        ("bob", 1, 0),
        ("carol", 2, 0),
        ("dave", 1, 0),
        ("erin", 2, 0),
        ("hank", 2, 0),
    ]


def test_first_days_need_periods_that_follow_each_other():
    with pytest.raises(ValueError, match="follow each other"):
        first_days(P, [(date(2025, 2, 1), date(2025, 2, 20)), (date(2025, 2, 22), P.start)])


def test_fallen_silent_by_hand(warehouse):
    # Active in [1 Feb, 1 Mar): alice (5 and 23 Feb, but again on 1 Mar), bob (25-26 Feb), dave (28
    # Feb). Only bob and dave are silent from 1 March to P's end; hank was last active in January.
    silent = fallen_silent(P, date(2025, 2, 1), P.start)
    member = member_attributes(P)
    query = sa.select(member.c.member_id).select_from(silent).join(member, member.c.member_key == silent.c.member_key)
    assert sorted(warehouse.run(query)["member_id"]) == ["bob", "dave"]


# Members active exactly on the edges of first_days' periods [1 Feb, 22 Feb), [22 Feb, 1 Mar), [1 Mar,
# 8 Mar) and of fallen_silent's [1 Feb, 1 Mar) then silent to 8 March; all joined on 1 January.
EDGE_POSTS = [
    ("una", datetime(2025, 2, 1, 12)),  # the first period's first day
    ("una", datetime(2025, 2, 22, 12)),  # the second period's first day, her previous day the first's
    ("vic", datetime(2025, 2, 5, 12)),
    ("vic", datetime(2025, 3, 1, 12)),  # the third period's first day, nothing in the second
    ("wes", datetime(2025, 1, 20, 12)),  # before both, nothing after
    ("xia", datetime(2025, 2, 1, 12)),  # fallen_silent's first day, nothing after
    ("zed", datetime(2025, 2, 10, 12)),  # team: silent, but never in scope
]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def edges(request, tmp_path_factory):
    """EDGE_POSTS on each engine (all but SQLite with the member-day rollup)."""
    frames = community.frames(
        member_rows=[
            (who, datetime(2025, 1, 1), "forum", "EU", "dev", who == "zed")
            for who in ("una", "vic", "wes", "xia", "zed")
        ],
        activity_rows=[(who, at, "post") for who, at in EDGE_POSTS],
        campaign_rows=[],
        participation_rows=[],
    )
    directory = tmp_path_factory.mktemp(f"edges-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_first_days_count_a_day_exactly_at_a_periods_start_in_that_period(edges):
    # una: 1 Feb opens the first period (no before: NULL); 22 Feb opens the second, her previous day
    # 1 Feb exactly at the first's start: active before. vic: 5 Feb, then 1 Mar opens the third with
    # nothing in the second: not active before. wes (20 Jan) is before them all; zed is team.
    assert first_days_rows(edges) == [
        ("una", 0, None),
        ("una", 1, 1),
        ("vic", 0, None),
        ("vic", 2, 0),
        ("xia", 0, None),
    ]


def test_fallen_silent_keeps_a_last_day_exactly_at_the_start_and_only_members_in_scope(edges):
    # Active in [1 Feb, 1 Mar) and not from 1 March to 8 March: una (last on 22 Feb) and xia (only on
    # 1 Feb, the first day). vic is active on 1 March; wes only before 1 February; zed is team.
    silent = fallen_silent(P, date(2025, 2, 1), P.start)
    member = member_attributes(P)
    query = sa.select(member.c.member_id).select_from(silent).join(member, member.c.member_key == silent.c.member_key)
    assert sorted(edges.run(query)["member_id"]) == ["una", "xia"]
    # Its keys alone, before any join to the members in scope: two, the team's not among them.
    assert edges.run(sa.select(sa.func.count().label("keys")).select_from(silent))["keys"].tolist() == [2]


# Slipping champions among late joiners, for the period [25 March, 1 April 2025): the champion
# window is [2 December, 2 March), the quiet one [2 March, 1 April). Everyone posts only in February
# or January, so each is silent since; with LATE_BAR (2 weeks, 3 contributions) each was a champion.
LATE = Filters(start=date(2025, 3, 25), end=date(2025, 4, 1))
LATE_BAR = levels.LevelRules(champion_weeks=2, champion_contributions=3)
LATE_MEMBERS = [
    ("ivy", datetime(2025, 4, 5)),  # joins after the period: her earlier posts make no member of her
    ("jack", datetime(2025, 3, 28)),  # joins in the period: a member at its end, listed
    ("kim", datetime(2025, 4, 1)),  # joins exactly at the period's end: not a member yet
    ("lou", datetime(2024, 12, 1)),  # an old member, listed
]
LATE_POSTS = [
    *(("ivy", datetime(2025, 2, day, 12)) for day in (3, 10, 17)),  # 3 weeks, 3 contributions
    *(("jack", datetime(2025, 2, day, 12)) for day in (4, 11, 18, 18)),  # 3 weeks, 4 contributions
    *(("kim", datetime(2025, 2, day, 12)) for day in (5, 12, 19)),
    *(("lou", datetime(2025, 1, day, 12)) for day in (6, 13, 13)),  # 2 weeks, 3 contributions
]


def late_joiner_frames() -> dict[str, pd.DataFrame]:
    """The late joiners above, in the shape of tests/community.py's frames."""
    shapes = community.frames()  # for the empty campaign tables
    people = pd.DataFrame(LATE_MEMBERS, columns=["member_id", "joined_at"])
    posts = pd.DataFrame(LATE_POSTS, columns=["member_id", "occurred_at"])
    return {
        "members": people.assign(
            name=people["member_id"].str.title(),
            email=people["member_id"] + "@example.org",
            channel="forum",
            region="EU",
            segment="dev",
            is_team=False,
        ),
        "activities": posts.assign(
            activity_id=[f"p{n}" for n in range(len(posts))], kind="post", platform="forum", campaign_id=None
        ).assign(points=float("nan")),
        "campaigns": shapes["campaigns"].iloc[:0],
        "campaign_members": shapes["campaign_members"].iloc[:0],
    }


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def late_joiners(request, tmp_path_factory):
    """The late joiners on each engine (all but SQLite with the member-day rollup)."""
    directory = tmp_path_factory.mktemp(f"late-{request.param}")
    result = make_warehouse(request.param, directory, late_joiner_frames(), databases(request, request.param))
    yield request.param, result
    result.dispose()


# "UTC" reads the rollup where the engine has one; "Etc/UTC" has the same days, computed from activities.
@pytest.mark.parametrize("timezone", ["UTC", "Etc/UTC"])
def test_slipping_champions_are_members_at_the_periods_end(late_joiners, timezone, statements):
    engine, warehouse = late_joiners
    filters = Filters(start=LATE.start, end=LATE.end, timezone=timezone)
    rows = warehouse.run(levels.slipping_champions_query(filters=filters, rules=LATE_BAR))
    assert rows[["member_id", "active_weeks", "contributions", "last_day"]].values.tolist() == [
        ["jack", 3, 4, day_number(date(2025, 2, 18))],
        ["lou", 2, 3, day_number(date(2025, 1, 13))],
    ]
    assert ("member_days AS" in statements[-1].replace("`", "")) == (engine != "sqlite" and timezone == "UTC")
    # The same members as the level counts: over [1 January, 1 April) jack and lou are champions.
    champions = warehouse.run(levels.members_at_level_query(filters=filters, level="champion", rules=LATE_BAR))
    assert champions["member_id"].tolist() == ["jack", "lou"]
    summary = levels.level_summary(levels.level_changes(warehouse=warehouse, filters=filters, rules=LATE_BAR))
    assert summary.set_index("level")["current"].to_dict() == {"champion": 2, "regular": 0, "casual": 0, "dormant": 0}
    everyone = [member for member, _ in LATE_MEMBERS]
    profiles = warehouse.run(levels.respondent_profiles_query(filters=filters, member_ids=everyone, rules=LATE_BAR))
    assert sorted(profiles[["member_id", "level"]].values.tolist()) == [["jack", "champion"], ["lou", "champion"]]


# 501 members who joined on 1 January and posted once, at 12:00 on 3 February, then fell silent: with a
# bar of one week and one contribution, 501 slipping champions of LATE, tied on contributions.
ONE_POST_BAR = levels.LevelRules(champion_weeks=1, champion_contributions=1, regular_weeks=1, regular_contributions=1)


def one_post_frames(count: int) -> dict[str, pd.DataFrame]:
    shapes = community.frames()  # for the empty campaign tables
    ids = [f"m{n:03}" for n in range(count)]
    people = pd.DataFrame({"member_id": ids, "joined_at": datetime(2025, 1, 1)})
    return {
        "members": people.assign(
            name=people["member_id"], email=people["member_id"] + "@example.org", channel="forum", region="EU"
        ).assign(segment="dev", is_team=False),
        "activities": pd.DataFrame(
            {"activity_id": ids, "member_id": ids, "occurred_at": datetime(2025, 2, 3, 12), "kind": "post"}
        ).assign(platform="forum", campaign_id=None, points=float("nan")),
        "campaigns": shapes["campaigns"].iloc[:0],
        "campaign_members": shapes["campaign_members"].iloc[:0],
    }


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_slipping_champions_are_five_hundred_at_most(engine, tmp_path):
    warehouse = make_warehouse(engine, tmp_path, one_post_frames(501), None)
    rows = warehouse.run(levels.slipping_champions_query(filters=LATE, rules=ONE_POST_BAR))
    warehouse.dispose()
    # All tied on one contribution: by id, m000 to m499; m500 is left out.
    assert (len(rows), rows["member_id"].iloc[0], rows["member_id"].iloc[-1]) == (500, "m000", "m499")
