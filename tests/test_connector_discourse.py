"""The Discourse connector against a loopback server answering as Discourse documents: a first
import, an increment, a 429 then success, a revoked key, a malformed answer, and a first import
that fails midway and resumes without duplicates."""

from __future__ import annotations

from datetime import datetime

import pytest

import clock
from data_sources.connectors import state
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.errors import MalformedAnswer, PlatformFailed, TokenRefused
from data_sources.sync import sync
from data_sources.warehouse import table_rows
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors, warehouse_rows
from tests.platform_server import DiscourseServer, discourse_server, rate_limit_body

SECRETS = """
[pulse]
community_source = "connectors"

[pulse.connectors.discourse]
url = "{url}"
api_key = "{key}"
api_username = "system"
"""
LIKE, WAS_LIKED, SOLVED = 1, 2, 15
MEMBERS = ["member_id", "name", "email", "joined_at", "channel", "is_team"]
ACTIVITIES = ["activity_id", "member_id", "occurred_at", "kind", "platform"]


def forum(server: DiscourseServer) -> None:
    """Three people, the system account, a topic with two replies, a notice and a like and a solution."""
    server.user(1, "alice", "2025-01-05T10:00:00.000Z", admin=True)
    server.user(
        2, "bob", "2025-02-01T08:30:00.000Z", avatar_template="/user_avatar/forum.example.org/bob/{size}/7_2.png"
    )
    server.user(  # address not confirmed; a picture on a CDN, its address without a scheme
        3,
        "chen",
        "2025-03-01T00:00:00.000+08:00",
        name="陈",
        active=False,
        avatar_template="//cdn.example.net/user_avatar/forum.example.org/chen/{size}/9_2.png",
    )
    server.user(-1, "system", "2024-12-31T00:00:00.000Z", admin=True)
    server.post(10, 1, "2025-03-02T09:00:00.000Z")  # opens a topic: a post
    server.post(11, 2, "2025-03-02T10:00:00.000Z", post_number=2)  # a reply: a comment
    server.post(12, 1, "2025-03-02T10:30:00.000Z", post_number=3, post_type=3)  # "closed the topic": left out
    server.post(13, -1, "2025-03-02T11:30:00.000Z", post_number=4)  # by the system account: left out
    server.post(14, 3, "2025-03-03T12:00:00.000Z", post_number=5)
    server.action("bob", LIKE, 10, "2025-03-02T11:00:00.000Z")
    server.action("alice", WAS_LIKED, 10, "2025-03-02T11:00:00.000Z")  # not asked for (filter 1,15)
    server.action("chen", SOLVED, 14, "2025-03-04T09:00:00.000Z")


FIRST_MEMBERS = [
    ("discourse:1", "Alice", "alice@example.org", datetime(2025, 1, 5, 10), "discourse", True),
    ("discourse:2", "Bob", "bob@example.org", datetime(2025, 2, 1, 8, 30), "discourse", False),
    ("discourse:3", "陈", "chen@example.org", datetime(2025, 2, 28, 16), "discourse", False),
]
FIRST_ACTIVITIES = [
    ("discourse:like:2:10", "discourse:2", datetime(2025, 3, 2, 11), "reaction", "discourse"),
    ("discourse:post:10", "discourse:1", datetime(2025, 3, 2, 9), "post", "discourse"),
    ("discourse:post:11", "discourse:2", datetime(2025, 3, 2, 10), "comment", "discourse"),
    ("discourse:post:14", "discourse:3", datetime(2025, 3, 3, 12), "comment", "discourse"),
    ("discourse:solution:14", "discourse:3", datetime(2025, 3, 4, 9), "solution", "discourse"),
]


@pytest.fixture
def configured(tmp_path):
    with discourse_server() as server:
        forum(server)
        settings = connector_settings(tmp_path, SECRETS.format(url=server.url, key=server.api_key))
        store = migrated_store(settings)
        yield server, settings, store
        store.dispose()


def test_a_first_import_archives_members_posts_likes_and_solutions_without_their_words(configured):
    _, settings, store = configured
    result = sync(settings=settings, app_store=store, source="connectors")
    assert result.rows == {"members": 3, "activities": 5, "campaigns": 0, "campaign_members": 0}
    assert warehouse_rows(settings, "members", MEMBERS) == FIRST_MEMBERS
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES
    archive = Archive(archive_dir(settings.data_dir, "discourse"))
    members = archive.members()
    assert list(zip(members["handle"], members["email_verified"], strict=True)) == [
        ("alice", True),
        ("bob", True),
        ("chen", False),
    ]
    server = configured[0]  # avatar_template's {size} as 96 pixels, a path on the forum's own address
    assert members["avatar"].tolist() == [
        f"{server.url}/letter_avatar_proxy/v4/letter/a/8c91f0/96.png",
        f"{server.url}/user_avatar/forum.example.org/bob/96/7_2.png",
        "https://cdn.example.net/user_avatar/forum.example.org/chen/96/9_2.png",
    ]
    for path in archive.folder.rglob("*.parquet"):  # the posts' text and the actions' excerpts stay out
        assert b"the words of" not in path.read_bytes()
    [row] = state.states(store)
    assert (row["connector"], row["status"], row["error"]) == ("discourse", "succeeded", None)
    assert row["cursor"]["posts_floor"] == 14 and row["cursor"]["users_page"] == 1


