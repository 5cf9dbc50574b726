"""An existing PostgreSQL database queried in place through a mapping to its own tables and columns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

import schema
from data_sources.errors import NotConfigured
from data_sources.mapping import load_mapping
from data_sources.warehouse import Warehouse
from engines import create_engine
from metrics import activity, retention, sections
from metrics.filters import Filters
from rollup.tables import rollup
from tests import community

P = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
ACTIVITIES = """activities:
  table: events
  columns: {activity_id: id, member_id: user_id, occurred_at: happened, kind: type}
"""
MAPPING = (
    """
members:
  table: crm.users
  columns: {member_id: id, name: full_name, email: mail, joined_at: signed_up, channel: source, is_team: staff}
"""
    + ACTIVITIES
    + """campaign_members:
  table: campaign_members
"""
)  # campaigns needs no entry: the table and its columns are named like ours


def _their_database(url: str) -> None:
    """The fixture community in a layout of its own: other names, a schema, an aware timestamp."""
    frames = community.frames()
    users = frames["members"].rename(
        columns={
            "member_id": "id",
            "name": "full_name",
            "email": "mail",
            "joined_at": "signed_up",
            "channel": "source",
            "is_team": "staff",
        }
    )
    events = frames["activities"].rename(
        columns={"activity_id": "id", "member_id": "user_id", "occurred_at": "happened", "kind": "type"}
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE SCHEMA crm")
        users.to_sql("users", connection, schema="crm", index=False)
        connection.exec_driver_sql(  # theirs keeps time zones; ours reads it as UTC
            "ALTER TABLE crm.users ALTER COLUMN signed_up TYPE timestamptz USING signed_up AT TIME ZONE 'UTC'"
        )
        events.to_sql("events", connection, index=False)
        frames["campaigns"].to_sql("campaigns", connection, index=False)
        frames["campaign_members"].to_sql("campaign_members", connection, index=False)
    engine.dispose()


@pytest.fixture(scope="module")
def theirs(new_postgres_database, tmp_path_factory) -> str:
    url = new_postgres_database("their_crm")
    _their_database(url)
    return url


def mapped(url: str, text: str, folder: Path) -> Warehouse:
    path = folder / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return Warehouse(url, mapping=load_mapping(path))


def test_metrics_run_on_their_tables_and_agree_with_the_canonical_warehouse(theirs, duckdb_warehouse, tmp_path):
    warehouse = mapped(theirs, MAPPING, tmp_path)
    try:
        for build in (sections.members_section, sections.engagement_section):
            assert build(warehouse=warehouse, filters=P) == build(warehouse=duckdb_warehouse, filters=P)
        ours = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=P)), filters=P)
        assert ours["dau"].tolist() == [1, 1, 1, 1, 1, 0, 1]  # by hand in test_metrics_overview
        kpis = sections.member_kpis(warehouse=warehouse, filters=P)
        # seven joined before 8 March (not tom, staff; not frank, who joins at the end); carol and erin in P
        assert (kpis["members"].current, kpis["new_members"].current) == (7, 2)
    finally:
        warehouse.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("table: events", "table: event_log"),
            "mapping.yaml: activities: table 'event_log' is not in the database",
        ),
        (
            (ACTIVITIES, ""),
            "mapping.yaml: activities: no entry, and the database has no table 'activities'",
        ),
        (
            ("happened", "occurred"),
            "mapping.yaml: activities.occurred_at: column 'occurred' is not in events "
            "(it has: id, user_id, happened, type, platform, campaign_id, points)",
        ),
    ],
)
def test_a_mapping_naming_a_missing_table_or_column_is_refused_at_start(theirs, tmp_path, change, message):
    warehouse = mapped(theirs, MAPPING.replace(*change), tmp_path)
    with pytest.raises(NotConfigured) as refused:
        warehouse.version()
        warehouse.run(activity.daily_activity_query(filters=P))
    assert refused.value.user_message == f"The warehouse mapping does not match the database:\n{message}"
    warehouse.dispose()


def test_a_mapping_file_with_unknown_names_says_what_to_fix(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text("people:\n  table: users\nmembers:\n  table: users\n  columns: {id: member_id}\n", encoding="utf-8")
    with pytest.raises(NotConfigured) as refused:
        load_mapping(path)
    assert refused.value.user_message.splitlines() == [
        "mapping.yaml: people: not a table (members, activities, campaigns, campaign_members)",
        "mapping.yaml: members: columns: id is not one of member_id, name, email, joined_at, channel, region, "
        "segment, is_team",
    ]


def test_columns_left_out_read_as_empty(theirs, tmp_path):
    text = MAPPING.replace(", channel: source, is_team: staff", "").replace("name: full_name, ", "")
    warehouse = mapped(theirs, text, tmp_path)
    try:
        members = warehouse.run(sa.select(schema.members).order_by(schema.members.c.member_id))
        assert members["name"].isna().all() and not members["is_team"].any()
        assert members["member_id"].tolist()[:2] == ["alice", "bob"]
        assert str(members["joined_at"].iloc[0]) == "2025-01-10 00:00:00"  # timestamptz read as UTC
    finally:
        warehouse.dispose()


def test_the_rollup_is_written_into_their_database_and_read_at_once(theirs, duckdb_warehouse, tmp_path):
    warehouse = mapped(theirs, MAPPING, tmp_path)
    try:
        assert warehouse.rollup_state() == {}
        engine = warehouse._current_engine()
        assert "FROM member_days" not in str(retention.activity_profile_query(filters=P).compile(engine))
        canonical = duckdb_warehouse.run(sa.select(sa.func.count()).select_from(rollup)).iloc[0, 0]
        assert warehouse.refresh_rollup(timezone="UTC") == canonical  # the same member-days as a synced build
        state = warehouse.rollup_state()
        assert state["member_days_timezone"] == "UTC" and state["member_days_built_at"].startswith("20")
        engine = warehouse._current_engine()  # reopened, marked with the new rollup: no restart needed
        assert "FROM member_days" in str(retention.activity_profile_query(filters=P).compile(engine))
        assert sections.members_section(warehouse=warehouse, filters=P) == sections.members_section(
            warehouse=duckdb_warehouse, filters=P
        )
    finally:
        with create_engine(theirs).begin() as connection:  # the other tests compute from their tables
            for table in ("activity_changes", "member_days", "member_keys", "pulse_info"):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        warehouse.dispose()
