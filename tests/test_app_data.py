"""AppTest: the Data page (freshness, sync, file imports, Google Forms responses, sync runs)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import schema
from catalog.spoken import speaking
from data_sources.warehouse import Warehouse
from engines import create_engine
from rollup.tables import BUILT_AT_KEY, VERSION_KEY, info
from store import tables
from store.database import AppStore
from tests import community
from tests.conftest import load_community
from ui.data_views import age, source_name

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


def activities_in(directory: Path) -> list[list[str]]:
    warehouse = Warehouse(f"duckdb:///{directory / 'warehouse.duckdb'}")
    try:
        activities = schema.activities
        query = sa.select(activities.c.activity_id, activities.c.member_id).order_by(activities.c.activity_id)
        return warehouse.run(query).values.tolist()
    finally:
        warehouse.dispose()


def labels(table) -> dict[str, str]:
    """A table's shown columns and their labels, as the browser gets them."""
    config = json.loads(table.proto.columns)
    return {name: config.get(name, {}).get("label", name) for name in table.proto.column_order}


def test_times_are_shown_on_the_communitys_clock_while_the_store_keeps_utc(folder, configured, monkeypatch):
    """A Beijing community reads its sync's finish at Beijing's time, 8 hours ahead of the kept UTC."""
    monkeypatch.setenv("PULSE_TIMEZONE", "Asia/Shanghai")
    at = open_data()
    at.button(key="data_sync").click().run()
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    kept = store.run(sa.select(tables.sync_runs.c.finished_at))["finished_at"].iloc[0]
    store.dispose()
    shown = at.dataframe[0].value["finished_at"].iloc[0]
    assert shown == pd.Timestamp(kept) + timedelta(hours=8)
    assert at.metric[1].value == f"{shown.day} {shown:%b %Y, %H:%M}"  # the freshness above, on the same clock


def test_sync_now_rebuilds_from_the_source_shows_its_freshness_and_lists_the_run(folder, configured):
    at = open_data()
    assert not at.exception
    assert at.metric[0].value == str(folder)
    assert (at.metric[1].value, at.metric[1].delta) == ("—", "never synced")  # the fixture warehouse was not
    at.button(key="data_sync").click().run()
    assert at.success[0].value == (
        f"Synced from {folder}. Members: 2 · Activities: 1 · Campaigns: 0 · Campaign members: 0."
    )
    assert members_in(configured) == ["m1", "m2"]
    runs = at.dataframe[0].value
    finished = runs["finished_at"].iloc[0]
    # The freshness above the button is the sync's, in the run that made it.
    assert (at.metric[1].value, at.metric[1].delta) == (f"{finished.day} {finished:%b %Y, %H:%M}", "just now")
    # The fixture's warehouse was built by the tests, not by a sync: it records no source, so the run rebuilt it.
    unstamped = "The data in use does not record what it was built from (an earlier version built it)."
    assert at.text[0].value == unstamped
    assert runs.drop(columns=["started_at", "finished_at", "error"]).values.tolist() == [
        [str(folder), "Succeeded", "Rebuilt", unstamped, 2, 1, 0, 0, 0]
    ]
    assert runs["error"].isna().tolist() == [True]
    # Again with nothing new: appended (nothing), and said so above the runs, newest first.
    at.button(key="data_sync").click().run()
    appended = "Only new rows: 0 activities and 0 members appended, 0 member-days updated."
    assert at.text[0].value == appended
    assert at.dataframe[0].value[["mode", "reason"]].values.tolist() == [["Appended", appended], ["Rebuilt", unstamped]]
    assert labels(at.dataframe[0]) == {
        "started_at": "Started",
        "finished_at": "Finished",
        "source": "Source",
        "status": "Status",
        "mode": "Built",
        "reason": "How and why",
        "members": "Members",
        "activities": "Activities",
        "campaigns": "Campaigns",
        "campaign_members": "Campaign members",
        "warnings": "Warnings",
        "error": "What went wrong",
    }
    assert at.dataframe[0].proto.placeholder == "—"  # what an empty cell shows


def synced_then_members_imported() -> AppTest:
    """The Data page after a sync from the folder and an upload of members.csv (m1 and m3)."""
    at = open_data()
    at.button(key="data_sync").click().run()
    newer = "member_id,name,joined_at\nm1,Ada,2025-01-05 10:00:00\nm3,Cy,2025-01-07 09:00:00\n"
    at.file_uploader(key="data_files").set_value([("members.csv", newer.encode(), "text/csv")]).run()
    return at.button(key="data_import").click().run()


