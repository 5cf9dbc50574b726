"""AppTest: the member's survey page in every state, and the managers' surveys page."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from catalog.spoken import speaking
from store import tables
from store.database import AppStore
from surveys import links, registry
from surveys.definition import answer_labels, load_definition, text_in
from surveys.links import Audience
from surveys.submission import submit
from tests import seeded
from ui import survey_views

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TEXT_ANSWERS = ("short_text", "long_text", "other")  # what members wrote, the text of an "other" choice too
SHIPPED = Path(__file__).resolve().parent.parent / "surveys"
QUICK = {
    "slug": "quick",
    "title": {"en": "Quick poll", "zh": "快速调查"},
    "languages": ["en", "zh"],
    "pages": [
        {
            "questions": [
                {"id": "nps", "type": "nps", "required": True, "text": {"en": "Recommend us?", "zh": "推荐吗？"}}
            ]
        },
        {
            "questions": [
                {"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "nps", "at_most": 6}},
                {"id": "again", "type": "yes_no", "required": True, "text": "Again?"},
            ]
        },
    ],
}


def write(folder: Path, definition: dict) -> None:
    (folder / f"{definition['slug']}.yaml").write_text(json.dumps(definition), encoding="utf-8")


@pytest.fixture
def surveys_env(configured, tmp_path, monkeypatch) -> AppStore:
    """The fixture community, plus a folder of definitions the app publishes itself."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    write(folder, QUICK)
    write(folder, {**QUICK, "slug": "later", "opens_at": "2099-01-01"})
    write(folder, {**QUICK, "slug": "full", "response_limit": 1})
    write(folder, {**QUICK, "slug": "shut"})
    write(folder, {**QUICK, "slug": "twin", "title": "Twin poll", "campaign": "meetup"})
    monkeypatch.setenv("PULSE_SURVEYS_DIR", str(folder))
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    registry.register_folder(store, folder, timezone="UTC", now=datetime(2026, 1, 1))
    registry.set_status(store, "shut", "closed")
    full = registry.load_survey(store, "full")
    with store.begin() as connection:
        connection.execute(
            tables.responses.insert().values(
                survey_id=full.id, completed=True, idempotency_key="taken", submitted_at=datetime(2026, 1, 2)
            )
        )
    yield store
    store.dispose()


