"""The editor's operations on a definition (surveys/editing.py) and the templates
(surveys/templates/): shapes that say the same, ids made once, logic choices, translations
flagged, a half-written draft that can still be previewed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from surveys import drafts, editing, registry
from surveys.definition import DefinitionError, parse_definition, text_in
from tests.conftest import migrated_store

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"
NOW = datetime(2026, 3, 1)
TEMPLATES = sorted(drafts.TEMPLATES_DIR.glob("*.yaml"))


def definitions() -> list[Path]:
    return sorted(SURVEYS_DIR.glob("*.yaml")) + TEMPLATES


@pytest.mark.parametrize("path", definitions(), ids=lambda path: path.name)
def test_the_editors_shape_says_the_same_as_the_file(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    survey = parse_definition(raw, where=path.name)
    edited = parse_definition(editing.compact(editing.normalized(raw)), where=path.name)
    assert [(q.id, q.type, q.required, q.show_if) for q in edited.questions] == [
        (q.id, q.type, q.required, q.show_if) for q in survey.questions
    ]
    for language in ("en", "zh-CN", "zh-TW"):
        assert [text_in(q.text, language) for q in edited.questions] == [
            text_in(q.text, language) for q in survey.questions
        ]
        assert [[text_in(o.label, language) for o in q.options] for q in edited.questions] == [
            [text_in(o.label, language) for o in q.options] for q in survey.questions
        ]


def test_the_templates_are_the_six_starting_points_in_english_and_chinese():
    assert [path.stem for path in TEMPLATES] == [
        "content-poll",
        "event-registration-feedback",
        "newcomer-onboarding",
        "post-event-nps",
        "quarterly-member-nps",
        "support-csat",
    ]
    for name, definition in drafts.templates().items():
        survey = parse_definition(definition, where=name)
        assert survey.languages == ("en", "zh-CN"), name
        for question in survey.questions:
            assert set(question.text) == {"en", "zh-CN"}, (name, question.id)
    detractors = parse_definition(drafts.templates()["post-event-nps"], where="t").question("disappointed")
    assert (detractors.show_if.question, detractors.show_if.operator, detractors.show_if.value) == ("nps", "at_most", 6)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.stem)
def test_a_draft_made_from_each_template_publishes(tmp_path, path):
    store = migrated_store(tmp_path / "app.db")
    definition = drafts.duplicate(drafts.templates()[path.stem], "mine")
    draft = drafts.create_draft(store, definition, actor="ana@example.org", now=NOW)
    assert drafts.check_draft(store, draft) == []
    assert drafts.publish(store, draft, actor="ana@example.org", timezone="UTC", now=NOW) == 1
    assert registry.load_survey(store, "mine").survey.questions == parse_definition(definition, where="t").questions
    store.dispose()


def test_options_worded_alike_are_refused_at_publishing_beside_the_second(tmp_path):
    store = migrated_store(tmp_path / "app.db")
    channels = [{"id": "o1", "label": {"en": "WeChat group", "zh-CN": "微信群"}}]
    channels += [{"id": "o2", "label": {"en": "Forum", "zh-CN": "微信群 "}}]  # the same words, a space after
    definition = {
        "slug": "mine",
        "title": {"en": "T", "zh-CN": "T"},
        "languages": ["en", "zh-CN"],
        "questions": [
            {"id": "where", "type": "choice", "text": {"en": "Where?", "zh-CN": "在哪里？"}, "options": channels}
        ],
    }
    draft = drafts.create_draft(store, definition, actor="ana@example.org", now=NOW)
    [problem] = drafts.check_draft(store, draft)
    assert problem.field == ("questions", "where", "options", 1, "label")
    assert problem.message.text("zh-CN") == "'微信群' 与另一项的文字相同；请为每一项写不同的文字"
    with pytest.raises(drafts.PublishRefused):
        drafts.publish(store, draft, actor="ana@example.org", timezone="UTC", now=NOW)
    store.dispose()


def test_a_new_question_has_a_fresh_id_and_blank_texts_in_every_language():
    made = editing.new_question("choice", taken={"choice", "choice_2"}, languages=["en", "zh-CN"])
    assert made == {
        "id": "choice_3",
        "type": "choice",
        "text": {"en": "", "zh-CN": ""},
        "options": [{"id": "o1", "label": {"en": "", "zh-CN": ""}}, {"id": "o2", "label": {"en": "", "zh-CN": ""}}],
    }
    assert editing.new_option(made["options"], languages=["en"]) == {"id": "o3", "label": {"en": ""}}
    assert editing.new_question("matrix", taken=set(), languages=["en"])["rows"][1] == {"id": "r2", "label": {"en": ""}}


def test_moving_stops_at_the_ends():
    assert editing.moved(["a", "b", "c"], 1, -1) == ["b", "a", "c"]
    assert editing.moved(["a", "b", "c"], 2, 1) == ["a", "b", "c"]
    assert editing.moved(["a", "b", "c"], 0, -1) == ["a", "b", "c"]


def test_logic_offers_the_earlier_questions_and_the_tests_their_type_allows():
    definition = editing.normalized(drafts.templates()["newcomer-onboarding"])
    assert [q["id"] for q in editing.earlier(definition, "ease")] == ["found_help", "missing_help"]
    assert editing.operators_for("nps") == ("at_most", "at_least", "equals")
    assert editing.operators_for("multi") == ("in",)
    assert editing.operators_for("yes_no") == ("equals",)
    assert editing.operators_for("long_text") == ()
    assert editing.condition_parts({"question": "nps", "at_most": 6}) == ("nps", "at_most", 6)


def test_missing_translations_are_counted_and_older_zh_reads_as_zh_cn():
    definition = editing.normalized(
        {
            "slug": "s",
            "title": {"en": "T", "zh": "标题"},
            "languages": ["en", "zh", "zh-TW"],
            "questions": [{"id": "q", "type": "nps", "text": "Recommend?", "help": {"en": "", "zh": ""}}],
        }
    )
    assert definition["languages"] == ["en", "zh-CN", "zh-TW"] and definition["title"] == {"en": "T", "zh-CN": "标题"}
    # The title lacks 繁體中文; the question's text both Chinese; a help left blank everywhere is no text.
    assert editing.missing_translations(definition) == 3


def test_a_language_taken_out_leaves_what_is_kept_and_comes_back_with_its_words():
    definition = editing.normalized(drafts.templates()["quarterly-member-nps"])
    grid = {"id": "grid", "type": "matrix", "text": {"en": "Agree?", "zh-CN": "同意吗？"}}
    grid |= {"rows": [{"id": "r1", "label": {"en": "Clear", "zh-CN": "清楚"}}]}
    grid |= {"scale": [{"en": "No", "zh-CN": "不"}, {"en": "Yes", "zh-CN": "是"}]}
    definition["pages"][0]["questions"].append(grid)
    definition["languages"] = ["zh-CN"]  # English taken out
    kept = editing.compact(definition)
    texts = editing._texts(kept)
    assert texts and all(set(text) <= {"zh-CN"} for text in texts if isinstance(text, dict))  # the grid's scale too
    survey = parse_definition(kept, where="draft")  # publishable in Chinese alone
    assert survey.languages == ("zh-CN",)
    definition["languages"] = ["zh-CN", "en"]  # put back: its words are there again
    assert editing.compact(definition)["pages"][0]["questions"][-1]["scale"][1] == {"zh-CN": "是", "en": "Yes"}


def test_a_new_survey_starts_in_the_managers_language():
    template = drafts.templates()["post-event-nps"]
    assert editing.first_language(template, "zh-CN")["languages"] == ["zh-CN", "en"]
    assert editing.first_language(template, "zh-TW")["languages"] == ["en", "zh-CN"]  # a language it lacks
    assert template["languages"] == ["en", "zh-CN"]  # the template itself unchanged
    assert drafts.blank_languages("zh-CN") == ("zh-CN", "en")
    assert drafts.blank_languages("en") == ("en", "zh-CN")


def test_a_half_written_draft_is_previewed_with_placeholders_but_not_published():
    blank = drafts.blank_definition("new")
    with pytest.raises(DefinitionError):
        parse_definition(editing.compact(blank), where="draft")
    shown = parse_definition(editing.compact(editing.preview_definition(blank, placeholder="Untitled")), where="p")
    assert shown.title == {"en": "Untitled"} and shown.questions[0].text == {"en": "Untitled"}
