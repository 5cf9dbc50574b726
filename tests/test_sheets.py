"""Google Sheets as community source: real gspread against the local Sheets v4 server."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

import schema
from data_sources.errors import InvalidData, NotConfigured, SourceUnavailable
from data_sources.sheets import (
    KEY_HELP,
    RetryingHTTPClient,
    fetch_worksheet,
    open_client,
    open_spreadsheet,
    read_sheets,
)
from data_sources.sync import import_files, recent_runs, sync, sync_due
from data_sources.warehouse import Warehouse
from settings import SheetsConfig, load_settings
from store.database import AppStore
from tests.sheets_server import EMAIL, Shown, local_client, serial, service_account, sheets_server
from ui import background

MEMBERS = [
    ["member_id", "name", "joined_at", "channel", "is_team"],
    ["m1", "Ada", datetime(2025, 1, 5, 10), "forum", False],
    ["m2", "Bo", datetime(2025, 1, 6, 8), "event", False],
]
ACTIVITIES = [
    ["activity_id", "member_id", "occurred_at", "kind", "platform"],
    ["a1", "m1", datetime(2025, 1, 5, 11), "post", "forum"],
    ["a2", "m2", datetime(2025, 1, 6, 9), "comment", "forum"],
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
    heard: list[tuple[str, int, int]] = []
    result = sync(
        settings=settings, app_store=store, sheets_client=local_client(server), progress=lambda *s: heard.append(s)
    )
    assert result.rows == {"members": 2, "activities": 2, "campaigns": 0, "campaign_members": 0}
    assert heard == [("Members", 1000, 1000), ("Activity", 1000, 1000)]  # a page each: the grid's 1,000 rows
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]
    assert server.params("/values/'Members'!1:1000") == [
        {"valueRenderOption": ["UNFORMATTED_VALUE"], "dateTimeRenderOption": ["SERIAL_NUMBER"]}
    ]
    assert recent_runs(store)["status"].tolist() == ["succeeded"]


def test_header_mapping_reads_chinese_headers_and_the_sheets_own_time_zone(env):
    settings, store, server = env
    settings = dataclasses.replace(
        settings,
        sheets=dataclasses.replace(
            CONFIG,
            headers=(
                ("members", (("成员编号", "member_id"), ("姓名", "name"), ("加入时间", "joined_at"))),
                ("activities", (("Timestamp", "occurred_at"), ("Member", "member_id"), ("Id", "activity_id"))),
            ),
        ),
    )
    book = server.add(
        "book1",
        "社区数据",
        Members=[["成员编号", "姓名", "加入时间"], ["m1", "李雷", datetime(2024, 3, 5, 14, 3, 22)], ["", "", ""]],
        Activity=[["Timestamp", "Member", "Id", "kind"], [datetime(2024, 3, 5, 15), "m1", "a1", "post"]],
    )
    book.locale, book.time_zone = "zh_CN", "Asia/Shanghai"
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows["members"] == 1  # the blank trailing row is dropped
    warehouse = Warehouse(settings.warehouse_url)
    member = warehouse.run(sa.select(schema.members)).iloc[0]
    assert (member["name"], str(member["joined_at"])) == ("李雷", "2024-03-05 06:03:22")  # Shanghai → UTC
    activity = warehouse.run(sa.select(schema.activities)).iloc[0]
    assert (activity["member_id"], str(activity["occurred_at"])) == ("m1", "2024-03-05 07:00:00")


def test_chinese_headers_of_the_required_columns_need_no_mapping_and_their_dates_read_as_dates(env):
    """成员ID and 加入时间 are read as member_id and joined_at before the cells are typed, so the
    joined_at serial numbers Sheets sends are read as dates (data_sources.headers.ALIASES)."""
    settings, store, server = env
    server.add(
        "book1",
        "社区数据",
        Members=[["成员ID", "加入时间"], ["m1", datetime(2024, 3, 5, 14, 3, 22)]],
        Activity=[["行为ID", "成员ID", "发生时间", "类型"], ["a1", "m1", datetime(2024, 3, 5, 15), "post"]],
    )
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows["members"] == 1 and result.rows["activities"] == 1
    member = Warehouse(settings.warehouse_url).run(sa.select(schema.members)).iloc[0]
    assert (member["member_id"], str(member["joined_at"])) == ("m1", "2024-03-05 14:03:22")


def refused_members(env, members: list[list[str]]) -> str:
    """The message of a sync refused for the Members tab `members` (the Activity tab is ACTIVITIES)."""
    settings, store, server = env
    server.add("book1", "社区数据", Members=members, Activity=ACTIVITIES)
    with pytest.raises(InvalidData) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    return raised.value.user_message


def test_a_refused_cell_under_a_chinese_header_names_the_header_as_written(env):
    """A manager looks for 加入时间 in the sheet, not joined_at: the message names both."""
    message = refused_members(env, [["成员ID", "加入时间"], ["m1", "下周"]])
    assert "sheet 'Members', row 2, column 加入时间 (joined_at): '下周' is not a date" in message


def test_a_sheet_missing_a_column_is_told_the_headers_it_has_as_written_on_row_1(env):
    """The headers found are the sheet's own (成员ID, not the member_id it is read as), on its row 1."""
    message = refused_members(env, [["成员ID", "加入"], ["m1", "2024-03-05"]])
    assert "row 1: headers found: '成员ID', '加入'" in message
    assert "column joined_at: required column is missing from the header" in message


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
    asked = [request for request in server.seen if request[1].startswith("/v4/")]
    assert asked[:2] == [("GET", "/v4/spreadsheets/book1")] * 2  # refused once, then asked again


