"""AppTest: the Data page (freshness, sync, file imports, Google Forms responses, sync runs)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import schema
from data_sources.warehouse import Warehouse
from engines import create_engine
from metrics.member_days import VERSION_KEY, info
from store import tables
from store.database import AppStore
from tests import community
from tests.conftest import load_community

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MEMBERS = "member_id,name,joined_at\nm1,<b>Ada</b>,2025-01-05 10:00:00\nm2,Bo,2025/1/6 14:03\n"
ACTIVITIES = "activity_id,member_id,occurred_at,kind\na1,m1,2025-01-05 11:00:00,post\n"


@pytest.fixture
def folder(configured, tmp_path, monkeypatch) -> Path:
    source = tmp_path / "exports"
    source.mkdir()
    (source / "members.csv").write_text(MEMBERS, encoding="utf-8")
    (source / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", str(source))
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    return source


def open_data() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/data.py")
    return at.run()


def members_in(directory: Path) -> list[str]:
    warehouse = Warehouse(f"duckdb:///{directory / 'warehouse.duckdb'}")
    try:
        return warehouse.run(sa.select(schema.members.c.member_id).order_by("member_id"))["member_id"].tolist()
    finally:
        warehouse.dispose()


def test_sync_now_rebuilds_from_the_source_and_lists_the_run(folder, configured):
    at = open_data()
    assert not at.exception
    assert at.metric[0].value == str(folder)
    assert at.metric[1].value == "—"  # the fixture warehouse was never synced
    at.button(key="data_sync").click().run()
    assert at.success[0].value == f"Synced from {folder}: 2 members, 1 activities, 0 campaigns, 0 campaign_members."
    assert members_in(configured) == ["m1", "m2"]
    runs = at.dataframe[0].value
    assert runs[["source", "status", "rows"]].values.tolist() == [
        [str(folder), "succeeded", "2 members, 1 activities, 0 campaigns, 0 campaign_members"]
    ]


def test_a_failed_sync_says_where_as_plain_text_and_changes_nothing(folder, configured):
    before = members_in(configured)
    (folder / "members.csv").write_text(MEMBERS.replace("2025/1/6 14:03", "**soon**"), encoding="utf-8")
    at = open_data()
    at.button(key="data_sync").click().run()
    assert at.error[0].value == "Nothing was changed. What went wrong:"
    assert at.text[-1].value.startswith("members.csv, row 3, column joined_at: '**soon**' is not a date/time")
    assert members_in(configured) == before
    assert at.dataframe[0].value["status"].tolist() == ["failed"]


def test_uploaded_files_are_imported_all_or_nothing(folder, configured):
    at = open_data()
    at.file_uploader(key="data_files").set_value(
        [("members.csv", MEMBERS.encode("gb18030"), "text/csv"), ("activities.csv", ACTIVITIES.encode(), "text/csv")]
    ).run()
    at.button(key="data_import").click().run()
    assert at.success[0].value.startswith("Imported import: members.csv, activities.csv: 2 members, 1 activities")
    assert members_in(configured) == ["m1", "m2"]

    at.file_uploader(key="data_files").set_value([("export.csv", b"member_id\nm9\n", "text/csv")]).run()
    at.button(key="data_import").click().run()
    assert at.text[-1].value.startswith("export.csv: is not named after a table")
    assert members_in(configured) == ["m1", "m2"]


def test_google_forms_responses_are_imported_into_a_survey(folder, configured):
    at = open_data()
    at.selectbox(key="data_forms_survey").set_value("post-event").run()
    export = "Timestamp,How likely are you to recommend our events to a friend?\n2026/3/5 14:03:22,10\n"
    at.file_uploader(key="data_forms_file").set_value(("form.csv", export.encode(), "text/csv")).run()
    at.button(key="data_forms_import").click().run()
    assert at.success[0].value == "Imported 1 responses into post-event; 0 were there already."
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    try:
        sources = store.run(sa.select(tables.responses.c.source).where(tables.responses.c.source == "google_forms"))
        assert len(sources) == 1
    finally:
        store.dispose()


def test_a_database_in_place_shows_and_refreshes_its_rollup(configured, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'theirs.db'}"
    load_community(url, community.frames())
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", url)
    at = open_data()
    assert not at.exception
    assert at.metric[0].value == "Your database, queried in place"
    assert at.metric[1].value == "—"  # no rollup yet: metrics compute from activities
    assert not at.warning
    at.button(key="data_rollup").click().run()
    assert at.success[0].value.startswith("The rollup holds ")
    at.run()
    assert at.metric[1].value.startswith("20")  # its build time
    assert not at.warning

    engine = create_engine(url)  # as a rollup written by an older version
    with engine.begin() as connection:
        connection.execute(sa.update(info).where(info.c.key == VERSION_KEY).values(value="1"))
    engine.dispose()
    at.run()
    assert at.warning[0].value.startswith("This rollup was written by an older version of Community Pulse")


def test_a_mapping_that_does_not_match_is_shown(configured, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'theirs.db'}"
    load_community(url, community.frames())
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("members:\n  table: users\n", encoding="utf-8")
    monkeypatch.setenv("PULSE_WAREHOUSE_URL", url)
    monkeypatch.setenv("PULSE_WAREHOUSE_MAPPING", str(mapping))
    at = open_data()
    assert at.error[0].value == "Nothing was changed. What went wrong:"
    assert at.text[-1].value == (
        "The warehouse mapping does not match the database:\n"
        "mapping.yaml: members: table 'users' is not in the database"
    )