def test_an_increment_fetches_only_what_is_new_and_appends_it(configured, monkeypatch):
    server, settings, store = configured
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 4, 12))
    sync_connectors(settings, store, waits=[])
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 6, 8))
    server.user(4, "dana", "2025-03-05T08:00:00.000Z")
    server.post(15, 4, "2025-03-05T09:00:00.000Z")
    server.action("alice", LIKE, 15, "2025-03-05T12:00:00.000Z")
    server.users[0]["last_seen_at"] = "2025-03-05T12:00:00.000Z"  # online to give her like; bob and chen not since
    server.requests.clear()
    result = sync_connectors(settings, store, waits=[])
    likes = [path.split("username=")[1].split("&")[0] for path in server.requests if "user_actions" in path]
    assert likes == ["alice", "dana"]  # only those seen since the last run (a day's overlap) are asked
    assert result.mode == "incremental"
    assert result.rows["members"] == 4 and result.rows["activities"] == 7
    assert warehouse_rows(settings, "activities", ACTIVITIES) == sorted(
        [
            *FIRST_ACTIVITIES,
            ("discourse:like:1:15", "discourse:1", datetime(2025, 3, 5, 12), "reaction", "discourse"),
            ("discourse:post:15", "discourse:4", datetime(2025, 3, 5, 9), "post", "discourse"),
        ]
    )
    posts = [path for path in server.requests if path.startswith("/posts.json")]
    assert posts == ["/posts.json"]  # the newest page reached the floor: no walk back through the forum


def test_a_429_is_waited_out_as_retry_after_says_then_the_import_goes_on(configured):
    server, settings, store = configured
    server.fail_next("/posts.json", 429, rate_limit_body(7), headers={"Retry-After": "7"})
    waits: list[float] = []
    sync_connectors(settings, store, waits=waits)
    assert waits == [7.0]
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES


def test_a_revoked_key_is_named_and_leaves_the_warehouse_as_it_was(configured):
    server, settings, store = configured
    sync_connectors(settings, store, waits=[])
    server.api_key = "another-key-after-revoking"
    with pytest.raises(TokenRefused) as refused:
        sync_connectors(settings, store, waits=[])
    assert refused.value.user_message == (
        "Discourse refused the connector's key or token (HTTP 403): it may have been revoked or have expired, "
        "or lack the rights the connector needs. Make a new one and put it in [pulse.connectors.discourse] of "
        "secrets.toml."
    )
    assert "key or token" in refused.value.text("en") and "密钥或令牌" in refused.value.text("zh-CN")
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES
    [row] = state.states(store)
    assert row["status"] == "failed" and row["error"] == refused.value.user_message


def test_a_malformed_answer_is_named_and_nothing_of_it_is_kept(configured):
    server, settings, store = configured
    server.posts[1]["user_id"] = "bob"  # a name where Discourse documents a number
    with pytest.raises(MalformedAnswer) as malformed:
        sync_connectors(settings, store, waits=[])
    assert malformed.value.user_message == (
        f"Discourse: what {server.url}/posts.json gave is not in the documented shape: user_id should be number. "
        "Nothing of it was kept."
    )
    assert table_rows(settings.warehouse_path) == {}  # no warehouse was built
    assert Archive(archive_dir(settings.data_dir, "discourse")).activities().empty


def test_a_first_import_that_fails_midway_resumes_where_it_stopped_without_duplicates(configured):
    server, settings, store = configured
    for number in range(100, 160):  # 60 more replies by bob: the walk back takes a second page of 50
        server.post(number, 2, f"2025-04-01T00:{number - 100:02d}:00.000Z", post_number=2)
    server.fail_next("/posts.json?before=", 500, {"errors": ["Internal Server Error"]}, times=2)  # both attempts
    waits: list[float] = []
    with pytest.raises(PlatformFailed):
        sync_connectors(settings, store, waits=waits, attempts=2)
    assert waits == [1.0]
    cursor = state.cursor_of(store, "discourse")
    assert (cursor["posts_floor"], cursor["posts_top"], cursor["posts_before"]) == (0, 159, 110)
    assert len(Archive(archive_dir(settings.data_dir, "discourse")).activities()) == 50  # the first page, whole
    assert table_rows(settings.warehouse_path) == {}

    server.requests.clear()
    result = sync_connectors(settings, store, waits=[])
    asked = [path for path in server.requests if path.startswith("/posts.json")]
    assert asked == ["/posts.json?before=110", "/posts.json?before=10"]  # on from the gap; an empty page ends it
    assert result.rows["activities"] == 5 + 60
    activities = warehouse_rows(settings, "activities", ACTIVITIES)
    assert len({row[0] for row in activities}) == len(activities) == 65


def test_cli_sync_runs_the_connector_and_tells_each_step_on_stderr(tmp_path, monkeypatch, capsys):
    import cli

    with discourse_server() as server:
        forum(server)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(SECRETS.format(url=server.url, key=server.api_key), encoding="utf-8")
        monkeypatch.setenv("PULSE_SECRETS_FILE", str(secrets))
        monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "data"))
        for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_COMMUNITY_SOURCE"):
            monkeypatch.delenv(name, raising=False)
        assert cli.main(["sync"]) == 0
    out, err = capsys.readouterr()
    assert "Synced from connectors: 3 members, 5 activities, 0 campaigns, 0 campaign_members" in out
    assert err.splitlines()[:4] == [
        "Discourse users: 4 of 4",  # the system account read too, then left out
        "Discourse posts: 4 of 14",  # post ids 14 down to 10 walked (of 14 to 0), then an empty page
        "Discourse posts: 14 of 14",
        "Discourse members' likes and solutions: 3 of 3",
    ]
    assert server.api_key not in out + err
