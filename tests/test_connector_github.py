"""The GitHub connector against a loopback server answering as GitHub's REST API documents: a first
import (issues, pull requests, reviews, comments, stars; bots and pending reviews left out), Link
pagination, an increment from `since`, the primary and secondary rate limits, a revoked token, a
repository that is not there and a malformed answer."""

from __future__ import annotations

import calendar
from datetime import datetime

import pytest

import clock
from data_sources.connectors import state
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.errors import MalformedAnswer, PlatformFailed, TokenRefused
from data_sources.warehouse import table_rows
from tests.connector_helpers import connector_settings, migrated_store, sync_connectors, warehouse_rows
from tests.platform_server import GithubServer, github_server

REPO = "acme/widgets"
SECRETS = """
[pulse.connectors.github]
token = "{token}"
repositories = ["{repo}"]
api_url = "{url}"
"""
MEMBERS = ["member_id", "name", "joined_at", "channel", "is_team"]
ACTIVITIES = ["activity_id", "member_id", "occurred_at", "kind", "platform"]
OCTO, MONA, BOT = (
    GithubServer.user(1, "octo"),
    GithubServer.user(2, "mona"),
    GithubServer.user(99, "dependabot[bot]", "Bot"),
)


def repository(server: GithubServer) -> None:
    server.repository(REPO)
    server.issue(REPO, 1, 1001, MONA, "2025-03-01T10:00:00Z")
    server.issue(
        REPO,
        2,
        1002,
        OCTO,
        "2025-03-02T09:00:00Z",
        updated="2025-03-03T00:00:00Z",
        association="MEMBER",
        pull_request={"url": f"{server.url}/repos/{REPO}/pulls/2"},
    )
    server.issue(REPO, 3, 1003, BOT, "2025-03-02T10:00:00Z", pull_request={"url": "…"})  # a bot: left out
    server.reviews[(REPO, 2)] = [
        {
            "id": 5001,
            "user": MONA,
            "state": "APPROVED",
            "body": "the words of a review",
            "submitted_at": "2025-03-02T12:00:00Z",
            "author_association": "NONE",
        },
        {"id": 5002, "user": OCTO, "state": "PENDING", "body": "", "author_association": "MEMBER"},  # not submitted
    ]
    server.comment(server.comments, REPO, 7001, OCTO, "2025-03-01T11:00:00Z", association="MEMBER")
    server.comment(server.review_comments, REPO, 8001, MONA, "2025-03-02T12:05:00Z")
    server.stars[REPO] = [
        {"starred_at": "2025-02-20T00:00:00Z", "user": MONA},
        {"starred_at": "2025-02-21T00:00:00Z", "user": OCTO},
    ]


FIRST_MEMBERS = [
    ("github:1", "octo", datetime(2025, 2, 21), "github", True),  # joined at their first activity seen: a star
    ("github:2", "mona", datetime(2025, 2, 20), "github", False),
]
FIRST_ACTIVITIES = [
    ("github:comment:7001", "github:1", datetime(2025, 3, 1, 11), "comment", "github"),
    ("github:issue:1001", "github:2", datetime(2025, 3, 1, 10), "issue", "github"),
    ("github:issue:1002", "github:1", datetime(2025, 3, 2, 9), "pull_request", "github"),
    ("github:review:5001", "github:2", datetime(2025, 3, 2, 12), "review", "github"),
    ("github:review_comment:8001", "github:2", datetime(2025, 3, 2, 12, 5), "comment", "github"),
    ("github:star:acme/widgets:1", "github:1", datetime(2025, 2, 21), "star", "github"),
    ("github:star:acme/widgets:2", "github:2", datetime(2025, 2, 20), "star", "github"),
]


@pytest.fixture
def configured(tmp_path):
    with github_server() as server:
        repository(server)
        settings = connector_settings(tmp_path, SECRETS.format(token=server.token, repo=REPO, url=server.url))
        store = migrated_store(settings)
        yield server, settings, store
        store.dispose()


