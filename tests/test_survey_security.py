"""Security suite, the member's survey: malformed answers are validation errors naming the question
(over every shipped definition and every question type), a store that is down shows the member no
infrastructure detail, and 1,000 submissions by 50 concurrent clients store exactly once per key."""

from __future__ import annotations

import logging
import random
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from catalog import CATALOGS
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import Question, Survey, load_definitions, parse_definition
from surveys.submission import AnswersInvalid, Outcome, start_response, submit
from tests import test_app_surveys
from tests.security_corpus import answers as corpus
from tests.test_app_surveys import open_survey, press, responses, texts, widget

NOW = datetime(2026, 3, 10, 12)
SHIPPED = Path(__file__).resolve().parent.parent / "surveys"
EVERY_TYPE = {  # each question type once, with conditions on a scale, a yes/no and a choice
    "slug": "every-type",
    "title": "Every type",
    "questions": [
        {"id": "nps", "type": "nps", "text": "Recommend?", "required": True},
        {"id": "low", "type": "long_text", "text": "Why?", "show_if": {"question": "nps", "at_most": 6}},
        {"id": "back", "type": "yes_no", "text": "Again?"},
        {"id": "miss", "type": "short_text", "text": "What?", "show_if": {"question": "back", "equals": "no"}},
        {"id": "via", "type": "choice", "text": "How?", "options": ["web", "mail"], "other": True},
        {"id": "web", "type": "rating", "text": "Site?", "show_if": {"question": "via", "equals": "web"}},
        {"id": "likes", "type": "multi", "text": "Liked?", "options": ["talks", "food"], "other": True},
        {"id": "food", "type": "csat", "text": "Food?", "show_if": {"question": "likes", "in": ["food"]}},
        {"id": "ease", "type": "ces", "text": "Easy?"},
        {"id": "grid", "type": "matrix", "text": "Agree?", "rows": ["clear", "useful"], "required": True},
    ],
}
surveys_env = test_app_surveys.surveys_env  # fixture: the fixture community and its definitions


def definitions() -> list[Survey]:
    shipped, problems = load_definitions(SHIPPED)
    assert problems == [] and [survey.slug for survey in shipped] == ["onboarding", "post-event", "quarterly-nps"]
    return [*shipped, parse_definition(EVERY_TYPE, where="every-type.yaml")]


def valid_answer(question: Question) -> Any:
    """A well-formed answer to any question (the lowest point, the first option, yes, some words)."""
    if question.type in ("nps", "rating", "csat", "ces"):
        return question.bounds[0]
    return {
        "yes_no": True,
        "choice": question.options[0].id if question.options else None,
        "multi": [question.options[0].id] if question.options else None,
        "matrix": {row.id: 1 for row in question.rows},
    }.get(question.type, "Fine")


def valid_answers(survey: Survey) -> dict[str, Any]:
    """Every question answered well, so every shown one is complete whatever the conditions say."""
    return {question.id: valid_answer(question) for question in survey.questions}


@pytest.fixture
def sqlite_store(tmp_path) -> AppStore:
    store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    store.migrate()
    yield store
    store.dispose()


def publish(store: AppStore, survey: Survey) -> registry.StoredSurvey:
    registry.register(store, survey, timezone="UTC", now=NOW)
    return registry.load_survey(store, survey.slug)


def count(store: AppStore, table: sa.Table) -> int:
    return int(store.run(sa.select(sa.func.count()).select_from(table)).iloc[0, 0])


def refusal(stored: registry.StoredSurvey, answers: dict, store: AppStore) -> dict:
    with pytest.raises(AnswersInvalid) as invalid:
        submit(store, stored=stored, answers=answers, key="malformed", now=NOW)
    return invalid.value.problems


