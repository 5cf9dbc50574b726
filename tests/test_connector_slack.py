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
from data_sources.connectors.errors import MalformedAnswer, PlatformFailed
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
    for path in Archive(archive_dir(settings.data_dir, "slack")).folder.rglob("*.parquet"):
        assert b"the words of" not in path.read_bytes()
    assert state.cursor_of(store, "slack") == {"days": {"C01GEN": "2025-03-02", "C02RAN": "2025-03-02"}}


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
        f"slack: what {target.name}: random/2025-03-02.json gave is not in the documented shape: ts should be "
        "text. Nothing of it was kept."
    )
    assert table_rows(settings.warehouse_path) == {}
    assert "C02RAN" not in state.cursor_of(store, "slack").get("days", {})


def test_a_file_that_is_no_export_is_named(exported):
    _, target, settings, store = exported
    target.write_text("not a zip")
    with pytest.raises(PlatformFailed, match=f"slack: {target.name} is not a workspace export .zip"):
        sync_connectors(settings, store, waits=[])
    target.unlink()
    with pytest.raises(PlatformFailed, match="is not there"):
        sync_connectors(settings, store, waits=[])
