"""Avatars: what counts as the same avatar (data_sources.identities.avatar_key), "same name and
same avatar" as a suggestion's reason, an archive segment written before avatars were kept, and the
People page showing both accounts' pictures (addresses only: the browser loads the images)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from data_sources import merges
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.shapes import image_address
from data_sources.identities import avatar_key, suggest
from tests.connector_helpers import connector_settings, migrated_store
from tests.test_app_people import open_people
from tests.test_identities import DISCOURSE, GITHUB, SECRETS, sync

GRAVATAR = "0bc83cb571cd1c50ba6f3e8a78ef1346"  # md5 of an address: Gravatar's hash


@pytest.mark.parametrize(
    "address,key",
    [
        (
            f"https://secure.gravatar.com/avatar/{GRAVATAR}.jpg?s=72&d=https%3A%2F%2Fa.slack-edge.com%2Fava_0010-72.png",
            f"gravatar:{GRAVATAR}",
        ),
        (f"https://www.gravatar.com/avatar/{GRAVATAR.upper()}?s=200", f"gravatar:{GRAVATAR}"),  # case aside
        (f"http://0.gravatar.com/avatar/{GRAVATAR}", f"gravatar:{GRAVATAR}"),
        ("https://gravatar.com/avatar/" + "a" * 64, "gravatar:" + "a" * 64),  # SHA-256 hashes too
        ("https://secure.gravatar.com/avatar/not-a-hash.png", None),
        ("https://avatars.githubusercontent.com/u/4012?v=4", "avatars.githubusercontent.com/u/4012"),
        ("http://AVATARS.githubusercontent.com/u/4012?s=40", "avatars.githubusercontent.com/u/4012"),
        ("https://cdn.discordapp.com/avatars/13/abc.png?size=512", "cdn.discordapp.com/avatars/13/abc.png"),
        ("https://forum.example.org/letter_avatar_proxy/v4/letter/a/8c91f0/96.png", None),  # defaults
        ("https://avatars.discourse-cdn.com/v4/letter/a/8c91f0/96.png", None),
        ("https://cdn.discordapp.com/embed/avatars/3.png", None),
        ("https://a.slack-edge.com/df10d/img/avatars/ava_0010-72.png", None),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("/user_avatar/forum/ann/96/1.png", None),  # no host: no address to compare
        ("https://[broken/a.png", None),
    ],
)
def test_what_counts_as_the_same_avatar(address, key):
    assert avatar_key(address) == key


def identities(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """(identity id, platform, name, avatar) each their own person, with a handle of their own."""
    return pd.DataFrame(
        {
            "identity_id": [row[0] for row in rows],
            "member_id": [row[0] for row in rows],
            "platform": [row[1] for row in rows],
            "handle": [f"h{n}" for n in range(len(rows))],
            "name": [row[2] for row in rows],
            "avatar": [row[3] for row in rows],
        }
    )


def reasons(rows: list[tuple[str, str, str, str | None]]) -> list[list[str]]:
    found = suggest(identities(rows), emails=pd.Series([None] * len(rows), dtype=object))
    return found.values.tolist()


def test_the_same_name_and_the_same_avatar_on_two_platforms_is_a_stronger_reason_than_the_name():
    slack_gravatar = f"https://secure.gravatar.com/avatar/{GRAVATAR}.jpg?s=72"
    forum_gravatar = f"https://www.gravatar.com/avatar/{GRAVATAR}?s=96&d=identicon"
    assert reasons(
        [
            ("discourse:1", "discourse", "Ann Lee", forum_gravatar),
            ("slack:U1", "slack", "ann lee", slack_gravatar),  # the same hash, another size and host
            ("github:1", "github", "Ann Lee", "https://avatars.githubusercontent.com/u/1?v=4"),  # another picture
        ]
    ) == [
        ["discourse:1", "github:1", "name"],
        ["discourse:1", "slack:U1", "avatar"],
        ["github:1", "slack:U1", "name"],
    ]


def test_a_shared_default_picture_or_the_same_picture_under_another_name_is_no_avatar_reason():
    letter = "https://avatars.discourse-cdn.com/v4/letter/b/8c91f0/96.png"
    same = "https://example.org/pictures/b.png"
    assert reasons(
        [
            ("discourse:2", "discourse", "Bo", letter),
            ("github:2", "github", "Bo", letter),  # a default image: the name alone
            ("slack:U2", "slack", "Cy", same),
            ("discord:2", "discord", "Dee", same),  # the same picture, other names: nothing
        ]
    ) == [["discourse:2", "github:2", "name"]]


def test_a_name_and_avatar_more_than_five_people_share_is_no_clue():
    picture = "https://example.org/team.png"
    rows = [(f"p{n}:1", f"p{n}", "Team", picture) for n in range(6)]
    assert reasons(rows) == []
    assert len(reasons(rows[:5])) == 10  # five people: every pair, each by name and avatar
    assert {reason for *_, reason in reasons(rows[:5])} == {"avatar"}


def test_an_archive_segment_written_before_avatars_reads_them_as_missing(tmp_path):
    archive = Archive(tmp_path / "old")
    segment = archive.folder / "seg-00000001"
    segment.mkdir()
    old = pd.DataFrame(
        {
            "member_id": ["x:1"],
            "platform": ["x"],
            "handle": ["ann"],
            "name": ["Ann"],
            "email": [None],
            "email_verified": [False],
            "joined_at": [pd.Timestamp("2025-03-01")],
            "is_team": [False],
        }
    )
    old.to_parquet(segment / "members.parquet", index=False)
    pd.DataFrame(columns=["activity_id", "member_id", "occurred_at", "kind", "platform"]).to_parquet(
        segment / "activities.parquet", index=False
    )
    archive.append([{**old.iloc[0].to_dict(), "member_id": "x:2", "avatar": "https://example.org/b.png"}], [])
    members = archive.members()
    assert members["member_id"].tolist() == ["x:1", "x:2"]
    assert [a if isinstance(a, str) else None for a in members["avatar"]] == [None, "https://example.org/b.png"]


def with_avatars(rows: list[dict], avatars: dict[str, str]) -> list[dict]:
    return [{**row, "avatar": avatars.get(str(row["member_id"]))} for row in rows]


AVATARS = {  # Dee on GitHub and dee on the forum share a Gravatar; Ann's two accounts have pictures
    "discourse:4": f"https://secure.gravatar.com/avatar/{GRAVATAR}.png?s=96",
    "github:13": f"https://www.gravatar.com/avatar/{GRAVATAR}?d=identicon",
    "discourse:1": "https://forum.example.org/user_avatar/forum.example.org/annlee/96/1_2.png",
    "github:11": "https://avatars.githubusercontent.com/u/11?v=4",
}


def cells(frame: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    """The rows' values, a missing one as None."""
    return [[None if pd.isna(value) else value for value in row] for row in frame[columns].values.tolist()]


