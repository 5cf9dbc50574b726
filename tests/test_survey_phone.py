"""AppTest: the member's survey form says how to answer, and an answered question loses its error.

What only a browser shows (one row for 0-10, colours, positions, a real double tap) is in
tests/test_browser_survey.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from store import tables
from store.database import AppStore
from surveys import registry

APP = str(Path(__file__).resolve().parent.parent / "app.py")
# One page, every scale type: four without labels (the usual words), one naming its own.
SCALES = {
    "slug": "scales",
    "title": {"en": "Scales", "zh": "量表"},
    "languages": ["en", "zh"],
    "questions": [
        {"id": "nps", "type": "nps", "required": True, "text": {"en": "Recommend us?", "zh": "推荐吗？"}},
        {"id": "csat", "type": "csat", "required": True, "text": {"en": "Satisfied?", "zh": "满意吗？"}},
        {"id": "ces", "type": "ces", "text": {"en": "Easy?", "zh": "容易吗？"}},
        {"id": "rating", "type": "rating", "text": {"en": "Rate the guide", "zh": "给指南打分"}},
        {
            "id": "talks",
            "type": "rating",
            "text": {"en": "Rate the talks", "zh": "给演讲打分"},
            "min_label": {"en": "Dull", "zh": "乏味"},
            "max_label": {"en": "Gripping", "zh": "精彩"},
        },
        {
            "id": "where",
            "type": "multi",
            "text": {"en": "Where do you take part?", "zh": "你在哪些地方参与？"},
            "options": ["forum", "chat"],
        },
    ],
}
REQUIRED = "Please answer this question."
SUMMARY = "Please check the answers marked above."


@pytest.fixture
def scales(configured, tmp_path, monkeypatch) -> AppStore:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "scales.yaml").write_text(json.dumps(SCALES), encoding="utf-8")
    monkeypatch.setenv("PULSE_SURVEYS_DIR", str(folder))
    store = AppStore(f"sqlite:///{configured / 'app.db'}")
    registry.register_folder(store, folder, timezone="UTC", now=datetime(2026, 1, 1))
    yield store
    store.dispose()


def open_form(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update({"s": "scales", **params})
    return at.run()


def scale(at: AppTest, label: str):
    return next(group for group in at.button_group if group.label.startswith(label))


def submit(at: AppTest, label: str = "Submit") -> AppTest:
    return next(button for button in at.button if button.label == label).click().run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


@pytest.mark.parametrize(
    "language, captions",
    [
        (
            "en",
            [
                "Not at all likely",
                "Extremely likely",
                "Very dissatisfied",
                "Very satisfied",
                "Very difficult",
                "Very easy",
                "Very poor",
                "Excellent",
                "Dull",
                "Gripping",
                "Choose all that apply",
            ],
        ),
        (
            "zh",
            [
                "完全不可能",
                "非常可能",
                "非常不满意",
                "非常满意",
                "非常困难",
                "非常容易",
                "非常差",
                "非常好",
                "乏味",
                "精彩",
                "可多选",
            ],
        ),
    ],
    ids=["en", "zh"],
)
def test_every_scale_names_its_ends_and_a_multiple_choice_says_choose_all(scales, language, captions):
    at = open_form(lang=language)
    assert not at.exception
    assert texts(at, "caption") == captions


def test_an_error_goes_as_soon_as_its_question_is_answered(scales):
    at = submit(open_form())
    assert texts(at, "error") == [REQUIRED, REQUIRED, SUMMARY]  # NPS, CSAT, then the summary
    scale(at, "Recommend us").set_value(9)
    at.run()
    assert texts(at, "error") == [REQUIRED, SUMMARY]  # CSAT's
    scale(at, "Satisfied").set_value(4)
    at.run()
    assert texts(at, "error") == []
    at = submit(at)
    assert texts(at, "success") == ["Thank you! Your answers are saved."]


def submitted(store: AppStore) -> list[bool]:
    responses, surveys = tables.responses, tables.surveys
    query = sa.select(responses.c.completed).join(surveys, surveys.c.id == responses.c.survey_id)
    return store.run(query.where(surveys.c.slug == "scales"))["completed"].tolist()


def test_a_second_tap_that_finds_the_answers_stored_thanks_the_member(scales):
    at = open_form()
    scale(at, "Recommend us").set_value(10)
    scale(at, "Satisfied").set_value(5)
    at = submit(at.run())
    assert texts(at, "success") == ["Thank you! Your answers are saved."]
    # A second tap starts a run beside the first; it may find the answers stored before the
    # first run has noted that it is done.
    del at.session_state["survey_done"]
    at.run()
    assert texts(at, "success") == ["Thank you! Your answers are saved."]
    assert submitted(scales) == [True]

    assert "k" not in at.query_params  # the key stays in the tab (a refresh there: tests/test_browser_survey_key.py)
    elsewhere = open_form()  # another browser at the same address: a form of its own
    assert texts(elsewhere, "success") == []
    assert submitted(scales) == [True]
