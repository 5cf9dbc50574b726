"""A ClickHouse warehouse, on the ClickHouse engine itself (chDB, tests/clickhouse.py): the build
that sync writes there, the rollup it holds, the SQL its dialect is sent, a mapping to other
tables, and the errors a person reads. The metric answers themselves run in every metric test, on
the `warehouse` fixture's "clickhouse" engine."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from clickhouse_connect.driver.client import Client
from streamlit.testing.v1 import AppTest

import clock
import schema
from data_sources import clickhouse
from data_sources.clickhouse import arrow_table, build_clickhouse, create_table_sql
from data_sources.errors import NotConfigured, SourceUnavailable
from data_sources.mapping import load_mapping
from data_sources.rollup import TABLES
from data_sources.sync import import_files, run_sync
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import contributions, profile, sections
from metrics.filters import Filters
from rollup.tables import TIMEZONE_KEY, info, rollup
from settings import load_settings
from store.database import AppStore
from tests import community

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))


def table_rows(url: str, table: sa.Table) -> pd.DataFrame:
    """A table's rows in a fixed order, as any engine gives them."""
    frame = Warehouse(url).run(sa.select(table).order_by(*table.c))
    return frame.astype({name: "float64" for name in frame.columns if frame[name].dtype.kind in "iuf"})


def show_tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(row[0] for row in connection.exec_driver_sql("SHOW TABLES"))
    finally:
        engine.dispose()


def create_statement(url: str, table: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql(f"SHOW CREATE TABLE {table}").scalar())
    finally:
        engine.dispose()


@pytest.mark.parametrize("timezone", ["UTC", "Asia/Shanghai"])
def test_the_rollup_built_in_clickhouse_equals_duckdbs(new_clickhouse_database, tmp_path, timezone):
    # Every row of the six tables, NULLs included (lag and lead past a member's first or last day).
    url = new_clickhouse_database("rollup")
    build_clickhouse(url, community.frames(), timezone=timezone, stamp={})
    build_warehouse(tmp_path / "warehouse.duckdb", community.frames(), timezone=timezone)
    duck = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    for table in TABLES:
        pd.testing.assert_frame_equal(table_rows(url, table), table_rows(duck, table), obj=table.name)
    assert Warehouse(url).rollup_state()[TIMEZONE_KEY] == timezone


