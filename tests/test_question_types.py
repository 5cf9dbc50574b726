"""Question types are one registry (surveys/question_types.py): every type has every behaviour, the
docs list exactly the registered types, and a new type is one entry in TYPES, which the whole
engine (definition, answer check, storage, Forms import, results, write-back, demo) then serves."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from catalog import CATALOGS
from data_sources.errors import InvalidData
from data_sources.files import read_csv_table
from data_sources.validate import Parsing
from metrics import survey_results
from metrics.filters import Filters
from surveys import question_types, registry
from surveys.answers import answer_rows, check_survey
from surveys.definition import DefinitionError, Question, parse_definition
from surveys.forms_import import import_responses, parse_responses
from surveys.question_types import TYPES, AnswerRow, ScaleType, answer_cell
from surveys.submission import Outcome, submit
from surveys.write_back import header, push_pending
from tests.conftest import migrated_store
from tests.sheets_server import local_client, sheets_server
from ui import survey_form

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 10, 12)
WEEK = Filters(start=date(2026, 3, 9), end=date(2026, 3, 16))
FIELDS: dict[str, dict[str, Any]] = {  # what a minimal definition of each family needs
    "choice": {"options": [{"id": "a", "label": "Apples"}, {"id": "b", "label": "Bread, butter"}], "other": True},
    "matrix": {"rows": [{"id": "r1", "label": "Clear"}, {"id": "r2", "label": "Useful"}]},
}
WORDS = "Some words, written"


def one_question(name: str) -> Question:
    raw = {"id": "q", "type": name, "text": "Q?", **FIELDS.get(TYPES[name].result, {})}
    return parse_definition({"slug": "s", "title": "S", "questions": [raw]}, where="s.yaml").questions[0]


def test_the_families_are_drawn_and_counted_by_the_layers_above():
    assert set(survey_form.WIDGETS) == set(question_types.WIDGETS)
    assert set(survey_results.RESULTS) == set(question_types.RESULTS)


SAMPLES: dict[str, tuple[Any, dict[str, Any]]] = {  # type: an answer, and its cells in the write-back sheet
    "nps": (9, {"q": 9}),
    "rating": (4, {"q": 4}),
    "csat": (1, {"q": 1}),
    "ces": (6, {"q": 6}),
    "choice": ("b", {"q": "Bread, butter"}),
    "multi": (["a", "b"], {"q": "Apples, Bread, butter"}),
    "yes_no": (False, {"q": "No"}),
    "short_text": (WORDS, {"q": WORDS}),
    "long_text": (WORDS, {"q": WORDS}),
    "matrix": ({"r1": 2, "r2": 5}, {"q.r1": 2, "q.r2": 5}),
}


@pytest.mark.parametrize("name", list(TYPES))
def test_every_type_checks_stores_shows_reads_counts_and_makes_demo_answers(name):
    """An answer is checked and stored as rows; the rows shown in the sheet and read back as Forms
    cells give the same answer; they count in its results; a demo answer is a valid one; its widget
    and result family exist."""
    kind, question = TYPES[name], one_question(name)
    answer, sheet = SAMPLES[name]
    assert kind.name == name and kind.widget in survey_form.WIDGETS and kind.result in survey_results.RESULTS
    assert kind.check(question, answer) is None
    assert kind.check(question, object()) is not None
    rows = kind.rows(question, answer, {question.id: answer})
    assert {row.question_type for row in rows} == {name}
    cells = {row.question_id: kind.cell(question, row.question_id, row.value_num, row.value_text, "en") for row in rows}
    assert cells == sheet and list(sheet) == kind.columns(question)
    read: dict[str, Any] = {}
    for column, cell in cells.items():
        kind.read_cell(question, str(cell), read, row=column.split(".", 1)[1] if kind.grid else None)
    assert read == {question.id: answer}
    counts = pd.DataFrame([{**row.__dict__, "member_id": None, "answers": 1} for row in rows])
    result = survey_results.question_result(question, counts)
    assert int(result["answers"].sum()) == (len(answer) if isinstance(answer, list | dict) else 1)
    demo = kind.demo_answer(question, 9.0, np.random.default_rng(1))
    if kind.free_text:
        assert demo is None  # the demo writes texts itself, from the respondent's mood
    else:
        assert kind.check(question, demo) is None


CHANNELS = {
    "slug": "channels",
    "title": "Channels",
    "languages": ["en", "zh", "zh-TW"],
    "questions": [
        {
            "id": "where",
            "type": "multi",
            "other": True,
            "text": {"en": "Where?", "zh": "在哪里？", "zh-TW": "在哪裡？"},
            "options": [
                {"id": "wechat", "label": {"en": "WeChat", "zh": "微信", "zh-TW": "微信"}},
                {"id": "forum", "label": {"en": "Forum", "zh": "论坛", "zh-TW": "論壇"}},
                {"id": "docs", "label": {"en": "Docs", "zh": "文档", "zh-TW": "文件"}},
            ],
        },
        {"id": "again", "type": "yes_no", "text": {"en": "Again?", "zh": "还来吗？", "zh-TW": "還來嗎？"}},
    ],
}


@pytest.mark.parametrize(
    ("language", "chosen", "again"),
    [
        ("en", "WeChat, Forum, Other", "No"),
        ("zh-CN", "微信、论坛、其他", "否"),
        ("zh-TW", "微信、論壇、其他", "否"),
        ("zh", "微信、论坛、其他", "否"),  # a definition's code for 简体中文, as the write-back sheet asks
    ],
)
def test_a_chosen_answer_reads_as_option_labels_in_the_readers_language_joined_its_way(language, chosen, again):
    """Options in the options' order (stored sorted by id), "Other" in words; yes or no as words."""
    survey = parse_definition(CHANNELS, where="channels.yaml")
    stored = '["__other__", "forum", "wechat"]'
    assert answer_cell(survey, "where", 3.0, stored, language) == chosen
    assert answer_cell(survey, "again", 0.0, None, language) == again
    assert answer_cell(survey, "where.other", None, "QQ 群", language) == "QQ 群"  # the words as written
    assert answer_cell(survey, "gone", None, '["x"]', language) == '["x"]'  # a question no longer asked: as stored