def test_every_malformed_answer_to_every_question_of_every_definition_is_refused_by_name(sqlite_store):
    tried = 0
    for survey in definitions():
        stored = publish(sqlite_store, survey)
        for question in survey.questions:
            for value in corpus.for_question(question):
                problems = refusal(stored, valid_answers(survey) | {question.id: value}, sqlite_store)
                assert list(problems) == [question.id], (survey.slug, question.id, repr(value)[:80])
                code = problems[question.id][0]
                assert f"survey.error.{code}" in CATALOGS["en"] and f"survey.error.{code}" in CATALOGS["zh-CN"]
                tried += 1
        for name in corpus.UNKNOWN_IDS:
            assert refusal(stored, valid_answers(survey) | {name: 5}, sqlite_store) == {str(name): ("unknown", {})}
            tried += 1
        assert submit(sqlite_store, stored=stored, answers=valid_answers(survey), key=survey.slug, now=NOW).outcome
    # Per question: 10 wrong for any type + 10 scale, 6 yes/no, 7 text, 6 choice, 9 multi, 11 matrix;
    # onboarding 106, post-event 109, quarterly-nps 131, every-type 186; and 6 unknown ids each.
    assert tried == 106 + 109 + 131 + 186 + 4 * 6
    assert count(sqlite_store, tables.responses) == 4  # the four well-formed ones, nothing else
    # Their shown long-text answers: onboarding 0 (found help: yes), post-event 1, quarterly-nps 2 (NPS 0:
    # disappointed, anything), every-type 1 (low).
    assert count(sqlite_store, tables.feedback) == 4


@pytest.mark.parametrize("value", ["abc", 3.5, True, [5], {"n": 5}, None], ids=repr)
def test_a_malformed_answer_that_a_condition_depends_on_is_a_validation_error(sqlite_store, value):
    stored = publish(sqlite_store, parse_definition(EVERY_TYPE, where="every-type.yaml"))
    answers = valid_answers(stored.survey) | {"nps": value}
    expected = ("required", {}) if value is None else ("range", {"low": 0, "high": 10})
    assert refusal(stored, answers, sqlite_store) == {"nps": expected}  # not a TypeError from at_most
    assert count(sqlite_store, tables.responses) == 0


@pytest.mark.parametrize(
    "question, value, problem",
    [
        ("low", "slow \ud800", ("text", {})),  # a lone surrogate: was UnicodeEncodeError on writing
        ("via.other", "by \ud800", ("text", {})),  # the Other words of a choice, filed under its question
        ("likes", ["food", "food", "food", "food"], ("choice", {})),  # was stored as a count of 4
        ("miss", "x" * 201, ("too_long", {"limit": 200, "length": 201})),  # hidden (back is yes): still checked
    ],
)
def test_text_and_choices_the_store_cannot_keep_are_refused(sqlite_store, question, value, problem):
    stored = publish(sqlite_store, parse_definition(EVERY_TYPE, where="every-type.yaml"))
    answers = valid_answers(stored.survey) | {"nps": 3, "via": "__other__", "via.other": "By train", question: value}
    assert refusal(stored, answers, sqlite_store) == {question.split(".")[0]: problem}
    assert count(sqlite_store, tables.responses) == 0 and count(sqlite_store, tables.answers) == 0


def test_a_multiple_choice_is_stored_with_each_option_once(sqlite_store):
    stored = publish(sqlite_store, parse_definition(EVERY_TYPE, where="every-type.yaml"))
    answers = valid_answers(stored.survey) | {"likes": ["talks", "food"]}
    assert submit(sqlite_store, stored=stored, answers=answers, key="once", now=NOW).outcome is Outcome.STORED
    row = sqlite_store.run(
        sa.select(tables.answers.c.value_num, tables.answers.c.value_text).where(
            tables.answers.c.question_id == "likes"
        )
    )
    assert row.values.tolist() == [[2.0, '["food", "talks"]']]


# --- the app store down: the member's page ------------------------------------------------------------

INFRASTRUCTURE = ("127.0.0.1", "postgres", "psycopg", "secretuser", "hunter2", "appdb", "OperationalError", "refused")