def test_uploading_members_alone_replaces_the_members_and_keeps_the_synced_activities(folder, configured):
    at = synced_then_members_imported()  # m2 leaves, m3 joins; the activities (a1, m1's) stay as the sync made them
    assert not at.exception
    said = at.success[0].value.replace("\\", "")  # the file's name is shown as text
    assert said == "Imported members.csv. Members: 2 · Activities: 1 · Campaigns: 0 · Campaign members: 0."
    assert members_in(configured) == ["m1", "m3"]
    assert activities_in(configured) == [["a1", "m1"]]
    assert at.dataframe[0].value[["source", "status", "members", "activities"]].values.tolist() == [
        ["Files: members.csv", "Succeeded", 2, 1],
        [str(folder), "Succeeded", 2, 1],
    ]


def test_a_sync_asks_before_it_replaces_imported_files_with_the_configured_source(folder, configured):
    at = synced_then_members_imported()
    # The tile says where the data in use came from, in the run of the import, and what a sync reads.
    assert at.metric[0].value == "Imported files"
    assert any(
        f"The configured source is {folder}: a sync reads it and replaces this data." == caption.value.replace("\\", "")
        for caption in at.caption
    )
    at.button(key="data_sync").click().run()  # asks, and syncs nothing yet
    assert not at.exception
    [question] = [w.value for w in at.warning if "The data shown now comes from" in w.value]
    assert question.replace("\\", "").startswith(
        f"The data shown now comes from Imported files. A sync reads {folder}, the configured source,"
    )
    assert members_in(configured) == ["m1", "m3"]
    at.button(key="data_sync_source_cancel").click().run()
    assert not [w for w in at.warning if "The data shown now comes from" in w.value]
    assert members_in(configured) == ["m1", "m3"]
    at.button(key="data_sync_full").click().run()  # Rebuild everything asks too; confirmed, it rebuilds
    at.button(key="data_sync_source_confirm").click().run()
    assert not at.exception
    assert members_in(configured) == ["m1", "m2"]
    assert at.metric[0].value == str(folder)
    assert at.dataframe[0].value[["source", "mode"]].values.tolist()[0] == [str(folder), "Rebuilt"]


def test_a_failed_run_reads_a_dash_where_it_has_no_figures(folder, configured):
    (folder / "members.csv").write_text("member_id\nm1\n", encoding="utf-8")  # no joined_at
    at = open_data()
    at.button(key="data_sync").click().run()
    runs = at.dataframe[0].value
    assert runs["status"].tolist() == ["Failed"]
    assert runs[["members", "activities", "campaigns", "campaign_members", "warnings"]].isna().all(axis=None)
    assert runs["error"].tolist() == [
        "members.csv, column joined_at: required column is missing from the header\n"
        "members.csv, row 1: headers found: 'member_id'"
    ]
    assert (at.metric[1].value, at.metric[1].delta) == ("—", "never synced")


def test_a_failed_sync_says_where_as_plain_text_and_changes_nothing(folder, configured):
    before = members_in(configured)
    (folder / "members.csv").write_text(MEMBERS.replace("2025/1/6 14:03", "**soon**"), encoding="utf-8")
    at = open_data()
    at.button(key="data_sync").click().run()
    assert at.error[0].value == "Nothing was changed. What went wrong:"
    assert at.text[-1].value.startswith("members.csv, row 3, column joined_at: '**soon**' is not a date/time")
    assert members_in(configured) == before
    assert at.dataframe[0].value["status"].tolist() == ["Failed"]


def test_uploaded_files_are_imported_all_or_nothing(folder, configured):
    at = open_data()
    at.file_uploader(key="data_files").set_value(
        [("members.csv", MEMBERS.encode("gb18030"), "text/csv"), ("activities.csv", ACTIVITIES.encode(), "text/csv")]
    ).run()
    at.button(key="data_import").click().run()
    imported = at.success[0].value.replace("\\", "")
    assert imported.startswith("Imported members.csv, activities.csv. Members: 2 · Activities: 1 ·")
    assert members_in(configured) == ["m1", "m2"]

    at.file_uploader(key="data_files").set_value([("export.csv", b"member_id\nm9\n", "text/csv")]).run()
    at.button(key="data_import").click().run()
    assert at.text[-1].value.startswith("export.csv: is not named after a table")
    assert members_in(configured) == ["m1", "m2"]


