"""One member across platforms: identities joined by a verified email and by a manager's merge
(transitively), counted once in members, DAU and MAU on DuckDB and SQLite; an unverified address
suggested, not joined; an unmerge restoring both; an app record naming an alias kept with its
person; a change of links rebuilding instead of appending.

The community, on Discourse and GitHub (archives written as the connectors write them), February 2026:

| id | name | handle | email (verified?) | joined | active on |
|---|---|---|---|---|---|
| discourse:1 | Ann Lee | annlee | " Ann@Example.org " (yes) | 5 Jan | 2, 3 Feb |
| github:11 | Ann Lee | ann-l | ann@example.org (yes) | 1 Dec 2025 | 2, 5 Feb |
| discourse:2 | Bo Chen | bochen | bo@example.org (yes) | 10 Jan | 2 Feb |
| github:12 | Bo Chen | bo | bo@example.org (no) | 2 Jan | 3 Feb |
| discourse:3 | Cy Park | cy | cy@example.org (yes) | 20 Jan | 4 Feb |
| github:13 | Dee | cy | — | 22 Jan | 4 Feb |
| github:14 | Cy Park | cyp | cy@example.org (yes) | 25 Jan | 6 Feb |
| discourse:4 | dee | dee4 | — | 15 Jan | — |

By verified email: Ann = {github:11 (joined first: canonical), discourse:1}, Cy = {discourse:3,
github:14}; Bo's GitHub address is not verified, so github:12 stays apart (suggested, by email). Six
people. DAU 1–7 Feb: 0, 2 (Ann, discourse:2), 2 (Ann, github:12), 2 (Cy, github:13), 1 (Ann), 1 (Cy),
0; MAU on 7 Feb: Ann, discourse:2, github:12, Cy, github:13 = 5 (discourse:4 was never active).
A manager merges github:13 with github:14: Cy = {discourse:3, github:13, github:14} through
github:14's email (transitive); five people, DAU on 4 Feb 1, MAU 4. Unmerged: as before.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from data_sources import merges
from data_sources.connectors.archive import Archive, archive_dir
from data_sources.connectors.source import archived_frames
from data_sources.identities import _keys, _shared, gather, repoint, suggest
from data_sources.sync import run_sync
from data_sources.warehouse import Warehouse, read_tables
from metrics import activity, profile
from metrics.filters import Filters
from metrics.members import member_counts_query
from metrics.scope import in_scope, team_query
from store import tables
from tests.conftest import make_warehouse
from tests.connector_helpers import connector_settings, migrated_store

t = datetime
FEBRUARY = Filters(start=date(2026, 2, 1), end=date(2026, 2, 8))
SECRETS = """
[pulse]
community_source = "connectors"

[pulse.connectors.discourse]
url = "https://forum.example.org"
api_key = "key-abcdef"
api_username = "system"

