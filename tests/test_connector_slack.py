"""The Slack connector reads a workspace export .zip built from hand-written files in Slack's export
layout (tests/data/connectors/slack_export): a first import, a later export read from the last day
on, a malformed day file and a file that is no export."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from data_sources.connectors import state
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.errors import MalformedAnswer, PlatformFailed, TokenRefused
from data_sources.warehouse import table_rows
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors, warehouse_rows

EXPORT = Path(__file__).resolve().parent / "data" / "connectors" / "slack_export"
MEMBERS = ["member_id", "name", "email", "joined_at", "channel", "is_team"]
ACTIVITIES = ["activity_id", "member_id", "occurred_at", "kind", "platform"]
FIRST_MEMBERS = [
    ("slack:U01ADA", "Ada Lovelace", "ada@example.org", datetime(2025, 3, 1), "slack", True),  # profile updated 1 March
    ("slack:U02BO", "Bo", None, datetime(2025, 3, 1, 9), "slack", False),  # joined #general before his profile's update
]
FIRST_ACTIVITIES = [
    ("slack:message:C01GEN:1740823200.000200", "slack:U01ADA", datetime(2025, 3, 1, 10), "message", "slack"),
    ("slack:message:C01GEN:1740826800.000300", "slack:U02BO", datetime(2025, 3, 1, 11), "message", "slack"),
    ("slack:message:C01GEN:1740909600.000500", "slack:U02BO", datetime(2025, 3, 2, 10), "message", "slack"),
    ("slack:message:C02RAN:1740916800.000700", "slack:U01ADA", datetime(2025, 3, 2, 12), "message", "slack"),
    (
        "slack:reaction:C01GEN:1740823200.000200:wave:U02BO",
        "slack:U02BO",
        datetime(2025, 3, 1, 10),
        "reaction",
        "slack",
    ),
]


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as bundle:
        for path in sorted(folder.rglob("*.json")):
            bundle.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture
def exported(tmp_path):
    folder = tmp_path / "export"
    shutil.copytree(EXPORT, folder)
    target = tmp_path / "Acme Slack export Mar 1 2025 - Mar 2 2025.zip"
    zipped(folder, target)
    settings = connector_settings(tmp_path, f'[pulse.connectors.slack]\nexport = "{target}"\n')
    store = migrated_store(settings)
    yield folder, target, settings, store
    store.dispose()


def add_message(path: Path, message: dict) -> None:
    messages = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps([*messages, message]))


def test_an_export_gives_people_messages_and_reactions_but_no_bots_notices_or_words(exported):
    _, _, settings, store = exported
    result = sync_connectors(settings, store, waits=[])
    assert result.rows["members"] == 2 and result.rows["activities"] == 5
    assert warehouse_rows(settings, "members", MEMBERS) == FIRST_MEMBERS
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES
    archive = Archive(archive_dir(settings.data_dir, "slack"))
    for path in archive.folder.rglob("*.parquet"):
        assert b"the words of" not in path.read_bytes()
    assert state.cursor_of(store, "slack") == {"days": {"C01GEN": "2025-03-02", "C02RAN": "2025-03-02"}, "oldest": {}}
    # the profile's image_72: Ada's uploaded picture, Bo's Gravatar (Slack's default image behind it)
    assert archive.members()["avatar"].tolist() == [
        "https://avatars.slack-edge.com/2025-02-01/1234567890_0a1b2c3d4e5f_72.png",
        "https://secure.gravatar.com/avatar/da202f6977a44b582908e6350b589973.jpg?s=72"
        "&d=https%3A%2F%2Fa.slack-edge.com%2Fdf10d%2Fimg%2Favatars%2Fava_0010-72.png",
    ]


def test_a_later_export_is_read_from_each_channels_last_day_on(exported):
    folder, target, settings, store = exported
    sync_connectors(settings, store, waits=[])
    message = {
        "type": "message",
        "user": "U02BO",
        "text": "the words of more",
        "ts": "1740999600.000800",
    }  # 3 March 11:00
    add_message(folder / "general" / "2025-03-03.json", message)
    late = {"type": "message", "user": "U01ADA", "text": "late", "ts": "1740913300.000900"}  # 2 March, after the export
    add_message(folder / "general" / "2025-03-02.json", late)
    old = {"type": "message", "user": "U01ADA", "text": "an old day", "ts": "1740830500.000950"}
    add_message(folder / "general" / "2025-03-01.json", old)  # a day before the cursor's: not read again
    target.unlink()
    zipped(folder, target)
    result = sync_connectors(settings, store, waits=[])
    assert result.mode == "incremental"
    assert warehouse_rows(settings, "activities", ACTIVITIES) == sorted(
        [
            *FIRST_ACTIVITIES,
            (
                "slack:message:C01GEN:1740913300.000900",
                "slack:U01ADA",
                datetime(2025, 3, 2, 11, 1, 40),
                "message",
                "slack",
            ),
            ("slack:message:C01GEN:1740999600.000800", "slack:U02BO", datetime(2025, 3, 3, 11), "message", "slack"),
        ]
    )
    assert state.cursor_of(store, "slack")["days"]["C01GEN"] == "2025-03-03"


def test_a_day_file_without_a_messages_time_is_named_and_nothing_is_built(exported):
    folder, target, settings, store = exported
    add_message(folder / "random" / "2025-03-02.json", {"type": "message", "user": "U02BO", "text": "no ts"})
    target.unlink()
    zipped(folder, target)
    with pytest.raises(MalformedAnswer) as malformed:
        sync_connectors(settings, store, waits=[])
    assert malformed.value.user_message == (
        f"Slack: what {target.name}: random/2025-03-02.json gave is not in the documented shape: ts should be "
        "text. Nothing of it was kept."
    )
    assert table_rows(settings.warehouse_path) == {}
    assert "C02RAN" not in state.cursor_of(store, "slack").get("days", {})


def test_a_file_that_is_no_export_is_named(exported):
    _, target, settings, store = exported
    target.write_text("not a zip")
    with pytest.raises(PlatformFailed, match=f"Slack: {target.name} is not a workspace export .zip"):
        sync_connectors(settings, store, waits=[])
    target.unlink()
    with pytest.raises(PlatformFailed, match="is not there"):
        sync_connectors(settings, store, waits=[])


def slack_api(server, folder: Path = EXPORT) -> None:
    """The export's workspace as the Web API serves it: the bot is in #general only."""
    server.users = json.loads((folder / "users.json").read_text())
    server.channels = [
        {"id": "C01GEN", "name": "general", "is_member": True, "is_archived": False},
        {"id": "C02RAN", "name": "random", "is_member": False, "is_archived": False},
    ]
    day = json.loads((folder / "general" / "2025-03-01.json").read_text())
    parent, reply = day[1], day[2]
    server.history["C01GEN"] = [
        day[0],
        {**parent, "latest_reply": reply["ts"]},
        day[3],
        *json.loads((folder / "general" / "2025-03-02.json").read_text()),
    ]
    server.replies[("C01GEN", parent["ts"])] = [reply]


