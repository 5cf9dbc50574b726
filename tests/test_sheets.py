"""Google Sheets as community source: real gspread against the local Sheets v4 server."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

import schema
from data_sources.errors import InvalidData, SourceUnavailable
from data_sources.sync import recent_runs, sync, sync_due
from data_sources.warehouse import Warehouse
from settings import SheetsConfig, load_settings
from store.database import AppStore
from tests.sheets_server import local_client, sheets_server
from ui import background

MEMBERS = [
    ["member_id", "name", "joined_at", "channel", "is_team"],
    ["m1", "Ada", "2025-01-05 10:00:00", "forum", "FALSE"],
    ["m2", "Bo", "2025-01-06 08:00:00", "event", "FALSE"],
]
ACTIVITIES = [
    ["activity_id", "member_id", "occurred_at", "kind", "platform"],
    ["a1", "m1", "2025-01-05 11:00:00", "post", "forum"],
    ["a2", "m2", "2025-01-06 09:00:00", "comment", "forum"],
]
CONFIG = SheetsConfig(spreadsheet="book1", worksheets=(("members", "Members"), ("activities", "Activity")))


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_TIMEZONE", "PULSE_COMMUNITY_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    settings = dataclasses.replace(load_settings(), sheets=CONFIG, community_source="sheets")
    store = AppStore(settings.app_db_url)
    store.migrate()
    with sheets_server() as server:
        yield settings, store, server
    store.dispose()


def members_in(settings) -> list[list]:
    frame = Warehouse(settings.warehouse_url).run(
        sa.select(schema.members.c.member_id, schema.members.c.name).order_by(schema.members.c.member_id)
    )
    return frame.values.tolist()


def test_sheets_are_read_into_the_warehouse(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows == {"members": 2, "activities": 2, "campaigns": 0, "campaign_members": 0}
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]
    assert ("GET", "/v4/spreadsheets/book1/values/'Members'") in server.seen
    assert recent_runs(store)["status"].tolist() == ["succeeded"]


def test_header_mapping_reads_a_forms_timestamp_and_chinese_headers(env):
    settings, store, server = env
    settings = dataclasses.replace(
        settings,
        timezone="Asia/Shanghai",
        sheets=dataclasses.replace(
            CONFIG,
            headers=(
                ("members", (("成员编号", "member_id"), ("姓名", "name"), ("加入时间", "joined_at"))),
                ("activities", (("Timestamp", "occurred_at"), ("Member", "member_id"), ("Id", "activity_id"))),
            ),
        ),
    )
    server.add(
        "book1",
        "社区数据",
        Members=[["成员编号", "姓名", "加入时间"], ["m1", "李雷", "2024/3/5 14:03:22"], ["", "", ""]],
        Activity=[["Timestamp", "Member", "Id", "kind"], ["3/5/2024 15:00:00", "m1", "a1", "post"]],
    )
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows["members"] == 1  # the blank trailing row is dropped
    warehouse = Warehouse(settings.warehouse_url)
    member = warehouse.run(sa.select(schema.members)).iloc[0]
    assert (member["name"], str(member["joined_at"])) == ("李雷", "2024-03-05 06:03:22")  # Shanghai → UTC
    activity = warehouse.run(sa.select(schema.activities)).iloc[0]
    assert (activity["member_id"], str(activity["occurred_at"])) == ("m1", "2024-03-05 07:00:00")
    assert "could be either order; read as month first" in " ".join(result.warnings)


def test_a_missing_worksheet_is_named_and_the_last_good_data_stays(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    sync(settings=settings, app_store=store, sheets_client=local_client(server))
    server.add("book1", "Pulse data", Members=MEMBERS, Activities_2025=ACTIVITIES)
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "Worksheet 'Activity' (for activities) is not in spreadsheet 'Pulse data'; it has: Members, Activities 2025. "
        "Check [pulse.sheets.worksheets] in secrets.toml."
    )
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]
    runs = recent_runs(store)
    assert runs["status"].tolist() == ["failed", "succeeded"]
    assert runs["error"].iloc[0] == raised.value.user_message


def test_a_quota_error_is_retried_and_the_read_succeeds(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    server.fail_next(429, retry_after="0")
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows["members"] == 2
    assert server.seen[:2] == [("GET", "/v4/spreadsheets/book1")] * 2  # refused once, then asked again


def test_a_server_error_that_persists_gives_up_with_a_clear_message(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    sync(settings=settings, app_store=store, sheets_client=local_client(server))
    server.seen.clear()
    server.fail_next(500, times=10)
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "Google Sheets answered 500 (Injected 500) for spreadsheet book1, after retrying. "
        "The last good data stays in place."
    )
    assert len(server.seen) == 4  # the first try and three retries (QuickRetries.delays)
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]


def test_an_unknown_spreadsheet_says_to_check_the_key_and_sharing(env):
    settings, store, server = env
    with pytest.raises(SourceUnavailable, match=r"Spreadsheet book1 was not found.*shared with the service account"):
        sync(settings=settings, app_store=store, sheets_client=local_client(server))


def test_a_bad_cell_is_located_by_sheet_row_and_column(env):
    settings, store, server = env
    bad = [MEMBERS[0], MEMBERS[1], ["m2", "Bo", "next tuesday", "event", "FALSE"]]
    server.add("book1", "Pulse data", Members=bad, Activity=ACTIVITIES)
    with pytest.raises(InvalidData, match=r"sheet 'Members', row 3, column joined_at: 'next tuesday' is not a date"):
        sync(settings=settings, app_store=store, sheets_client=local_client(server))


def test_sheets_settings_come_from_secrets(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        """
[pulse]
community_source = "sheets"
sheets_refresh_minutes = 30
[pulse.sheets]
spreadsheet = "https://docs.google.com/spreadsheets/d/abc123/edit"
[pulse.sheets.worksheets]
members = "Members"
activities = "Form Responses 1"
[pulse.sheets.headers.activities]
"Timestamp" = "occurred_at"
""",
        encoding="utf-8",
    )
    settings = load_settings(environ={"PULSE_SECRETS_FILE": str(secrets)})
    assert settings.sheets_refresh_minutes == 30
    assert settings.sheets.worksheets == (("members", "Members"), ("activities", "Form Responses 1"))
    assert settings.sheets.header_map("activities") == {"Timestamp": "occurred_at"}
    assert settings.sheets.header_map("members") == {}


def test_a_sync_is_due_when_the_last_run_started_longer_ago_than_the_refresh(env):
    settings, store, server = env
    now = datetime(2026, 3, 10, 12)
    assert sync_due(settings=settings, app_store=store, now=now)  # never synced
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    sync(settings=settings, app_store=store, sheets_client=local_client(server))
    started = recent_runs(store)["started_at"].iloc[0].to_pydatetime()
    assert not sync_due(settings=settings, app_store=store, now=started + timedelta(minutes=14, seconds=59))
    assert sync_due(settings=settings, app_store=store, now=started + timedelta(minutes=15))


def test_the_app_starts_a_due_sheets_sync_in_the_background_once(env, monkeypatch):
    _, store, _ = env
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", "sheets")  # without [pulse.sheets]: the run fails, recorded
    monkeypatch.setattr(background, "_checked", {"at": 0.0})
    thread = background.refresh_when_due(load_settings())
    assert thread is not None
    thread.join(timeout=60)
    runs = recent_runs(store)
    assert runs[["source", "status"]].values.tolist() == [["sheets", "failed"]]
    assert runs["error"].iloc[0] == "The source is Google Sheets, but secrets.toml has no [pulse.sheets] section."
    assert background.refresh_when_due(load_settings()) is None  # checked a moment ago