def open_survey(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def survey_page(slug: str, **params: str) -> AppTest:
    """The Surveys page with the survey `slug` open (and `params` in its address)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/surveys.py")
    at.query_params.update({"survey": slug, **params})
    return at.run()


def responses(store: AppStore, slug: str = "quick") -> pd.DataFrame:
    return store.run(
        sa.select(tables.responses.c.member_id, tables.responses.c.completed, tables.responses.c.locale)
        .join(tables.surveys, tables.surveys.c.id == tables.responses.c.survey_id)
        .where(tables.surveys.c.slug == slug)
    )


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def widget(at: AppTest, kind: str, label: str):
    return next(element for element in getattr(at, kind) if label in element.label)


def press(at: AppTest, label: str) -> AppTest:
    return next(button for button in at.button if button.label == label).click().run()


@pytest.mark.parametrize(
    "params, kind, message",
    [
        ({"s": "nope"}, "warning", "This survey does not exist."),
        ({"s": ""}, "warning", "This survey does not exist."),
        ({"s": "later"}, "info", "This survey opens on 1 Jan 2099, 00:00 UTC."),
        ({"s": "later", "lang": "zh"}, "info", "问卷将于 2099年1月1日 00:00 UTC 开放，请届时再来。"),
        (
            {"s": "later", "lang": "zh-TW"},
            "info",
            "问卷将于 2099年1月1日 00:00 UTC 开放，请届时再来。",
        ),  # no 繁體 texts
        ({"s": "nope", "lang": "zh-TW"}, "warning", "找不到這份問卷。請檢查你收到的連結。"),
        ({"s": "shut"}, "info", "This survey is closed."),
        ({"s": "full"}, "info", "This survey has received all the answers it needs."),
        ({"s": "quick", "t": "not-a-real-token"}, "warning", "This personal link is not valid for this survey."),
    ],
)
def test_the_member_page_explains_why_it_cannot_take_answers(surveys_env, params, kind, message):
    at = open_survey(**params)
    assert not at.exception
    assert any(text.startswith(message) for text in texts(at, kind)), texts(at, kind)
    assert not at.button and not at.radio  # no form


def test_the_member_page_shows_only_the_survey(surveys_env):
    at = open_survey(s="quick")
    assert not at.exception
    assert texts(at, "title") == ["Quick poll"]
    assert len(at.sidebar) == 0  # no navigation, no filters


def test_a_member_fills_in_two_pages_and_submits_once(surveys_env):
    at = open_survey(s="quick")
    at = press(at, "Next")  # the required NPS is missing
    assert "Please answer this question." in texts(at, "error")
    widget(at, "button_group", "Recommend us").set_value(3)
    at = press(at.run(), "Next")
    assert texts(at, "caption")[0] == "Page 2 of 2"
    assert widget(at, "text_area", "Why").label  # a detractor is asked why
    widget(at, "text_area", "Why").input("Slow <b>answers</b>")
    at = press(at.run(), "Back")
    assert widget(at, "button_group", "Recommend us").value == 3  # kept
    at = press(at, "Next")
    assert widget(at, "text_area", "Why").value == "Slow <b>answers</b>"
    at = press(at, "Submit")
    assert "Please answer this question." in texts(at, "error")  # "Again?" is required
    widget(at, "radio", "Again").set_value(False)
    at = press(at.run(), "Submit")
    assert texts(at, "success") == ["Thank you! Your answers are saved."]
    stored = responses(surveys_env)
    assert stored[["member_id", "completed"]].values.tolist() == [[None, True]]
    feedback = surveys_env.run(
        sa.select(tables.feedback.c.text, tables.feedback.c.score).where(tables.feedback.c.source == "survey")
    )
    assert feedback.values.tolist() == [["Slow <b>answers</b>", 3.0]]

    assert "k" not in at.query_params  # the form's key never travels in the address
    forwarded = open_survey(s="quick", k="key-of-an-older-address")  # another browser: a form of its own
    assert texts(forwarded, "success") == [] and texts(forwarded, "title") == ["Quick poll"]
    assert "k" not in forwarded.query_params
    assert len(responses(surveys_env)) == 1


def test_a_personal_link_records_the_member_and_is_refused_the_second_time(surveys_env):
    stored = registry.load_survey(surveys_env, "quick")
    made = links.create_links(
        surveys_env,
        survey_id=stored.id,
        slug="quick",
        members=pd.DataFrame({"member_id": ["alice"], "name": ["Alice"], "email": [None]}),
        audience=Audience("segment", "dev"),
        base_url="http://localhost",
        now=datetime(2026, 1, 1),
    )
    token = made["link"].iloc[0].split("t=")[1]
    at = open_survey(s="quick", t=token, lang="zh")
    assert texts(at, "title") == ["快速调查"]
    widget(at, "button_group", "推荐吗").set_value(10)
    at = press(at.run(), "下一页")
    widget(at, "radio", "Again").set_value(True)
    at = press(at.run(), "提交")
    assert texts(at, "success") == ["谢谢！你的回答已保存。"]
    assert responses(surveys_env).values.tolist() == [["alice", True, "zh"]]
    again = open_survey(s="quick", t=token)
    assert texts(again, "warning") == [
        "This personal link has already been used to answer. Each link can be used once."
    ]


TRIO = {  # in English, 简体中文 (as `zh`, the code older files use) and 繁體中文
    **QUICK,
    "slug": "trio",
    "title": {"en": "Quick poll", "zh": "快速调查", "zh-TW": "快速調查"},
    "languages": ["en", "zh", "zh-TW"],
    "pages": [
        {
            "questions": [
                {
                    "id": "nps",
                    "type": "nps",
                    "required": True,
                    "text": {"en": "Recommend us?", "zh": "推荐吗？", "zh-TW": "推薦嗎？"},
                }
            ]
        },
        {
            "questions": [
                {"id": "again", "type": "yes_no", "required": True, "text": {"en": "Again?", "zh": "还来吗？"}}
            ]
        },
    ],
}


def open_trio(surveys_env: AppStore, tmp_path: Path, locale: str | None = None, **params: str) -> AppTest:
    write(tmp_path / "definitions", TRIO)
    registry.register_folder(surveys_env, tmp_path / "definitions", timezone="UTC", now=datetime(2026, 1, 1))
    at = AppTest.from_file(APP, default_timeout=30)
    at.context = {"locale": locale}
    for name, value in {"s": "trio", **params}.items():
        at.query_params[name] = value
    return at.run()


@pytest.mark.parametrize(
    "locale, params",
    [(None, {"lang": "zh-TW"}), ("zh-TW", {}), ("zh-HK", {}), ("en-US", {"lang": "zh-TW"})],
    ids=["lang=zh-TW", "browser zh-TW", "browser zh-HK", "lang over browser"],
)
def test_a_taiwanese_member_reads_the_survey_and_its_buttons_in_traditional_chinese(
    surveys_env, tmp_path, locale, params
):
    at = open_trio(surveys_env, tmp_path, locale, **params)
    assert texts(at, "title") == ["快速調查"]
    assert texts(at, "caption")[0] == "第 1 頁，共 2 頁"
    switch = at.button_group[0]
    assert switch.value == "zh-TW" and [switch.format_func(code) for code in switch.options] == [
        "English",
        "简体中文",
        "繁體中文",
    ]
    assert at.query_params["lang"] == "zh-TW"
    at = press(at, "下一頁")
    assert texts(at, "error") == ["請回答這個問題。", "請檢查上面標出的回答。"] and texts(at, "title") == ["快速調查"]
    widget(at, "button_group", "推薦嗎").set_value(10)
    at = press(at.run(), "下一頁")
    assert widget(at, "radio", "还来吗").label == "还来吗？（必答）"  # its text lacks 繁體: the Simplified
    widget(at, "radio", "还来吗").set_value(True)
    at = press(at.run(), "送出")
    assert texts(at, "success") == ["謝謝！你的回答已儲存。"]
    assert responses(surveys_env, "trio")["locale"].tolist() == ["zh-TW"]


@pytest.mark.parametrize("locale, params", [(None, {"lang": "zh"}), ("zh-TW", {"lang": "zh"}), ("zh-SG", {})])
def test_an_older_lang_zh_link_and_a_simplified_browser_read_simplified_chinese(surveys_env, tmp_path, locale, params):
    at = open_trio(surveys_env, tmp_path, locale, **params)
    assert texts(at, "title") == ["快速调查"] and texts(at, "caption")[0] == "第 1 页，共 2 页"
    assert at.button_group[0].value == "zh"
    assert [button.label for button in at.button] == ["下一页"]


def test_a_survey_without_traditional_chinese_is_shown_simplified_to_a_taiwanese_browser(surveys_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.context = {"locale": "zh-TW"}
    at.query_params["s"] = "quick"
    at = at.run()
    assert texts(at, "title") == ["快速调查"] and [button.label for button in at.button] == ["下一页"]


def test_a_store_failure_keeps_the_answers_on_screen_and_a_retry_stores_once(surveys_env):
    at = open_survey(s="quick")
    widget(at, "button_group", "Recommend us").set_value(9)
    at = press(at.run(), "Next")
    widget(at, "radio", "Again").set_value(True)
    at.run()
    with surveys_env.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER fail BEFORE INSERT ON answers BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    at = press(at, "Submit")
    assert not at.exception
    assert texts(at, "error") == [
        "Your answers could not be saved just now because the database did not respond. "
        "Your answers are still here. Press Submit again to retry."
    ]
    assert widget(at, "radio", "Again").value is True
    assert responses(surveys_env)["completed"].tolist() == [False]  # started, nothing half-written
    with surveys_env.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER fail")
    at = press(at, "Submit")
    assert texts(at, "success") == ["Thank you! Your answers are saved."]
    assert responses(surveys_env)["completed"].tolist() == [True]


def test_the_surveys_page_lists_surveys_and_opens_one(surveys_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/surveys.py").run()
    assert not at.exception
    assert texts(at, "info") == ["Select a survey in the table to see its results, links and settings."]
    table = next(frame.value for frame in at.dataframe if "state" in frame.value.columns)
    assert table.columns[:3].tolist() == ["title", "state", "completed"]  # what a phone shows first
    assert table.set_index("slug")["state"].to_dict() == {
        "pulse": "Open",  # the fixture's two surveys (tests/conftest.py)
        "post-meetup": "Open",
        "quick": "Open",  # and the folder's five
        "later": "Not yet open",
        "full": "Response limit reached",
        "shut": "Closed",
        "twin": "Open",
    }
    # twin is the fixture's meetup's survey: named as the campaign is, its id kept in the download.
    assert table.set_index("slug")["campaign_id"].to_dict()["twin"] == "Spring meetup"
    # the survey answered last first, those without answers after
    answered = table["last_response"].notna()
    assert answered.any() and not answered.all() and answered.tolist() == sorted(answered, reverse=True)
    last = pd.to_datetime(table.loc[answered, "last_response"])
    assert last.is_monotonic_decreasing
    at.query_params["survey"] = "quick"
    at.run()
    assert not at.exception
    assert "Quick poll" in texts(at, "header")
    press(at, "Close survey")
    assert registry.load_survey(surveys_env, "quick").status == "closed"
    assert "Reopen survey" in [button.label for button in at.button]


def test_a_survey_whose_stored_definition_no_longer_reads_is_named_not_left_blank(surveys_env):
    with surveys_env.begin() as connection:  # as if an older release had written rules this one rejects
        connection.execute(
            tables.surveys.update().where(tables.surveys.c.slug == "twin").values(definition={"slug": "twin"})
        )
    at = survey_page("twin")
    assert not at.exception
    assert texts(at, "error") == [
        "The survey twin has no readable definition in the store: it was deleted meanwhile, or an older release of "
        "Community Pulse wrote it. Publish it again on the Surveys page, or choose another."
    ]


def test_the_surveys_page_names_a_survey_its_languages_and_opening_in_chinese(surveys_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "zh-CN"
    with speaking("zh-CN"):  # AppTest writes the widgets' values back in this thread's language
        at.run()
        at.switch_page("pages/surveys.py")
        at.query_params.update({"survey": "later", "lang": "zh-CN"})
        at.run()
    assert not at.exception
    assert "快速调查" in texts(at, "header")
    listed = next(frame.value for frame in at.dataframe if "state" in frame.value.columns).set_index("slug")
    assert (
        listed.loc["quick", "title"] == "快速调查" and listed.loc["twin", "title"] == "Twin poll"
    )  # twin: English only
    facts = next(frame.value for frame in at.dataframe if "设置项" in frame.value.columns).set_index("设置项")["值"]
    assert facts["语言"] == "英语、简体中文" and facts["开放时间"] == "2099年1月1日 00:00"


def test_the_surveys_page_makes_personal_links_for_a_segment(surveys_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/surveys.py")
    at.query_params["survey"] = "quick"
    at.run()
    widget(at, "selectbox", "Segment to invite").set_value("dev")
    at = press(at.run(), "Create links")
    assert not at.exception
    assert texts(at, "success")[0].startswith("5 personal links for segment\\: dev.")
    made = next(frame.value for frame in at.dataframe if "link" in frame.value.columns)
    assert sorted(made["member_id"]) == ["alice", "bob", "dave", "erin", "frank"]
    assert made["link"].str.startswith("http://localhost:8501/survey?s=quick&t=").all()


def test_the_surveys_page_shows_results_of_the_demo(demo_data_dir, pulse_env):
    pulse_env(demo_data_dir)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/surveys.py")
    at.query_params["survey"] = "quarterly-nps"
    at.query_params["period"] = "last_365_days"
    at.run()
    assert not at.exception
    tiles = {metric.label: metric.value for metric in at.metric}
    assert set(tiles) == {"Responses", "NPS", "CSAT", "CES"}
    answered = seeded.completed_responses(demo_data_dir, "quarterly-nps", days=365)
    team = seeded.warehouse(demo_data_dir)["members"].query("is_team")["member_id"]
    assert tiles["Responses"] == f"{(~answered['member_id'].isin(team)).sum():,}"  # the team's answers not counted
    assert "±" in tiles["NPS"]
    assert tiles["CES"] == "–"  # the quarterly survey asks no effort question
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 + 4  # weekly NPS, then nps, csat, channels, statements (text questions have none)
    written = next(frame.value for frame in at.dataframe if "text" in frame.value.columns)
    answers = seeded.app_store(demo_data_dir, "answers")
    text = answers[answers["response_id"].isin(answered["id"]) & answers["question_type"].isin(TEXT_ANSWERS)]
    # each beside its question's words, never its id ("disappointed"); "Other" words beside their question's
    survey = load_definition(Path(APP).parent / "surveys" / "quarterly-nps.yaml")
    asked = {question.id: text_in(question.text, "en") for question in survey.questions}
    asked["channels.other"] = answer_labels(survey, "en")["channels.other"]  # as the member lookup labels answers
    assert sorted(written["question_id"]) == sorted(text["question_id"].map(asked))  # every one, the team's too
    assert not set(written["question_id"]) & set(text["question_id"])  # no id shown
    counted = text[~text["response_id"].isin(answered.loc[answered["member_id"].isin(team), "id"])]
    per_question = counted[counted["question_type"] != "other"].groupby("question_id").size()
    said = sorted(caption.value for caption in at.caption if caption.value.startswith("Written answers: "))
    assert said == sorted(
        f"Written answers: {n} (listed below for those allowed to read them)." for n in per_question
    )  # one per text question, the team's answers not counted


def test_the_survey_list_hides_columns_of_what_no_survey_uses_and_the_version_until_one_is_edited():
    table = pd.DataFrame(
        {
            "slug": ["a", "b"],
            "invitations": [0, 0],  # no personal link sent: its response rate is a dash too
            "response_rate": [None, None],
            "opens_at": [pd.NaT, pd.Timestamp("2026-12-01")],
            "closes_at": [pd.NaT, pd.NaT],
            "campaign_id": [None, "c1"],
            "response_limit": [None, None],
            "version": [1, 1],  # nobody edited a survey since it was published
        }
    )
    columns = {name: f"config of {name}" for name in table.columns}
    shown = survey_views.shown_columns(table, columns)
    assert {name for name, config in shown.items() if config is None} == {
        "invitations",
        "response_rate",
        "closes_at",
        "response_limit",
        "version",
    }
    assert shown["opens_at"] == "config of opens_at" and list(shown) == list(columns)  # in the same order
    sent = survey_views.shown_columns(
        table.assign(invitations=[0, 3], response_rate=[None, 0.5], version=[1, 2]), columns
    )
    assert sent["invitations"] == "config of invitations" and sent["response_rate"] == "config of response_rate"
    assert sent["version"] == "config of version"  # one survey edited: every survey's version tells


def test_a_survey_answered_since_moves_up_and_the_one_open_stays_open(surveys_env):
    """The list puts the survey answered last first, and a selection is kept by row: a survey
    answered while a manager reads another moves up, and the page keeps the survey they opened
    rather than opening whichever now sits in the selected row."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/surveys.py").run()
    table = next(frame.value for frame in at.dataframe if "state" in frame.value.columns)
    at.session_state[survey_views.list_key(table)] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    opened = table["slug"].iloc[0]
    assert at.query_params["survey"] == opened and not at.exception
    later = table["slug"].iloc[-1]  # not answered yet: now the one answered last
    with surveys_env.begin() as connection:
        connection.execute(
            tables.responses.insert().values(
                survey_id=registry.load_survey(surveys_env, later).id,
                member_id="m1",
                submitted_at=datetime(2099, 1, 1),
                completed=True,
                idempotency_key="answered-since",
            )
        )
    at.run()
    table = next(frame.value for frame in at.dataframe if "state" in frame.value.columns)
    assert table["slug"].iloc[0] == later
    assert at.query_params["survey"] == opened and not at.exception