def test_each_scale_has_the_words_under_its_ends_in_every_language():
    scales = [kind for kind in TYPES.values() if isinstance(kind, ScaleType)]
    assert [kind.name for kind in scales] == ["nps", "rating", "csat", "ces"]
    for language, catalog in CATALOGS.items():
        missing = [
            f"survey.scale.{kind.words}.{end}"
            for kind in scales
            for end in ("low", "high")
            if f"survey.scale.{kind.words}.{end}" not in catalog
        ]
        assert missing == [], language


def test_the_docs_list_exactly_the_registered_types():
    text = (ROOT / "docs" / "surveys.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE)
    assert documented == list(TYPES)


# A new type: a 1-10 effort scale, registered here only, with the CES words under its ends.
EFFORT = ScaleType("effort", 1, 10, words="ces")
DEFINITION = {
    "slug": "effort",
    "title": "Effort",
    "questions": [
        {"id": "effort", "type": "effort", "text": "How much effort did it take?", "required": True},
        {"id": "why", "type": "long_text", "text": "What was hard?", "show_if": {"question": "effort", "at_most": 3}},
    ],
}


@pytest.fixture
def effort(monkeypatch, tmp_path):
    """The effort type registered (removed again after the test) and a store with its survey."""
    monkeypatch.setitem(TYPES, "effort", EFFORT)
    store = migrated_store(tmp_path / "app.db")
    registry.register(store, parse_definition(DEFINITION, where="effort.yaml"), timezone="UTC", now=NOW)
    yield store
    store.dispose()


def test_an_unregistered_type_is_refused_by_name():
    with pytest.raises(DefinitionError) as refused:
        parse_definition(DEFINITION, where="effort.yaml")
    assert refused.value.problems[0] == (
        "effort.yaml: effort: type: 'effort' is not one of "
        "nps, rating, csat, ces, choice, multi, yes_no, short_text, long_text, matrix"
    )


def test_adding_a_type_is_one_entry_in_the_registry(effort, duckdb_warehouse, tmp_path):
    stored = registry.load_survey(effort, "effort")
    survey = stored.survey
    question = survey.question("effort")
    # The definition: a scale a condition may compare; the answer: a whole number from 1 to 10.
    assert question.bounds == (1, 10) and survey.question("why").show_if.value == 3
    assert check_survey(survey, {"effort": 11}) == {"effort": ("range", {"low": 1, "high": 10})}
    assert check_survey(survey, {"effort": 2, "why": "Forms"}) == {}
    assert answer_rows(survey, {"effort": 2, "why": " Forms "}) == [
        AnswerRow("effort", "effort", 2.0, None),
        AnswerRow("why", "long_text", None, "Forms"),
    ]
    # Stored by the member's page and queued for the sheet.
    for n, answers in enumerate([{"effort": 10}, {"effort": 2, "why": "The forms"}]):
        result = submit(effort, stored=stored, answers=answers, key=f"k{n}", now=NOW, write_back=True)
        assert result.outcome is Outcome.STORED
    # A Forms export: its cells are read as the scale's numbers, and one out of range is refused.
    export = tmp_path / "Effort (Responses).csv"
    export.write_text("Timestamp,How much effort did it take?\n3/10/2026 10:00:00,11\n", encoding="utf-8")
    with pytest.raises(InvalidData) as refused:
        parse_responses(read_csv_table(export, name="responses"), survey=survey, explicit={}, parsing=Parsing())
    assert [problem.message for problem in refused.value.problems] == ["'11' is not a number from 1 to 10"]
    export.write_text("Timestamp,How much effort did it take?\n3/10/2026 10:00:00,7\n", encoding="utf-8")
    raw = read_csv_table(export, name="responses")
    assert import_responses(effort, duckdb_warehouse, stored=stored, raw=raw, parsing=Parsing(), now=NOW).added == 1
    # Results: every point of the scale, with the three answers (10, 2 and the imported 7).
    results = survey_results.survey_results(
        app_store=effort, warehouse=duckdb_warehouse, versions=registry.load_versions(effort, "effort"), filters=WEEK
    )
    frame = dict((question.id, frame) for question, frame in results.questions)["effort"]
    assert frame["answer"].tolist() == list(range(1, 11))
    assert frame["answers"].tolist() == [0, 1, 0, 0, 0, 0, 1, 0, 0, 1]
    # Write-back: the answers as numbers under the question's column.
    assert header(survey) == ["response_id", "submitted_at_utc", "member_id", "locale", "effort", "why"]
    assert answer_cell(survey, "effort", 7.0, None, "en") == 7
    with sheets_server() as server:
        book = server.add("wb", "Responses")
        assert push_pending(effort, lambda: local_client(server), spreadsheet="wb", now=NOW).sent == 2
        assert [row[4:] for row in book.sheets["effort"]] == [["effort", "why"], [10.0, ""], [2.0, "The forms"]]
    # The demo answers it on its own scale; the member's form draws it as a scale with CES's words.
    # (1 + mood / 10 * 9 and a normal draw, which seed 7 makes +0.001, +0.18 and -0.16: 1, 5.68, 9.84)
    rng = np.random.default_rng(7)
    assert [EFFORT.demo_answer(question, mood, rng) for mood in (0.0, 5.0, 10.0)] == [1, 6, 10]
    assert EFFORT.widget == "scale" and survey_form.WIDGETS["scale"] is survey_form._scale
