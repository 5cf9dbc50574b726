"""Member lookup: search and a member's history, on the fixture community and app store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pandas as pd
import pytest

from data_sources import identities
from data_sources.warehouse import Warehouse, build_warehouse
from engines import create_engine
from metrics import profile
from metrics.filters import Filters, day_number
from rollup.tables import info
from store import tables
from store.database import AppStore
from tests import community
from tests.conftest import WAREHOUSE_ENGINES, databases, make_warehouse, new_migrated_store

P = Filters(start=date(2025, 2, 1), end=date(2025, 3, 8))


@pytest.mark.parametrize(
    ("text", "include_email", "expected"),
    [
        ("ALI", False, ["alice"]),  # name, ignoring case
        ("hank", False, ["hank"]),  # an id
        (" carol@example ", True, ["carol"]),  # email when allowed, spaces trimmed
        ("carol@example", False, []),  # no email search otherwise
        ("%", False, []),  # wildcards are literal
        ("tom", False, ["tom"]),  # team members are found too
        ("_", True, []),  # in an email too: no address holds an underscore, and _ is no wildcard
    ],
)
def test_search(warehouse, text, include_email, expected):
    rows = warehouse.run(profile.search_members_query(text, include_email=include_email))
    assert rows["member_id"].tolist() == expected
    assert ("email" in rows.columns) is include_email


def test_exact_id_comes_first(warehouse):
    # "a" is in many names; nobody's id is "a", so the order is by name.
    rows = warehouse.run(profile.search_members_query("a", include_email=False))
    assert rows["member_id"].tolist() == ["alice", "carol", "dave", "frank", "gina", "hank"]


# Namesakes: "jo" is one member's id and part of three others' names; m2 and m3 share a name, m3
# written first.
NAMESAKES = [("jo", "Jo"), ("m1", "Cy Jo"), ("m3", "Amy Jones"), ("m2", "Amy Jones")]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def namesakes(request, tmp_path_factory):
    frames = community.frames(
        member_rows=[(who, community.t(2025, 1, 1), "forum", "EU", "dev", False) for who, _ in NAMESAKES]
    )
    frames["members"] = frames["members"].assign(name=[name for _, name in NAMESAKES])
    directory = tmp_path_factory.mktemp(f"namesakes-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_the_member_whose_id_is_the_text_comes_before_those_named_so(namesakes):
    # jo's id is exactly "jo": first, though "Jo" sorts after "Amy Jones" and "Cy Jo"; then by name,
    # and by id between the two Amy Joneses.
    rows = namesakes.run(profile.search_members_query("jo", include_email=False))
    assert rows["member_id"].tolist() == ["jo", "m2", "m3", "m1"]


def test_search_keeps_to_its_limit_in_name_order(warehouse):
    rows = warehouse.run(profile.search_members_query("a", include_email=False, limit=2))
    assert rows["member_id"].tolist() == ["alice", "carol"]


def test_one_member_with_or_without_the_address(warehouse):
    row = warehouse.run(profile.member_query("carol", include_email=True)).iloc[0].to_dict()
    assert (row["member_id"], row["name"], row["email"], row["channel"], row["region"], row["segment"]) == (
        "carol",
        "Carol",
        "carol@example.org",
        "forum",
        "US",
        "biz",
    )
    assert "email" not in warehouse.run(profile.member_query("carol", include_email=False)).columns


def activity(warehouse: Warehouse, member_id: str, filters: Filters = P, limit: int = 20) -> dict[str, pd.DataFrame]:
    """The member's timeline ("weekly"), latest activities ("recent") and campaigns, as the page reads them."""
    rows = warehouse.run(profile.member_activity_query(filters=filters, member_id=member_id, limit=limit))
    return profile.member_activity(rows)