GENERAL_ROWS = [row for row in FIRST_ACTIVITIES if ":C01GEN:" in row[0]]


@pytest.fixture
def api(tmp_path):
    from tests.platform_server import slack_api_server

    with slack_api_server() as server:
        slack_api(server)
        secrets = f'[pulse.connectors.slack]\ntoken = "{server.token}"\napi_url = "{server.url}/api"\n'
        settings = connector_settings(tmp_path, secrets)
        store = migrated_store(settings)
        yield server, settings, store
        store.dispose()


def methods(server) -> list[str]:
    return [path.split("?")[0].rsplit("/", 1)[-1] for path in server.requests]


def test_the_web_api_gives_the_same_rows_as_the_export_for_the_channels_the_bot_is_in(api):
    server, settings, store = api
    result = sync_connectors(settings, store, waits=[])
    assert warehouse_rows(settings, "activities", ACTIVITIES) == GENERAL_ROWS
    assert result.rows["members"] == 2
    assert methods(server) == ["users.list", "conversations.list", "conversations.history", "conversations.replies"]
    assert state.cursor_of(store, "slack")["oldest"] == {"C01GEN": "1740913200.000600"}


def test_the_web_api_asks_only_for_messages_after_the_last_one_taken(api):
    server, settings, store = api
    sync_connectors(settings, store, waits=[])
    server.history["C01GEN"].append(
        {"type": "message", "user": "U01ADA", "text": "the words", "ts": "1741000000.000100"}
    )
    server.requests.clear()
    result = sync_connectors(settings, store, waits=[])
    assert result.mode == "incremental"
    assert [path for path in server.requests if "conversations.history" in path] == [
        "/api/conversations.history?channel=C01GEN&oldest=1740913200.000600&limit=200"
    ]
    assert "conversations.replies" not in methods(server)  # no thread has a reply since
    new = (
        "slack:message:C01GEN:1741000000.000100",
        "slack:U01ADA",
        datetime(2025, 3, 3, 11, 6, 40),
        "message",
        "slack",
    )
    assert warehouse_rows(settings, "activities", ACTIVITIES) == sorted([*GENERAL_ROWS, new])


def test_the_web_apis_rate_limit_is_waited_out_and_a_revoked_token_named(api):
    server, settings, store = api
    server.fail_next(
        "/api/conversations.history", 429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "3"}
    )
    waits: list[float] = []
    sync_connectors(settings, store, waits=waits)
    assert waits == [3.0]
    server.fail_next("/api/users.list", 200, {"ok": False, "error": "token_revoked"})
    with pytest.raises(TokenRefused) as refused:
        sync_connectors(settings, store, waits=[])
    assert refused.value.user_message.startswith(
        "Slack refused the bot token (token_revoked): it may have been revoked"
    )


def test_an_export_and_the_web_api_together_take_each_message_once(api, tmp_path):
    server, _, _ = api
    target = zipped(EXPORT, tmp_path / "export.zip")
    (tmp_path / "both").mkdir()
    secrets = f'[pulse.connectors.slack]\nexport = "{target}"\ntoken = "{server.token}"\napi_url = "{server.url}/api"\n'
    settings = connector_settings(tmp_path / "both", secrets)
    store = migrated_store(settings)
    sync_connectors(settings, store, waits=[])
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES
    store.dispose()


def test_a_web_api_answer_without_its_messages_is_named(api):
    server, settings, store = api
    server.fail_next("/api/conversations.history", 200, {"ok": True, "has_more": False})
    with pytest.raises(MalformedAnswer) as malformed:
        sync_connectors(settings, store, waits=[])
    assert malformed.value.user_message == (
        f"Slack: what {server.url}/api/conversations.history gave is not in the documented shape: messages should "
        "be list. Nothing of it was kept."
    )
    assert "C01GEN" not in state.cursor_of(store, "slack")["oldest"]
