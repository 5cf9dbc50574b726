"""Surveys in the app store, on SQLite and PostgreSQL: versions, exactly-once submission,
single-use personal links, anonymity, and a store failure that writes nothing."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from store import tables
from store.database import AppStore, StoreError
from surveys import links, registry
from surveys.answers import answer_rows
from surveys.definition import parse_definition
from surveys.links import Audience, token_hash
from surveys.submission import (
    AnswersInvalid,
    Outcome,
    Result,
    _Submission,
    _write,
    check_link,
    mark_opened,
    remove_responses,
    response_state,
    start_response,
    store_response,
    submit,
)
from tests.conftest import new_migrated_store

NOW = datetime(2026, 3, 10, 12)
DATABASES = itertools.count()
DEFINITION = {
    "slug": "pulse",
    "title": "Pulse",
    "questions": [
        {"id": "nps", "type": "nps", "text": "Recommend?", "required": True},
        {"id": "why", "type": "long_text", "text": "Why?"},
        {"id": "city", "type": "short_text", "text": "City?"},
    ],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, new_postgres_database):
    app_store = new_migrated_store(request.param, tmp_path, new_postgres_database, f"surveys_{next(DATABASES)}")
    yield app_store
    app_store.dispose()


def publish(store: AppStore, **changes: object) -> registry.StoredSurvey:
    survey = parse_definition({**DEFINITION, **changes}, where="pulse.yaml")
    registry.register(store, survey, timezone="UTC", now=NOW)
    return registry.load_survey(store, survey.slug)


def count(store: AppStore, table: sa.Table, *conditions: sa.ColumnElement[bool]) -> int:
    return int(store.run(sa.select(sa.func.count()).select_from(table).where(*conditions)).iloc[0, 0])


def invite(store: AppStore, stored: registry.StoredSurvey, *member_ids: str) -> dict[str, str]:
    members = pd.DataFrame({"member_id": list(member_ids), "name": list(member_ids), "email": None})
    made = links.create_links(
        store,
        survey_id=stored.id,
        slug=stored.slug,
        members=members,
        audience=Audience("segment", "dev"),
        base_url="https://pulse.example.org/",
        now=NOW,
    )
    return {row.member_id: row.link.split("&t=")[1] for row in made.itertuples()}


def test_an_unchanged_definition_keeps_its_version_and_a_change_adds_one(store):
    first = publish(store)
    assert (first.version, first.status) == (1, "open")
    assert publish(store).version == 1
    submit(store, stored=first, answers={"nps": 9}, key="k1", now=NOW)
    registry.set_status(store, "pulse", "closed")
    changed = publish(store, title="Pulse, reworded")
    assert (changed.version, changed.status) == (2, "closed")  # the managers' switch carries over
    old = store.run(sa.select(tables.responses.c.survey_id).where(tables.responses.c.idempotency_key == "k1"))
    assert old.iloc[0, 0] == first.id  # the earlier answer still points at the version it was given under
    assert registry.load_survey(store, "pulse", version=1).survey.title == {"en": "Pulse"}


def test_a_double_submit_stores_one_response(store):
    stored = publish(store)
    first = submit(store, stored=stored, answers={"nps": 10, "why": "Great"}, key="same", now=NOW)
    again = submit(store, stored=stored, answers={"nps": 10, "why": "Great"}, key="same", now=NOW)
    assert (first.outcome, again.outcome) == (Outcome.STORED, Outcome.ALREADY_STORED)
    assert again.response_id == first.response_id is not None  # the later one learns which response it is
    assert count(store, tables.responses) == 1
    assert count(store, tables.answers) == 2
    assert count(store, tables.feedback) == 1


def test_concurrent_submits_with_one_key_store_one_response(store):
    stored = publish(store)
    start_response(store, stored=stored, key="race", locale="en", now=NOW)
    outcomes, barrier = [], threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        outcomes.append(submit(store, stored=stored, answers={"nps": 8}, key="race", now=NOW).outcome)

    threads = [threading.Thread(target=send) for _ in range(8)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert sorted(outcomes) == sorted([Outcome.STORED] + [Outcome.ALREADY_STORED] * 7)
    assert count(store, tables.responses) == 1
    assert count(store, tables.answers) == 1


def test_concurrent_submits_without_a_started_row_store_one_response(store):
    stored = publish(store)
    outcomes, barrier = [], threading.Barrier(6)

    def send() -> None:
        barrier.wait()
        outcomes.append(submit(store, stored=stored, answers={"nps": 8}, key="fresh", now=NOW).outcome)

    threads = [threading.Thread(target=send) for _ in range(6)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert outcomes.count(Outcome.STORED) == 1 and outcomes.count(Outcome.ALREADY_STORED) == 5
    assert count(store, tables.responses) == 1


def test_a_personal_link_answers_once_even_when_used_concurrently(store):
    stored = publish(store)
    token = invite(store, stored, "alice")["alice"]
    assert check_link(store, slug="pulse", token=token) is None
    outcomes, barrier = [], threading.Barrier(5)

    def send(n: int) -> None:
        barrier.wait()
        outcomes.append(submit(store, stored=stored, answers={"nps": 9}, key=f"tab-{n}", token=token, now=NOW).outcome)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(5)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert outcomes.count(Outcome.STORED) == 1 and outcomes.count(Outcome.LINK_USED) == 4
    responses = store.run(sa.select(tables.responses.c.member_id))
    assert responses["member_id"].tolist() == ["alice"]
    assert check_link(store, slug="pulse", token=token) is Outcome.LINK_USED
    later = submit(store, stored=stored, answers={"nps": 9}, key="later", token=token, now=NOW)
    assert later.outcome is Outcome.LINK_USED


def test_a_personal_links_first_opening_and_start_are_noted_once(store):
    stored = publish(store)
    tokens = invite(store, stored, "alice", "bob")
    later, latest = datetime(2026, 3, 10, 13), datetime(2026, 3, 10, 14)
    assert response_state(store, key="tab") is None  # no response has this key yet
    mark_opened(store, slug="pulse", token=tokens["alice"], now=NOW)
    mark_opened(store, slug="pulse", token=tokens["alice"], now=later)  # opened again: the first time stays
    mark_opened(store, slug="other", token=tokens["bob"], now=NOW)  # another survey's address: not bob's link
    start_response(store, stored=stored, key="tab", locale="fr", now=later, token=tokens["alice"])
    start_response(store, stored=stored, key="tab", locale="en", now=latest, token=tokens["alice"])  # once per key
    assert response_state(store, key="tab") is False
    responses, invitations = tables.responses, tables.invitations
    with store.read() as connection:
        started = connection.execute(
            sa.select(
                responses.c.survey_id,
                responses.c.member_id,
                responses.c.started_at,
                responses.c.submitted_at,
                responses.c.completed,
                responses.c.idempotency_key,
                responses.c.locale,
                responses.c.source,
            )
        ).all()
        marks = connection.execute(
            sa.select(invitations.c.member_id, invitations.c.opened_at, invitations.c.started_at).order_by(
                invitations.c.member_id
            )
        ).all()
    assert [tuple(row) for row in started] == [(stored.id, None, later, None, False, "tab", "fr", "web")]
    assert [tuple(row) for row in marks] == [("alice", NOW, later), ("bob", None, None)]
    submit(store, stored=stored, answers={"nps": 9}, key="tab", token=tokens["alice"], now=latest)
    assert response_state(store, key="tab") is True


def test_removing_a_response_leaves_the_others_and_keeps_its_link_used(store):
    stored = publish(store)
    tokens = invite(store, stored, "alice", "bob")
    submit(store, stored=stored, answers={"nps": 9}, key="a", token=tokens["alice"], now=NOW)
    submit(store, stored=stored, answers={"nps": 7, "why": "Too slow"}, key="b", token=tokens["bob"], now=NOW)
    responses, invitations = tables.responses, tables.invitations
    kept, gone = (
        int(store.run(sa.select(responses.c.id).where(responses.c.idempotency_key == key)).iloc[0, 0]) for key in "ab"
    )
    with store.begin() as connection:  # both wait to be written back to a sheet
        connection.execute(
            tables.sheet_outbox.insert(), [{"response_id": id, "created_at": NOW} for id in (kept, gone)]
        )
    with store.begin() as connection:
        assert remove_responses(connection, [gone], actor="cli", now=NOW) == 1
    with store.read() as connection:
        links = connection.execute(
            sa.select(invitations.c.member_id, invitations.c.response_id, invitations.c.used_at.is_not(None)).order_by(
                invitations.c.member_id
            )
        ).all()
    # bob's link stays used (it cannot be answered twice) but points at nothing; alice's is untouched.
    assert [tuple(row) for row in links] == [("alice", kept, True), ("bob", None, True)]
    assert store.run(sa.select(tables.answers.c.response_id))["response_id"].tolist() == [kept]
    assert count(store, tables.feedback) == 0  # bob's written answer left the inbox with it
    assert store.run(sa.select(tables.sheet_outbox.c.response_id))["response_id"].tolist() == [kept]


def test_tokens_are_stored_hashed_and_only_work_for_their_survey(store):
    stored = publish(store)
    token = invite(store, stored, "alice")["alice"]
    hashes = store.run(sa.select(tables.invitations.c.token_hash))["token_hash"].tolist()
    assert hashes == [token_hash(token)] and token not in hashes
    assert len(token) >= 32
    other = parse_definition({**DEFINITION, "slug": "other"}, where="other.yaml")
    registry.register(store, other, timezone="UTC", now=NOW)
    assert check_link(store, slug="other", token=token) is Outcome.LINK_INVALID
    result = submit(
        store, stored=registry.load_survey(store, "other"), answers={"nps": 1}, key="x", token=token, now=NOW
    )
    assert result.outcome is Outcome.LINK_INVALID
    assert count(store, tables.responses) == 0


def test_asking_for_links_again_replaces_unused_ones_and_skips_members_who_answered(store):
    stored = publish(store)
    first = invite(store, stored, "alice", "bob")
    submit(store, stored=stored, answers={"nps": 9}, key="a", token=first["alice"], now=NOW)
    second = invite(store, stored, "alice", "bob", "carol")
    assert set(second) == {"bob", "carol"}
    assert check_link(store, slug="pulse", token=first["bob"]) is Outcome.LINK_INVALID  # replaced
    assert check_link(store, slug="pulse", token=second["bob"]) is None
    assert count(store, tables.invitations) == 3


def test_an_anonymous_survey_stores_no_member_and_no_way_back_to_one(store):
    stored = publish(store, anonymous=True)
    token = invite(store, stored, "alice")["alice"]
    result = submit(store, stored=stored, answers={"nps": 3, "why": "Too slow"}, key="anon", token=token, now=NOW)
    assert result.outcome is Outcome.STORED
    assert store.run(sa.select(tables.responses.c.member_id))["member_id"].tolist() == [None]
    assert store.run(sa.select(tables.feedback.c.member_id))["member_id"].tolist() == [None]
    invitation = store.run(sa.select(tables.invitations.c.used_at, tables.invitations.c.response_id)).iloc[0]
    assert invitation["response_id"] is None or pd.isna(invitation["response_id"])
    assert invitation["used_at"] == datetime(2026, 3, 10)  # the day only
    assert check_link(store, slug="pulse", token=token) is Outcome.LINK_USED


def test_a_used_link_keeps_its_moment_and_response_unless_the_survey_is_anonymous(store):
    moment = datetime(2026, 3, 10, 12, 34, 56, 789000)
    named, anonymous = publish(store), publish(store, slug="anon", anonymous=True)
    named_token, anonymous_token = invite(store, named, "alice")["alice"], invite(store, anonymous, "bob")["bob"]
    submit(store, stored=named, answers={"nps": 9}, key="named", token=named_token, now=moment)
    submit(store, stored=anonymous, answers={"nps": 9}, key="anon", token=anonymous_token, now=moment)
    responses, invitations = tables.responses, tables.invitations
    with store.read() as connection:
        named_id = connection.execute(sa.select(responses.c.id).where(responses.c.idempotency_key == "named")).scalar()
        used = connection.execute(
            sa.select(invitations.c.member_id, invitations.c.used_at, invitations.c.response_id).order_by(
                invitations.c.member_id
            )
        ).all()
    # alice's link: the moment and her response; bob's (anonymous): midnight of the day, no response.
    assert [tuple(row) for row in used] == [("alice", moment, named_id), ("bob", datetime(2026, 3, 10), None)]


def test_free_text_becomes_one_feedback_item_with_the_responses_score(store):
    stored = publish(store)
    token = invite(store, stored, "bob")["bob"]
    submit(
        store,
        stored=stored,
        answers={"nps": 4, "why": "  Slow answers  ", "city": "Lyon"},
        key="f",
        token=token,
        now=NOW,
    )
    items = store.run(
        sa.select(
            tables.feedback.c.question_id,
            tables.feedback.c.member_id,
            tables.feedback.c.text,
            tables.feedback.c.score,
            tables.feedback.c.score_kind,
            tables.feedback.c.status,
            tables.feedback.c.language,
            tables.feedback.c.suggested_theme,
        )
    )
    assert items.to_dict("records") == [
        {
            "question_id": "why",
            "member_id": "bob",
            "text": "Slow answers",
            "score": 4.0,
            "score_kind": "nps",
            "status": "new",
            "language": "en",
            "suggested_theme": "support",  # scored on arrival
        }
    ]
    sentiment = store.run(sa.select(tables.feedback.c.sentiment))["sentiment"][0]
    assert sentiment <= -0.1  # "slow" is one of the community words VADER is taught
    history = store.run(sa.select(tables.feedback_events.c.actor, tables.feedback_events.c.field))
    assert history.values.tolist() == [["survey", "created"]]


def test_invalid_answers_are_refused_before_anything_is_written(store):
    stored = publish(store)
    with pytest.raises(AnswersInvalid) as invalid:
        submit(store, stored=stored, answers={"nps": 12, "city": "x" * 201}, key="bad", now=NOW)
    # A short text holds 200 characters: 201 is one too many.
    assert invalid.value.problems == {
        "nps": ("range", {"low": 0, "high": 10}),
        "city": ("too_long", {"limit": 200, "length": 201}),
    }
    assert invalid.value.user_message == "2 answer(s) need attention: nps, city"
    assert count(store, tables.responses) == 0


@pytest.mark.parametrize(
    "changes, outcome",
    [
        ({"opens_at": "2026-03-11"}, Outcome.NOT_OPEN),
        ({"closes_at": "2026-03-10 12:00"}, Outcome.CLOSED),
        ({"response_limit": 1}, Outcome.LIMIT),
    ],
)
def test_a_survey_that_is_not_open_refuses_answers(store, changes, outcome):
    stored = publish(store, **changes)
    if outcome is Outcome.LIMIT:
        assert submit(store, stored=stored, answers={"nps": 9}, key="first", now=NOW).outcome is Outcome.STORED
    assert submit(store, stored=stored, answers={"nps": 9}, key="late", now=NOW).outcome is outcome
    assert count(store, tables.responses, tables.responses.c.idempotency_key == "late") == 0


def test_a_closed_survey_refuses_answers_until_reopened(store):
    stored = publish(store)
    registry.set_status(store, "pulse", "closed")
    closed = registry.load_survey(store, "pulse")
    assert submit(store, stored=closed, answers={"nps": 9}, key="k", now=NOW).outcome is Outcome.CLOSED
    registry.set_status(store, "pulse", "open")
    assert (
        submit(store, stored=registry.load_survey(store, "pulse"), answers={"nps": 9}, key="k", now=NOW).outcome
        is Outcome.STORED
    )
    assert stored.status == "open"


def test_a_store_failure_writes_nothing_and_a_retry_stores_once(store):
    stored = publish(store)
    token = invite(store, stored, "alice")["alice"]
    start_response(store, stored=stored, key="retry", locale="en", now=NOW)
    if store.engine.dialect.name == "sqlite":  # a real failure inside the transaction, after the response row
        fail = "CREATE TRIGGER fail BEFORE INSERT ON answers BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        heal = "DROP TRIGGER fail"
    else:
        fail = (
            "CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;"
            "CREATE TRIGGER fail BEFORE INSERT ON answers FOR EACH ROW EXECUTE FUNCTION fail()"
        )
        heal = "DROP TRIGGER fail ON answers"
    with store.engine.begin() as connection:
        connection.exec_driver_sql(fail)
    with pytest.raises(StoreError, match="could not be saved"):
        submit(store, stored=stored, answers={"nps": 2, "why": "Meh"}, key="retry", token=token, now=NOW)
    assert count(store, tables.responses, tables.responses.c.completed == sa.true()) == 0
    assert count(store, tables.feedback) == 0
    assert check_link(store, slug="pulse", token=token) is None  # the link is not spent
    with store.engine.begin() as connection:
        connection.exec_driver_sql(heal)
    result = submit(store, stored=stored, answers={"nps": 2, "why": "Meh"}, key="retry", token=token, now=NOW)
    assert result.outcome is Outcome.STORED
    assert count(store, tables.responses) == 1 and count(store, tables.answers) == 2


def test_register_folder_publishes_valid_files_and_reports_the_others(store, tmp_path: Path):
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "good.yaml").write_text("slug: good\ntitle: Good\nquestions:\n  - {id: n, type: nps, text: Recommend}\n")
    (folder / "bad.yaml").write_text("slug: bad\ntitle: Bad\nquestions:\n  - {id: c, type: choice, text: Pick}\n")
    versions, problems = registry.register_folder(store, folder, timezone="Asia/Shanghai", now=NOW)
    assert versions == {"good": 1}
    assert problems == ["bad.yaml: c: options: a choice question needs at least two options"]
    (folder / "good.yaml").write_text(
        "slug: good\ntitle: Good\nopens_at: 2026-04-01 08:00\nquestions:\n  - {id: n, type: nps, text: Recommend}\n"
    )
    assert registry.register_folder(store, folder, timezone="Asia/Shanghai", now=NOW)[0] == {"good": 2}
    assert registry.load_survey(store, "good").opens_at == datetime(2026, 4, 1, 0, 0)  # 08:00 Shanghai in UTC


def test_an_imported_responses_written_answer_enters_the_inbox_in_the_responses_language(store):
    stored = publish(store)
    rows = answer_rows(stored.survey, {"nps": 4, "why": "Too slow"})
    with store.begin() as connection:
        response_id = store_response(
            connection,
            stored=stored,
            rows=rows,
            key="form-1",
            member_id="alice",
            submitted_at=NOW,
            locale="fr",
            source="forms",
        )
    feedback = tables.feedback
    items = store.run(
        sa.select(feedback.c.response_id, feedback.c.text, feedback.c.language, feedback.c.score, feedback.c.created_at)
    )
    assert items.values.tolist() == [[response_id, "Too slow", "fr", 4.0, NOW]]


def test_removing_more_responses_than_one_batch_holds_removes_them_all(store):
    """1,001 responses: batches of 500, 500 and 1, each counted."""
    stored = publish(store)
    with store.begin() as connection:
        connection.execute(
            tables.responses.insert(),
            [
                {"survey_id": stored.id, "submitted_at": NOW, "completed": True, "idempotency_key": f"k{n}"}
                for n in range(1001)
            ],
        )
    ids = store.run(sa.select(tables.responses.c.id).order_by(tables.responses.c.id))["id"].tolist()
    with store.begin() as connection:
        assert remove_responses(connection, ids, actor="cli", now=NOW) == 1001
    assert count(store, tables.responses) == 0


def test_a_response_submitted_without_a_start_is_stored_as_started_then_from_the_web(store):
    stored = publish(store)
    result = submit(store, stored=stored, answers={"nps": 3, "why": "Too slow"}, key="direct", locale="fr", now=NOW)
    responses, feedback = tables.responses, tables.feedback
    with store.read() as connection:
        row = connection.execute(
            sa.select(
                responses.c.id,
                responses.c.started_at,
                responses.c.submitted_at,
                responses.c.completed,
                responses.c.locale,
                responses.c.source,
            )
        ).one()
        items = connection.execute(sa.select(feedback.c.response_id, feedback.c.source, feedback.c.text)).all()
    assert tuple(row) == (result.response_id, NOW, NOW, True, "fr", "web")
    assert [tuple(item) for item in items] == [(result.response_id, "survey", "Too slow")]


def test_submitting_one_started_response_leaves_another_started_one_as_it_was(store):
    stored = publish(store)
    start_response(store, stored=stored, key="mine", locale="en", now=NOW)
    start_response(store, stored=stored, key="theirs", locale="de", now=NOW)
    later = NOW + timedelta(minutes=5)
    assert submit(store, stored=stored, answers={"nps": 9}, key="mine", now=later).outcome is Outcome.STORED
    responses = tables.responses
    with store.read() as connection:
        rows = connection.execute(
            sa.select(
                responses.c.idempotency_key, responses.c.completed, responses.c.submitted_at, responses.c.locale
            ).order_by(responses.c.idempotency_key)
        ).all()
    assert [tuple(row) for row in rows] == [("mine", True, later, "en"), ("theirs", False, None, "de")]


@pytest.fixture
def postgres_store(tmp_path, new_postgres_database):
    app_store = new_migrated_store("postgresql", tmp_path, new_postgres_database, f"surveys_{next(DATABASES)}")
    yield app_store
    app_store.dispose()


def racing(store: AppStore, first: _Submission, second: Callable[[], Result]) -> tuple[Result, Result]:
    """`first` written in a transaction held open (a submitter between its writes and its commit) while
    `second` submits; committed once `second` waits for one of its locks, or has finished without
    waiting. PostgreSQL: SQLite lets one writer in at a time, so there the second begins after."""
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(second()))
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with store.engine.connect() as held, store.engine.connect() as watcher:
        transaction = held.begin()
        written = _write(held, first)
        thread.start()
        deadline = time.monotonic() + 120
        while thread.is_alive() and not watcher.execute(waiting).scalar():
            assert time.monotonic() < deadline, "the second submit neither waited nor finished"
            watcher.rollback()  # pg_stat_activity is read once per transaction: a new one sees it anew
            time.sleep(0.01)
        transaction.commit()
    thread.join()
    return written, results[0]


def test_a_submit_racing_another_waits_for_it_before_counting_against_the_limit(postgres_store):
    stored = publish(postgres_store, response_limit=1)
    first = _Submission(stored, {"nps": 9}, "first", None, "en", NOW, False)
    written, late = racing(
        postgres_store, first, lambda: submit(postgres_store, stored=stored, answers={"nps": 7}, key="late", now=NOW)
    )
    # The limit of 1 is exactly met by the first, committed while the second waited for the survey's row.
    assert (written.outcome, late) == (Outcome.STORED, Result(Outcome.LIMIT))
    keys = postgres_store.run(sa.select(tables.responses.c.idempotency_key))["idempotency_key"].tolist()
    assert keys == ["first"]


def test_a_response_completed_by_a_racing_submit_with_its_key_is_not_completed_again(postgres_store):
    stored = publish(
        postgres_store,
        questions=[
            {"id": "why", "type": "long_text", "text": "Why?"},
            {"id": "city", "type": "short_text", "text": "?"},
        ],
    )
    start_response(postgres_store, stored=stored, key="tab", locale="en", now=NOW)
    first = _Submission(stored, {"why": "Too slow"}, "tab", None, "en", NOW, False)
    later = NOW + timedelta(seconds=1)
    written, again = racing(
        postgres_store,
        first,
        lambda: submit(postgres_store, stored=stored, answers={"city": "Lyon"}, key="tab", locale="fr", now=later),
    )
    assert (written.outcome, again) == (Outcome.STORED, Result(Outcome.ALREADY_STORED))
    responses, answers = tables.responses, tables.answers
    with postgres_store.read() as connection:
        response = connection.execute(sa.select(responses.c.submitted_at, responses.c.locale)).one()
        stored_answers = connection.execute(sa.select(answers.c.question_id, answers.c.value_text)).all()
    assert tuple(response) == (NOW, "en")  # the first submit's, not written over
    assert [tuple(answer) for answer in stored_answers] == [("why", "Too slow")]