def test_weekly_timeline(warehouse):
    rows = activity(warehouse, "alice", P)["weekly"]
    assert [(r.week - day_number(date(2025, 2, 3)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "login", 1),
        (14, "comment", 1),
        (21, "post", 1),
        (28, "comment", 1),
        (28, "event_attend", 1),
    ]


def test_campaigns_joined(warehouse):
    rows = activity(warehouse, "alice")["campaigns"]
    assert rows[["campaign_id", "stage"]].values.tolist() == [["meetup", "took part"], ["letter", "invited"]]
    assert activity(warehouse, "gina")["campaigns"]["stage"].tolist() == ["invited"]
    # hank attended the meetup without an activity tagged with it: attending is taking part.
    assert activity(warehouse, "hank")["campaigns"]["stage"].tolist() == ["took part"]


def test_a_members_furthest_stage_and_the_campaigns_details(warehouse):
    # carol was invited to the meetup and registered, but did not attend or take part.
    rows = activity(warehouse, "carol")["campaigns"]
    assert [[r.campaign_id, r.name, r.kind, str(r.starts_at), r.stage] for r in rows.itertuples()] == [
        ["meetup", "Spring meetup", "event", "2025-03-03 00:00:00", "registered"]
    ]


def test_a_campaign_taken_part_in_by_a_tagged_activity_alone(boundary_warehouse):
    # ivy is on no campaign's list: her one mark is a comment tagged with the webinar (tests/boundaries.py).
    rows = activity(boundary_warehouse, "ivy")["campaigns"]
    assert rows[["campaign_id", "stage"]].values.tolist() == [["webinar", "took part"]]
    # sam registered for the teaser; his posts carry no campaign, and joe's tagged attendance is not his.
    rows = activity(boundary_warehouse, "sam")["campaigns"]
    assert rows[["campaign_id", "stage"]].values.tolist() == [["teaser", "registered"]]


def test_the_timeline_keeps_an_activity_at_the_periods_start_and_not_one_at_its_end(warehouse):
    # alice's post at exactly 00:00 on Saturday 1 March: in [1 March, 8 March), in the week of 24 February.
    march = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    rows = activity(warehouse, "alice", march)["weekly"]
    assert [(r.week - day_number(date(2025, 2, 24)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "post", 1),
        (7, "comment", 1),
        (7, "event_attend", 1),
    ]
    # ... and not in [22 February, 1 March), which holds only her comment of Sunday 23 February.
    february = Filters(start=date(2025, 2, 22), end=date(2025, 3, 1))
    rows = activity(warehouse, "alice", february)["weekly"]
    assert [(r.week - day_number(date(2025, 2, 17)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "comment", 1)
    ]


def test_recent_activities_are_the_latest_twenty(boundary_warehouse):
    # sue has 21: 15 posts in January, 5 on 5 February and a login at 00:00 on 6 February; the oldest
    # left out is one of the three posts of 1 January.
    rows = activity(boundary_warehouse, "sue")["recent"]
    times = [str(value)[:16] for value in rows["occurred_at"]]
    assert len(rows) == 20 and times[:2] == ["2025-02-06 00:00", "2025-02-05 12:00"]
    assert times.count("2025-01-01 12:00") == 2 and times[-1] == "2025-01-01 12:00"
    assert rows.iloc[0][["kind", "platform"]].tolist() == ["login", "forum"] and rows["campaign_id"].isna().all()
    joe = activity(boundary_warehouse, "joe", limit=1)["recent"]
    assert joe[["kind", "campaign_id", "campaign_name"]].values.tolist() == [["event_attend", "launch", "Launch party"]]


def test_the_one_statements_parts_stand_apart(warehouse):
    # A period carol did nothing in: no timeline, and her latest activities and campaign as ever.
    found = activity(warehouse, "carol", Filters(start=date(2020, 1, 1), end=date(2020, 2, 1)))
    assert found["weekly"].empty and found["weekly"].columns.tolist() == ["week", "kind", "activities"]
    assert found["recent"].columns.tolist() == ["occurred_at", "kind", "platform", "campaign_id", "campaign_name"]
    assert found["recent"][["kind", "platform"]].values.tolist() == [["post", "discord"], ["login", "discord"]]
    assert found["campaigns"][["campaign_id", "kind", "stage"]].values.tolist() == [["meetup", "event", "registered"]]
    weeks = activity(warehouse, "alice")["weekly"]
    assert (weeks["week"].dtype, weeks["activities"].dtype) == (
        "int64",
        "int64",
    )  # not floats from the other parts' NULLs
    nobody = activity(warehouse, "nobody")
    assert [len(part) for part in nobody.values()] == [0, 0, 0]


def test_a_syncs_build_finds_a_members_rows_by_their_key_and_other_warehouses_by_their_id(warehouse):
    # The figures are the same either way (the tests above run on every engine); this says which way.
    engine = warehouse._current_engine()
    compiled = str(profile.member_activity_query(filters=P, member_id="alice").compile(dialect=engine.dialect))
    compiled = compiled.replace("`", "").replace('"', "")  # as ClickHouse and PostgreSQL quote names
    by_key = engine.dialect.name == "duckdb"  # the fixture's DuckDB is a build
    for table in ("activities", "campaign_members"):
        assert (f"{table}.member_key = (SELECT member_keys.member_key" in compiled) is by_key
        assert (f"{table}.member_id =" in compiled) is not by_key


def test_recent_activities_latest_first(warehouse):
    rows = activity(warehouse, "carol")["recent"]
    assert rows[["kind", "platform"]].values.tolist() == [["post", "discord"], ["login", "discord"]]


def test_answers_and_feedback(app_store):
    answers = app_store.run(profile.member_answers_query(member_id="alice", include_text=True))
    answers = answers.astype(object).where(answers.notna(), None)  # missing numbers come back as NaN
    # The meetup survey (10 March) first, then the pulse (2 March) with its free text.
    assert answers[["survey", "question_id", "value_num", "value_text"]].values.tolist() == [
        ["How was the meetup?", "nps", 10, None],
        ["How was the meetup?", "sat", 5, None],
        ["Pulse", "nps", 10, None],
        ["Pulse", "why", None, "because"],
    ]
    hidden = app_store.run(profile.member_answers_query(member_id="alice", include_text=False))
    assert "value_text" not in hidden.columns and hidden["question_id"].tolist() == ["nps", "sat", "nps"]
    feedback = app_store.run(profile.member_feedback_query(member_id="alice", include_text=True))
    assert feedback["text"].tolist() == ["f7", "f1"]
    # The lookup shows the columns in this order: the text beside the item's id.
    assert feedback.columns.tolist() == ["id", "text", "created_at", "status", "score", "theme"]


def test_answers_of_a_response_never_submitted_are_not_shown(app_store):
    # bob started the pulse and answered 0 and "because", but never submitted (tests/community.py).
    assert app_store.run(profile.member_answers_query(member_id="bob", include_text=True)).empty
    assert "text" not in app_store.run(profile.member_feedback_query(member_id="alice", include_text=False)).columns


# Ties: ana does five things at the same moment (Tuesday 4 March 2025, 12:00), written in neither
# the order of their ids nor of their kinds, and is on the lists of three fairs that start together,
# written c, b, a. Where the first sort key ties, each list is ordered by its tie-break.
TIED_AT = datetime(2025, 3, 4, 12)
TIED = [("a3", "reaction"), ("a1", "post"), ("a4", "message"), ("a0", "login"), ("a2", "comment")]
FAIRS = [
    (f"{letter}-fair", f"Fair {letter.upper()}", "event", datetime(2025, 6, 1), None, "event", None, None, None)
    for letter in "cba"
]


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def ties(request, tmp_path_factory) -> Iterator[Warehouse]:
    frames = community.frames(
        member_rows=[
            ("ana", datetime(2025, 1, 1), "forum", "EU", "dev", False),
            ("bo", datetime(2025, 1, 1), "forum", "EU", "dev", False),
        ],
        # and bo's post, tagged with a campaign the campaigns do not hold
        activity_rows=[*(("ana", TIED_AT, kind) for _, kind in TIED), ("bo", TIED_AT, "post", {"campaign_id": "gone"})],
        campaign_rows=FAIRS,
        participation_rows=[
            ("c-fair", "ana", "registered"),
            ("b-fair", "ana", "invited"),
            ("a-fair", "ana", "attended"),
        ],
    )
    frames["activities"] = frames["activities"].assign(activity_id=[*(key for key, _ in TIED), "b0"])
    directory = tmp_path_factory.mktemp(f"ties-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_things_done_at_one_moment_come_by_id(ties):
    rows = activity(ties, "ana")["recent"]
    assert [(str(r.occurred_at)[:16], r.kind) for r in rows.itertuples()] == [
        ("2025-03-04 12:00", "login"),  # a0
        ("2025-03-04 12:00", "post"),  # a1
        ("2025-03-04 12:00", "comment"),  # a2
        ("2025-03-04 12:00", "reaction"),  # a3
        ("2025-03-04 12:00", "message"),  # a4
    ]
    # The latest two are the first two by id.
    assert activity(ties, "ana", limit=2)["recent"]["kind"].tolist() == ["login", "post"]


def test_an_activity_of_a_campaign_the_warehouse_does_not_hold_names_it_by_its_id(ties):
    found = activity(ties, "bo")
    assert found["recent"][["campaign_id", "campaign_name"]].values.tolist() == [["gone", "gone"]]
    assert found["campaigns"].empty  # and lists no campaign it cannot name


def test_the_kinds_of_one_week_come_in_alphabetical_order(ties):
    week = Filters(start=date(2025, 3, 3), end=date(2025, 3, 10))
    rows = activity(ties, "ana", week)["weekly"]
    assert [(r.week - day_number(date(2025, 3, 3)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "comment", 1),
        (0, "login", 1),
        (0, "message", 1),
        (0, "post", 1),
        (0, "reaction", 1),
    ]


def test_campaigns_starting_together_come_by_id(ties):
    rows = activity(ties, "ana")["campaigns"]
    assert [[r.campaign_id, r.name, str(r.starts_at), r.stage] for r in rows.itertuples()] == [
        ["a-fair", "Fair A", "2025-06-01 00:00:00", "took part"],
        ["b-fair", "Fair B", "2025-06-01 00:00:00", "invited"],
        ["c-fair", "Fair C", "2025-06-01 00:00:00", "registered"],
    ]


# One person under three ids, written last id first; "ana" is the canonical one (a members row).
ANA_IDS = ["zed:9", "mid:5", "ana"]


@pytest.fixture(params=["duckdb", "sqlite", "postgresql"])
def merged(request, tmp_path) -> Iterator[Warehouse]:
    """ana alone, her three ids in member_identities beside her, as a sync writes them (DuckDB) or
    as a warehouse queried in place would hold them (SQLite, PostgreSQL)."""
    frames = community.frames(
        member_rows=[("ana", datetime(2025, 1, 1), "forum", "EU", "dev", False)],
        activity_rows=[("ana", datetime(2025, 3, 4, 12), "post")],
        campaign_rows=[],
        participation_rows=[],
    )
    rows = pd.DataFrame(
        {
            "identity_id": ANA_IDS,
            "member_id": "ana",
            "platform": "forum",
            "handle": None,
            "name": "Ana",
            "joined_at": datetime(2025, 1, 1),
            "email_verified": False,
            "activities": 0,
            "linked_by": ["merge", "merge", "self"],
            "avatar": None,
        }
    )
    kept = {
        identities.member_identities: rows,
        identities.member_suggestions: pd.DataFrame(columns=identities.SUGGESTION_COLUMNS),
    }
    stamp = {identities.LINKS_KEY: identities.fingerprint({"zed:9": "ana", "mid:5": "ana"})}
    if request.param == "duckdb":
        path = tmp_path / "warehouse.duckdb"
        build_warehouse(path, frames, timezone="UTC", stamp=stamp, beside=kept)
        result = Warehouse(f"duckdb:///{path}")
    else:
        built = make_warehouse(request.param, tmp_path, frames, databases(request, request.param))
        writer = create_engine(built.url)
        identities.tables.create_all(writer)
        info.create(writer, checkfirst=True)
        with writer.begin() as connection:
            connection.execute(
                identities.member_identities.insert(), rows.astype(object).where(rows.notna(), None).to_dict("records")
            )
            connection.execute(info.insert(), [{"key": key, "value": value} for key, value in stamp.items()])
        writer.dispose()
        built.dispose()  # opened again below, marked with the identities it now has
        result = Warehouse(built.url)
    yield result
    result.dispose()


def test_a_persons_ids_come_in_order_whichever_is_asked(merged):
    for asked in ANA_IDS:
        rows = merged.run(profile.person_ids_query(asked))
        assert rows.values.tolist() == [["ana", "ana"], ["mid:5", "ana"], ["zed:9", "ana"]]


# Two surveys answered by ana at the same moment: the first written holds question q2, the second
# q1; within the moment, answers come by question id.
SAME_MOMENT = [("one", "First", "q2", 7.0), ("two", "Second", "q1", 3.0)]


@pytest.fixture(params=["sqlite", "postgresql"])
def same_moment(request, tmp_path, new_postgres_database) -> Iterator[AppStore]:
    store = new_migrated_store(request.param, tmp_path, new_postgres_database, "same_moment")
    with store.begin() as connection:
        for slug, title, question_id, value in SAME_MOMENT:
            survey_id = connection.execute(
                tables.surveys.insert().values(
                    slug=slug,
                    version=1,
                    title=title,
                    status="open",
                    anonymous=False,
                    definition={"questions": []},
                    created_at=datetime(2025, 1, 1),
                )
            ).inserted_primary_key[0]
            response_id = connection.execute(
                tables.responses.insert().values(
                    survey_id=survey_id,
                    member_id="ana",
                    submitted_at=datetime(2025, 3, 10),
                    completed=True,
                    idempotency_key=slug,
                    source="test",
                )
            ).inserted_primary_key[0]
            connection.execute(
                tables.answers.insert().values(
                    response_id=response_id, question_id=question_id, question_type="scale", value_num=value
                )
            )
    yield store
    store.dispose()


def test_answers_given_at_one_moment_come_by_question(same_moment):
    rows = same_moment.run(profile.member_answers_query(member_id="ana", include_text=False))
    assert rows[["survey", "question_id", "value_num"]].values.tolist() == [["Second", "q1", 3.0], ["First", "q2", 7.0]]
