"""The Discord connector: DiscordChatExporter JSON files written by hand in its format
(tests/data/connectors/discord_export), and a loopback bot API answering as Discord documents
(pagination by `after`, 429 with Retry-After, 401, an unknown channel, a malformed message)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from data_sources.connectors import state
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.errors import MalformedAnswer, PlatformFailed, TokenRefused
from data_sources.warehouse import table_rows
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors, warehouse_rows
from tests.platform_server import DiscordServer, discord_server

EXPORTS = Path(__file__).resolve().parent / "data" / "connectors" / "discord_export"
GENERAL = "1100000000000000001"
ADA, BO = "1300000000000000001", "1300000000000000002"
MEMBERS = ["member_id", "name", "joined_at", "channel", "is_team"]
ACTIVITIES = ["activity_id", "member_id", "occurred_at", "kind", "platform"]
EXPORTED_MEMBERS = [
    (f"discord:{ADA}", "Ada", datetime(2025, 3, 1, 10), "discord", False),  # 18:00 +08:00
    (f"discord:{BO}", "Bo", datetime(2025, 3, 1, 9), "discord", False),  # his GuildMemberJoin
]
EXPORTED_ACTIVITIES = [
    ("discord:message:1200000000000000002", f"discord:{ADA}", datetime(2025, 3, 1, 10), "message", "discord"),
    ("discord:message:1200000000000000003", f"discord:{BO}", datetime(2025, 3, 1, 11), "message", "discord"),
    (f"discord:reaction:1200000000000000002:👋:{BO}", f"discord:{BO}", datetime(2025, 3, 1, 10), "reaction", "discord"),
]


@pytest.fixture
def exported(tmp_path):
    folder = tmp_path / "discord"
    shutil.copytree(EXPORTS, folder)
    settings = connector_settings(tmp_path, f'[pulse.connectors.discord]\nexports = "{folder}"\n')
    store = migrated_store(settings)
    yield folder, settings, store
    store.dispose()


def test_an_export_gives_messages_reactions_and_joins_but_no_bots_or_words(exported):
    _, settings, store = exported
    result = sync_connectors(settings, store, waits=[])
    assert result.rows["members"] == 2 and result.rows["activities"] == 3
    assert warehouse_rows(settings, "members", MEMBERS) == EXPORTED_MEMBERS
    assert warehouse_rows(settings, "activities", ACTIVITIES) == EXPORTED_ACTIVITIES
    archive = Archive(archive_dir(settings.data_dir, "discord"))
    for path in archive.folder.rglob("*.parquet"):
        assert b"the words of" not in path.read_bytes()
    assert state.cursor_of(store, "discord")["channels"] == {GENERAL: "1200000000000000004"}
    assert archive.members()["avatar"].tolist() == [  # the authors' avatarUrl as exported
        f"https://cdn.discordapp.com/avatars/{ADA}/a_1f2e3d4c5b6a79880f1e2d3c4b5a6978.gif?size=512",
        f"https://cdn.discordapp.com/avatars/{BO}/8d9c2e4b1a7f3e6d5c4b3a2918f7e6d5.png?size=512",
    ]


def test_a_newer_export_adds_only_the_messages_after_the_last_one_taken(exported):
    folder, settings, store = exported
    sync_connectors(settings, store, waits=[])
    [path] = folder.glob("*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    later = dict(document["messages"][2], id="1200000000000000005", timestamp="2025-03-02T08:00:00.000+00:00")
    document["messages"].append(later)
    document["messages"][1]["type"] = "ChannelPinnedMessage"  # an old message changed: not read again
    path.write_text(json.dumps(document), encoding="utf-8")
    result = sync_connectors(settings, store, waits=[])
    assert result.mode == "incremental"
    assert warehouse_rows(settings, "activities", ACTIVITIES) == sorted(
        [
            *EXPORTED_ACTIVITIES,
            ("discord:message:1200000000000000005", f"discord:{BO}", datetime(2025, 3, 2, 8), "message", "discord"),
        ]
    )


def test_an_export_without_its_messages_is_named(exported):
    folder, settings, store = exported
    [path] = folder.glob("*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["messages"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(
        MalformedAnswer,
        match=r"Discord: what .*general.*\.json gave is not in the documented shape: messages should be list",
    ):
        sync_connectors(settings, store, waits=[])
    assert table_rows(settings.warehouse_path) == {}


def guild(server: DiscordServer) -> None:
    ada, bo = (
        server.user(ADA, "ada", avatar="a_1f2e3d4c5b6a79880f1e2d3c4b5a6978"),
        server.user(BO, "bo", global_name=None),
    )
    server.member(ada, "2024-12-01T10:00:00.000000+00:00", nick="Ada the Admin")
    server.member(bo, "2025-02-15T08:30:00.123000+00:00")
    server.member(server.user("1400000000000000009", "carl-bot", bot=True), "2024-12-02T00:00:00+00:00")
    for number in range(1, 121):  # 120 messages: two pages of 100 after the start
        author = ada if number % 2 else bo
        server.message(
            GENERAL,
            f"12000000000000{number:05d}",
            author,
            f"2025-03-01T{number // 60:02d}:{number % 60:02d}:00.000000+00:00",
        )
    server.message(
        GENERAL,
        "1200000000000000121",
        server.user("1400000000000000009", "carl-bot", bot=True),
        "2025-03-01T03:00:00+00:00",
    )
    server.message(GENERAL, "1200000000000000122", ada, "2025-03-01T03:01:00+00:00", kind=7)  # a join notice


@pytest.fixture
def bot(tmp_path):
    with discord_server() as server:
        guild(server)
        secrets = (
            f'[pulse.connectors.discord]\ntoken = "{server.token}"\nguild = "{server.guild}"\n'
            f'channels = ["{GENERAL}"]\napi_url = "{server.url}/api/v10"\n'
        )
        settings = connector_settings(tmp_path, secrets)
        store = migrated_store(settings)
        yield server, settings, store
        store.dispose()


def test_the_bot_reads_members_and_pages_of_messages_after_the_last_taken(bot):
    server, settings, store = bot
    server.fail_next(
        f"/api/v10/channels/{GENERAL}/messages?limit=100&after=1200000000000000100",
        429,
        {"message": "You are being rate limited.", "retry_after": 1.5, "global": False},
        headers={"Retry-After": "2", "X-RateLimit-Reset-After": "1.5", "X-RateLimit-Scope": "user"},
    )
    waits: list[float] = []
    result = sync_connectors(settings, store, waits=waits)
    assert waits == [2.0]
    assert result.rows["members"] == 2 and result.rows["activities"] == 120
    assert warehouse_rows(settings, "members", MEMBERS) == [
        (f"discord:{ADA}", "Ada the Admin", datetime(2024, 12, 1, 10), "discord", False),
        (f"discord:{BO}", "bo", datetime(2025, 2, 15, 8, 30, 0, 123000), "discord", False),
    ]
    # a user's avatar hash as its image on Discord's CDN; Bo has none (Discord shows its default)
    avatars = Archive(archive_dir(settings.data_dir, "discord")).members()["avatar"]
    assert [avatar if isinstance(avatar, str) else None for avatar in avatars] == [
        f"https://cdn.discordapp.com/avatars/{ADA}/a_1f2e3d4c5b6a79880f1e2d3c4b5a6978.png",
        None,
    ]
    asked = [path for path in server.requests if "/messages" in path]
    assert asked == [
        f"/api/v10/channels/{GENERAL}/messages?limit=100&after=0",
        f"/api/v10/channels/{GENERAL}/messages?limit=100&after=1200000000000000100",
        f"/api/v10/channels/{GENERAL}/messages?limit=100&after=1200000000000000100",
    ]
    server.message(GENERAL, "1200000000000000123", server.user(BO, "bo"), "2025-03-02T00:00:00+00:00")
    server.requests.clear()
    again = sync_connectors(settings, store, waits=[])
    assert again.rows["activities"] == 121
    assert [path for path in server.requests if "/messages" in path] == [
        f"/api/v10/channels/{GENERAL}/messages?limit=100&after=1200000000000000122"
    ]


def test_a_revoked_bot_token_and_an_unknown_channel_are_named(bot, tmp_path):
    server, settings, store = bot
    server.token = "another-token-after-reset"
    with pytest.raises(TokenRefused, match=r"^Discord refused the connector's key or token \(HTTP 401\)"):
        sync_connectors(settings, store, waits=[])
    server.token = "discord-bot-token-0123456789"
    server.messages.clear()
    with pytest.raises(PlatformFailed) as failed:
        sync_connectors(settings, store, waits=[])
    where = f"{server.url}/api/v10/channels/{GENERAL}/messages"
    assert failed.value.user_message == f"Discord answered HTTP 404 at {where}: Unknown Channel"


def test_a_malformed_message_from_the_bot_api_is_named_and_nothing_of_its_page_is_kept(bot):
    server, settings, store = bot
    server.messages[GENERAL][0]["author"] = "ada"
    with pytest.raises(MalformedAnswer, match="author should be object"):
        sync_connectors(settings, store, waits=[])
    archived = Archive(archive_dir(settings.data_dir, "discord"))
    assert archived.activities().empty and len(archived.members()) == 2  # the members' step, whole
    assert GENERAL not in state.cursor_of(store, "discord")["channels"]