def test_a_retry_after_of_an_hour_is_not_waited_for(env, monkeypatch):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    sync(settings=settings, app_store=store, sheets_client=local_client(server))
    waits: list[float] = []
    monkeypatch.setattr("data_sources.sheets.time.sleep", waits.append)
    server.seen.clear()
    server.fail_next(429, retry_after="3600", times=10)
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert "quota stayed used up" in raised.value.user_message
    assert waits == []  # given up at once, not after an hour
    assert len([path for _, path in server.seen if path.startswith("/v4/")]) == 1
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]


def test_a_server_error_that_persists_gives_up_with_a_clear_message(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    sync(settings=settings, app_store=store, sheets_client=local_client(server))
    server.seen.clear()
    server.fail_next(500, times=10)
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "Google Sheets answered 500 (INTERNAL: Internal error encountered.) for spreadsheet book1, after retrying. "
        "The last good data stays in place."
    )
    assert len([path for _, path in server.seen if path.startswith("/v4/")]) == 4  # a try, three retries
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]


def test_an_unknown_spreadsheet_says_to_check_the_key_and_sharing(env):
    settings, store, server = env
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        f"Spreadsheet book1 was not found. Check the key or URL, and that it is shared with {EMAIL}."
    )


def test_a_bad_cell_is_located_by_sheet_row_and_column(env):
    settings, store, server = env
    bad = [MEMBERS[0], ["m2", "Bo", "next tuesday", "event", False]]
    server.add("book1", "Pulse data", Members=bad, Activity=ACTIVITIES)
    with pytest.raises(InvalidData, match=r"sheet 'Members', row 2, column joined_at: 'next tuesday' is not a date"):
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


def test_the_background_sync_leaves_files_imported_on_the_data_page_alone(env, tmp_path, monkeypatch):
    _, store, _ = env
    members = tmp_path / "members.csv"
    members.write_text("member_id,joined_at\nm1,2025-01-05 10:00:00\n", encoding="utf-8")
    activities = tmp_path / "activities.csv"
    activities.write_text("activity_id,member_id,occurred_at,kind\na1,m1,2025-01-05 11:00:00,post\n", encoding="utf-8")
    import_files([members, activities], settings=load_settings(), app_store=store)
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", "sheets")
    monkeypatch.setattr(background, "_checked", {"at": 0.0})
    # Due (it never synced from Sheets), but the data in use was imported: only the Data page's Sync asks to replace it.
    assert background.refresh_when_due(load_settings()) is None
    assert recent_runs(store)["source"].tolist() == ["import: members.csv, activities.csv"]


LOS_ANGELES_DAY = [
    ["activity_id", "member_id", "occurred_at", "kind", "platform", "points"],
    ["a1", "m1", Shown(serial(datetime(2024, 3, 5, 14, 3, 22)), "2024/3/5 下午2:03:22", True), "post", "forum", 1],
    ["a2", "m1", Shown(serial(date(2024, 3, 5)), "2024年3月5日星期二", True), "post", "forum", Shown(1234, "1,234")],
    ["a3", "m1", Shown(serial(date(2024, 3, 5)), "Mar 5, 2024", True), "post", "forum", Shown(1234, "$1,234.00")],
    ["a4", "m1", datetime(2024, 3, 5, 23, 59, 59), "post", "forum", Shown(1234, "¥1,234.00")],
    ["a5", "m2", datetime(2024, 3, 11, 9), "post", "forum", Shown(0.5, "50%")],
    ["a6", "m2", datetime(2024, 3, 11, 9), "post", "forum", Shown(1234.5, "1.234,5")],
]