def test_a_first_import_archives_issues_pulls_reviews_comments_and_stars_without_their_words(configured):
    _, settings, store = configured
    result = sync_connectors(settings, store, waits=[])
    assert result.rows["members"] == 2 and result.rows["activities"] == 7
    assert warehouse_rows(settings, "members", MEMBERS) == FIRST_MEMBERS
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES
    archive = Archive(archive_dir(settings.data_dir, "github"))
    for path in archive.folder.rglob("*.parquet"):
        assert b"the words of" not in path.read_bytes()
    assert archive.members()[["member_id", "avatar"]].values.tolist() == [
        ["github:1", "https://avatars.githubusercontent.com/u/1?v=4"],
        ["github:2", "https://avatars.githubusercontent.com/u/2?v=4"],
    ]
    marks = state.cursor_of(store, "github")["repositories"][REPO]
    assert marks == {
        "issues_since": "2025-03-03T00:00:00Z",
        "issue_comments_since": "2025-03-01T11:00:00Z",
        "review_comments_since": "2025-03-02T12:05:00Z",
        "stars_page": 1,
    }


def test_pages_are_followed_by_their_links_and_an_increment_asks_only_since_the_last_update(configured):
    server, settings, store = configured
    for number in range(3, 153):  # 150 more stargazers: two pages of 100
        server.stars[REPO].append(
            {
                "starred_at": f"2025-02-22T{number // 60:02d}:{number % 60:02d}:00Z",
                "user": GithubServer.user(number + 100, f"fan{number}"),
            }
        )
    sync_connectors(settings, store, waits=[])
    asked = [path for path in server.requests if "/stargazers" in path]
    assert asked == [f"/repos/{REPO}/stargazers?per_page=100&page=1", f"/repos/{REPO}/stargazers?per_page=100&page=2"]
    assert state.cursor_of(store, "github")["repositories"][REPO]["stars_page"] == 2

    server.comment(server.comments, REPO, 7002, MONA, "2025-03-04T08:00:00Z")
    server.requests.clear()
    result = sync_connectors(settings, store, waits=[])
    assert result.mode == "incremental"
    assert result.rows["activities"] == 7 + 150 + 1
    issues = [path for path in server.requests if "/issues?" in path]
    assert issues == [
        f"/repos/{REPO}/issues?state=all&sort=updated&direction=asc&since=2025-03-03T00%3A00%3A00Z&per_page=100"
    ]
    assert [path for path in server.requests if "/stargazers" in path] == [
        f"/repos/{REPO}/stargazers?per_page=100&page=2"
    ]
    activities = warehouse_rows(settings, "activities", ACTIVITIES)
    assert ("github:comment:7002", "github:2", datetime(2025, 3, 4, 8), "comment", "github") in activities
    assert len({row[0] for row in activities}) == len(activities) == 158


def test_a_spent_rate_limit_waits_until_its_reset_then_goes_on(configured, monkeypatch):
    server, settings, store = configured
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 2, 9))
    reset = calendar.timegm(datetime(2026, 3, 2, 9, 0, 30).timetuple())
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset), "x-ratelimit-limit": "5000"}
    body = {"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest"}
    server.fail_next(f"/repos/{REPO}/issues/comments", 403, body, headers=limited)
    server.fail_next(
        f"/repos/{REPO}/stargazers",
        429,
        {"message": "You have exceeded a secondary rate limit."},
        headers={"retry-after": "5"},
    )
    waits: list[float] = []
    sync_connectors(settings, store, waits=waits)
    assert waits == [30.0, 5.0]
    assert warehouse_rows(settings, "activities", ACTIVITIES) == FIRST_ACTIVITIES


def test_a_revoked_token_is_named(configured):
    server, settings, store = configured
    server.token = "github_pat_the_new_one_987654"
    with pytest.raises(TokenRefused) as refused:
        sync_connectors(settings, store, waits=[])
    assert refused.value.user_message.startswith("GitHub refused the connector's key or token (HTTP 401)")
    assert table_rows(settings.warehouse_path) == {}


def test_a_repository_that_is_not_there_is_named(configured, tmp_path):
    server, _, _ = configured
    (tmp_path / "other").mkdir()
    settings = connector_settings(
        tmp_path / "other", SECRETS.format(token=server.token, repo="acme/gone", url=server.url)
    )
    store = migrated_store(settings)
    with pytest.raises(PlatformFailed) as failed:
        sync_connectors(settings, store, waits=[])
    assert failed.value.user_message == f"GitHub answered HTTP 404 at {server.url}/repos/acme/gone/issues: Not Found"
    store.dispose()