[pulse.connectors.github]
token = "token-abcdef"
repositories = ["acme/widgets"]
"""


def member(member_id, name, handle, email, verified, joined):
    platform = member_id.split(":")[0]
    return {
        "member_id": member_id,
        "platform": platform,
        "handle": handle,
        "name": name,
        "email": email,
        "email_verified": verified,
        "joined_at": joined,
        "is_team": False,
    }


def active(member_id, when, kind, number):
    return {
        "activity_id": f"{member_id}:{kind}:{number}",
        "member_id": member_id,
        "occurred_at": when,
        "kind": kind,
        "platform": member_id.split(":")[0],
    }


DISCOURSE = (
    [
        member("discourse:1", "Ann Lee", "annlee", " Ann@Example.org ", True, t(2026, 1, 5)),
        member("discourse:2", "Bo Chen", "bochen", "bo@example.org", True, t(2026, 1, 10)),
        member("discourse:3", "Cy Park", "cy", "cy@example.org", True, t(2026, 1, 20)),
        member("discourse:4", "dee", "dee4", None, False, t(2026, 1, 15)),
    ],
    [
        active("discourse:1", t(2026, 2, 2, 10), "post", 1),
        active("discourse:1", t(2026, 2, 3, 10), "comment", 2),
        active("discourse:2", t(2026, 2, 2, 11), "post", 3),
        active("discourse:3", t(2026, 2, 4, 9), "post", 4),
    ],
)
GITHUB = (
    [
        member("github:11", "Ann Lee", "ann-l", "ann@example.org", True, t(2025, 12, 1)),
        member("github:12", "Bo Chen", "bo", "bo@example.org", False, t(2026, 1, 2)),
        member("github:13", "Dee", "cy", None, False, t(2026, 1, 22)),
        member("github:14", "Cy Park", "cyp", "cy@example.org", True, t(2026, 1, 25)),
    ],
    [
        active("github:11", t(2026, 2, 2, 12), "issue", 5),
        active("github:11", t(2026, 2, 5, 12), "comment", 6),
        active("github:12", t(2026, 2, 3, 12), "comment", 7),
        active("github:13", t(2026, 2, 4, 12), "star", 8),
        active("github:14", t(2026, 2, 6, 12), "comment", 9),
    ],
)
BY_EMAIL = {"dau": [0, 2, 2, 2, 1, 1, 0], "wau": 5, "mau": 5, "members": 6}
MERGED = {"dau": [0, 2, 2, 1, 1, 1, 0], "wau": 4, "mau": 4, "members": 5}


@pytest.fixture
def platforms(tmp_path):
    settings = connector_settings(tmp_path, SECRETS)
    for name, (members, activities) in {"discourse": DISCOURSE, "github": GITHUB}.items():
        Archive(archive_dir(settings.data_dir, name)).append(members, activities)
    store = migrated_store(settings)
    yield settings, store
    store.dispose()


def sync(settings, store, *, full=False):
    return run_sync(
        settings=settings,
        app_store=store,
        source="connectors",
        load=lambda: archived_frames(settings, ["discourse", "github"]),
        full=full,
    )


def figures(warehouse) -> dict[str, object]:
    daily = activity.complete_days(warehouse.run(activity.daily_activity_query(filters=FEBRUARY)), filters=FEBRUARY)
    counts = warehouse.run(member_counts_query(filters=FEBRUARY))
    return {
        "dau": daily["dau"].tolist(),
        "wau": int(daily["wau"].iloc[-1]),
        "mau": int(daily["mau"].iloc[-1]),
        "members": int(counts["members"].iloc[0]),
    }


def built(settings) -> Warehouse:
    return Warehouse(settings.warehouse_url)


def test_a_verified_email_joins_identities_and_the_person_is_counted_once(platforms):
    settings, store = platforms
    sync(settings, store)
    warehouse = built(settings)
    assert figures(warehouse) == BY_EMAIL
    tables = read_tables(settings.warehouse_path, ["members"])
    people = tables["members"].sort_values("member_id")
    assert people["member_id"].tolist() == [
        "discourse:2",
        "discourse:3",
        "discourse:4",
        "github:11",
        "github:12",
        "github:13",
    ]
    ann = people[people["member_id"] == "github:11"].iloc[0]
    assert (ann["name"], ann["joined_at"], ann["channel"]) == ("Ann Lee", pd.Timestamp(2025, 12, 1), "github")
    identities = warehouse.run(merges.member_identities.select().order_by(merges.member_identities.c.identity_id))
    assert list(zip(identities["identity_id"], identities["member_id"], identities["linked_by"], strict=True)) == [
        ("discourse:1", "github:11", "email"),
        ("discourse:2", "discourse:2", "self"),
        ("discourse:3", "discourse:3", "self"),
        ("discourse:4", "discourse:4", "self"),
        ("github:11", "github:11", "self"),
        ("github:12", "github:12", "self"),
        ("github:13", "github:13", "self"),
        ("github:14", "discourse:3", "email"),
    ]
    assert identities["activities"].tolist() == [2, 1, 1, 0, 2, 1, 1, 1]
    warehouse.dispose()


def test_an_unverified_email_a_shared_handle_and_a_shared_name_are_suggested_not_joined(platforms):
    settings, store = platforms
    sync(settings, store)
    warehouse = built(settings)
    found = merges.open_suggestions(warehouse, store)
    assert list(zip(found["identity_a"], found["identity_b"], found["reason"], strict=True)) == [
        ("discourse:2", "github:12", "email"),
        ("discourse:3", "github:13", "handle"),
        ("discourse:4", "github:13", "name"),
    ]
    first = found.iloc[0]
    assert (first["platform_a"], first["handle_a"], first["activities_a"]) == ("discourse", "bochen", 1)
    assert (first["platform_b"], first["handle_b"], first["joined_at_b"]) == ("github", "bo", pd.Timestamp(2026, 1, 2))
    merges.dismiss(store, "github:12", "discourse:2", by="admin")  # either order names the pair
    assert merges.open_suggestions(warehouse, store)["identity_a"].tolist() == ["discourse:3", "discourse:4"]
    warehouse.dispose()


def test_a_manager_merge_joins_transitively_and_an_unmerge_restores_both_exactly(platforms):
    settings, store = platforms
    sync(settings, store)
    merges.merge(store, "github:13", "github:14", by="admin")
    result = sync(settings, store)
    assert (result.mode, result.reason.key) == ("full", "sync.reason.links")
    warehouse = built(settings)
    assert figures(warehouse) == MERGED
    cy = read_tables(settings.warehouse_path, ["members"])["members"].set_index("member_id").loc["discourse:3"]
    assert (cy["name"], cy["joined_at"]) == ("Cy Park", pd.Timestamp(2026, 1, 20))
    person = warehouse.run(
        merges.member_identities.select().where(merges.member_identities.c.member_id == "discourse:3")
    )
    assert sorted(zip(person["identity_id"], person["linked_by"], strict=True)) == [
        ("discourse:3", "self"),
        ("github:13", "merge"),
        ("github:14", "merge"),
    ]
    assert merges.open_suggestions(warehouse, store)["identity_a"].tolist() == ["discourse:2", "discourse:4"]

    assert merges.unmerge(store, "github:14", by="admin") == 1
    result = sync(settings, store)
    assert (result.mode, result.reason.key) == ("full", "sync.reason.links")
    assert figures(warehouse) == BY_EMAIL
    assert merges.in_force(store).empty
    warehouse.dispose()


def test_a_sync_without_a_change_of_links_appends_and_one_with_a_change_rebuilds(platforms):
    settings, store = platforms
    assert sync(settings, store).reason.key == "sync.reason.first"
    Archive(archive_dir(settings.data_dir, "github")).append(
        [], [active("discourse:1", t(2026, 2, 7, 8), "comment", 10)]
    )
    appended = sync(settings, store)
    assert appended.mode == "incremental"
    warehouse = built(settings)
    assert figures(warehouse)["dau"] == [0, 2, 2, 2, 1, 1, 1]  # Ann again, under github:11
    merges.merge(store, "discourse:4", "github:13", by="admin")
    rebuilt = sync(settings, store)
    assert (rebuilt.mode, rebuilt.reason.key) == ("full", "sync.reason.links")
    assert figures(warehouse)["members"] == 5
    warehouse.dispose()


def test_an_app_record_naming_an_alias_stays_with_its_person(platforms):
    settings, store = platforms
    sync(settings, store)
    warehouse = built(settings)
    feedback = pd.DataFrame({"member_id": ["discourse:1", "github:11", "github:14", "nobody", None], "n": range(5)})
    kept = in_scope(feedback, warehouse=warehouse, filters=FEBRUARY)
    assert kept["n"].tolist() == [0, 1, 2, 4]
    narrowed = in_scope(feedback, warehouse=warehouse, filters=Filters(FEBRUARY.start, FEBRUARY.end, channel="github"))
    assert narrowed["n"].tolist() == [0, 1]  # Ann's row is on GitHub (github:11 canonical); Cy's on Discourse
    assert warehouse.run(team_query()).empty
    warehouse.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_merged_frames_give_the_same_figures_on_sqlite_and_postgresql(
    platforms, tmp_path, engine, new_postgres_database
):
    settings, _ = platforms
    frames, _ = archived_frames(settings, ["discourse", "github"])
    details = pd.concat([Archive(archive_dir(settings.data_dir, name)).members() for name in ("discourse", "github")])
    for pairs, expected in (((), BY_EMAIL), ((("github:14", "github:13"),), MERGED)):
        people = gather(frames, merges=pairs, details=details)
        folder = tmp_path / f"{engine}-{len(pairs)}"
        folder.mkdir()
        warehouse = make_warehouse(engine, folder, people.frames, new_postgres_database)
        assert figures(warehouse) == expected
        warehouse.dispose()


def test_merges_refuse_the_same_id_twice_a_pair_merged_already_and_an_unmerge_of_nothing(platforms):
    settings, store = platforms
    with pytest.raises(merges.MergeRefused, match="cannot be merged with itself"):
        merges.merge(store, "github:13", " github:13", by="admin")
    merges.merge(store, "github:13", "github:14", by="admin")
    with pytest.raises(merges.MergeRefused, match="already merged"):
        merges.merge(store, "github:14", "github:13", by="admin")
    with pytest.raises(merges.MergeRefused, match="No merge made by an admin names member discourse:1"):
        merges.unmerge(store, "discourse:1", by="admin")
    sync(settings, store)
    warehouse = built(settings)
    with pytest.raises(merges.MergeRefused, match="No member has the id github:99"):
        merges.check_known(warehouse, "github:13", "github:99")
    merges.check_known(warehouse, "discourse:1", "github:13")  # an alias is known
    warehouse.dispose()


def test_the_cli_lists_suggestions_merges_and_unmerges(platforms, monkeypatch, capsys):
    import cli

    settings, store = platforms
    sync(settings, store)
    monkeypatch.setenv("PULSE_SECRETS_FILE", str(settings.secrets_file))
    monkeypatch.setenv("PULSE_DATA_DIR", str(settings.data_dir))
    for name in ("PULSE_WAREHOUSE_URL", "PULSE_APP_DB_URL", "PULSE_COMMUNITY_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["members", "suggestions"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "same email: discourse:2 (discourse, @bochen, joined 2026-01-10, activities: 1)"
        " ~ github:12 (github, @bo, joined 2026-01-02, activities: 1)",
        "same handle: discourse:3 (discourse, @cy, joined 2026-01-20, activities: 1)"
        " ~ github:13 (github, @cy, joined 2026-01-22, activities: 1)",
        "same name: discourse:4 (discourse, @dee4, joined 2026-01-15, activities: 0)"
        " ~ github:13 (github, @cy, joined 2026-01-22, activities: 1)",
    ]
    assert cli.main(["members", "merge", "github:13", "github:99", "--by", "ops"]) == 1
    assert "No member has the id github:99 in the data in use." in capsys.readouterr().err
    assert cli.main(["members", "merge", "github:13", "discourse:3", "--by", "ops"]) == 0
    assert capsys.readouterr().out == "Merge 1: github:13 and discourse:3 are one person from the next sync on.\n"
    assert cli.main(["members", "merges"]) == 0
    assert capsys.readouterr().out.startswith("   1  discourse:3 + github:13  by ops, ")
    assert cli.main(["members", "suggestions"]) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == ["same email", "same name"]
    assert cli.main(["members", "unmerge", "discourse:3"]) == 0
    assert capsys.readouterr().out == "1 merge(s) naming discourse:3 undone; the next sync parts them.\n"
    assert merges.in_force(store).empty
    assert cli.main(["members", "unmerge", "discourse:3"]) == 1
    assert "No merge made by an admin names member discourse:3." in capsys.readouterr().err


def test_a_lookup_by_an_alias_finds_the_person_with_the_feedback_given_under_each_id(platforms):
    settings, store = platforms
    sync(settings, store)
    warehouse = built(settings)
    ids = warehouse.run(profile.person_ids_query("discourse:1"))
    assert ids.values.tolist() == [["discourse:1", "github:11"], ["github:11", "github:11"]]
    assert warehouse.run(profile.person_ids_query("github:99")).empty
    with store.begin() as connection:
        for number, who in enumerate(("discourse:1", "github:11", "discourse:2")):
            connection.execute(
                tables.feedback.insert().values(
                    source="manual",
                    member_id=who,
                    created_at=t(2026, 2, 10 + number),
                    text=f"item {number}",
                    status="new",
                    updated_at=t(2026, 2, 10 + number),
                )
            )
    given = store.run(
        profile.member_feedback_query(member_id="github:11", member_ids=ids["identity_id"].tolist(), include_text=True)
    )
    assert given["text"].tolist() == ["item 1", "item 0"]
    warehouse.dispose()


def test_a_file_source_suggests_a_shared_address_but_not_a_shared_name_across_channels():
    """In a file, `channel` is how a member came: the same name under two channels is no clue, and
    no address is verified, so a shared one is suggested and joins no one."""
    members = pd.DataFrame(
        {
            "member_id": ["m1", "m2", "m3", "m4"],
            "name": ["Ann Lee", "ann  lee", "Bo", "Cy"],
            "email": ["ann@example.org", None, " BO@example.org", "bo@example.org"],
            "joined_at": [t(2025, 1, 1), t(2025, 1, 2), t(2025, 1, 3), t(2025, 1, 4)],
            "channel": ["forum", "event", "forum", "event"],
            "region": None,
            "segment": None,
            "is_team": False,
        },
        index=[3, 5, 6, 9],  # a frame that lost rows on its way: not numbered from 0
    )
    people = gather({"members": members, "activities": pd.DataFrame({"member_id": ["m3", "m3"]})})
    assert people.links == {}
    assert people.suggestions.values.tolist() == [["m3", "m4", "email"]]
    # counted for the identities a manager is shown (the suggested pair), not for every member
    assert people.identities["activities"].fillna(-1).tolist() == [-1, -1, 2, 0]
    merged = gather({"members": members}, merges=[("m2", "m1")])
    assert merged.links == {"m2": "m1"}
    assert merged.frames["members"]["member_id"].tolist() == ["m3", "m4", "m1"]


def test_names_written_with_other_spaces_are_the_same_name():
    """A Chinese name typed with the ideographic space (王　小明) or a no-break space on one platform
    is the same name as with an ordinary space on another, as Python's split() reads it."""
    identities = pd.DataFrame(
        {
            "identity_id": ["slack:U1", "discord:2", "github:3"],
            "member_id": ["slack:U1", "discord:2", "github:3"],
            "platform": ["slack", "discord", "github"],
            "handle": ["xiaoming", "wxm", "@ann"],
            "name": ["王\u3000小明", " 王 小明", "Ann\u00a0Lee"],
        }
    )
    found = suggest(identities, emails=pd.Series([None, None, None], dtype=object), on_platforms=None)
    assert found.values.tolist() == [["discord:2", "slack:U1", "name"]]