def closed_port_url() -> tuple[str, int]:
    """A PostgreSQL URL to a port nothing listens on, with a user, password and database to leak."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return f"postgresql+psycopg://secretuser:hunter2@127.0.0.1:{port}/appdb", port


def every_text(at: AppTest) -> str:
    """Everything the page sent to the browser: every element's and widget's protobuf, as text."""
    return "\n".join(str(node.proto) for node in at._tree if getattr(node, "proto", None) is not None)


def assert_no_infrastructure(at: AppTest, port: int) -> None:
    shown = every_text(at)
    assert shown  # the walk saw the page
    assert [word for word in (*INFRASTRUCTURE, str(port)) if word in shown] == []


@pytest.mark.parametrize(
    "lang, message",
    [
        ("en", "The survey cannot be reached right now. Please try again in a minute."),
        ("zh", "暂时无法打开问卷，请一分钟后再试。"),
    ],
)
def test_a_store_that_is_down_shows_the_member_a_plain_message_and_logs_the_details(
    surveys_env, monkeypatch, caplog, lang, message
):
    url, port = closed_port_url()
    monkeypatch.setenv("PULSE_APP_DB_URL", url)
    with caplog.at_level(logging.ERROR, logger="ui.survey_session"):
        at = open_survey(s="quick", lang=lang)
    assert not at.exception
    assert texts(at, "error") == [message]
    assert_no_infrastructure(at, port)
    logged = [record for record in caplog.records if record.name == "ui.survey_session"]
    assert [record.levelname for record in logged] == ["ERROR"]
    assert logged[0].exc_info is not None  # the driver's message and the host are in the log, for the team
    assert "hunter2" not in caplog.text


def test_a_store_that_goes_down_mid_form_keeps_the_answers_and_says_so(surveys_env, monkeypatch):
    at = open_survey(s="quick", lang="zh")
    widget(at, "button_group", "推荐吗").set_value(4)
    at = press(at.run(), "下一页")
    widget(at, "text_area", "Why").input("太慢了")
    widget(at, "radio", "Again").set_value(True)
    at.run()
    url, port = closed_port_url()
    monkeypatch.setenv("PULSE_APP_DB_URL", url)
    at = press(at, "提交")
    assert not at.exception
    assert texts(at, "error") == ["暂时无法连接问卷；你的回答仍在页面上，请一分钟后再点击提交。"]
    assert widget(at, "text_area", "Why").value == "太慢了" and widget(at, "radio", "Again").value is True
    assert_no_infrastructure(at, port)
    monkeypatch.delenv("PULSE_APP_DB_URL")  # back up: the same Submit stores the kept answers once
    at = press(at, "提交")
    assert texts(at, "success") == ["谢谢！你的回答已保存。"]
    assert responses(surveys_env).values.tolist() == [[None, True, "zh"]]


# --- 1,000 submissions by 50 concurrent clients ------------------------------------------------------

SUBMISSIONS, CLIENTS = 1_000, 50


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path, new_postgres_database) -> AppStore:
    url = f"sqlite:///{tmp_path / 'app.db'}" if request.param == "sqlite" else new_postgres_database("concurrent")
    store = AppStore(url)
    store.migrate()
    yield store
    store.dispose()


def test_a_thousand_submissions_by_fifty_clients_with_double_submits_store_once_per_key(any_store):
    """Each of 1,000 keys is sent twice at once by two clients (a double click); every tenth is sent
    a third time later (a retry), and every third was started first (the started row is completed)."""
    stored = publish(any_store, parse_definition(EVERY_TYPE | {"questions": EVERY_TYPE["questions"][:1]}, where="x"))
    keys = [f"member-{n:04d}" for n in range(SUBMISSIONS)]
    for key in keys[::3]:
        start_response(any_store, stored=stored, key=key, locale="en", now=NOW)
    sends = [key for key in keys for _ in range(2)]  # the two sends of a key sit together: they race
    retries = keys[::10]
    random.Random(30).shuffle(retries)
    sends += retries
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def send(key: str) -> None:
        result = submit(any_store, stored=stored, answers={"nps": int(key[-4:]) % 11}, key=key, now=NOW)
        with lock:
            outcomes.append(result.outcome)

    with ThreadPoolExecutor(CLIENTS) as clients:
        list(clients.map(send, sends))
    assert (outcomes.count(Outcome.STORED), outcomes.count(Outcome.ALREADY_STORED)) == (1_000, 1_100)
    responses = tables.responses
    per_key = any_store.run(
        sa.select(responses.c.idempotency_key).group_by(responses.c.idempotency_key).having(sa.func.count() != 1)
    )
    assert per_key.empty
    completed = any_store.run(sa.select(sa.func.count()).where(responses.c.completed == sa.true()))
    assert (count(any_store, responses), completed.iloc[0, 0]) == (1_000, 1_000)
    totals = any_store.run(sa.select(sa.func.count(), sa.func.sum(tables.answers.c.value_num)))
    # nps = n % 11 for n in 0..999: 90 full rounds of 0..10 (sum 55 each) and 0..9 (sum 45)
    assert totals.values.tolist() == [[1_000, 90 * 55 + 45]]
