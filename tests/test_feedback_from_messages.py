"""Feedback from messages (feedback/messages.py): the messages of the channels a manager chose become
feedback items through the intake, each exactly once across syncs, under the account that wrote
it (its person found when read); no other channel's text is kept anywhere in the data folder; turning the switch off
stops new items and keeps the old ones."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_sources import identities
from data_sources.connectors import saved
from data_sources.connectors.messages import keep
from data_sources.sync import sync_lock
from data_sources.warehouse import open_warehouse
from feedback.messages import take_messages
from store import tables
from store.database import AppStore
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors
from tests.platform_server import discord_server, discourse_server
from tests.test_connector_slack import EXPORT, add_message, zipped
from ui import background

NOW = datetime(2025, 3, 5, 9, 0)
ITEM = ["source", "member_id", "created_at", "text", "tags", "status"]
FIRST_ITEMS = [  # #general's messages by people, each under the account that wrote it
    ("chat", "slack:U01ADA", datetime(2025, 3, 1, 10), "the words of a welcome", ["slack #general"], "new"),
    ("chat", "slack:U02BO", datetime(2025, 3, 1, 11), "the words of a reply", ["slack #general"], "new"),
    ("chat", "slack:U02BO", datetime(2025, 3, 2, 10), "the words of a broadcast", ["slack #general"], "new"),
]


def items(store) -> list[tuple]:
    feedback = tables.feedback
    with store.read() as connection:
        rows = connection.execute(sa.select(*(feedback.c[name] for name in ITEM)).order_by(feedback.c.created_at))
        return [tuple(row) for row in rows]


def waiting(store) -> int:
    with store.read() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(tables.connector_messages))


def anywhere(folder: Path, words: bytes) -> list[str]:
    """The files under `folder` holding `words` (the app store, its WAL, archives, the warehouse)."""
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file() and words in path.read_bytes()
    )


def sync_and_take(settings, store) -> int:
    sync_connectors(settings, store, waits=[])
    return take_messages(store, settings=settings, now=NOW)


SECRETS = """
[pulse.connectors.discourse]
url = "{url}"
api_key = "{key}"
api_username = "system"

[pulse.connectors.slack]
export = "{export}"
feedback_channels = {chosen}
"""


@pytest.fixture
def community(tmp_path):
    """A forum where ada confirmed ada@example.org, and a Slack export where Ada's address is hers."""
    folder = tmp_path / "export"
    shutil.copytree(EXPORT, folder)
    target = zipped(folder, tmp_path / "export.zip")
    with discourse_server() as server:
        server.user(1, "ada", "2025-01-05T10:00:00.000Z")  # ada@example.org, active: verified
        yield server, folder, target, tmp_path


def configure(tmp_path, server, target, chosen: str):
    settings = connector_settings(
        tmp_path, SECRETS.format(url=server.url, key=server.api_key, export=target, chosen=chosen)
    )
    return settings


def test_each_message_of_a_chosen_channel_becomes_one_item_under_its_account_and_no_other_text_is_kept(community):
    server, _, target, tmp_path = community
    settings = configure(tmp_path, server, target, '["#general"]')
    store = migrated_store(settings)
    assert sync_and_take(settings, store) == 3
    assert items(store) == FIRST_ITEMS
    warehouse = open_warehouse(settings)  # Ada's Slack account is the forum's ada (one verified address)
    assert identities.persons_of(warehouse.run, ["slack:U01ADA", "slack:U02BO"]) == {"slack:U01ADA": "discourse:1"}
    warehouse.dispose()
    assert waiting(store) == 0  # the text lives on in the items only
    with store.read() as connection:
        history = connection.execute(sa.select(tables.feedback_events.c.actor, tables.feedback_events.c.field)).all()
    assert history == [("connector", "created")] * 3
    # the item, in the app store (its file or its write-ahead log): the search does find text
    assert {name.removesuffix("-wal") for name in anywhere(settings.data_dir, b"the words of a welcome")} == {"app.db"}
    # #random was not chosen: its message's text is nowhere; nor are a bot's or a topic's words
    for words in (b"the words of a file", b"the words of a bot", b"the words of a topic"):
        assert anywhere(settings.data_dir, words) == []
    # a sync again reads the last day again: nothing is added twice
    assert sync_and_take(settings, store) == 0
    assert items(store) == FIRST_ITEMS
    store.dispose()