def test_a_refused_upload_shows_its_warnings_beside_the_error(folder, configured):
    """The title row skipped and the column ignored may be why a cell is refused: shown with it."""
    members = "2026年11月 社群成员名单\nmember_id,备注,joined_at\nm1,x,2025-01-05\nm2,y,soon\n"
    before = members_in(configured)
    at = open_data()
    at.file_uploader(key="data_files").set_value(
        [("members.csv", members.encode(), "text/csv"), ("activities.csv", ACTIVITIES.encode(), "text/csv")]
    ).run()
    at.button(key="data_import").click().run()
    assert at.error[0].value == "Nothing was changed. What went wrong:"
    assert at.text[-2].value.startswith("members.csv, row 4, column joined_at: 'soon' is not a date/time")
    assert "Warnings" in [caption.value for caption in at.caption]
    assert at.text[-1].value == (
        "members.csv: read the header from row 2; row 1 looked like a title and was skipped\n"
        "members.csv: the column '备注' was ignored: the app does not use it"
    )
    assert members_in(configured) == before


def test_google_forms_responses_are_imported_into_a_survey(folder, configured):
    at = open_data()
    at.selectbox(key="data_forms_survey").set_value("post-event").run()
    export = "Timestamp,How likely are you to recommend our events to a friend?\n2026/3/5 14:03:22,10\n"
    at.file_uploader(key="data_forms_file").set_value(("form.csv", export.encode(), "text/csv")).run()
    at.button(key="data_forms_import").click().run()
    assert at.success[0].value == (
        "Import 1 into post-event: 1 responses added, 0 updated, 0 there already, 0 empty rows skipped."
    )
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    try:
        sources = store.run(sa.select(tables.responses.c.source).where(tables.responses.c.source == "google_forms"))
        assert len(sources) == 1
        # The same response as the form's .xlsx (milliseconds on its time) is recognised as the same one.
        at.file_uploader(key="data_forms_file").set_value(("form.xlsx", forms_xlsx(), XLSX)).run()
        at.button(key="data_forms_preview").click().run()
        preview = at.dataframe[0].value
        assert preview[["answers", "refused"]].values.tolist() == [[1, 0]]
        captions = [caption.value for caption in at.caption]
        assert "Responses to store: 1. Empty rows (a timestamp only) to skip: 1. Nothing was stored." in captions
        at.button(key="data_forms_import").click().run()
        assert at.success[0].value.startswith("Import 2 into post-event: 0 responses added, 1 updated,")
        assert len(store.run(sa.select(tables.responses).where(tables.responses.c.source == "google_forms"))) == 1
        at.selectbox(key="data_undo_batch").set_value(2).run()
        at.button(key="data_undo").click().run()
        assert at.success[0].value == "Import 2 undone: 1 responses removed."
        assert store.run(sa.select(tables.responses).where(tables.responses.c.source == "google_forms")).empty
    finally:
        store.dispose()