def test_sync_builds_the_warehouse_in_clickhouse_with_one_arrow_insert_per_table(
    new_clickhouse_database, tmp_path, monkeypatch
):
    url = new_clickhouse_database("synced")
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", url)
    for name in ("PULSE_APP_DB_URL", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    inserts: list[tuple[str, int]] = []
    insert_arrow = Client.insert_arrow

    def counted(client, table, data, *args, **kwargs):
        inserts.append((table, data.num_rows))
        return insert_arrow(client, table, data, *args, **kwargs)

    monkeypatch.setattr(Client, "insert_arrow", counted)
    monkeypatch.setattr(clickhouse, "INSERT_ROWS", 7)
    frames = community.frames()
    try:
        result = run_sync(settings=settings, app_store=store, source="/exports", load=lambda: (frames, []))
        assert (result.mode, result.reason) == (
            "full",
            "ClickHouse is rebuilt whole on every sync (new tables beside the ones in use, then swapped in).",
        )
        by_table: dict[str, list[int]] = {}
        for table, rows in inserts:
            by_table.setdefault(table, []).append(rows)
        assert by_table == {  # 7 rows an insert here (INSERT_ROWS); the rollup is INSERT … SELECT
            "members__next": [7, 2],
            "activities__next": [7, 7, 5],
            "campaigns__next": [2],
            "campaign_members__next": [7, 7],  # 6 invited, 4 registered, 2 attended, 2 letters
            "pulse_info__next": [5],  # the rollup's zone, build time and version; the source and settings read
        }
        warehouse = Warehouse(url)
        assert sections.member_kpis(warehouse=warehouse, filters=P)["members"].current == 7
        # A second sync, one activity fewer: swapped in whole, nothing staged left behind.
        fewer = {**frames, "activities": frames["activities"].iloc[1:]}
        run_sync(settings=settings, app_store=store, source="/exports", load=lambda: (fewer, []))
        count = sa.select(sa.func.count()).select_from(schema.activities)
        assert Warehouse(url).run(count).iloc[0, 0] == 18
        expected = sorted([*(t.name for t in schema.metadata.sorted_tables), *(t.name for t in TABLES), info.name])
        assert show_tables(url) == expected
    finally:
        store.dispose()


def test_tables_are_merge_trees_ordered_by_what_queries_narrow_on(clickhouse_warehouse):
    url = clickhouse_warehouse.url
    activities = create_statement(url, "activities")
    assert "ENGINE = MergeTree" in activities
    assert "PARTITION BY toYYYYMM(occurred_at)" in activities
    assert "ORDER BY (occurred_at, member_id)" in activities
    assert "`occurred_at` DateTime64(6, 'UTC')" in activities
    assert "`points` Nullable(Float64)" in activities
    member_days = create_statement(url, "member_days")
    assert "ORDER BY (day, member_key)" in member_days
    assert "`previous_day` Nullable(Int32)" in member_days


@pytest.fixture(scope="module")
def clickhouse_warehouse(new_clickhouse_database):
    url = new_clickhouse_database("layout")
    build_clickhouse(url, community.frames(), timezone="UTC", stamp={})
    warehouse = Warehouse(url)
    yield warehouse
    warehouse.dispose()


def test_distinct_counts_are_exact_and_days_named_in_their_zone(clickhouse_warehouse, statements):
    shanghai = Filters(start=P.start, end=P.end, timezone="Asia/Shanghai")  # not the rollup's: from activities
    # A leaderboard narrowed to a platform counts each member's distinct active days.
    clickhouse_warehouse.run(contributions.top_contributors_query(filters=shanghai, platform="forum"))
    sent = statements[-1]
    assert "uniqExact(" in sent and "uniq(" not in sent and "count(DISTINCT" not in sent
    assert "toDate32(`activities`.`occurred_at`, %(param_" in sent


def test_member_search_ignores_case_and_treats_wildcards_as_text(clickhouse_warehouse):
    found = clickhouse_warehouse.run(profile.search_members_query("ALI", include_email=False))
    assert found["member_id"].tolist() == ["alice"]
    assert clickhouse_warehouse.run(profile.search_members_query("%", include_email=True)).empty


MAPPING = """
members:
  table: crm.users
  columns: {member_id: id, name: full_name, email: mail, joined_at: signed_up, channel: source, is_team: staff}
activities:
  table: events
  columns: {activity_id: id, member_id: user_id, occurred_at: happened, kind: type}
"""


@pytest.fixture(scope="module")
def their_clickhouse(new_clickhouse_database):
    """The fixture community in a layout of its own: other names, one table in another database,
    activities on another time zone's clock."""
    url = new_clickhouse_database("their_crm")
    crm = new_clickhouse_database("crm")
    engine = create_engine(url)
    frames = community.frames()
    with engine.connect() as connection:
        crm_name = sa.engine.make_url(crm).database
        connection.exec_driver_sql(
            f'CREATE TABLE "{crm_name}".users (id String, full_name String, mail String, '
            "signed_up DateTime64(6, 'UTC'), source String, region String, segment String, staff Bool) "
            "ENGINE = MergeTree ORDER BY id"
        )
        columns = (
            "(id String, user_id String, happened DateTime64(6, {zone}), type String, platform Nullable(String), "
            "campaign_id Nullable(String), points Nullable(Float64)) ENGINE = MergeTree ORDER BY happened"
        )
        connection.exec_driver_sql("CREATE TABLE events_utc " + columns.format(zone="'UTC'"))
        # Theirs keeps activities on Shanghai's clock: the same instants, which ours reads as UTC.
        connection.exec_driver_sql("CREATE TABLE events " + columns.format(zone="'Asia/Shanghai'"))
        users = (
            frames["members"]
            .rename(columns={"member_id": "id", "name": "full_name", "email": "mail", "joined_at": "signed_up"})
            .rename(columns={"channel": "source", "is_team": "staff"})
        )
        client = connection.connection.dbapi_connection.client
        client.insert_df(
            f"{crm_name}.users", users[["id", "full_name", "mail", "signed_up", "source", "region", "segment", "staff"]]
        )
        events = frames["activities"].rename(
            columns={"activity_id": "id", "member_id": "user_id", "occurred_at": "happened", "kind": "type"}
        )
        client.insert_df("events_utc", events)
        connection.exec_driver_sql("INSERT INTO events SELECT * FROM events_utc")
        for name in ("campaigns", "campaign_members"):
            table = schema.metadata.tables[name]
            connection.exec_driver_sql(create_table_sql(table, name))
            client.insert_arrow(name, arrow_table(table, frames[name]))
    engine.dispose()
    return url, sa.engine.make_url(crm).database


def mapped(url: str, text: str, folder: Path) -> Warehouse:
    path = folder / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return Warehouse(url, mapping=load_mapping(path))


def test_a_mapping_reads_their_tables_and_the_rollup_refreshes_through_it(
    their_clickhouse, clickhouse_warehouse, tmp_path
):
    url, crm = their_clickhouse
    warehouse = mapped(url, MAPPING.replace("crm.users", f"{crm}.users"), tmp_path)
    try:
        for build in (sections.members_section, sections.engagement_section):
            assert build(warehouse=warehouse, filters=P) == build(warehouse=clickhouse_warehouse, filters=P)
        assert warehouse.refresh_rollup(timezone="UTC") == len(
            Warehouse(clickhouse_warehouse.url).run(sa.select(rollup))
        )
        assert warehouse.rollup_state()[TIMEZONE_KEY] == "UTC"
        assert sections.engagement_section(warehouse=warehouse, filters=P) == sections.engagement_section(
            warehouse=clickhouse_warehouse, filters=P
        )
    finally:
        warehouse.dispose()


def test_a_mapping_naming_a_missing_table_says_which(their_clickhouse, tmp_path):
    url, crm = their_clickhouse
    warehouse = mapped(url, MAPPING.replace("crm.users", f"{crm}.people"), tmp_path)
    with pytest.raises(NotConfigured) as refused:
        warehouse.check()
    assert f"mapping.yaml: members: table '{crm}.people' is not in the database" in refused.value.user_message


def test_a_table_gone_after_the_check_is_named(new_clickhouse_database):
    url = new_clickhouse_database("gone")
    build_clickhouse(url, community.frames(), timezone="UTC", stamp={})
    warehouse = Warehouse(url)
    try:
        warehouse.check()
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("DROP TABLE campaigns")
        engine.dispose()
        with pytest.raises(SourceUnavailable) as failed:
            warehouse.run(sa.select(schema.campaigns.c.name))
        database = sa.engine.make_url(url).database
        assert failed.value.user_message == (
            f"ClickHouse has no table or database campaigns ({database}). Build the warehouse there with "
            "`python cli.py sync`, or name your own tables in warehouse_mapping (docs/data-sources.md)."
        )
    finally:
        warehouse.dispose()


def test_a_missing_column_is_named(clickhouse_warehouse):
    ghost = sa.table("members", sa.column("nickname"))
    with pytest.raises(SourceUnavailable) as failed:
        clickhouse_warehouse.run(sa.select(ghost.c.nickname))
    message = failed.value.user_message
    assert message.startswith(
        "ClickHouse has no column members.nickname where a query needs it (Code: 47. DB::Exception: Identifier "
    ), message
    assert "SELECT" not in message  # the statement the engine quotes is left out


def test_a_query_past_the_time_limit_says_how_to_raise_it(new_clickhouse_database):
    url = new_clickhouse_database("slow") + "&max_execution_time=0.05"
    warehouse = Warehouse(url)
    endless = sa.select(sa.func.count()).select_from(sa.text("numbers(100000000000)"))
    try:
        with pytest.raises(SourceUnavailable) as failed:
            warehouse.run(endless)
    finally:
        warehouse.dispose()
    message = failed.value.user_message
    assert message.startswith(
        "ClickHouse stopped the query at its time limit (Code: 159. DB::Exception: Timeout exceeded"
    )
    assert message.endswith("raise max_execution_time in PULSE_WAREHOUSE_URL (…?max_execution_time=120).")


def test_a_page_on_a_clickhouse_database_without_our_tables_says_what_to_do(
    new_clickhouse_database, tmp_path, pulse_env, monkeypatch
):
    url = new_clickhouse_database("empty")
    pulse_env(tmp_path)
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", url)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60).run()
    assert not at.exception
    shown = at.error[0].value.replace("\\", "")  # markdown escapes
    database = sa.engine.make_url(url).database
    assert shown == (
        f"ClickHouse has no table or database members ({database}). Build the warehouse there with "
        "`python cli.py sync`, or name your own tables in warehouse_mapping (docs/data-sources.md)."
    )


def test_the_version_follows_each_build_so_a_running_app_shows_a_sync_at_once(new_clickhouse_database, monkeypatch):
    url = new_clickhouse_database("versions")
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 1, 9, 0, 0))
    build_clickhouse(url, community.frames(), timezone="UTC", stamp={})
    warehouse = Warehouse(url)
    try:
        assert warehouse.version() == f"{url}#2026-12-01T09:00:00"
        count = sa.select(sa.func.count()).select_from(schema.members)
        assert warehouse.run(count).iloc[0, 0] == 9
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 1, 10, 0, 0))
        fewer = community.frames(member_rows=community.MEMBERS[:-1])  # tom left
        build_clickhouse(url, fewer, timezone="UTC", stamp={})
        assert warehouse.version() == f"{url}#2026-12-01T10:00:00"
        assert warehouse.run(count).iloc[0, 0] == 8
    finally:
        warehouse.dispose()


def test_importing_one_table_into_clickhouse_is_refused_with_what_to_do_instead(tmp_path, monkeypatch):
    # An import keeps the tables it does not replace from the built-in warehouse; ClickHouse is rebuilt whole.
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", "clickhousedb:///nowhere?interface=chdb")
    settings = load_settings()
    store = AppStore(settings.app_db_url)
    store.migrate()
    members = tmp_path / "members.csv"
    members.write_text("member_id,joined_at\nm1,2025-01-01\n", encoding="utf-8")
    try:
        with pytest.raises(NotConfigured) as refused:
            import_files([members], settings=settings, app_store=store)
    finally:
        store.dispose()
    assert refused.value.user_message.endswith("run `python cli.py sync --source FOLDER`.")