def test_turning_the_switch_off_stops_new_items_and_keeps_the_old_ones(community):
    server, folder, target, tmp_path = community
    settings = configure(tmp_path, server, target, '["general"]')
    store = migrated_store(settings)
    assert sync_and_take(settings, store) == 3
    add_message(
        folder / "general" / "2025-03-03.json",
        {"type": "message", "user": "U02BO", "text": "the words of a later message", "ts": "1740996000.000800"},
    )
    zipped(folder, target)
    off = configure(tmp_path, server, target, "[]")
    assert sync_and_take(off, store) == 0
    assert items(store) == FIRST_ITEMS
    assert anywhere(settings.data_dir, b"the words of a later message") == []
    store.dispose()


def test_messages_waiting_when_the_switch_is_turned_off_are_dropped_not_made_items(community):
    server, _, target, tmp_path = community
    settings = configure(tmp_path, server, target, '["C01GEN"]')  # by id
    store = migrated_store(settings)
    sync_connectors(settings, store, waits=[])  # fetched; not taken yet
    assert waiting(store) == 3
    off = configure(tmp_path, server, target, "[]")
    assert take_messages(store, settings=off, now=NOW) == 0
    assert (waiting(store), items(store)) == (0, [])
    store.dispose()


GENERAL, QUIET = "1100000000000000001", "1100000000000000002"
ADA = "1300000000000000001"


def test_a_discord_channel_chosen_on_the_page_gives_its_messages_once_and_the_other_none(tmp_path):
    with discord_server() as server:
        ada = server.user(ADA, "ada")
        server.member(ada, "2024-12-01T10:00:00+00:00")
        server.message(GENERAL, "1200000000000000001", ada, "2025-03-01T09:00:00+00:00")
        server.message(QUIET, "1200000000000000002", ada, "2025-03-01T09:30:00+00:00")
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"guild": server.guild, "channels": f"{GENERAL}\n{QUIET}", "api_url": f"{server.url}/api/v10"}
        saved.save(
            store,
            settings,
            "discord",
            values,
            token=server.token,
            enabled=True,
            feedback_channels=[GENERAL],
            actor="ada@example.org",
            now=NOW,
        )
        assert sync_and_take(settings, store) == 1
        server.message(GENERAL, "1200000000000000003", ada, "2025-03-02T09:00:00+00:00")
        assert sync_and_take(settings, store) == 1
        assert sync_and_take(settings, store) == 0
    assert items(store) == [
        (
            "chat",
            f"discord:{ADA}",
            datetime(2025, 3, 1, 9),
            "the words of message 1200000000000000001",
            [f"discord #{GENERAL}"],
            "new",
        ),
        (
            "chat",
            f"discord:{ADA}",
            datetime(2025, 3, 2, 9),
            "the words of message 1200000000000000003",
            [f"discord #{GENERAL}"],
            "new",
        ),
    ]
    assert anywhere(settings.data_dir, b"the words of message 1200000000000000002") == []
    store.dispose()