def test_values_are_read_unformatted_in_the_sheets_time_zone(env):
    settings, store, server = env
    book = server.add("book1", "Pulse data", Members=MEMBERS, Activity=LOS_ANGELES_DAY)
    book.locale, book.time_zone = "zh_CN", "America/Los_Angeles"
    sync(settings=settings, app_store=store, sheets_client=local_client(server))
    frame = Warehouse(settings.warehouse_url).run(
        sa.select(schema.activities.c.occurred_at, schema.activities.c.points).order_by(schema.activities.c.activity_id)
    )
    assert [str(moment) for moment in frame["occurred_at"]] == [
        "2024-03-05 22:03:22",  # 14:03:22 in Los Angeles (PST, -08:00)
        "2024-03-05 08:00:00",  # a date alone: midnight there
        "2024-03-05 08:00:00",
        "2024-03-06 07:59:59",
        "2024-03-11 16:00:00",  # after the change to daylight saving time (PDT, -07:00)
        "2024-03-11 16:00:00",
    ]
    assert frame["points"].tolist() == [1, 1234, 1234, 1234, 0.5, 1234.5]
    # what a person sees, and what gspread's get_all_values (FORMATTED_VALUE) would have read
    shown = local_client(server).open_by_key("book1").worksheet("Activity").get_all_values()
    assert [row[5] for row in shown[1:]] == ["1", "1,234", "$1,234.00", "¥1,234.00", "50%", "1.234,5"]


def test_text_among_a_columns_dates_is_reported_not_guessed(env):
    settings, store, server = env
    members = [*MEMBERS, ["m3", "Cy", "13/05/2024", "forum", False], ["m4", "Di", datetime(2024, 5, 13), "", False]]
    server.add("book1", "Pulse data", Members=members, Activity=ACTIVITIES)
    with pytest.raises(InvalidData) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "sheet 'Members', row 4, column joined_at: '13/05/2024' is text in a column of dates: Google Sheets did not "
        "read it as a date in the spreadsheet's locale (en_US); enter it as a date (or format the column as plain text)"
    )


def test_merged_cells_hidden_rows_and_date_only_columns_are_warned(env):
    _, _, server = env
    members = [MEMBERS[0], ["m1", "Ada", date(2025, 1, 5), "forum", False], ["m2", "Bo", date(2025, 1, 6), "", False]]
    book = server.add("book1", "Pulse data", Members=members, Activity=ACTIVITIES)
    book.merges = {"Members": ["D2:D3"]}
    book.hidden = {"Members": {3: "user"}, "Activity": {2: "filter", 3: "filter"}}
    book.filtered = {"Activity"}
    tables = read_sheets(local_client(server), CONFIG)
    assert tables.warnings == [
        "sheet 'Members': cells D2:D3 are merged; Google Sheets gives the value to the first cell only, so the others "
        "were read as empty (unmerge them and fill each cell)",
        "sheet 'Members': row 3 is hidden in the sheet; it was read all the same",
        "sheet 'Members', column joined_at: holds dates without a time; read as midnight in the spreadsheet's time "
        "zone (Etc/GMT)",
        "sheet 'Activity': rows 2–3 are hidden by a filter in the sheet; they were read all the same",
    ]
    assert tables["members"].frame["joined_at"].tolist() == ["2025-01-05T00:00:00+00:00", "2025-01-06T00:00:00+00:00"]
    settings, store, _ = env
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.warnings[: len(tables.warnings)] == tables.warnings  # a sync reports them too


def test_a_large_tab_is_read_in_pages_with_progress(env):
    _, _, server = env
    rows = [MEMBERS[0]] + [[f"m{n}", "", datetime(2025, 1, 5), "", False] for n in range(1, 1100)]
    server.add("book1", "Pulse data", Members=rows)
    said: list[tuple[str, int, int]] = []
    spreadsheet = open_spreadsheet(local_client(server), "book1")
    raw = fetch_worksheet(
        spreadsheet, title="Members", table="members", page_rows=500, progress=lambda *heard: said.append(heard)
    )
    assert said == [("Members", 500, 1100), ("Members", 1000, 1100), ("Members", 1100, 1100)]
    assert (len(raw.frame), raw.frame["member_id"].iloc[-1]) == (1099, "m1099")


def test_an_empty_range_has_no_values_key(env):
    _, _, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Empty=[])
    spreadsheet = local_client(server).open_by_key("book1")
    assert spreadsheet.values_get("'Empty'!A1:Z1000") == {"range": "Empty!A1:Z1000", "majorDimension": "ROWS"}
    assert spreadsheet.values_get("'Members'!A1:B2")["values"] == [["member_id", "name"], ["m1", "Ada"]]


