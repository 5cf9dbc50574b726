"""Member lookup: search and a member's history, on the fixture community and app store."""

from __future__ import annotations

from datetime import date

import pytest

from data_sources import identities
from data_sources.warehouse import Warehouse
from engines import create_engine
from metrics import profile
from metrics.filters import Filters, day_number
from rollup.tables import info
from store import tables
from surveys import registry
from surveys.answers import answer_rows
from surveys.definition import parse_definition
from tests import community
from tests.conftest import WAREHOUSE_ENGINES, databases, load_community, make_warehouse, new_migrated_store

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


def test_weekly_timeline(warehouse):
    rows = warehouse.run(profile.member_weekly_activity_query(filters=P, member_id="alice"))
    assert [(r.week - day_number(date(2025, 2, 3)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "login", 1),
        (14, "comment", 1),
        (21, "post", 1),
        (28, "comment", 1),
        (28, "event_attend", 1),
    ]


def test_campaigns_joined(warehouse):
    rows = warehouse.run(profile.member_campaigns_query(member_id="alice"))
    assert rows[["campaign_id", "stage"]].values.tolist() == [["meetup", "took part"], ["letter", "invited"]]
    assert warehouse.run(profile.member_campaigns_query(member_id="gina"))["stage"].tolist() == ["invited"]
    # hank attended the meetup without an activity tagged with it: attending is taking part.
    assert warehouse.run(profile.member_campaigns_query(member_id="hank"))["stage"].tolist() == ["took part"]


def test_a_members_furthest_stage_and_the_campaigns_details(warehouse):
    # carol was invited to the meetup and registered, but did not attend or take part.
    rows = warehouse.run(profile.member_campaigns_query(member_id="carol"))
    assert [[r.campaign_id, r.name, r.kind, str(r.starts_at), r.stage] for r in rows.itertuples()] == [
        ["meetup", "Spring meetup", "event", "2025-03-03 00:00:00", "registered"]
    ]


def test_a_campaign_taken_part_in_by_a_tagged_activity_alone(boundary_warehouse):
    # ivy is on no campaign's list: her one mark is a comment tagged with the webinar (tests/boundaries.py).
    rows = boundary_warehouse.run(profile.member_campaigns_query(member_id="ivy"))
    assert rows[["campaign_id", "stage"]].values.tolist() == [["webinar", "took part"]]
    # sam registered for the teaser; his posts carry no campaign, and joe's tagged attendance is not his.
    rows = boundary_warehouse.run(profile.member_campaigns_query(member_id="sam"))
    assert rows[["campaign_id", "stage"]].values.tolist() == [["teaser", "registered"]]


def test_the_timeline_keeps_an_activity_at_the_periods_start_and_not_one_at_its_end(warehouse):
    # alice's post at exactly 00:00 on Saturday 1 March: in [1 March, 8 March), in the week of 24 February.
    march = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    rows = warehouse.run(profile.member_weekly_activity_query(filters=march, member_id="alice"))
    assert [(r.week - day_number(date(2025, 2, 24)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "post", 1),
        (7, "comment", 1),
        (7, "event_attend", 1),
    ]
    # ... and not in [22 February, 1 March), which holds only her comment of Sunday 23 February.
    february = Filters(start=date(2025, 2, 22), end=date(2025, 3, 1))
    rows = warehouse.run(profile.member_weekly_activity_query(filters=february, member_id="alice"))
    assert [(r.week - day_number(date(2025, 2, 17)), r.kind, r.activities) for r in rows.itertuples()] == [
        (0, "comment", 1)
    ]


def test_recent_activities_are_the_latest_twenty(boundary_warehouse):
    # sue has 21: 15 posts in January, 5 on 5 February and a login at 00:00 on 6 February; the oldest
    # left out is one of the three posts of 1 January.
    rows = boundary_warehouse.run(profile.recent_activities_query(member_id="sue"))
    times = [str(value)[:16] for value in rows["occurred_at"]]
    assert len(rows) == 20 and times[:2] == ["2025-02-06 00:00", "2025-02-05 12:00"]
    assert times.count("2025-01-01 12:00") == 2 and times[-1] == "2025-01-01 12:00"
    assert rows.iloc[0][["kind", "platform"]].tolist() == ["login", "forum"] and rows["campaign_id"].isna().all()
    joe = boundary_warehouse.run(profile.recent_activities_query(member_id="joe", limit=1))
    assert joe[["kind", "campaign_id"]].values.tolist() == [["event_attend", "launch"]]


def test_recent_activities_latest_first(warehouse):
    rows = warehouse.run(profile.recent_activities_query(member_id="carol"))
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


# ty's ties, each written in the reverse of the order shown: five activities at 09:00 on Tuesday 4 March
# (reaction z5, post z4, login z3, event_attend z2, comment z1), and two campaigns starting together at
# 00:00 on 10 March (b-day, then a-day), ty invited to both.
TY_MOMENT = community.t(2025, 3, 4, 9)
TY_KINDS = [("reaction", "z5"), ("post", "z4"), ("login", "z3"), ("event_attend", "z2"), ("comment", "z1")]
TY_DAY = community.t(2025, 3, 10)


@pytest.fixture(scope="module", params=WAREHOUSE_ENGINES)
def ties(request, tmp_path_factory):
    frames = community.frames(
        member_rows=[("ty", community.t(2025, 1, 1), "forum", "EU", "dev", False)],
        activity_rows=[("ty", TY_MOMENT, kind, {"activity_id": key}) for kind, key in TY_KINDS],
        campaign_rows=[
            (key, name, "event", TY_DAY, None, "event", None, None, None)
            for key, name in (("b-day", "B day"), ("a-day", "A day"))
        ],
        participation_rows=[("b-day", "ty", "invited"), ("a-day", "ty", "invited")],
    )
    directory = tmp_path_factory.mktemp(f"ties-{request.param}")
    result = make_warehouse(request.param, directory, frames, databases(request, request.param))
    yield result
    result.dispose()


def test_a_members_history_of_one_moment_comes_in_a_fixed_order(ties):
    in_order = ["comment", "event_attend", "login", "post", "reaction"]
    # Recent activities: latest first, then by activity id (z1 to z5).
    assert ties.run(profile.recent_activities_query(member_id="ty"))["kind"].tolist() == in_order
    # The timeline: one row a kind in the week of 3 March, by kind.
    march = Filters(start=date(2025, 3, 1), end=date(2025, 3, 8))
    rows = ties.run(profile.member_weekly_activity_query(filters=march, member_id="ty"))
    week = day_number(date(2025, 3, 3))
    assert [(r.week, r.kind, r.activities) for r in rows.itertuples()] == [(week, kind, 1) for kind in in_order]
    # Campaigns: latest first, then by id.
    rows = ties.run(profile.member_campaigns_query(member_id="ty"))
    assert rows[["campaign_id", "stage"]].values.tolist() == [["a-day", "invited"], ["b-day", "invited"]]


@pytest.fixture(params=["sqlite", "postgresql"])
def ty_store(request, tmp_path):
    factory = request.getfixturevalue("new_postgres_database") if request.param == "postgresql" else None
    store = new_migrated_store(request.param, tmp_path, factory)
    yield store
    store.dispose()


def test_answers_of_one_moment_come_by_question(ty_store):
    # At 12:00 on 4 March ty submitted two surveys: "later" (written first) answering zone, then "sooner"
    # answering area and city (written city first). Of one moment, the answers come by question.
    moment = community.t(2025, 3, 4, 12)
    questions = {"later": ["zone"], "sooner": ["city", "area"]}
    for slug, ids in questions.items():
        definition = {"slug": slug, "title": slug, "questions": [{"id": q, "type": "nps", "text": q} for q in ids]}
        registry.register(
            ty_store, parse_definition(definition, where=slug), timezone="UTC", now=community.t(2025, 2, 1)
        )
    with ty_store.begin() as connection:
        for n, (slug, ids) in enumerate(questions.items()):
            stored = registry.load_survey(ty_store, slug)
            response = connection.execute(
                tables.responses.insert().values(
                    survey_id=stored.id, member_id="ty", submitted_at=moment, completed=True, idempotency_key=f"ty{n}"
                )
            ).inserted_primary_key[0]
            for row in answer_rows(stored.survey, {q: 7 + n for q in ids}):
                connection.execute(tables.answers.insert().values(response_id=response, **row.__dict__))
    rows = ty_store.run(profile.member_answers_query(member_id="ty", include_text=False))
    assert rows[["survey", "question_id", "value_num"]].values.tolist() == [
        ["sooner", "area", 8],
        ["sooner", "city", 8],
        ["later", "zone", 7],
    ]


# ty's identities written in the reverse of their ids' order: his own id first, then c:ty, b:ty, a:ty.
TY_IDENTITIES = ["ty", "c:ty", "b:ty", "a:ty"]


@pytest.fixture(params=["sqlite", "postgresql"])
def ty_identities(request, tmp_path):
    url = (
        request.getfixturevalue("new_postgres_database")("identities")
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path / 'community.db'}"
    )
    load_community(url, community.frames(member_rows=[("ty", community.t(2025, 1, 1), "forum", "EU", "dev", False)]))
    engine = create_engine(url)
    identities.tables.create_all(engine)
    info.create(engine)
    with engine.begin() as connection:
        connection.execute(
            identities.member_identities.insert(),
            [{"identity_id": who, "member_id": "ty", "linked_by": "merge"} for who in TY_IDENTITIES],
        )
        connection.execute(info.insert().values(key=identities.LINKS_KEY, value="ty"))
    engine.dispose()
    result = Warehouse(url)
    yield result
    result.dispose()


def test_a_persons_ids_come_in_id_order(ty_identities):
    rows = ty_identities.run(profile.person_ids_query("b:ty"))
    assert rows.values.tolist() == [["a:ty", "ty"], ["b:ty", "ty"], ["c:ty", "ty"], ["ty", "ty"]]
