"""The connectors' shared part: polite HTTP (Retry-After, GitHub's rate-limit headers, bounded
retries, refusals and answers that are not JSON, Link pagination), the archive (no duplicates,
nothing half-written), the runner (cursor after the archive; resume after a failure), the
configuration (keys kept out of the log) and the connectors source."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

import clock
import logs
from data_sources.connectors import state
from data_sources.connectors.archive import Archive
from data_sources.connectors.client import PoliteClient
from data_sources.connectors.config import DiscourseConfig, GithubConfig, parse_connectors
from data_sources.connectors.errors import (
    ConnectorNotConfigured,
    MalformedAnswer,
    PlatformFailed,
    RateLimited,
    TokenRefused,
)
from data_sources.connectors.source import run_connector
from data_sources.connectors.steps import Step
from data_sources.errors import SourceUnavailable
from tests.connector_helpers import connector_settings, migrated_store
from tests.loopback import Answering, Scripted, serving

NOW = datetime(2026, 3, 2, 9, 0, 0)


class Pages(Scripted):
    """/items?page=N: three pages linked by Link headers, as GitHub pages; /text answers HTML."""

    asked: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.asked = []


def _handler(server: Pages) -> type[BaseHTTPRequestHandler]:
    class Handler(Answering, BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.asked.append(self.path)
            failure = server._scripted(self.path)
            if failure is not None:
                return self.answer(failure[1], failure[2], failure[3])
            if self.path == "/text":
                return self.answer(200, "<html>a login page</html>")
            page = int(self.path.rsplit("=", 1)[-1]) if "page=" in self.path else 1
            base = f"http://{self.headers['Host']}/items?page="
            links = [f'<{base}{page + 1}>; rel="next"'] if page < 3 else []
            links.append(f'<{base}3>; rel="last"')
            return self.answer(200, [{"page": page}], {"Link": ", ".join(links)})

    return Handler


@pytest.fixture
def pages() -> Iterator[tuple[Pages, str]]:
    server = Pages()
    with serving(_handler(server)) as url:
        yield server, url


@pytest.fixture
def waits() -> list[float]:
    return []


def client(waits: list[float], **options: Any) -> PoliteClient:
    return PoliteClient("github", headers={"Authorization": "Bearer token-abcdef"}, sleep=waits.append, **options)


def test_pages_are_followed_through_their_link_headers(pages, waits):
    server, url = pages
    answers = list(client(waits).pages(f"{url}/items"))
    assert [answer.document for answer in answers] == [[{"page": 1}], [{"page": 2}], [{"page": 3}]]
    assert server.asked == ["/items", "/items?page=2", "/items?page=3"]
    assert answers[0].links["last"] == f"{url}/items?page=3"


def test_a_429_waits_as_retry_after_says(pages, waits):
    server, url = pages
    server.fail_next("/items", 429, {"message": "slow down"}, headers={"Retry-After": "7"})
    assert client(waits).get(f"{url}/items").document == [{"page": 1}]
    assert waits == [7.0]


def test_a_spent_primary_limit_waits_until_its_reset(pages, waits, monkeypatch):
    server, url = pages
    monkeypatch.setattr(clock, "now", lambda: NOW)
    reset = calendar.timegm(NOW.timetuple()) + 42
    limit = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    server.fail_next("/items", 403, {"message": "API rate limit exceeded for user ID 1."}, headers=limit)
    assert client(waits).get(f"{url}/items").document == [{"page": 1}]
    assert waits == [42.0]


def test_a_secondary_limit_with_retry_after_is_waited_out_not_taken_for_a_refusal(pages, waits):
    server, url = pages
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}
    server.fail_next("/items", 403, body, headers={"retry-after": "60"})
    client(waits).get(f"{url}/items")
    assert waits == [60.0]


def test_retries_are_bounded_and_the_last_answer_is_named(pages, waits):
    server, url = pages
    server.fail_next("/items", 429, {"message": "slow down"}, times=3)
    with pytest.raises(RateLimited) as limited:
        client(waits, attempts=3).get(f"{url}/items")
    assert waits == [1.0, 2.0]  # no Retry-After: 1, 2 s between the three tries
    assert limited.value.user_message == (
        f"GitHub still answered HTTP 429 (too many requests) at {url}/items after 3 tries. "
        "Sync again in a few minutes; what was fetched so far is kept."
    )


def test_a_wait_longer_than_a_sync_is_held_is_not_taken(pages, waits):
    server, url = pages
    server.fail_next("/items", 429, {"message": "slow down"}, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited, match="asks to wait 3600 s"):
        client(waits).get(f"{url}/items")
    assert waits == []


def test_server_errors_are_retried_then_named(pages, waits):
    server, url = pages
    server.fail_next("/items", 502, "<html>Bad gateway</html>", times=2)
    with pytest.raises(PlatformFailed, match="HTTP 502"):
        client(waits, attempts=2).get(f"{url}/items")
    assert waits == [1.0]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"message": "Bad credentials"}, TokenRefused),
        (403, {"message": "Resource not accessible by personal access token"}, TokenRefused),
        (404, {"message": "Not Found"}, PlatformFailed),
    ],
)
def test_refusals_are_not_retried_and_name_the_connector(pages, waits, status, body, error):
    server, url = pages
    server.fail_next("/items", status, body)
    with pytest.raises(error) as refused:
        client(waits).get(f"{url}/items")
    assert refused.value.user_message.startswith("GitHub ")
    assert waits == [] and server.asked == ["/items"]


def test_an_answer_that_is_not_json_is_named(pages, waits):
    _, url = pages
    with pytest.raises(MalformedAnswer, match=f"GitHub answered {url}/text with something that is not JSON"):
        client(waits).get(f"{url}/text")


def test_an_unreachable_platform_is_named_after_the_retries(waits):
    with serving(Answering) as url:
        pass  # the port is free again: nothing answers there
    with pytest.raises(PlatformFailed, match="could not reach"):
        client(waits, attempts=2).get(f"{url}/items")
    assert waits == [1.0]


def member(number: int, joined: str, name: str | None = None) -> dict[str, object]:
    return {
        "member_id": f"x:{number}",
        "platform": "x",
        "handle": f"h{number}",
        "name": name,
        "email": None,
        "email_verified": False,
        "joined_at": datetime.fromisoformat(joined),
        "is_team": False,
    }


def activity(number: int, member_number: int, at: str) -> dict[str, object]:
    return {
        "activity_id": f"x:a:{number}",
        "member_id": f"x:{member_number}",
        "occurred_at": datetime.fromisoformat(at),
        "kind": "comment",
        "platform": "x",
    }


def test_the_archive_takes_each_member_and_activity_once(tmp_path):
    archive = Archive(tmp_path / "x")
    archive.append([member(1, "2025-03-02 10:00", "Ann")], [activity(1, 1, "2025-03-02 10:00")])
    # the same step again (a run that died before its cursor moved), and a member seen earlier elsewhere
    archive.append(
        [member(1, "2025-03-01 08:00"), member(2, "2025-03-03 00:00", "Bo")],
        [activity(1, 1, "2025-03-02 10:00"), activity(2, 2, "2025-03-03 00:00")],
    )
    members = archive.members()
    assert list(zip(members["member_id"], members["name"], members["joined_at"], strict=True)) == [
        ("x:1", "Ann", datetime(2025, 3, 1, 8)),  # the earliest joined_at; the name a later step lacked stays
        ("x:2", "Bo", datetime(2025, 3, 3)),
    ]
    assert list(archive.activities()["activity_id"]) == ["x:a:1", "x:a:2"]


def test_a_segment_half_written_is_never_read_and_is_cleared(tmp_path):
    archive = Archive(tmp_path / "x")
    archive.append([member(1, "2025-03-02 10:00")], [])
    draft = tmp_path / "x" / ".seg-00000002-999"
    draft.mkdir()
    (draft / "members.parquet").write_bytes(b"PAR1 half")
    assert list(archive.members()["member_id"]) == ["x:1"]
    Archive(tmp_path / "x")  # the next run opens it: the draft is gone
    assert not draft.exists()


def test_compacting_keeps_exactly_the_same_rows(tmp_path, monkeypatch):
    monkeypatch.setattr("data_sources.connectors.archive.COMPACT_AFTER", 2)
    archive = Archive(tmp_path / "x")
    for number in range(1, 5):
        archive.append([member(number % 2, "2025-03-02 10:00")], [activity(number % 3, 0, "2025-03-02 10:00")])
    before = (archive.members().to_dict("records"), archive.activities().to_dict("records"))
    archive.compact()
    assert len(archive.segments()) == 1
    assert (archive.members().to_dict("records"), archive.activities().to_dict("records")) == before


class Counting:
    """A connector of three steps that fails at `fail_at` (1-based) with the platform unavailable."""

    name = "x"

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.cursors: list[dict[str, Any]] = []

    def fetch(self, cursor: dict[str, Any]) -> Iterator[Step]:
        self.cursors.append(dict(cursor))
        start = int(cursor.get("next", 1))
        for number in range(start, 4):
            if number == self.fail_at:
                raise PlatformFailed("the platform fell over")
            yield Step(
                [member(number, "2025-03-01 00:00")],
                [activity(number, number, "2025-03-02 00:00")],
                {"next": number + 1},
                number,
                3,
            )


def test_a_run_that_fails_keeps_its_finished_steps_and_the_next_resumes_from_its_cursor(tmp_path):
    settings = connector_settings(tmp_path, "")
    store = migrated_store(settings)
    told: list[tuple[str, int, int]] = []
    with pytest.raises(PlatformFailed):
        run_connector(Counting(fail_at=3), settings=settings, app_store=store, progress=lambda *a: told.append(a))
    assert [(str(what), done, total) for what, done, total in told] == [("x items", 1, 3), ("x items", 2, 3)]
    [row] = state.states(store)
    assert (row["status"], row["cursor"], row["done"], row["total"]) == ("failed", {"next": 3}, 2, 3)
    resumed = Counting()
    run_connector(resumed, settings=settings, app_store=store)
    assert resumed.cursors == [{"next": 3}]
    archive = Archive(settings.data_dir / "connectors" / "x")
    assert list(archive.activities()["activity_id"]) == ["x:a:1", "x:a:2", "x:a:3"]
    assert state.states(store)[0]["status"] == "succeeded"
    store.dispose()


def test_a_cursor_whose_archive_is_gone_starts_from_the_beginning(tmp_path):
    settings = connector_settings(tmp_path, "")
    store = migrated_store(settings)
    run_connector(Counting(), settings=settings, app_store=store)
    for segment in Archive(settings.data_dir / "connectors" / "x").segments():
        for path in segment.iterdir():
            path.unlink()
        segment.rmdir()
    again = Counting()
    run_connector(again, settings=settings, app_store=store)
    assert again.cursors == [{}]
    store.dispose()


def test_the_configuration_reads_each_connector_and_keeps_its_key_out_of_the_log(caplog):
    found = parse_connectors(
        {
            "github": {"token": "github_pat_abcdef123456", "repositories": ["acme/widgets"]},
            "discourse": {"url": "https://forum.example.org/", "api_key": "key-0123456789", "api_username": "system"},
        }
    )
    assert found == [
        DiscourseConfig(url="https://forum.example.org", api_key="key-0123456789", api_username="system"),
        GithubConfig(token="github_pat_abcdef123456", repositories=("acme/widgets",)),
    ]
    assert logs.redact("key-0123456789 and github_pat_abcdef123456") == "[secret] and [secret]"
    assert "key-0123456789" not in repr(found) and "github_pat_abcdef123456" not in repr(found)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"discourse": {"url": "https://forum.example.org", "api_username": "system"}},
            '[pulse.connectors.discourse] in secrets.toml needs api_key, e.g. api_key = "…".',
        ),
        (
            {"discourse": {"url": "http://forum.example.org", "api_key": "key-0123456789", "api_username": "s"}},
            "[pulse.connectors.discourse] in secrets.toml: url must start with https:// (plain http is only "
            "accepted for this machine).",
        ),
        (
            {"github": {"token": "github_pat_abcdef123456", "repositories": "acme/widgets"}},  # not a list
            '[pulse.connectors.github] in secrets.toml needs repositories, e.g. repositories = ["owner/repo"] '
            '(or organization = "acme").',
        ),
        (
            {"discord": {"token": "discord-token-0123456789", "guild": "1000"}},
            '[pulse.connectors.discord] in secrets.toml needs channels, e.g. channels = ["1234567890"].',
        ),
        (
            {"discord": {}},
            '[pulse.connectors.discord] in secrets.toml needs exports, e.g. exports = "/data/discord".',
        ),
        (
            {"gitlab": {"token": "x"}},
            "[pulse.connectors.gitlab] in secrets.toml names no connector there is; the connectors are "
            "discourse, github, slack, discord, wecom.",
        ),
    ],
)
def test_a_configuration_that_cannot_work_says_which_key_to_set(section, message):
    with pytest.raises(ConnectorNotConfigured) as refused:
        parse_connectors(section)
    assert refused.value.user_message == message


def test_the_connectors_source_without_a_connector_says_how_to_add_one(tmp_path):
    from data_sources.sync import sync

    settings = connector_settings(tmp_path, "[pulse]\n")
    store = migrated_store(settings)
    with pytest.raises(ConnectorNotConfigured) as raised:
        sync(settings=settings, app_store=store, source="connectors")
    assert raised.value.user_message == (
        "The source is the platform connectors, but none is configured: add one on the Data page (Platform "
        "connectors), or a [pulse.connectors.<platform>] table to secrets.toml (docs/data-sources.md)."
    )
    store.dispose()


def test_tokens_never_reach_the_log(pages, waits, caplog):
    server, url = pages
    logs.keep_secret("token-abcdef")
    server.fail_next("/items", 429, {"message": "slow down"}, headers={"Retry-After": "1"})
    with caplog.at_level(logging.DEBUG):
        client(waits).get(f"{url}/items")
    assert all("token-abcdef" not in record.getMessage() for record in caplog.records)
    assert issubclass(TokenRefused, SourceUnavailable)


def test_every_unit_a_connector_counts_in_is_in_the_catalog():
    """Step units are catalog keys given as plain strings: each one a connector names is there."""
    import re
    from pathlib import Path

    from catalog import translate

    folder = Path(__file__).resolve().parent.parent / "data_sources" / "connectors"
    units = {key for path in folder.glob("*.py") for key in re.findall(r'"(connector\.unit\.\w+)"', path.read_text())}
    named = ["items", "users", "posts", "members", "issues", "comments", "stars", "channels", "groups", "days"]
    assert units == {f"connector.unit.{name}" for name in [*named, "discussions"]}
    assert all(translate(unit, "zh-TW", connector="github") != unit for unit in units)