def test_a_forms_import_into_a_survey_that_no_longer_reads_says_so_and_stores_nothing(folder, configured):
    at = open_data()
    at.selectbox(key="data_forms_survey").set_value("post-event").run()
    export = "Timestamp,How likely are you to recommend our events to a friend?\n2026/3/5 14:03:22,10\n"
    at.file_uploader(key="data_forms_file").set_value(("form.csv", export.encode(), "text/csv")).run()
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    try:
        with store.begin() as connection:  # rewritten by an older release, or deleted, after it was chosen
            connection.execute(
                tables.surveys.update()
                .where(tables.surveys.c.slug == "post-event")
                .values(definition={"slug": "post-event"})
            )
        for button in ("data_forms_preview", "data_forms_import"):
            at.button(key=button).click().run()
            assert not at.exception
            assert [error.value for error in at.error] == [
                "The survey post\\-event has no readable definition in the store: it was deleted meanwhile, or an "
                "older release of Community Pulse wrote it. Publish it again on the Surveys page, or choose another."
            ]
        assert store.run(sa.select(tables.responses).where(tables.responses.c.source == "google_forms")).empty
    finally:
        store.dispose()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def forms_xlsx() -> bytes:
    """The form's download as .xlsx: the time a date-time with milliseconds, the score 9 (changed),
    and a row holding only a timestamp."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Form Responses 1"
    sheet.append(["Timestamp", "How likely are you to recommend our events to a friend?"])
    sheet.append([datetime(2026, 3, 5, 14, 3, 22, 417000), 9])
    sheet.append([datetime(2026, 3, 6, 8, 0, 1, 5000), None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
    built = pd.Timestamp(warehouse_info(url)[BUILT_AT_KEY])
    # Its build time, in the run that built it; beside it the time zone of its days.
    assert (at.metric[1].value, at.metric[1].delta) == (f"{built.day} {built:%b %Y, %H:%M}", "UTC")
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


def warehouse_info(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {key: value for key, value in connection.execute(sa.select(info.c.key, info.c.value))}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (None, "never synced"),
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (119, "1 minute ago"),
        (120, "2 minutes ago"),
        (3_599, "59 minutes ago"),
        (3_600, "1 hour ago"),
        (7_199, "1 hour ago"),
        (7_200, "2 hours ago"),
        (172_799, "47 hours ago"),
        (172_800, "2 days ago"),
    ],
)
def test_the_age_of_the_data_in_words(seconds, said):
    now = datetime(2026, 11, 30, 9, 53)
    assert age(None if seconds is None else now - timedelta(seconds=seconds), now=now) == said


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("demo", "Demo data"),
        ("sheets", "Google Sheets"),
        ("imports", "Imported files"),
        ("connectors", "Platform connectors"),
        ("import: members.csv, activities.xlsx", "Files: members.csv, activities.xlsx"),
        ("/srv/exports", "/srv/exports"),
    ],
)
def test_sources_are_named_in_words(source, shown):
    assert source_name(source) == shown


def test_the_deliveries_section_lists_the_outbox_newest_first(configured, tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    at = open_data()
    said = [caption.value for caption in at.caption]
    assert "No messages yet: digests, alerts, invitations and replies are listed here once queued." in said
    assert sum("pulse.channels" in words for words in said) == 1  # where channels are set, said once (above)
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    queued = datetime(2026, 3, 2, 9, 0)
    common = {"payload": {}, "created_at": queued, "next_attempt_at": queued + timedelta(minutes=4), "sent_at": None}
    common |= {"last_error": None}
    with store.begin() as connection:
        connection.execute(
            tables.delivery_outbox.insert(),
            [
                common
                | {
                    "channel": "team-slack",
                    "kind": "slack",
                    "idempotency_key": "a",
                    "title": "Weekly *pulse*",
                    "status": "sent",
                    "attempts": 1,
                    "sent_at": queued,
                },
                common
                | {
                    "channel": "ops-wecom",
                    "kind": "wecom",
                    "idempotency_key": "b",
                    "title": "<b>Alert</b>",
                    "status": "failed",
                    "attempts": 1,
                    "last_error": "WeCom errcode 93000: not valid",
                },
                common
                | {
                    "channel": "team-mail",
                    "kind": "email",
                    "idempotency_key": "c",
                    "title": "Digest",
                    "status": "pending",
                    "attempts": 2,
                    "last_error": "HTTP 503: busy",
                },
            ],
        )
    store.dispose()
    at = open_data()
    [deliveries] = [frame for frame in at.dataframe if "channel" in frame.value.columns]
    shown = deliveries.value
    assert shown[["channel", "kind", "title", "status", "attempts"]].values.tolist() == [
        ["team-mail", "Email", "Digest", "Waiting", 2],
        ["ops-wecom", "WeCom", "<b>Alert</b>", "Failed", 1],
        ["team-slack", "Slack", "Weekly *pulse*", "Sent", 1],
    ]
    assert shown["next_attempt_at"].notna().tolist() == [True, False, False]  # only while one is coming
    assert shown["last_error"].tolist()[:2] == ["HTTP 503: busy", "WeCom errcode 93000: not valid"]
    assert labels(deliveries) == {
        "created_at": "Queued",
        "channel": "Channel",
        "kind": "Kind",
        "title": "Message",
        "status": "Status",
        "attempts": "Attempts",
        "next_attempt_at": "Next attempt",
        "sent_at": "Sent",
        "last_error": "What went wrong",
    }


def test_an_admin_sees_the_channels_without_their_secrets_and_tries_one(configured, tmp_path, monkeypatch):
    """The Channels section: each channel's kind and server, never its webhook's token; a test
    message sent at once, in the reader's language, and what the service answered."""
    from tests.chat_server import chat_server

    token = "XappTestSlackToken9012"
    with chat_server(slack_tokens={token}, wecom_keys=set()) as server:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            f'[pulse.channels.team-slack]\nkind = "slack"\nwebhook = "{server.url}/services/T000/B000/{token}"\n'
            f'[pulse.channels.ops-wecom]\nkind = "wecom"\n'
            f'webhook = "{server.url}/cgi-bin/webhook/send?key=not-the-robots-key"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
        with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
            at = AppTest.from_file(APP, default_timeout=60)
            at.query_params["lang"] = "zh-CN"
            at.run()
            at.switch_page("pages/data.py")
            at.run()
            assert not at.exception
            shown = next(frame.value for frame in at.dataframe if "destination" in frame.value.columns)
            assert shown[["channel", "kind", "destination", "sent"]].values.tolist() == [
                ["ops-wecom", "企业微信", "127.0.0.1", 0],
                ["team-slack", "Slack", "127.0.0.1", 0],
            ]
            at.selectbox(key="data_channel").set_value("team-slack")
            at.button(key="data_channel_try").click().run()
            assert at.success[-1].value == "team\\-slack 已收到测试消息：HTTP 200"  # names as text, not markdown
            at.selectbox(key="data_channel").set_value("ops-wecom")
            at.button(key="data_channel_try").click().run()
            assert at.error[-1].value.startswith("ops\\-wecom 未收到测试消息：WeCom errcode 93000")
        (slack,) = server.of("slack")
    assert slack.body["blocks"][0]["text"]["text"] == "Community Pulse：测试消息"
    assert token not in "".join(str(element.value) for element in at.dataframe)


