"""Surveys in languages beyond English and Chinese (issue 24, item 7): the language of a written
answer is told from its script, its function words and the language it was given in; text in a
language without a sentiment model is "not scored" (None), never scored as English; a Spanish
Google Form is stored as Spanish."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data_sources.files import read_export
from data_sources.validate import Parsing
from feedback.intake import NewFeedback, enrichment, record, rescore
from feedback.sentiment import has_model, label_of, language_of, sentiment_of
from store import tables
from store.database import AppStore
from surveys import registry
from surveys.definition import parse_definition
from surveys.forms_import import import_responses, language_note, read_responses
from surveys.submission import Outcome, submit
from tests.conftest import migrated_store

NOW = datetime(2026, 3, 10, 12)
FIXTURES = Path(__file__).resolve().parent / "data" / "imports"


@pytest.mark.parametrize(
    ("text", "declared", "language"),
    [
        ("El evento fue muy bueno, pero la comida llegó tarde.", None, "es"),  # five Spanish function words
        ("Muito bom, obrigado pelo evento", None, "pt"),
        ("C'est trop bien, merci", None, "fr"),
        ("Das ist nicht gut", None, "de"),
        ("Genial", "es", "es"),  # the text cannot tell: the survey's language
        ("Genial", None, "en"),  # nothing tells otherwise: English, as before
        ("The venue was too small for us", "es", "en"),  # a Spanish survey answered in English
        ("El evento fue muy bueno", "en", "es"),  # an English survey answered in Spanish
        ("活动很好", "es", "zh"),  # Han script: Chinese whatever the survey's language
        ("今日はとても楽しかったです", None, "ja"),  # kana: Japanese, not Chinese for its Han
        ("정말 좋았어요", None, "ko"),
        ("Очень хорошо", "ru", "ru"),
        ("Очень хорошо", None, "und"),  # Cyrillic writes many languages: undetermined
        ("Hello", "es-MX", "es"),  # a region's code: its language
        ("I asked for help twice and nobody replied.", "en", "en"),
        ("I asked for help twice and nobody replied.", None, "en"),
    ],
)
def test_a_texts_language_comes_from_its_script_its_words_and_its_survey(text, declared, language):
    assert language_of(text, declared) == language


def test_text_in_a_language_without_a_model_is_not_scored_never_as_english():
    # VADER reads "Genial" and "fatal" as English words (positive, negative): scored as English they
    # would count; in Spanish neither is scored.
    assert label_of(sentiment_of("Genial", "en")) == "positive"
    assert label_of(sentiment_of("Todo fatal, no me gusta nada", "en")) == "negative"
    assert sentiment_of("Genial", language_of("Genial", "es")) is None
    assert sentiment_of("Todo fatal, no me gusta nada", language_of("Todo fatal, no me gusta nada")) is None
    assert [has_model(code) for code in ("en", "en-GB", "zh-TW", "zh", "es", "ja", "und")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    spanish = enrichment("Genial", "es")
    assert (spanish.language, spanish.sentiment, label_of(spanish.sentiment)) == ("es", None, None)
    english = enrichment("Genial")
    assert (english.language, label_of(english.sentiment)) == ("en", "positive")  # cached apart from it


@pytest.fixture
def store(tmp_path):
    app_store = migrated_store(tmp_path / "app.db")
    yield app_store
    app_store.dispose()


def feedback_rows(store: AppStore) -> list[tuple]:
    feedback = tables.feedback
    query = sa.select(feedback.c.text, feedback.c.language, feedback.c.sentiment).order_by(feedback.c.id)
    frame = store.run(query)
    return [
        (text, language, None if pd.isna(sentiment) else sentiment)  # not scored: NULL, None here
        for text, language, sentiment in zip(frame["text"], frame["language"], frame["sentiment"], strict=True)
    ]


def test_an_item_keeps_its_declared_language_when_rescored(store):
    record(store, NewFeedback(source="manual", text="Genial", created_at=NOW, language="es"), actor="a", now=NOW)
    assert feedback_rows(store) == [("Genial", "es", None)]
    # rescoring reads a manual item's text alone (only a survey answer keeps its language: its response's)
    assert rescore(store) == 1
    text, language, sentiment = feedback_rows(store)[0]
    assert (text, language, label_of(sentiment)) == ("Genial", "en", "positive")


BILINGUAL = {
    "slug": "meetup",
    "title": {"en": "Meetup", "es": "Encuentro"},
    "languages": ["en", "es"],
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "text": {
                "en": "How likely are you to recommend us?",
                "es": "¿Qué probabilidad hay de que nos recomiendes?",
            },
        },
        {
            "id": "why",
            "type": "long_text",
            "feedback": True,
            "text": {"en": "What should we change?", "es": "¿Qué deberíamos cambiar?"},
        },
    ],
}


@pytest.fixture
def bilingual(store):
    registry.register(store, parse_definition(BILINGUAL, where="meetup.yaml"), timezone="UTC", now=NOW)
    return registry.load_survey(store, "meetup")


def test_a_web_answer_is_scored_in_the_language_the_member_read_the_survey_in(store, bilingual):
    for key, locale, text in [("k1", "es", "Genial"), ("k2", "en", "Great meetup, thank you!")]:
        result = submit(store, stored=bilingual, answers={"nps": 9, "why": text}, key=key, locale=locale, now=NOW)
        assert result.outcome is Outcome.STORED
    (spanish, es, none), (english, en, score) = feedback_rows(store)
    assert (spanish, es, none) == ("Genial", "es", None)
    assert (english, en, label_of(score)) == ("Great meetup, thank you!", "en", "positive")
    assert rescore(store) == 0  # a survey answer is rescored in its response's language: unchanged


def test_a_spanish_google_form_is_stored_as_spanish_and_its_answers_are_not_scored(store, bilingual, duckdb_warehouse):
    raw = read_export(FIXTURES / "forms_spanish.csv", name="responses")
    parsing = Parsing(timezone="Europe/Madrid", day_first=True)  # a Spanish form writes 5/3 for 5 March
    parsed = read_responses(raw, survey=bilingual.survey, explicit={}, parsing=parsing)
    assert parsed.language == "es" and not parsed.problems
    assert language_note("es") == (
        "The form is in Spanish: its responses are stored in it, and their written answers are not scored for "
        "sentiment (there is a model for English and Chinese only)."
    )
    assert language_note("es").text("zh-TW").startswith("表單語言為西班牙文：")
    result = import_responses(store, duckdb_warehouse, stored=bilingual, raw=raw, parsing=parsing, now=NOW)
    assert (result.added, result.language) == (3, "es")
    locales = store.run(sa.select(tables.responses.c.locale))["locale"].tolist()
    assert locales == ["es", "es", "es"]
    rows = feedback_rows(store)
    assert [(language, sentiment) for _, language, sentiment in rows] == [
        ("es", None),
        ("es", None),
        ("en", rows[2][2]),
    ]
    assert label_of(rows[2][2]) == "negative"  # "The talks were too long and boring": English, scored
    assert rows[0][0] == "Genial, pero la comida llegó tarde"


def test_an_english_form_of_the_same_survey_is_stored_as_english(store, bilingual, duckdb_warehouse, tmp_path):
    path = tmp_path / "Meetup (Responses).csv"
    path.write_text(
        "Timestamp,How likely are you to recommend us?,What should we change?\n3/5/2026 14:03:22,9,Nothing\n"
    )
    raw = read_export(path, name="responses")
    result = import_responses(store, duckdb_warehouse, stored=bilingual, raw=raw, parsing=Parsing(), now=NOW)
    assert result.language == "en"
    assert store.run(sa.select(tables.responses.c.locale))["locale"].tolist() == ["en"]


def test_a_form_imported_before_its_survey_had_spanish_is_rescored_when_imported_again(store, duckdb_warehouse):
    spanish_only = {**BILINGUAL, "languages": ["en"], "title": "Meetup"}
    spanish_only["questions"] = [
        {**question, "text": question["text"]["es"]} for question in BILINGUAL["questions"]
    ]  # the survey's texts are the form's Spanish, declared as English by mistake
    registry.register(store, parse_definition(spanish_only, where="meetup.yaml"), timezone="UTC", now=NOW)
    raw = read_export(FIXTURES / "forms_spanish.csv", name="responses")
    first = import_responses(
        store,
        duckdb_warehouse,
        stored=registry.load_survey(store, "meetup"),
        raw=raw,
        parsing=Parsing(day_first=True),
        now=NOW,
    )
    assert first.language == "en"
    # "Genial, pero …" has two Spanish function words: Spanish, not scored, even in an "English" survey
    assert [language for _, language, _ in feedback_rows(store)] == ["es", "es", "en"]
    with_spanish = {**spanish_only, "languages": ["es"], "title": {"es": "Encuentro"}}
    registry.register(store, parse_definition(with_spanish, where="meetup.yaml"), timezone="UTC", now=NOW)
    again = import_responses(
        store,
        duckdb_warehouse,
        stored=registry.load_survey(store, "meetup"),
        raw=raw,
        parsing=Parsing(day_first=True),
        now=NOW,
    )
    assert (again.language, again.added, again.updated) == ("es", 0, 3)  # the same responses, now Spanish
    assert store.run(sa.select(tables.responses.c.locale))["locale"].tolist() == ["es", "es", "es"]
    assert len(feedback_rows(store)) == 3  # updated, not added again


TAIWAN = {
    "slug": "meetup",
    "title": {"en": "Meetup", "zh-TW": "聚會"},
    "languages": ["en", "zh-TW"],
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "text": {"en": "How likely are you to recommend us?", "zh-TW": "您有多大可能推薦我們？"},
        },
        {
            "id": "why",
            "type": "long_text",
            "feedback": True,
            "text": {"en": "What should we change?", "zh-TW": "我們應該改進什麼？"},
        },
    ],
}


def test_a_google_form_from_a_taiwanese_account_is_stored_as_traditional_chinese(store, duckdb_warehouse):
    """Its headers are the survey's 繁體中文 texts (時間戳記, 電子郵件地址), its times say 上午 / 下午 (a.m.
    / p.m.), one row holds only a timestamp; its written answers are scored by the Chinese model."""
    registry.register(store, parse_definition(TAIWAN, where="meetup.yaml"), timezone="UTC", now=NOW)
    raw = read_export(FIXTURES / "forms_traditional.csv", name="responses")
    result = import_responses(
        store,
        duckdb_warehouse,
        stored=registry.load_survey(store, "meetup"),
        raw=raw,
        parsing=Parsing(timezone="Asia/Taipei"),
        now=NOW,
    )
    assert (result.language, result.added, result.empty) == ("zh-TW", 2, 1)
    responses = store.run(sa.select(tables.responses.c.submitted_at, tables.responses.c.locale))
    assert [
        (str(when), locale) for when, locale in zip(responses["submitted_at"], responses["locale"], strict=True)
    ] == [
        ("2026-03-05 06:03:22", "zh-TW"),  # 下午 2:03:22 in Taipei (UTC+8)
        ("2026-03-06 01:00:00", "zh-TW"),  # 上午 9:00:00
    ]
    rows = feedback_rows(store)
    assert [(text, language, label_of(score)) for text, language, score in rows] == [
        ("直播一直卡，很失望。", "zh", "negative"),
        ("講得很好，下次還來！", "zh", "positive"),
    ]