def test_a_sheet_not_shared_names_the_address_to_share_with(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES).shared = False
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "Google Sheets refused access to spreadsheet book1 (403 PERMISSION_DENIED: The caller does not have "
        f"permission). Share the spreadsheet with {EMAIL} (Share → add that address; Viewer to read it, Editor for "
        "survey write-back)."
    )
    assert recent_runs(store)["error"].tolist() == [raised.value.user_message]


def test_the_api_switched_off_says_where_to_enable_it(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    server.api_enabled = False
    with pytest.raises(NotConfigured) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "The Google Sheets API is not enabled in the service account's Cloud project (403 PERMISSION_DENIED: Google "
        "Sheets API has not been used in project 123456789 before or it is disabled). Enable it at "
        "https://console.cloud.google.com/apis/library/sheets.googleapis.com (APIs & Services → Library → Google "
        f"Sheets API → Enable) in the project of {EMAIL}, wait a few minutes, then try again."
    )


def test_a_revoked_key_says_to_make_a_new_one(env):
    settings, store, server = env
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    server.revoked = True
    with pytest.raises(NotConfigured) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        f"Google refused the service account key of {EMAIL} (invalid_grant: Invalid JWT Signature.): it was deleted, "
        f"disabled or revoked. {KEY_HELP}"
    )
    assert recent_runs(store)["error"].tolist() == [raised.value.user_message]


@pytest.mark.parametrize(
    "change, said",
    [
        (
            {"client_email": "", "token_uri": ""},
            "{path} lacks client_email, token_uri: paste every field of the JSON key. ",
        ),
        (
            {"installed": {"client_id": "x"}},
            "{path} is an OAuth client file, not a service account key: it signs in a person, not this app. ",
        ),
        (
            {"type": "authorized_user"},
            "{path} has type 'authorized_user'; a service account key has type 'service_account'.",
        ),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"},
            "private_key in {path} holds the characters \\n instead of line breaks. In secrets.toml put it in double "
            'quotes ("-----BEGIN PRIVATE KEY-----\\n...") exactly as in the JSON file, or point '
            "PULSE_GCP_SERVICE_ACCOUNT_FILE at the JSON file itself.",
        ),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"},
            "The service account key's private_key could not be read (ValueError): paste it whole, from -----BEGIN "
            "PRIVATE KEY----- to -----END PRIVATE KEY-----. ",
        ),
    ],
)
def test_service_account_key_mistakes_say_which_field_and_what_to_paste(env, tmp_path, monkeypatch, change, said):
    settings, _, server = env
    path = tmp_path / "key.json"
    path.write_text(json.dumps({**service_account(server), **change}), encoding="utf-8")
    monkeypatch.setenv("PULSE_GCP_SERVICE_ACCOUNT_FILE", str(path))
    with pytest.raises(NotConfigured) as raised:
        open_client(settings)
    expected = said.format(path=path)
    assert raised.value.user_message == (expected + KEY_HELP if expected.endswith(". ") else expected)


def test_a_spent_quota_backs_off_past_a_minute_then_says_so(env):
    settings, store, server = env
    assert sum(RetryingHTTPClient.delays) > 60  # Google refills a per-minute quota; the tests pass short waits
    server.add("book1", "Pulse data", Members=MEMBERS, Activity=ACTIVITIES)
    server.fail_next(429, times=10)
    with pytest.raises(SourceUnavailable) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message == (
        "Google Sheets' request quota stayed used up for spreadsheet book1, after retrying (RESOURCE_EXHAUSTED: Quota "
        "exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service "
        "'sheets.googleapis.com' for consumer 'project_number:123456789'.). The quota refills every minute: try again "
        "in a few minutes. The last good data stays in place."
    )
    assert len([path for _, path in server.seen if path.startswith("/v4/")]) == 4


TITLE = "2026年11月 社群成员名单"
TITLE_WARNING = "sheet 'Members': read the header from row 2; row 1 looked like a title and was skipped"


def test_a_title_row_above_a_sheets_header_is_skipped_with_a_warning(env):
    """A hand-made tab: its title on row 1 (merged across the columns, as a title is centred), the
    header on row 2; the title's merged cells are no warning."""
    settings, store, server = env
    book = server.add("book1", "社区数据", Members=[[TITLE], *MEMBERS], Activity=ACTIVITIES)
    book.merges = {"Members": ["A1:E1"]}
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows["members"] == 2
    assert result.warnings == [TITLE_WARNING]
    assert members_in(settings) == [["m1", "Ada"], ["m2", "Bo"]]