def test_a_survey_answered_before_the_period_says_when_and_shows_those_days(surveys_env, monkeypatch):
    # A survey that ran in spring, opened at the last 28 days, looked as if nobody had answered it.
    monkeypatch.setenv("PULSE_TIMEZONE", "Asia/Shanghai")  # 20:00 UTC on 20 April is the 21st there
    quick = registry.load_survey(surveys_env, "quick")
    for key, moment in (("spring", datetime(2026, 3, 2, 9)), ("later", datetime(2026, 4, 20, 20))):
        submit(surveys_env, stored=quick, answers={"nps": 9, "again": True}, key=key, now=moment)
    at = survey_page("quick")
    assert not at.exception
    (said,) = [text for text in texts(at, "info") if text.startswith("No completed responses")]
    assert said.endswith(" Its latest completed response came on 21 Apr 2026.")
    at = press(at, "Show every response (2 Mar 2026 – 21 Apr 2026)")
    assert not at.exception
    assert (at.query_params["period"], at.query_params["start"], at.query_params["end"]) == (
        "custom",
        "2026-03-02",
        "2026-04-22",  # the address's end is the day after the last
    )
    assert {metric.label: metric.value for metric in at.metric}["Responses"] == "2"


def test_under_a_member_filter_an_empty_period_offers_no_days_it_cannot_vouch_for(surveys_env):
    # The responses' days know nothing of segments: under one, the button brought back the same page.
    quick = registry.load_survey(surveys_env, "quick")
    submit(surveys_env, stored=quick, answers={"nps": 9, "again": True}, key="spring", now=datetime(2026, 3, 2, 9))
    at = survey_page("quick", segment="dev")
    assert not at.exception
    (said,) = [text for text in texts(at, "info") if text.startswith("No completed responses")]
    assert "latest" not in said
    assert not [button for button in at.button if button.label.startswith("Show every response")]
