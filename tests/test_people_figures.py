"""Figures of the app store that count members count a person once, whichever of their ids a survey
answer or a feedback item was filed under: before a merge, after it and after the unmerge, on
DuckDB, SQLite and PostgreSQL (the warehouse holds the person mapping, member_identities; the
answers stay in the app store, SQLite here, under the ids they were given with).

The community, February 2026 (period P = [1 Feb, 8 Feb)):

| id | joined | channel | segment | active |
|---|---|---|---|---|
| github:11 | 1 Dec 2025 | github | ops | 2 Feb (issue) |
| discourse:1 | 5 Jan | discourse | dev | 3 Feb (post) |
| discourse:2 | 10 Jan | discourse | dev | 3 Feb (post) |
| github:12 | 2 Jan | github | ops | 4 Feb (comment) |

A manager merges discourse:1 with github:11: Ann, one person under github:11 (joined first), with
github:11's channel (github) and segment (ops).

NPS answers in P: discourse:1 10, github:11 9, discourse:2 6, github:12 0, an anonymous 10.
Every answer counts once either way: 3 promoters, 2 detractors of 5, NPS 20.

Respondents by segment, apart (four people): dev = discourse:1 (10), discourse:2 (6): 2, NPS 0;
ops = github:11 (9), github:12 (0): 2, NPS 0.
Merged (three people): dev = discourse:2 (6): 1, NPS -100; ops = Ann (10 and 9), github:12 (0):
2 respondents, 3 answers, 2 promoters and 1 detractor, NPS 33.3. (Counted by the id answered under,
ops would be 3 respondents; and with discourse:1's answer lost, since the warehouse has no members
row for an alias any more, ops would be 2 with NPS 0.)
By channel, merged: discourse = discourse:2: 1; github = Ann, github:12: 2.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from data_sources import identities
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from feedback import duplicates
from metrics import levels
from metrics.filters import Filters
from metrics.scope import attributes_query, in_scope, people_of
from metrics.survey_results import survey_results
from metrics.surveys import nps
from outreach import consent, invitations
from rollup.tables import info
from store import tables
from surveys import links, registry
from surveys.answers import answer_rows
from surveys.definition import parse_definition
from tests import community
from tests.conftest import make_warehouse, migrated_store

t = datetime
P = Filters(start=date(2026, 2, 1), end=date(2026, 2, 8))
MEMBERS = [
    ("github:11", t(2025, 12, 1), "github", "emea", "ops", False),
    ("discourse:1", t(2026, 1, 5), "discourse", "emea", "dev", False),
    ("discourse:2", t(2026, 1, 10), "discourse", "emea", "dev", False),
    ("github:12", t(2026, 1, 2), "github", "emea", "ops", False),
]
ACTIVITIES = [
    ("github:11", t(2026, 2, 2, 10), "issue"),
    ("discourse:1", t(2026, 2, 3, 10), "post"),
    ("discourse:2", t(2026, 2, 3, 11), "post"),
    ("github:12", t(2026, 2, 4, 12), "comment"),
]
ANSWERS = [("discourse:1", 10), ("github:11", 9), ("discourse:2", 6), ("github:12", 0), (None, 10)]
MERGE = (("discourse:1", "github:11"),)
ENGINES = ["duckdb", "sqlite", "postgresql"]


def frames() -> dict[str, pd.DataFrame]:
    return community.frames(member_rows=MEMBERS, activity_rows=ACTIVITIES, campaign_rows=[], participation_rows=[])


def warehouse_of(engine: str, folder, people: identities.People, new_database) -> Warehouse:
    """The people's frames on `engine`, with member_identities and member_suggestions beside them and
    the links' fingerprint in pulse_info, as a sync writes them (DuckDB) or as a warehouse queried in
    place would hold them (SQLite, PostgreSQL)."""
    stamp = {identities.LINKS_KEY: people.fingerprint}
    if engine == "duckdb":
        path = folder / "warehouse.duckdb"
        build_warehouse(path, people.frames, timezone="UTC", stamp=stamp, beside=people.tables)
        return Warehouse(f"duckdb:///{path}")
    built = make_warehouse(engine, folder, people.frames, new_database)
    writer = create_engine(built.url)
    identities.tables.create_all(writer)
    info.create(writer, checkfirst=True)
    with writer.begin() as connection:
        for table, frame in people.tables.items():
            rows = [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
            if rows:
                connection.execute(table.insert(), rows)
        connection.execute(info.insert(), [{"key": key, "value": value} for key, value in stamp.items()])
    writer.dispose()
    built.dispose()  # opened again below, marked with the identities it now has
    return Warehouse(built.url)


@pytest.fixture
def answered(tmp_path):
    store = migrated_store(tmp_path / "app.db")
    survey = parse_definition(
        {"slug": "pulse", "title": "Pulse", "questions": [{"id": "nps", "type": "nps", "text": "Recommend?"}]},
        where="pulse.yaml",
    )
    registry.register(store, survey, timezone="UTC", now=t(2026, 1, 1))
    stored = registry.load_survey(store, "pulse")
    with store.begin() as connection:
        for n, (member, score) in enumerate(ANSWERS):
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=stored.id,
                    member_id=member,
                    started_at=t(2026, 2, 2 + n),
                    submitted_at=t(2026, 2, 2 + n, 1),
                    completed=True,
                    idempotency_key=f"r{n}",
                )
            ).inserted_primary_key[0]
            for row in answer_rows(survey, {"nps": score}):
                connection.execute(tables.answers.insert().values(response_id=response_id, **row.__dict__))
    yield store
    store.dispose()


def by_group(frame: pd.DataFrame) -> dict[str, tuple[int, float | None]]:
    return {
        group: (int(respondents), None if pd.isna(score) else round(float(score), 1))
        for group, respondents, score in zip(frame["group"], frame["respondents"], frame["nps"], strict=True)
    }


APART = {
    "segment": {"dev": (2, 0.0), "ops": (2, 0.0)},
    "channel": {"discourse": (2, 0.0), "github": (2, 0.0)},
}
MERGED = {
    "segment": {"dev": (1, -100.0), "ops": (2, 33.3)},
    "channel": {"discourse": (1, -100.0), "github": (2, 33.3)},
}


@pytest.mark.parametrize("engine", ENGINES)
def test_respondents_by_group_count_a_person_once_before_a_merge_after_it_and_after_the_unmerge(
    answered, tmp_path, engine, new_postgres_database
):
    for step, (merges, expected) in enumerate((((), APART), (MERGE, MERGED), ((), APART))):
        folder = tmp_path / f"{engine}-{step}"
        folder.mkdir()
        warehouse = warehouse_of(engine, folder, identities.gather(frames(), merges=merges), new_postgres_database)
        found = survey_results(
            app_store=answered, warehouse=warehouse, versions=registry.load_versions(answered, "pulse"), filters=P
        )
        assert {name: by_group(found.breakdowns[name]) for name in ("segment", "channel")} == expected, step
        assert (found.summary.responses, found.summary.nps_answers, found.summary.nps) == (
            5,
            5,
            pytest.approx(20.0, rel=1e-12),
        )
        result = nps(app_store=answered, warehouse=warehouse, filters=P)
        assert result is not None and (result.score, result.answers) == (pytest.approx(20.0, rel=1e-12), 5)
        # A segment filter keeps Ann's two answers with her person's segment (ops) once merged
        ops = Filters(start=P.start, end=P.end, segment="ops")
        scored = nps(app_store=answered, warehouse=warehouse, filters=ops)
        assert scored is not None
        assert (scored.answers, round(scored.score, 1)) == ((3, 33.3) if merges else (2, 0.0)), step
        warehouse.dispose()


@pytest.mark.parametrize("engine", ENGINES)
def test_an_item_under_a_merged_id_has_its_persons_segment_and_level_in_the_inbox(
    tmp_path, engine, new_postgres_database
):
    """The inbox's member filters read member_profiles: every id asked for, with its person's values."""
    asked = ["nobody", "github:11", "discourse:2", "discourse:1", "github:11"]  # unsorted, one twice
    for step, merges in enumerate(((), MERGE, ())):
        folder = tmp_path / f"{engine}-{step}"
        folder.mkdir()
        warehouse = warehouse_of(engine, folder, identities.gather(frames(), merges=merges), new_postgres_database)
        profiles = levels.member_profiles(warehouse=warehouse, filters=P, member_ids=asked)
        assert list(profiles.columns) == levels.PROFILE_COLUMNS
        assert list(profiles.index) == [0, 1, 2]  # sorted by the id asked for, numbered from 0
        rows = profiles[["member_id", "person_id", "segment", "level"]].values.tolist()
        ann = "github:11" if merges else "discourse:1"
        assert rows == [
            ["discourse:1", ann, "ops" if merges else "dev", "casual"],
            ["discourse:2", "discourse:2", "dev", "casual"],
            ["github:11", "github:11", "ops", "casual"],
        ], step
        assert list(people_of(asked, warehouse=warehouse).items()) == [  # each id once, sorted
            ("discourse:1", ann),
            ("discourse:2", "discourse:2"),
            ("github:11", "github:11"),
            ("nobody", "nobody"),
        ]
        found = warehouse.run(attributes_query(["discourse:1"]))
        assert found[["member_id", "person_id"]].values.tolist() == [["discourse:1", ann]]  # that id alone
        items = pd.DataFrame({"member_id": ["discourse:1", "github:11", None, "nobody"], "n": range(4)})
        kept = in_scope(items, warehouse=warehouse, filters=P)
        assert kept["n"].tolist() == [0, 1, 2]
        assert kept["person_id"].where(kept["person_id"].notna(), None).tolist() == [ann, "github:11", None]
        warehouse.dispose()


def test_member_profiles_of_no_ids_ask_nothing():
    class Refuses:
        def run(self, statement: sa.Executable) -> pd.DataFrame:
            raise AssertionError("asked the warehouse")

    profiles = levels.member_profiles(warehouse=Refuses(), filters=P, member_ids=[])
    assert profiles.empty and profiles.columns.tolist() == levels.PROFILE_COLUMNS


def test_an_item_filed_under_another_id_of_the_same_person_is_the_same_members():
    """Duplicates are suggested from a lower similarity when the same member wrote both: a person's
    other accounts count as the same member."""
    candidates = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "member_id": ["github:11", "discourse:2", None],
            "text": ["the forum search is slow", "the forum search is slow", "the forum search is slow"],
            "status": ["new"] * 3,
            "created_at": [t(2026, 2, 1)] * 3,
        }
    )
    text = "search on the forum takes ages and is slow to load results"
    score = duplicates.similarity(text, "the forum search is slow")
    assert duplicates.SAME_MEMBER <= score < duplicates.SIMILAR  # suggested only for the same member
    alone = duplicates.suggestions(9, text, "discourse:1", candidates)
    assert alone.empty
    merged = duplicates.suggestions(9, text, "discourse:1", candidates, person=("discourse:1", "github:11"))
    assert merged["id"].tolist() == [1] and merged["same_member"].tolist() == [True]
    anonymous = duplicates.suggestions(9, text, None, candidates, person=("github:11",))
    assert anonymous.empty


@pytest.mark.parametrize("engine", ENGINES)
def test_a_person_who_answered_under_a_merged_account_is_not_invited_again(
    answered, tmp_path, engine, new_postgres_database
):
    """discourse:1 answered through their personal link; once merged into github:11, an audience read
    from the warehouse names Ann as github:11 alone, and she has answered all the same."""
    stored = registry.load_survey(answered, "pulse")
    with answered.begin() as connection:
        connection.execute(
            tables.invitations.insert().values(
                survey_id=stored.id, token_hash="used", member_id="discourse:1", sent_at=t(2026, 2, 1), used_at=P.start
            )
        )
    audience = pd.DataFrame(
        {"member_id": ["github:11", "discourse:2"], "name": ["Ann", "Bo"], "email": ["ann@x.org", "bo@x.org"]}
    )
    for step, merges in enumerate(((), MERGE)):
        folder = tmp_path / f"{engine}-{step}"
        folder.mkdir()
        warehouse = warehouse_of(engine, folder, identities.gather(frames(), merges=merges), new_postgres_database)
        aliases = identities.aliases_of(warehouse, audience["member_id"])
        assert aliases == ({"github:11": ("discourse:1",)} if merges else {})
        planned = invitations.plan(answered, slug="pulse", members=audience, default_language="en", aliases=aliases)
        assert ([r.member_id for r in planned.recipients], planned.answered) == (
            (["discourse:2"], 1) if merges else (["github:11", "discourse:2"], 0)
        )
        warehouse.dispose()
    made = links.create_links(
        answered,
        survey_id=stored.id,
        slug="pulse",
        members=audience,
        audience=links.Audience("segment", "dev"),
        base_url="https://pulse.example.org",
        now=t(2026, 2, 10),
        aliases={"github:11": ("discourse:1",)},
    )
    assert made["member_id"].tolist() == ["discourse:2"]


@pytest.mark.parametrize("engine", ENGINES)
def test_persons_of_names_each_merged_id_by_its_person_and_leaves_the_others(tmp_path, engine, new_postgres_database):
    for step, merges in enumerate(((), MERGE)):
        folder = tmp_path / f"{engine}-{step}"
        folder.mkdir()
        warehouse = warehouse_of(engine, folder, identities.gather(frames(), merges=merges), new_postgres_database)
        persons = identities.persons_of(warehouse.run, ["discourse:1", "github:11", "discourse:2", "nobody"], chunk=2)
        # github:11 joined first (1 December 2025): discourse:1 is filed under it once merged
        assert persons == ({"discourse:1": "github:11"} if merges else {})
        warehouse.dispose()


def test_a_person_who_unsubscribed_under_a_merged_account_is_not_invited_under_the_other(answered):
    """Ann stopped survey emails as discourse:1 (with another address than github:11's); once the two
    are one person, an audience naming her github:11 leaves her out."""
    consent.set_wanted(answered, "discourse:1", "surveys", wanted=False, now=t(2026, 2, 1))
    audience = pd.DataFrame(
        {"member_id": ["github:11", "discourse:2"], "name": ["Ann", "Bo"], "email": ["ann@x.org", "bo@x.org"]}
    )
    for aliases, expected in (({}, ["github:11", "discourse:2"]), ({"github:11": ("discourse:1",)}, ["discourse:2"])):
        planned = invitations.plan(answered, slug="pulse", members=audience, default_language="en", aliases=aliases)
        assert [r.member_id for r in planned.recipients] == expected
        assert planned.unsubscribed == (1 if aliases else 0)