def test_repointed_ids_keep_their_type():
    ids = pd.Series(["m1", "m2", None, "m3"], dtype="str")  # Arrow text, as a CSV file's are read
    repointed = repoint(ids, {"m2": "m1", "m3": "m9"})
    assert repointed.dtype == ids.dtype
    assert repointed.tolist()[:2] + repointed.tolist()[3:] == ["m1", "m1", "m9"] and pd.isna(repointed[2])
    assert repoint(ids, {"m7": "m1"}) is ids  # no alias among them: the same column, not a copy


@pytest.mark.parametrize("dtype", ["str", object])
def test_addresses_are_compared_case_aside_whatever_their_script(dtype):
    """Arrow folds the ASCII addresses, Python the others: the keys are str.casefold's either way."""
    values = pd.Series([" Ada@Example.ORG ", None, "STRASSE@Straße.de", "", "ÀB@x.cn", "王　小明"], dtype=dtype)
    keys = _keys(values, spaces=False)
    assert keys.tolist()[0] == "ada@example.org" and keys.tolist()[2] == "strasse@strasse.de"
    assert keys.tolist()[4:] == ["àb@x.cn", "王　小明"]
    assert keys.isna().tolist() == [False, True, False, True, False, False]


@pytest.mark.parametrize("dtype", ["str", object])
def test_keys_shared_by_two_rows_or_more_are_told_apart_from_missing_and_single_ones(dtype):
    keys = pd.Series(["b@x.org", None, "a@x.org", "b@x.org", "c@x.org", "a@x.org", "a@x.org", None], dtype=dtype)
    assert _shared(keys).tolist() == [True, False, True, True, False, True, True, False]
    chunked = pd.concat([keys[:3], keys[3:]], ignore_index=True)  # Arrow text in two chunks
    assert _shared(chunked).tolist() == _shared(keys).tolist()
    assert _shared(pd.Series([None, "a@x.org"], dtype=dtype)).tolist() == [False, False]