def test_the_connectors_section_shows_each_connectors_last_run_without_its_key(configured, tmp_path, monkeypatch):
    """A Discourse connector that fetched part of a first import and failed: its site, status, how
    far it got and why it stopped, in the reader's language; never its key."""
    from data_sources.connectors import state
    from data_sources.connectors.errors import TokenRefused, named
    from errors import Said

    key = "discourse-key-abcdef0123"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[pulse.connectors.discourse]\nurl = "https://forum.example.org"\napi_key = "{key}"\n'
        'api_username = "system"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    store.migrate()
    state.started(store, "discourse", cursor={"posts_top": 900})
    state.stepped(store, "discourse", cursor={"posts_top": 900, "posts_before": 400}, done=500, total=900)
    refusal = TokenRefused(Said("error.connector.token", **named("discourse"), status=403))
    state.finished(store, "discourse", error=refusal.said())
    store.dispose()
    with speaking("zh-CN"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["lang"] = "zh-CN"
        at.run()
        at.switch_page("pages/data.py")
        at.run()
        assert not at.exception
        shown = next(frame.value for frame in at.dataframe if "site" in frame.value.columns)
        assert shown[["connector", "site", "status", "progress"]].values.tolist() == [
            ["Discourse", "forum.example.org", "失败", "500 / 900"]
        ]
        assert shown["error"][0].startswith("Discourse 拒绝了连接器的密钥或令牌（HTTP 403）")
    assert key not in "".join(str(element.value) for element in at.dataframe)


def test_sync_now_runs_the_connectors_and_their_table_shows_the_run(configured, tmp_path, monkeypatch):
    """With the connectors as the source, Sync now fetches the forum (a loopback Discourse) into its
    archive and builds from it; the connectors' table then shows the run as it went."""
    from tests.platform_server import discourse_server
    from tests.test_connector_discourse import SECRETS, forum

    with discourse_server() as server:
        forum(server)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(SECRETS.format(url=server.url, key=server.api_key), encoding="utf-8")
        monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
        monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", "connectors")
        at = open_data()
        assert not at.exception
        assert at.metric[0].value == "Platform connectors"
        at.button(key="data_sync").click().run()
        assert not at.exception
    assert at.success[0].value == (
        "Synced from Platform connectors. Members: 3 · Activities: 5 · Campaigns: 0 · Campaign members: 0."
    )
    assert members_in(configured) == ["discourse:1", "discourse:2", "discourse:3"]
    shown = next(frame.value for frame in at.dataframe if "site" in frame.value.columns)
    assert shown[["connector", "site", "status", "progress", "error"]].values.tolist() == [
        ["Discourse", "127.0.0.1", "Succeeded", "3 of 3", None]
    ]