def test_a_malformed_answer_is_named_and_nothing_of_it_is_kept(configured):
    server, settings, store = configured
    server.issues[REPO][0]["user"] = "mona"  # a login where GitHub documents a user object
    with pytest.raises(MalformedAnswer) as malformed:
        sync_connectors(settings, store, waits=[])
    assert malformed.value.user_message == (
        f"GitHub: what {server.url}/repos/{REPO}/issues gave is not in the documented shape: user should be "
        "object. Nothing of it was kept."
    )
    assert Archive(archive_dir(settings.data_dir, "github")).activities().empty
    assert state.cursor_of(store, "github") == {}


def test_an_organisations_repositories_are_read_without_its_forks(configured, tmp_path):
    server, _, _ = configured
    server.repository("acme/docs")
    server.issue("acme/docs", 1, 2001, MONA, "2025-03-05T10:00:00Z")
    server.repository("acme/forked")
    server.issue("acme/forked", 1, 3001, OCTO, "2025-03-05T10:00:00Z")
    server.forks.add("acme/forked")
    (tmp_path / "org").mkdir()
    secrets = f'[pulse.connectors.github]\ntoken = "{server.token}"\norganization = "acme"\napi_url = "{server.url}"\n'
    settings = connector_settings(tmp_path / "org", secrets)
    store = migrated_store(settings)
    sync_connectors(settings, store, waits=[])
    issues = {row[0] for row in warehouse_rows(settings, "activities", ACTIVITIES) if ":issue:" in row[0]}
    assert issues == {"github:issue:1001", "github:issue:1002", "github:issue:2001"}
    assert sorted(state.cursor_of(store, "github")["repositories"]) == ["acme/docs", "acme/widgets"]
    store.dispose()


def discussion(number: int, author: dict, created: str, comments: list[tuple[int, dict, str]]) -> dict:
    def who(user: dict) -> dict:
        kind = "Bot" if user["type"] == "Bot" else "User"
        return {
            "__typename": kind,
            "login": user["login"],
            "avatarUrl": user["avatar_url"],
            **({"databaseId": user["id"]} if kind == "User" else {}),
        }

    return {
        "databaseId": number,
        "createdAt": created,
        "updatedAt": comments[-1][2] if comments else created,
        "authorAssociation": "NONE",
        "title": f"the words of discussion {number}",
        "author": who(author),
        "comments": {
            "nodes": [
                {
                    "databaseId": key,
                    "createdAt": at,
                    "authorAssociation": "NONE",
                    "author": who(user),
                    "body": "the words",
                }
                for key, user, at in comments
            ]
        },
    }


def test_discussions_and_their_comments_come_through_graphql_from_the_last_page_read(configured):
    server, settings, store = configured
    server.discussions[REPO] = [
        discussion(
            9001,
            MONA,
            "2025-03-03T10:00:00Z",
            [(9101, OCTO, "2025-03-03T11:00:00Z"), (9102, BOT, "2025-03-03T12:00:00Z")],
        ),
    ]
    sync_connectors(settings, store, waits=[])
    rows = [row for row in warehouse_rows(settings, "activities", ACTIVITIES) if ":discussion" in row[0]]
    assert rows == [
        ("github:discussion:9001", "github:2", datetime(2025, 3, 3, 10), "post", "github"),
        ("github:discussion_comment:9101", "github:1", datetime(2025, 3, 3, 11), "comment", "github"),
    ]
    server.discussions[REPO].append(discussion(9002, OCTO, "2025-03-04T09:00:00Z", []))
    server.requests.clear()
    result = sync_connectors(settings, store, waits=[])
    assert result.rows["activities"] == 7 + 2 + 1
    assert [path for path in server.requests if path == "/graphql"] == ["/graphql"]  # one page, after the last read
    assert state.cursor_of(store, "github")["repositories"][REPO]["discussions_after"] == "Y3Vyc29yOnYyOpK2"


def test_a_graphql_error_is_named(configured):
    server, settings, store = configured
    server.fail_next(
        "/graphql",
        200,
        {
            "data": None,
            "errors": [{"type": "FORBIDDEN", "message": "Resource not accessible by personal access token"}],
        },
    )
    with pytest.raises(PlatformFailed, match="Resource not accessible by personal access token"):
        sync_connectors(settings, store, waits=[])