@pytest.fixture
def pictured(tmp_path, monkeypatch):
    settings = connector_settings(tmp_path, SECRETS)
    for name, (members, activities) in {"discourse": DISCOURSE, "github": GITHUB}.items():
        Archive(archive_dir(settings.data_dir, name)).append(with_avatars(members, AVATARS), activities)
    store = migrated_store(settings)
    sync(settings, store)
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(settings.secrets_file))
    monkeypatch.setenv("PULSE_DATA_DIR", str(settings.data_dir))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_COMMUNITY_SOURCE", "PULSE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    yield settings, store
    store.dispose()


def test_the_people_page_shows_both_pictures_and_the_joined_accounts_with_theirs(pictured, capsys):
    at = open_people()
    assert not at.exception
    suggestions = at.dataframe[0].value
    # the pictures side by side, first, then the ids the menu below names
    assert suggestions.columns.tolist()[:5] == ["avatar_a", "avatar_b", "identity_a", "identity_b", "reason"]
    assert cells(suggestions, ["reason", "identity_a", "identity_b", "avatar_a", "avatar_b"]) == [
        ["Same email (not verified)", "discourse:2", "github:12", None, None],
        ["Same name and picture", "discourse:4", "github:13", AVATARS["discourse:4"], AVATARS["github:13"]],
        ["Same handle", "discourse:3", "github:13", None, AVATARS["github:13"]],
    ]
    config = json.loads(at.dataframe[0].proto.columns)  # drawn as images, which the browser loads
    assert [config[side]["type_config"] for side in ("avatar_a", "avatar_b")] == [{"type": "image"}] * 2
    joined = at.dataframe[1].value
    assert json.loads(at.dataframe[1].proto.columns)["avatar"]["type_config"] == {"type": "image"}
    assert cells(joined, ["member_id", "identity_id", "avatar", "linked_by"]) == [
        ["discourse:3", "discourse:3", None, "Counted under this account"],
        ["discourse:3", "github:14", None, "Same verified email"],
        ["github:11", "github:11", AVATARS["github:11"], "Counted under this account"],
        ["github:11", "discourse:1", AVATARS["discourse:1"], "Same verified email"],
    ]
    import cli

    assert cli.main(["members", "suggestions"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("same name and avatar: discourse:4 (discourse, @dee4")
    assert merges.avatars_kept(merges.Warehouse(pictured[0].warehouse_url))


def test_the_people_page_reads_a_build_without_suggestions(pictured):
    """Every suggestion merged or dismissed (or none found): the page says so, it does not fail."""
    settings, store = pictured
    for a, b in (("discourse:2", "github:12"), ("discourse:4", "github:13"), ("discourse:3", "github:13")):
        merges.dismiss(store, a, b, by="ops")
    found = merges.open_suggestions(merges.Warehouse(settings.warehouse_url), store)
    assert found.empty and "identity_a" in found.columns
    at = open_people()
    assert not at.exception
    assert at.info[0].value.startswith("No suggested matches")


@pytest.mark.parametrize(
    ("address", "platform", "own", "kept"),
    [
        ("https://cdn.discordapp.com/avatars/13/abc.png?size=512", "discord", None, True),
        ("https://tracker.example.com/pixel.png", "discord", None, False),  # an export naming any host
        ("http://cdn.discordapp.com/avatars/13/abc.png", "discord", None, False),  # plain http
        ("https://cdn.discordapp.com.evil.example/a.png", "discord", None, False),  # a look-alike host
        ("https://avatars.slack-edge.com/2025-01-01/1_72.png", "slack", None, True),
        ("https://secure.gravatar.com/avatar/0bc8.jpg?s=72", "slack", None, True),
        ("https://avatars.githubusercontent.com/u/4012?v=4", "github", None, True),
        ("https://github.example.com/avatars/u/7?v=4", "github", "https://github.example.com/api/v3", True),  # GHES
        ("https://github.example.com/avatars/u/7", "github", None, False),
        ("http://127.0.0.1:8080/user_avatar/forum/ann/96/1.png", "discourse", "http://127.0.0.1:8080", True),
        ("https://cdn.example.net/user_avatar/forum/ann/96/1.png", "discourse", "https://forum.example.org", True),
        ("C:/exports/media/avatar.png", "discord", None, False),  # media downloaded with an export
    ],
)
def test_an_avatar_is_kept_only_on_its_platforms_image_hosts_or_the_configured_site(address, platform, own, kept):
    assert (image_address(address, platform=platform, own=own) == address) is kept