def test_cli_sync_reads_a_connector_saved_on_the_page_and_takes_its_messages(tmp_path, monkeypatch, capsys):
    import cli
    from settings import load_settings

    folder = tmp_path / "export"
    shutil.copytree(EXPORT, folder)
    target = zipped(folder, tmp_path / "export.zip")
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PULSE_COMMUNITY_SOURCE", "connectors")
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    store = migrated_store(settings)
    saved.save(
        store,
        settings,
        "slack",
        {"export": str(target)},
        token=None,
        enabled=True,
        feedback_channels=["general"],
        actor="ada@example.org",
        now=NOW,
    )
    assert cli.main(["sync"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("Synced from connectors: 2 members, 5 activities, 0 campaigns, 0 campaign_members")
    assert out.splitlines()[-1] == "Feedback from messages: 3 new items"
    assert [item[1:4] for item in items(store)] == [
        ("slack:U01ADA", datetime(2025, 3, 1, 10), "the words of a welcome"),
        ("slack:U02BO", datetime(2025, 3, 1, 11), "the words of a reply"),
        ("slack:U02BO", datetime(2025, 3, 2, 10), "the words of a broadcast"),
    ]
    store.dispose()


def test_saving_a_connector_without_a_channel_drops_that_channel_s_waiting_messages_at_once(tmp_path):
    """Turning a channel off on the page deletes its messages still waiting (fetched, not yet made
    items) when it is saved, not at the next sync; the channels still chosen keep theirs."""
    with discord_server() as server:
        ada = server.user(ADA, "ada")
        server.member(ada, "2024-12-01T10:00:00+00:00")
        server.message(GENERAL, "1200000000000000001", ada, "2025-03-01T09:00:00+00:00")
        server.message(QUIET, "1200000000000000002", ada, "2025-03-01T09:30:00+00:00")
        settings = connector_settings(tmp_path, "[pulse]\n")
        store = migrated_store(settings)
        values = {"guild": server.guild, "channels": f"{GENERAL}\n{QUIET}", "api_url": f"{server.url}/api/v10"}

        def save(channels: list[str]) -> None:
            saved.save(
                store,
                settings,
                "discord",
                values,
                token=server.token,
                enabled=True,
                feedback_channels=channels,
                actor="ada@example.org",
                now=NOW,
            )

        def held() -> list[tuple[str, str]]:
            waiting = tables.connector_messages
            with store.read() as connection:
                chosen = sa.select(waiting.c.message_id, waiting.c.channel).order_by(waiting.c.message_id)
                return [tuple(row) for row in connection.execute(chosen)]

        save([GENERAL, f"#{QUIET}"])
        sync_connectors(settings, store, waits=[])  # fetched; not taken yet
        assert held() == [
            ("discord:message:1200000000000000001", GENERAL),
            ("discord:message:1200000000000000002", QUIET),
        ]
        save([f"#{GENERAL}"])
        assert held() == [("discord:message:1200000000000000001", GENERAL)]
        save([])
        assert held() == []
    store.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_message_with_a_nul_or_a_lone_surrogate_is_kept_cleaned_not_refused(engine, tmp_path, new_postgres_database):
    """PostgreSQL refuses a NUL in text and neither store takes a lone surrogate: refused, the
    message would fail its sync, and every sync after it, as it is fetched again each time."""
    url = f"sqlite:///{tmp_path / 'app.db'}" if engine == "sqlite" else new_postgres_database("messages")
    store = AppStore(url)
    store.migrate()
    message = {
        "message_id": "slack:C01GEN:1.0",
        "channel": "C01GEN",
        "channel_name": "gen\x00eral",
        "member_id": "slack:U01ADA",
        "sent_at": NOW,
        "text": "lag\x00 again \ud800!",
    }
    assert keep(store, "slack", [message]) == 1
    assert keep(store, "slack", [message]) == 0  # once
    with store.read() as connection:
        kept = connection.execute(sa.select(tables.connector_messages.c.channel_name, tables.connector_messages.c.text))
        assert kept.all() == [("general", "lag again ?!")]
    store.dispose()


def test_a_take_while_a_sync_runs_leaves_the_messages_for_that_syncs_take(community):
    server, _, target, tmp_path = community
    settings = configure(tmp_path, server, target, '["#general"]')
    store = migrated_store(settings)
    sync_connectors(settings, store, waits=[])  # fetched; not taken yet
    with sync_lock(settings.data_dir):  # another process's sync, say
        assert take_messages(store, settings=settings, now=NOW) == 0
    assert (waiting(store), items(store)) == (3, [])
    assert take_messages(store, settings=settings, now=NOW) == 3
    assert items(store) == FIRST_ITEMS
    store.dispose()


def test_a_scheduled_sync_makes_the_chosen_channels_messages_items_too(community):
    """The app server's own sync (ui.background, when a sync is due) takes them as Sync now does."""
    server, _, target, tmp_path = community
    settings = configure(tmp_path, server, target, '["#general"]')
    store = migrated_store(settings)
    background._sync_then_evaluate(settings, store)
    assert (items(store), waiting(store)) == (FIRST_ITEMS, 0)
    store.dispose()