@pytest.mark.parametrize(
    ("members", "said", "warning"),
    [
        (  # a cell Sheets kept as text among dates: refused as the tab is read
            [[TITLE], *MEMBERS, ["m3", "Cy", "13/05/2024", "forum", False]],
            "sheet 'Members', row 5, column joined_at: '13/05/2024' is text in a column of dates",
            TITLE_WARNING,
        ),
        (  # an id repeated: refused when the tables are checked
            [[TITLE], *MEMBERS, ["m2", "Bo", datetime(2025, 1, 7), "", False]],
            "sheet 'Members', row 5, column member_id: duplicate id 'm2' (also on an earlier row)",
            TITLE_WARNING,
        ),
        (  # a title, a blank row, then the header on row 3
            [[TITLE], [], MEMBERS[0], ["m1", "Ada", "soon", "", False]],
            "sheet 'Members', row 4, column joined_at: 'soon' is not a date/time",
            "sheet 'Members': read the header from row 3; rows 1 to 2 looked like a title and were skipped",
        ),
    ],
)
def test_rows_below_a_sheets_title_keep_the_sheets_numbers_and_a_refusal_keeps_its_warnings(
    env, members, said, warning
):
    settings, store, server = env
    server.add("book1", "社区数据", Members=members, Activity=ACTIVITIES)
    with pytest.raises(InvalidData) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert raised.value.user_message.startswith(said)
    assert raised.value.warnings == [warning]


def test_a_title_is_found_above_a_header_named_by_the_mapping(env):
    settings, store, server = env
    mapping = (("activities", (("Timestamp", "occurred_at"), ("Member", "member_id"), ("Id", "activity_id"))),)
    settings = dataclasses.replace(settings, sheets=dataclasses.replace(CONFIG, headers=mapping))
    activity = [
        ["导出于 2026-11-30"],
        ["Timestamp", "Member", "Id", "kind"],
        [datetime(2025, 1, 5, 11), "m1", "a1", "post"],
    ]
    server.add("book1", "社区数据", Members=MEMBERS, Activity=activity)
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.rows["activities"] == 1
    assert result.warnings == [
        "sheet 'Activity': read the header from row 2; row 1 looked like a title and was skipped"
    ]


def test_every_tabs_refused_cells_are_said_at_once(env):
    settings, store, server = env
    members = [*MEMBERS, ["m3", "Cy", "13/05/2024", "forum", False]]
    activities = [*ACTIVITIES, ["a3", "m1", "yesterday", "post", "forum"]]
    server.add("book1", "社区数据", Members=members, Activity=activities)
    with pytest.raises(InvalidData) as raised:
        sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert [line.split(":")[0] for line in raised.value.user_message.splitlines()] == [
        "sheet 'Members', row 4, column joined_at",
        "sheet 'Activity', row 4, column occurred_at",
    ]


@pytest.mark.parametrize(
    ("member_headers", "activity_headers"),
    [
        (
            ["成员ID", "姓名", "邮箱", "加入时间", "渠道", "地区", "分群", "团队成员"],
            ["行为ID", "成员ID", "发生时间", "行为类型", "平台", "活动ID", "积分"],
        ),
        (
            ["會員ID", "姓名", "電子郵件", "加入時間", "管道", "地區", "分群", "團隊成員"],
            ["行為ID", "會員ID", "發生時間", "類型", "平台", "活動ID", "積分"],
        ),
    ],
)
def test_chinese_headers_of_the_optional_columns_are_read_as_those_columns(env, member_headers, activity_headers):
    settings, store, server = env
    members = [
        member_headers,
        ["m1", "李雷", "li@example.org", datetime(2025, 1, 5, 10), "公众号", "华东", "核心", "否"],
    ]
    activities = [activity_headers, ["a1", "m1", datetime(2025, 1, 5, 11), "post", "论坛", "c1", 10]]
    server.add("book1", "社区数据", Members=members, Activity=activities)
    result = sync(settings=settings, app_store=store, sheets_client=local_client(server))
    assert result.warnings == []  # no column ignored
    warehouse = Warehouse(settings.warehouse_url)
    member = warehouse.run(sa.select(schema.members)).iloc[0]
    assert member[["name", "email", "channel", "region", "segment", "is_team"]].tolist() == [
        "李雷",
        "li@example.org",
        "公众号",
        "华东",
        "核心",
        False,
    ]
    activity = warehouse.run(sa.select(schema.activities)).iloc[0]
    assert activity[["platform", "campaign_id", "points"]].tolist() == ["论坛", "c1", 10]
