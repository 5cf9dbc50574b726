"""Survey definitions: the shipped files load, bad files say what and where, answers are checked
per question type, and conditions show or hide follow-ups."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from surveys.answers import (
    OTHER,
    answer_rows,
    check_answer,
    check_page,
    check_survey,
    feedback_texts,
    known_answers,
    malformed,
    response_score,
    visible_questions,
)
from surveys.definition import (
    Condition,
    DefinitionError,
    Place,
    answer_labels,
    choose_language,
    load_definition,
    load_definitions,
    parse_definition,
    read_yaml,
    text_in,
)
from surveys.question_types import AnswerRow

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"


def test_the_three_shipped_definitions_load():
    surveys, problems = load_definitions(SURVEYS_DIR)
    assert problems == []
    by_slug = {survey.slug: survey for survey in surveys}
    assert set(by_slug) == {"post-event", "quarterly-nps", "onboarding"}
    assert by_slug["post-event"].campaign == "community-day"
    assert len(by_slug["quarterly-nps"].pages) == 2
    assert by_slug["quarterly-nps"].title["zh"] == "季度会员调查"
    for survey in surveys:  # each in 繁體中文 too, every text of it (Taiwan's words: 社群, not 社区)
        assert survey.languages == ("en", "zh", "zh-TW")
        texts = [
            survey.title,
            *(q.text for q in survey.questions),
            *(o.label for q in survey.questions for o in q.options),
        ]
        assert all(text.get("zh-TW") and (text["zh-TW"] != text["zh"] or text["zh"] in SAME) for text in texts), (
            survey.slug
        )
    assert by_slug["quarterly-nps"].title["zh-TW"] == "每季會員調查"
    assert "社群" in by_slug["onboarding"].questions[0].text["zh-TW"]


SAME = {"朋友或同事", "工作坊"}  # written alike in both scripts


# Run in a process whose locale is plain ASCII (C, neither coerced to UTF-8 nor in Python's UTF-8 mode),
# as on a server or container without a UTF-8 locale.
LOADED_IN_ASCII = """
import sys
from pathlib import Path
from surveys.definition import load_definition
sys.stdout.buffer.write(load_definition(Path(sys.argv[1])).title["zh"].encode("utf-8"))
"""


def test_a_definition_in_chinese_loads_on_a_machine_whose_locale_is_ascii():
    # Loaded here too: mutmut picks a mutant's tests by the calls it saw in the test's own process, never in a
    # subprocess; without this call the test would never run against a mutant of load_definition.
    assert load_definition(SURVEYS_DIR / "quarterly-nps.yaml").title["zh"] == "季度会员调查"
    root = Path(__file__).resolve().parent.parent
    ascii_locale = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run(
        [sys.executable, "-c", LOADED_IN_ASCII, str(SURVEYS_DIR / "quarterly-nps.yaml")],
        cwd=root,
        env={**os.environ, **ascii_locale},
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.decode("utf-8") == "季度会员调查"


def test_a_definition_in_traditional_and_simplified_chinese():
    raw = definition(
        {"id": "q", "type": "yes_no", "text": {"en": "Joined?", "zh-CN": "加入社区了吗？", "zh-TW": "加入社群了嗎？"}},
        {"id": "m", "type": "matrix", "text": "Agree?", "rows": ["a"]},
        {"id": "only", "type": "yes_no", "text": {"en": "Again?", "zh-CN": "还来吗？"}},
        languages=["en", "zh-CN", "zh-TW"],
    )
    survey = parse_definition(raw, where="s.yaml")
    assert survey.languages == ("en", "zh-CN", "zh-TW")
    question, matrix, only = survey.questions
    assert text_in(question.text, "zh-TW") == "加入社群了嗎？" and text_in(question.text, "zh-CN") == "加入社区了吗？"
    assert text_in(matrix.scale[2], "zh-TW") == "普通" and text_in(matrix.scale[2], "zh-CN") == "一般"
    assert text_in(only.text, "zh-TW") == "还来吗？"  # no 繁體中文 text: the Simplified, not English
    assert text_in({"en": "Again?", "zh": "还来吗？"}, "zh-CN") == "还来吗？"  # a zh text is Simplified
    assert text_in(only.text, "fr") == "Again?"
    assert parse_definition(survey.source, where="store") == survey
    with pytest.raises(DefinitionError, match="zh / zh-CN are both 简体中文; keep one"):
        parse_definition(definition(NPS, languages=["en", "zh", "zh-CN"]), where="s.yaml")


def test_a_survey_is_written_in_any_language_cldr_knows():
    raw = definition(
        {"id": "nps", "type": "nps", "text": {"es": "¿Nos recomendarías?", "ja": "おすすめしますか？"}},
        {
            "id": "why",
            "type": "choice",
            "text": {"es": "¿Por qué?"},
            "options": [{"id": "a", "label": {"es": "Eventos"}}, {"id": "b", "label": {"es": "Foro"}}],
        },
        languages=["es", "ja", "pt-BR"],
        title={"es": "Encuesta", "ja": "アンケート"},
    )
    survey = parse_definition(raw, where="s.yaml")
    assert survey.languages == ("es", "ja", "pt-BR")
    nps, why = survey.questions
    assert text_in(nps.text, "ja") == "おすすめしますか？"
    assert text_in(why.text, "ja") == "¿Por qué?"  # no Japanese text: the first language's
    assert text_in(nps.text, "es-AR") == "¿Nos recomendarías?"
    assert parse_definition(survey.source, where="store") == survey
    with pytest.raises(DefinitionError, match="language 'fr' is not in the survey's languages"):
        parse_definition({**raw, "title": {"es": "Encuesta", "fr": "Enquête"}}, where="s.yaml")


@pytest.mark.parametrize(
    "languages, address, browser, chosen",
    [
        (("en", "zh", "zh-TW"), "zh", "zh-TW", "zh"),  # an older link's lang=zh stays Simplified
        (("en", "zh", "zh-TW"), "zh-TW", None, "zh-TW"),
        (("en", "zh", "zh-TW"), None, "zh-TW", "zh-TW"),
        (("en", "zh", "zh-TW"), None, "zh-HK", "zh-TW"),
        (("en", "zh", "zh-TW"), None, "zh-Hant", "zh-TW"),
        (("en", "zh", "zh-TW"), None, "zh-SG", "zh"),
        (("en", "zh-CN", "zh-TW"), None, "zh", "zh-CN"),
        (("en", "zh-CN", "zh-TW"), "zh", None, "zh-CN"),
        (("en", "zh", "zh-TW"), "fr", "zh-TW", "zh-TW"),  # an address it cannot read: the browser's
        (("en", "zh"), None, "zh-TW", "zh"),  # no 繁體中文: Simplified before English
        (("en", "zh-TW"), "zh-CN", None, "zh-TW"),
        (("en", "zh", "zh-TW"), None, "de-DE", "en"),
        (("zh", "en"), None, None, "zh"),
        (("zh", "zh-TW"), "en", "zh-TW", "zh-TW"),  # the address's English is not there: the browser's
        (("en", "es"), None, "es-MX", "es"),  # a language beyond en/zh: Mexican Spanish reads the Spanish
        (("es", "en"), None, "ja-JP", "es"),  # a language the survey lacks: its first, not English
        (("en", "es-MX", "es"), None, "es-MX", "es-MX"),  # its own region first
        (("en", "pt-BR"), "pt", None, "pt-BR"),
        (("en", "ja"), "ja", "en-US", "ja"),
    ],
)
def test_the_member_language_is_the_address_then_the_browser_then_the_first(languages, address, browser, chosen):
    assert choose_language(languages, address, browser) == chosen


def definition(*questions: dict, **fields: object) -> dict:
    return {"slug": "s", "title": "T", "questions": list(questions), **fields}


NPS = {"id": "nps", "type": "nps", "text": "Recommend?"}


HEARD_AND_AGREED = definition(
    {
        "id": "heard",
        "type": "choice",
        "text": {"en": "Heard where?", "zh-CN": "从哪里听说？"},
        "other": True,
        "options": ["a", "b"],
    },
    {
        "id": "m",
        "type": "matrix",
        "text": {"en": "Agree?", "zh-CN": "同意吗？"},
        "rows": [{"id": "r1", "label": {"en": "Clear", "zh-CN": "清楚"}}],
    },
    languages=["en", "zh-CN"],
)


def test_answer_labels_name_each_stored_answer_in_the_readers_language():
    survey = parse_definition(HEARD_AND_AGREED, where="s.yaml")
    assert answer_labels(survey, "en") == {  # a question's own mark, and no colon after it
        "heard": "Heard where?",
        "heard.other": "Heard where? Other",
        "m": "Agree?",
        "m.other": "Agree? Other",
        "m.r1": "Agree? Clear",
    }
    assert answer_labels(survey, "zh-CN") == {  # not "？：其他"
        "heard": "从哪里听说？",
        "heard.other": "从哪里听说？其他",
        "m": "同意吗？",
        "m.other": "同意吗？其他",
        "m.r1": "同意吗？清楚",
    }
    plain = parse_definition(
        {
            **HEARD_AND_AGREED,
            "questions": [
                {**HEARD_AND_AGREED["questions"][0], "text": {"en": "Where you heard of us", "zh-CN": "从哪里听说"}}
            ],
        },
        where="s.yaml",
    )
    assert answer_labels(plain, "en")["heard.other"] == "Where you heard of us: Other"
    assert answer_labels(plain, "zh-CN")["heard.other"] == "从哪里听说：其他"  # a full-width colon


@pytest.mark.parametrize(
    ("raw", "problems"),
    [
        (
            {"title": "T", "questions": [NPS], "colour": "red"},  # no slug at all: read as '', never as a word
            [
                "bad.yaml: colour: is not a survey field (anonymous, campaign, closes_at, description, languages,"
                " opens_at, pages, questions, response_limit, slug, thanks, title)",
                "bad.yaml: slug: '' must be lowercase letters, digits, - or _ (it is the link's s=...)",
            ],
        ),
        ({"slug": "s", "questions": [NPS]}, ["bad.yaml: title: is missing"]),
        (
            definition(NPS, pages=[{"questions": [NPS]}]),
            ["bad.yaml: pages: give either pages (each with questions) or questions, not both"],
        ),
        (
            {"slug": "s", "title": "T", "pages": []},
            ["bad.yaml: pages: must be a list of pages, each with a list of questions"],
        ),
        (
            {"slug": "s", "title": "T", "pages": "one"},
            ["bad.yaml: pages: must be a list of pages, each with a list of questions"],
        ),
        (  # every page is looked at, past one without questions
            {"slug": "s", "title": "T", "pages": [{"questions": [NPS]}, "two", {"title": "P3"}]},
            ["bad.yaml: page 2: needs a list of questions", "bad.yaml: page 3: needs a list of questions"],
        ),
        (  # the survey is then read in English, which the title is written in: nothing more to say
            definition(NPS, languages="en", title={"en": "T"}),
            ["bad.yaml: languages: must be a list of language codes, such as [en, es] or [zh-CN, zh-TW, ja]"],
        ),
        (  # the survey is then read in English, which the title is written in: nothing more to say
            definition(NPS, languages=["klingon"], title={"en": "T"}),
            [
                "bad.yaml: languages: 'klingon' is not a language code; write one such as en, zh-CN, zh-TW, es, ja"
                " or pt-BR"
            ],
        ),
        (
            definition(NPS, description={"fr": "Deux minutes"}, thanks={"fr": "Merci"}),
            [
                "bad.yaml: description: language 'fr' is not in the survey's languages (en)",
                "bad.yaml: description: needs the 'en' text (the survey's first language)",
                "bad.yaml: thanks: language 'fr' is not in the survey's languages (en)",
                "bad.yaml: thanks: needs the 'en' text (the survey's first language)",
            ],
        ),
        (["slug", "title"], ["bad.yaml: the file must hold a mapping (slug, title, questions, ...)"]),
        (
            {"slug": "s", "title": "T", "pages": [{"title": {"fr": "Un"}, "questions": [NPS]}]},
            [
                "bad.yaml: page 1: title: language 'fr' is not in the survey's languages (en)",
                "bad.yaml: page 1: title: needs the 'en' text (the survey's first language)",
            ],
        ),
        (  # the questions after a repeated id are still read
            definition(NPS, NPS, {"id": "q9", "type": "slider", "text": "?"}),
            [
                "bad.yaml: nps: id: 'nps' appears more than once; give each question its own id",
                "bad.yaml: q9: type: 'slider' is not one of nps, rating, csat, ces, choice, multi, yes_no, short_text,"
                " long_text, matrix",
            ],
        ),
        (
            definition(NPS, opens_at="2026-05-01", closes_at="someday"),
            ["bad.yaml: closes_at: 'someday' is not a date such as 2026-03-01 or 2026-03-01 09:00"],
        ),
        (  # closing the moment it opens leaves no moment to answer in
            definition(NPS, opens_at="2026-05-01", closes_at="2026-05-01"),
            ["bad.yaml: closes_at: must be after opens_at"],
        ),
        (definition(NPS, response_limit=True), ["bad.yaml: response_limit: must be a whole number of at least 1"]),
        (definition(NPS, anonymous="yes"), ["bad.yaml: anonymous: must be true or false"]),
        (definition(NPS, campaign=["spring"]), ["bad.yaml: campaign: must be a campaign id"]),
        (  # one language in two spellings is named as the first spelling names it (CLDR: "Portuguese (Brazil)")
            definition(NPS, languages=["pt-BR", "PT-br"]),
            ["bad.yaml: languages: pt-BR / PT-br are both Brazilian Portuguese; keep one"],
        ),
    ],
)
def test_a_surveys_own_problems_are_each_said_once_in_full(raw, problems):
    with pytest.raises(DefinitionError) as error:
        parse_definition(raw, where="bad.yaml")
    assert error.value.problems == problems


def test_a_survey_without_a_campaign_or_with_an_empty_one_has_none():
    assert parse_definition(definition(NPS, campaign=""), where="s.yaml").campaign is None
    assert parse_definition(definition(NPS), where="s.yaml").campaign is None
    assert parse_definition(definition(NPS, campaign=7), where="s.yaml").campaign == "7"


def test_a_surveys_description_thanks_and_page_titles_are_kept():
    raw = {
        "slug": "s",
        "title": "T",
        "description": "Two minutes",
        "thanks": "Merci",
        "pages": [
            {"title": "First", "questions": [NPS]},
            {"questions": [{"id": "why", "type": "long_text", "text": "?"}]},
        ],
    }
    survey = parse_definition(raw, where="s.yaml")
    assert (survey.description, survey.thanks, [page.title for page in survey.pages]) == (
        {"en": "Two minutes"},
        {"en": "Merci"},
        [{"en": "First"}, None],
    )


def test_a_questions_problems_say_in_full_what_is_allowed():
    # No id at all (read as '', never as a word); a misspelt field, answered with every field there is; options
    # and 'other' on a type that takes neither, answered with the types that do.
    raw = definition(
        {"type": "nps", "text": "?"},
        {**NPS, "requried": True},
        {"id": "q2", "type": "nps", "text": "?", "options": ["a", "b"], "other": True},
        {"id": "q3", "type": "nps", "text": "?", "max_length": 10},
        {"id": "q4", "type": "nps", "text": "?", "required": "yes", "other": 0, "feedback": "no"},
    )
    with pytest.raises(DefinitionError) as error:
        parse_definition(raw, where="bad.yaml")
    assert error.value.problems == [
        "bad.yaml: page 1 question 1: id: '' must be lowercase letters, digits, - or _ (and is required)",
        "bad.yaml: nps: requried: is not a question field (feedback, help, id, max_label, max_length, min_label,"
        " options, other, required, rows, scale, show_if, text, type)",
        "bad.yaml: q2: options: only choice / multi questions have options, not nps",
        "bad.yaml: q2: other: only choice / multi questions can offer 'other'",
        "bad.yaml: q3: max_length: only text questions have a max_length",
        "bad.yaml: q4: required: must be true or false",
        "bad.yaml: q4: other: must be true or false",  # 0 is no answer to 'other', but not a yes or no either
        "bad.yaml: q4: feedback: must be true or false",
    ]


def test_a_questions_help_and_scale_labels_are_kept_in_each_language():
    raw = definition({**NPS, "help": "Be honest", "min_label": "Never", "max_label": {"en": "Surely", "zh": "一定"}})
    survey = parse_definition({**raw, "languages": ["en", "zh"], "title": {"en": "T", "zh": "标题"}}, where="s.yaml")
    question = survey.pages[0].questions[0]
    assert (question.help, question.min_label, question.max_label) == (
        {"en": "Be honest"},
        {"en": "Never"},
        {"en": "Surely", "zh": "一定"},
    )


def test_known_answers_drop_what_the_survey_no_longer_asks():
    survey = parse_definition(HEARD_AND_AGREED, where="s.yaml")
    answers = {"heard": OTHER, "heard.other": "A podcast", "m": {"r1": 4}, "m.other": "x", "dropped": 3}
    # m has no Other, and no question is called dropped.
    assert known_answers(survey, answers) == {"heard": OTHER, "heard.other": "A podcast", "m": {"r1": 4}}


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            definition({"id": "q3", "type": "choice", "text": "Pick", "options": ["a"]}),
            "bad.yaml: q3: options: a choice question needs at least two options",
        ),
        (definition({"id": "q1", "type": "slider", "text": "?"}), "bad.yaml: q1: type: 'slider' is not one of"),
        (definition({**NPS, "requried": True}), "bad.yaml: nps: requried: is not a question field"),
        (definition({"id": "q1", "type": "nps"}), "bad.yaml: q1: text: is missing"),
        (
            definition(
                {"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "nps", "at_most": 6}}, NPS
            ),
            "bad.yaml: why: show_if: question: 'nps' comes after this question",
        ),
        (
            definition(NPS, {"id": "why", "type": "long_text", "text": "?", "show_if": {"question": "nps", "is": 6}}),
            "bad.yaml: why: show_if: needs exactly one of equals, in, at_most, at_least",
        ),
        (definition(NPS, NPS), "bad.yaml: nps: id: 'nps' appears more than once"),
        (definition({"id": "m", "type": "matrix", "text": "Agree?"}), "bad.yaml: m: rows: a matrix question needs"),
        (
            definition({"id": "t", "type": "short_text", "text": "?", "max_length": 900}),
            "bad.yaml: t: max_length: must be a whole number from 1 to 200",
        ),
        (definition(NPS, languages=["en", "klingon"]), "bad.yaml: languages: 'klingon' is not a language code"),
        (definition(NPS, languages="en"), "bad.yaml: languages: must be a list of language codes"),
        (definition(NPS, languages=["es", "es"], title={"es": "T"}), None),
        (definition(NPS, languages=["es", "ES"]), "bad.yaml: languages: es / ES are both Spanish; keep one"),
        (
            definition({"id": "q", "type": "nps", "text": {"zh": "推荐吗？"}}, languages=["en", "zh"]),
            "bad.yaml: q: text: needs the 'en' text",
        ),
        (definition(NPS, opens_at="2026-05-01", closes_at="2026-04-01"), "bad.yaml: closes_at: must be after opens_at"),
        (definition(NPS, response_limit=0), "bad.yaml: response_limit: must be a whole number of at least 1"),
        (definition(NPS, slug="Bad Slug"), "bad.yaml: slug: 'Bad Slug' must be lowercase"),
        ({"slug": "s", "title": "T", "questions": []}, "bad.yaml: page 1: needs a list of questions"),
    ],
)
def test_a_bad_definition_names_the_file_question_and_field(raw, expected):
    if expected is None:  # the same code twice is one language, said once: no problem
        assert parse_definition(raw, where="bad.yaml").languages == ("es",)
        return
    with pytest.raises(DefinitionError) as error:
        parse_definition(raw, where="bad.yaml")
    assert any(problem.startswith(expected) for problem in error.value.problems), error.value.problems


def test_every_problem_of_a_file_is_reported_at_once():
    raw = definition({"id": "a", "type": "choice", "text": "?"}, {"id": "b", "type": "nope", "text": "?"})
    with pytest.raises(DefinitionError) as error:
        parse_definition(raw, where="x.yaml")
    assert len(error.value.problems) == 2


def test_invalid_yaml_and_a_slug_that_is_not_the_file_name_are_refused(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("slug: broken\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_definition(broken)
    # The line the parser stopped at (the file's end, after line 2) and its own words.
    assert str(refused.value) == "broken.yaml: line 3: not valid YAML: expected ',' or ']', but got '<stream end>'"
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(definition(NPS, slug="elsewhere")), encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_definition(other)
    assert str(refused.value) == "other.yaml: slug: 'elsewhere' differs from the file name; name it elsewhere.yaml"
    # A character YAML does not read at all (a bell): the reader names no line, only the position.
    with pytest.raises(DefinitionError) as refused:
        read_yaml("title: \x07", where="bell.yaml")
    assert [problem.field for problem in refused.value.problems] == [()]
    assert str(refused.value) == (
        "bell.yaml: not valid YAML: unacceptable character #x0007: special characters are not allowed\n"
        '  in "<unicode string>", position 7'
    )


def test_a_folder_gives_its_valid_surveys_and_the_problems_of_the_others(tmp_path):
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(definition(NPS, slug="good")), encoding="utf-8")
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(definition(NPS, slug="elsewhere")), encoding="utf-8")
    surveys, problems = load_definitions(tmp_path)
    assert [survey.slug for survey in surveys] == ["good"]
    assert [problem.field for problem in problems] == [("slug",)]
    assert problems[0].startswith("other.yaml: slug: ")


@pytest.mark.parametrize(
    ("operator", "value", "answer", "holds"),
    [
        ("at_least", 9, 9, True),  # exactly the bound
        ("at_least", 9, 8, False),
        ("at_most", 6, 6, True),
        ("at_most", 6, 7, False),
        ("at_least", 1, True, False),  # a yes is no number
        ("at_least", 1, "9", False),  # nor is text
        ("at_least", 0, [], False),  # no choice made
        ("equals", "a", {}, False),  # no row of a grid answered
        ("equals", "a", "a", True),
        ("in", ["a", "b"], ["c", "b"], True),  # a multiple choice: any wanted one
        ("in", ["a", "b"], ["c"], False),
        ("equals", "a", ["a"], True),
    ],
)
def test_a_condition_holds_on_an_earlier_answer_exactly_at_its_bound(operator, value, answer, holds):
    assert Condition("q", operator, value).holds(answer) is holds


@pytest.mark.parametrize(
    ("path", "language", "said"),
    [
        (("pages",), "en", "pages"),
        (("pages", 1), "en", "page 2"),
        (("pages", 1, "title"), "zh", "第 2 页: title"),
        (("pages", 0, "questions"), "en", "page 1: questions"),
        (("pages", 0, "questions", 2), "en", "page 1 question 3"),
        (("pages", 0, "questions", 2, "options", 0, "label"), "zh", "第 1 页第 3 题: options 1: label"),
        (("questions",), "en", "questions"),
        (("questions", "nps"), "en", "nps"),
        (("questions", "when", "show_if", "any", 1), "en", "when: show_if: any 2"),
        (("line",), "en", "line"),
        (("line", 4, "column"), "zh", "第 4 行: column"),
        (("title", "zh"), "en", "title: zh"),
        (("closes_at",), "en", "closes_at"),
    ],
)
def test_a_fields_place_in_words(path, language, said):
    # A page or question counts from 1 and is said in the reader's language; a field's name stays YAML's.
    assert Place(path).text(language) == said


def test_a_question_id_in_a_place_is_quoted_as_the_reader_needs():
    assert Place(("questions", "nps", "options", 2)).text("en", quote=lambda text: f"`{text}`") == "`nps`: options 3"


def test_a_stored_definition_parses_back_to_the_same_survey():
    survey = load_definition(SURVEYS_DIR / "quarterly-nps.yaml")
    again = parse_definition(survey.source, where="store")
    assert again == survey


def only(question: dict):
    return parse_definition(definition(question), where="t.yaml").questions[0]


@pytest.mark.parametrize(
    "question, value, problem",
    [
        ({"type": "nps"}, 0, None),
        ({"type": "nps"}, 10, None),
        ({"type": "nps"}, 11, "range"),
        ({"type": "nps"}, True, "range"),
        ({"type": "rating"}, 0, "range"),
        ({"type": "csat"}, 5, None),
        ({"type": "csat"}, 6, "range"),
        ({"type": "ces"}, 7, None),
        ({"type": "ces"}, 8, "range"),
        ({"type": "nps", "required": True}, None, "required"),
        ({"type": "nps"}, None, None),
        ({"type": "yes_no"}, False, None),
        ({"type": "yes_no"}, "yes", "yes_no"),
        ({"type": "short_text"}, "x" * 200, None),
        ({"type": "short_text"}, "x" * 201, "too_long"),
        ({"type": "long_text", "max_length": 10}, "x" * 11, "too_long"),
        ({"type": "long_text", "required": True}, "   ", "required"),
        ({"type": "choice", "options": ["a", "b"]}, "a", None),
        ({"type": "choice", "options": ["a", "b"]}, "c", "choice"),
        ({"type": "choice", "options": ["a", "b"]}, OTHER, "choice"),
        ({"type": "multi", "options": ["a", "b", "c"]}, ["a", "c"], None),
        ({"type": "multi", "options": ["a", "b"]}, ["a", "z"], "choice"),
        ({"type": "multi", "options": ["a", "b"], "required": True}, [], "required"),
        ({"type": "matrix", "rows": ["r1", "r2"]}, {"r1": 5}, None),
        ({"type": "matrix", "rows": ["r1", "r2"]}, {"r1": 6}, "matrix"),
        ({"type": "matrix", "rows": ["r1", "r2"], "required": True}, {"r1": 1}, "matrix_rows"),
    ],
)
def test_each_question_type_checks_its_answer(question, value, problem):
    parsed = only({"id": "q", "text": "?", **question})
    found = check_answer(parsed, {"q": value})
    assert (found[0] if found else None) == problem


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("x" * 200, None),  # exactly the limit (OTHER_MAX_LENGTH), spaces around it aside
        (" " + "x" * 200 + " ", None),
        ("x" * 201, ("too_long", {"limit": 200, "length": 201})),
        ("a\x00podcast", ("text", {})),  # a NUL, which PostgreSQL cannot keep
        ("\ud800", ("text", {})),  # not valid UTF-8
        (7, ("text", {})),  # not text at all
    ],
)
def test_the_words_for_other_are_text_up_to_their_limit(typed, problem):
    question = only({"id": "heard", "type": "choice", "text": "?", "other": True, "options": ["a", "b"]})
    assert check_answer(question, {"heard": OTHER, "heard.other": typed}) == problem


def test_other_needs_its_text_and_is_stored_beside_the_choice():
    survey = parse_definition(
        definition({"id": "heard", "type": "choice", "text": "?", "other": True, "options": ["a", "b"]}), where="t"
    )
    assert check_survey(survey, {"heard": OTHER}) == {"heard": ("other_missing", {})}
    rows = answer_rows(survey, {"heard": OTHER, "heard.other": " a podcast "})
    assert [(row.question_id, row.question_type, row.value_text) for row in rows] == [
        ("heard", "choice", OTHER),
        ("heard.other", "other", "a podcast"),
    ]


FOLLOW_UPS = definition(
    {"id": "nps", "type": "nps", "text": "?", "required": True},
    {"id": "sad", "type": "long_text", "text": "What disappointed you?", "show_if": {"question": "nps", "at_most": 6}},
    {"id": "ok", "type": "yes_no", "text": "?"},
    {"id": "fix", "type": "short_text", "text": "?", "required": True, "show_if": {"question": "ok", "equals": "no"}},
    {"id": "topics", "type": "multi", "text": "?", "options": ["a", "b", "c"]},
    {"id": "why_b", "type": "long_text", "text": "?", "show_if": {"question": "topics", "in": ["b"]}},
)


@pytest.mark.parametrize(
    "answers, shown",
    [
        ({"nps": 6}, {"nps", "sad", "ok", "topics"}),
        ({"nps": 7}, {"nps", "ok", "topics"}),
        ({}, {"nps", "ok", "topics"}),
        ({"nps": 9, "ok": False}, {"nps", "ok", "fix", "topics"}),
        ({"nps": 9, "ok": True, "topics": ["a", "b"]}, {"nps", "ok", "topics", "why_b"}),
    ],
)
def test_a_follow_up_shows_only_when_the_earlier_answer_matches(answers, shown):
    survey = parse_definition(FOLLOW_UPS, where="t")
    assert {question.id for question in visible_questions(survey, answers)} == shown


def test_hidden_questions_are_neither_required_nor_stored():
    survey = parse_definition(FOLLOW_UPS, where="t")
    answers = {"nps": 9, "sad": "left over from when I picked 3", "ok": True}
    assert check_survey(survey, answers) == {}
    assert [row.question_id for row in answer_rows(survey, answers)] == ["nps", "ok"]
    assert check_survey(survey, {"nps": 9, "ok": False}) == {"fix": ("required", {})}


def test_long_text_answers_become_feedback_and_short_ones_do_not():
    survey = parse_definition(FOLLOW_UPS, where="t")
    rows = answer_rows(survey, {"nps": 3, "sad": "Nobody answered", "ok": False, "fix": "faster replies"})
    assert [row.question_id for row in feedback_texts(survey, rows)] == ["sad"]


@pytest.mark.parametrize(
    "language, search, other",
    [("en", "Search engine", "Other"), ("zh-CN", "搜索引擎", "其他"), ("zh-TW", "搜尋引擎", "其他")],
)
def test_a_choice_questions_results_are_labelled_in_the_readers_language(language, search, other):
    from metrics.survey_results import question_result

    question = load_definition(SURVEYS_DIR / "onboarding.yaml").question("heard_from")
    counts = pd.DataFrame(
        {
            "question_id": ["heard_from"] * 2,
            "question_type": ["choice"] * 2,
            "value_num": [None, None],
            "value_text": ["search", "__other__"],
            "answers": [3, 1],
        }
    )
    labels = question_result(question, counts, language=language).set_index("answer")["label"]
    assert labels["search"] == search and labels["__other__"] == other


@pytest.mark.parametrize(
    "questions, field, english, chinese",
    [
        (
            [{"id": "pick", "type": "choice", "text": "Pick", "options": ["a", " ", "b"]}],
            ("questions", "pick", "options", 1),
            "bad.yaml: pick: options 2: is empty; write the option or remove it",
            "bad.yaml：pick: options 2：选项为空；请填写或删除该选项",
        ),
        (
            [{"id": "pick", "type": "choice", "text": "Pick", "options": ["a", "b", "a"]}],
            ("questions", "pick", "options", 2, "id"),
            "bad.yaml: pick: options 3: id: 'a' appears more than once; give each option its own id",
            "bad.yaml：pick: options 3: id：'a' 出现了不止一次；每个选项需要各自的 id",
        ),
        (
            [{"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "nps", "at_most": 6}}, NPS],
            ("questions", "why", "show_if", "question"),
            "bad.yaml: why: show_if: question: 'nps' comes after this question; logic can only depend on an "
            "earlier question",
            "bad.yaml：why: show_if: question：'nps' 在本题之后；显示逻辑只能依据前面的题目",
        ),
        (
            [NPS, {"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "gone", "equals": 1}}],
            ("questions", "why", "show_if", "question"),
            "bad.yaml: why: show_if: question: 'gone' is no question of this survey",
            "bad.yaml：why: show_if: question：本问卷没有题目 'gone'",
        ),
        (
            [
                {"id": "pick", "type": "choice", "text": "Pick", "options": ["a", "b"]},
                {"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "pick", "equals": "c"}},
            ],
            ("questions", "why", "show_if", "equals"),
            "bad.yaml: why: show_if: equals: 'c' is not an option of 'pick'",
            "bad.yaml：why: show_if: equals：'c' 不是 'pick' 的选项",
        ),
        (
            [{"id": "Bad id", "type": "nps", "text": "?"}],
            ("pages", 0, "questions", 0, "id"),
            "bad.yaml: page 1 question 1: id: 'Bad id' must be lowercase letters, digits, - or _ (and is required)",
            "bad.yaml：第 1 页第 1 题: id：'Bad id' 只能使用小写字母、数字、- 或 _（且必须填写）",
        ),
    ],
)
def test_each_problem_names_its_field_and_reads_in_the_readers_language(questions, field, english, chinese):
    """The editor shows a problem beside the field its path names; the Surveys page says a file's
    problems in the reader's language (field names stay YAML's)."""
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition(*questions), where="bad.yaml")
    problems = {problem.field: problem for problem in error.value.problems}
    assert field in problems, [str(problem) for problem in error.value.problems]
    assert (str(problems[field]), problems[field].text("zh-CN")) == (english, chinese)


def test_a_closing_before_the_opening_is_a_settings_problem_in_every_language():
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition(NPS, opens_at="2026-05-01", closes_at="2026-04-01"), where="s.yaml")
    (problem,) = error.value.problems
    assert problem.field == ("closes_at",)
    assert problem.message.text("zh-TW") == "必須晚於開始時間（opens_at）"
    assert error.value.text("zh-CN") == "s.yaml：closes_at：必须晚于开始时间（opens_at）"


def test_a_file_that_is_not_yaml_names_its_line_in_the_readers_language(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("slug: broken\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        load_definition(broken)
    assert error.value.problems[0].text("zh-CN").startswith("broken.yaml：第 3 行：不是有效的 YAML")


def test_a_definitions_problems_survive_being_pickled():
    # Streamlit's session state and the cache pickle what they keep.
    with pytest.raises(DefinitionError) as refused:
        parse_definition(definition({"id": "q3", "type": "choice", "text": "Pick", "options": ["a"]}), where="s.yaml")
    (problem,) = refused.value.problems
    again = pickle.loads(pickle.dumps(problem))
    assert (again, again.field, again.message, again.values["where"]) == (
        problem,
        problem.field,
        problem.message,
        "s.yaml",
    )


def test_a_file_that_is_not_utf8_is_named_with_the_reason(tmp_path):
    bad = tmp_path / "latin.yaml"
    bad.write_bytes("slug: café".encode("latin-1"))  # é as one byte: not UTF-8
    with pytest.raises(DefinitionError) as refused:
        load_definition(bad)
    (problem,) = refused.value.problems
    assert (problem.field, problem.message.key) == ((), "survey.problem.unreadable")
    assert "can't decode byte 0xe9" in problem.message.values["error"]
    assert str(problem).startswith("latin.yaml: ")


PICK_OR_OTHER = {"id": "pick", "type": "choice", "text": "Pick", "options": ["a", "b"], "other": True}
OPERATORS = "equals, in, at_most, at_least"
SCALES = "nps, rating, csat, ces"


@pytest.mark.parametrize(
    ("show_if", "field", "said"),
    [
        ("nps", (), f"must name a question and one of {OPERATORS}"),  # not a mapping
        ({"equals": 1}, (), f"must name a question and one of {OPERATORS}"),  # no question named
        ({"question": "nps", "is": 6}, (), f"needs exactly one of {OPERATORS}"),  # an unknown key
        ({"question": "nps", "at_most": 6, "is": 6}, (), f"needs exactly one of {OPERATORS}"),  # one beside it
        ({"question": "nps", "at_most": 6, "at_least": 1}, (), f"needs exactly one of {OPERATORS}"),  # two
        ({"question": "nps"}, (), f"needs exactly one of {OPERATORS}"),  # none
        (
            {"question": "later", "equals": 1},
            ("question",),
            "'later' comes after this question; logic can only depend on an earlier question",
        ),
        ({"question": "gone", "equals": 1}, ("question",), "'gone' is no question of this survey"),
        ({"question": "pick", "at_most": 6}, ("at_most",), f"at_most needs a number and a scale question ({SCALES})"),
        (
            {"question": "nps", "at_least": "9"},
            ("at_least",),
            f"at_least needs a number and a scale question ({SCALES})",
        ),
        (
            {"question": "nps", "at_least": True},
            ("at_least",),
            f"at_least needs a number and a scale question ({SCALES})",
        ),
        ({"question": "pick", "in": "a"}, ("in",), "in needs a list of answers"),
        ({"question": "pick", "equals": "c"}, ("equals",), "'c' is not an option of 'pick'"),
        ({"question": "pick", "equals": "ab"}, ("equals",), "'ab' is not an option of 'pick'"),  # read whole
        ({"question": "pick", "in": ["a", "c", "d"]}, ("in",), "'c' is not an option of 'pick'"),  # the first missing
    ],
)
def test_each_condition_problem_is_said_once_at_its_own_place(show_if, field, said):
    """A follow-up's `show_if` refused: the one problem, at the condition or at its offending key."""
    later = {"id": "later", "type": "nps", "text": "Later?"}
    why = {"id": "why", "type": "long_text", "text": "Why?", "show_if": show_if}
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition(NPS, PICK_OR_OTHER, why, later), where="bad.yaml")
    place = ("questions", "why", "show_if", *field)
    words = ": ".join(["why", "show_if", *field])
    assert [(problem.field, str(problem)) for problem in error.value.problems] == [
        (place, f"bad.yaml: {words}: {said}")
    ]


@pytest.mark.parametrize(
    ("show_if", "condition"),
    [
        ({"question": "pick", "in": ["a", "__other__"]}, Condition("pick", "in", ["a", OTHER])),  # other allowed
        ({"question": "nps", "at_least": 9.5}, Condition("nps", "at_least", 9.5)),  # a number, not whole
        ({"question": "pick", "equals": "b"}, Condition("pick", "equals", "b")),
    ],
)
def test_a_condition_on_an_earlier_question_is_kept_as_written(show_if, condition):
    why = {"id": "why", "type": "long_text", "text": "Why?", "show_if": show_if}
    survey = parse_definition(definition(NPS, PICK_OR_OTHER, why), where="good.yaml")
    assert survey.question("why").show_if == condition


def test_other_is_no_option_of_a_choice_without_it():
    pick = {**PICK_OR_OTHER, "other": False}
    why = {"id": "why", "type": "long_text", "text": "Why?", "show_if": {"question": "pick", "in": [OTHER]}}
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition(pick, why), where="bad.yaml")
    assert [str(problem) for problem in error.value.problems] == [
        f"bad.yaml: why: show_if: in: {OTHER!r} is not an option of 'pick'"
    ]


def test_a_matrix_scale_label_left_empty_is_missing():
    matrix = {"id": "m", "type": "matrix", "text": "Agree?", "rows": ["a", "b"], "scale": [None, "Agree"]}
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition(matrix), where="bad.yaml")
    assert [(problem.field, str(problem)) for problem in error.value.problems] == [
        (("questions", "m", "scale", 0), "bad.yaml: m: scale 1: is missing")
    ]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (  # not a list: said once, and the choice has no two options either
            "a, b",
            [
                ((), "pick: options: must be a list"),
                ((), "pick: options: a choice question needs at least two options"),
            ],
        ),
        (  # an id with no words: empty (not a missing label); the options after it are read on
            [{"id": "a", "label": ""}, "b", "B!"],
            [
                ((0,), "pick: options 1: is empty; write the option or remove it"),
                ((2, "id"), "pick: options 3: id: 'B!' must be lowercase letters, digits, - or _"),
            ],
        ),
        (  # an option written as empty text, then read on
            ["a", "", "B!"],
            [
                ((1,), "pick: options 2: is empty; write the option or remove it"),
                ((2, "id"), "pick: options 3: id: 'B!' must be lowercase letters, digits, - or _"),
            ],
        ),
        (  # neither text nor a mapping, then read on
            ["a", 1.5, "B!"],
            [
                ((1,), "pick: options 2: must be text or a mapping with id and label"),
                ((2, "id"), "pick: options 3: id: 'B!' must be lowercase letters, digits, - or _"),
            ],
        ),
        (  # a label's own problem is said at the label
            [{"id": "a", "label": {"en": "A", "fr": "Un"}}, "b"],
            [((0, "label"), "pick: options 1: label: language 'fr' is not in the survey's languages (en)")],
        ),
    ],
)
def test_each_option_problem_is_said_at_its_own_place_and_the_later_options_are_read(options, said):
    pick = {"id": "pick", "type": "choice", "text": "Pick", "options": options}
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition(pick), where="bad.yaml")
    assert [(problem.field, str(problem)) for problem in error.value.problems] == [
        (("questions", "pick", "options", *field), f"bad.yaml: {words}") for field, words in said
    ]


def test_options_written_as_text_or_numbers_are_their_own_ids():
    # "video" and "ideas" hold the letters "id"; a number is an option too.
    pick = {"id": "pick", "type": "multi", "text": "Pick", "options": ["video", "ideas", 3]}
    (question,) = parse_definition(definition(pick), where="good.yaml").questions
    assert [(option.id, option.label) for option in question.options] == [
        ("video", {"en": "video"}),
        ("ideas", {"en": "ideas"}),
        ("3", {"en": "3"}),
    ]


def test_a_question_that_is_not_a_mapping_is_said_at_its_place_on_the_page():
    with pytest.raises(DefinitionError) as error:
        parse_definition(definition("nps"), where="bad.yaml")
    assert [(problem.field, str(problem)) for problem in error.value.problems] == [
        (("pages", 0, "questions", 0), "bad.yaml: page 1 question 1: must be a mapping with id, type and text")
    ]


def test_a_text_not_given_reads_as_nothing():
    assert (text_in(None, "en"), text_in({}, "zh-CN")) == ("", "")


PAGED = {
    "slug": "s",
    "title": "T",
    "pages": [
        {"questions": [{"id": "pick", "type": "choice", "text": "Pick", "options": ["a", "b"], "other": True}]},
        {"questions": [{"id": "name", "type": "short_text", "text": "Name?", "required": True}]},
        {"questions": [{"id": "score", "type": "nps", "text": "Recommend?", "required": True}]},
    ],
}


def test_a_page_checks_its_own_questions_and_no_other_page():
    survey = parse_definition(PAGED, where="s.yaml")
    # Pages 2 and 3 each hold a required question left unanswered: neither holds back page 1.
    assert check_page(survey, {}, page=0) == {}
    assert check_page(survey, {}, page=1) == {"name": ("required", {})}
    assert check_page(survey, {}, page=2) == {"score": ("required", {})}
    # An option the question does not have is said, though the question offers Other and no words came.
    assert check_page(survey, {"pick": "c"}, page=0) == {"pick": ("choice", {})}


def test_malformed_names_an_unknown_question_a_bad_answer_and_bad_words_for_other():
    survey = parse_definition(PAGED, where="s.yaml")
    assert malformed(survey, {"zz": 1}) == {"zz": ("unknown", {})}
    # Exactly one character over a short text's 200, on a later page: checked all the same.
    assert malformed(survey, {"name": "x" * 201}) == {"name": ("too_long", {"limit": 200, "length": 201})}
    assert malformed(survey, {"name": "x" * 200, "score": 10}) == {}
    other = {"pick": OTHER, "pick.other": "y" * 201}
    assert malformed(survey, other) == {"pick": ("too_long", {"limit": 200, "length": 201})}
    assert check_survey(survey, other) == {"pick": ("too_long", {"limit": 200, "length": 201})}


@pytest.mark.parametrize(
    ("rows", "score"),
    [
        ([AnswerRow("sat", "csat", 4.0, None)], ("csat", 4.0)),  # no NPS answer: the CSAT one
        ([AnswerRow("sat", "csat", 4.0, None), AnswerRow("nps", "nps", 9.0, None)], ("nps", 9.0)),  # NPS first
        ([AnswerRow("nps", "nps", None, None), AnswerRow("sat", "csat", 1.0, None)], ("csat", 1.0)),
        ([AnswerRow("stars", "rating", 5.0, None)], None),
    ],
)
def test_a_responses_score_is_its_nps_answer_else_its_csat_answer(rows, score):
    assert response_score(rows) == score


@pytest.mark.parametrize(
    ("raw", "problems"),
    [
        (  # a date that is none, and the problem of each label said at its own field
            definition(
                {**NPS, "help": {"en": "Be honest", "fr": "Sincère"}},
                {
                    "id": "s",
                    "type": "rating",
                    "text": "How?",
                    "min_label": {"en": "Low", "fr": "Bas"},
                    "max_label": {"en": "High", "fr": "Haut"},
                },
                opens_at="someday",
                closes_at="",  # left empty: no closing, no problem
                languages=["en", "zh-CN"],
                title={"en": "T"},
            ),
            [
                "bad.yaml: nps: help: language 'fr' is not in the survey's languages (en, zh-CN)",
                "bad.yaml: s: min_label: language 'fr' is not in the survey's languages (en, zh-CN)",
                "bad.yaml: s: max_label: language 'fr' is not in the survey's languages (en, zh-CN)",
                "bad.yaml: opens_at: 'someday' is not a date such as 2026-03-01 or 2026-03-01 09:00",
            ],
        ),
        (  # text left empty, blank or with no words in any language is missing; a list or {} is no text
            definition(
                {"id": "a", "type": "nps", "text": ""},
                {"id": "b", "type": "nps", "text": {"en": "  "}},
                {"id": "c", "type": "nps", "text": {"en": None}},
                {"id": "d", "type": "nps", "text": ["Recommend?"]},
                {"id": "e", "type": "nps", "text": {}},
            ),
            [
                "bad.yaml: a: text: is missing",
                "bad.yaml: b: text: is missing",
                "bad.yaml: c: text: is missing",
                "bad.yaml: d: text: must be text, or a mapping of language to text such as en: ... and zh-CN: ...",
                "bad.yaml: e: text: must be text, or a mapping of language to text such as en: ... and zh-CN: ...",
            ],
        ),
    ],
)
def test_each_text_and_date_problem_is_said_in_full_at_its_field(raw, problems):
    with pytest.raises(DefinitionError) as error:
        parse_definition(raw, where="bad.yaml")
    assert error.value.problems == problems


def test_a_text_keeps_only_the_languages_it_has_words_in_and_feedback_is_as_written():
    # zh-CN left empty in the YAML (None) and zh-TW blank fall back to English; help left blank is no help;
    # feedback written against each type's default (long_text's answers become feedback, nps's do not).
    raw = definition(
        {**NPS, "text": {"en": "Recommend?", "zh-CN": None, "zh-TW": "  "}, "help": " ", "feedback": True},
        {"id": "why", "type": "long_text", "text": "Why?", "help": {"en": "", "zh-CN": None}, "feedback": False},
        languages=["en", "zh-CN", "zh-TW"],
        title={"en": "T"},
    )
    nps, why = parse_definition(raw, where="s.yaml").questions
    assert (nps.text, nps.help, nps.feedback, why.help, why.feedback) == ({"en": "Recommend?"}, None, True, None, False)
    assert text_in(nps.text, "zh-TW") == "Recommend?"


@pytest.mark.parametrize(
    ("languages", "asked", "chosen"),
    [
        (("en", "es-MX"), "es_MX", "es-MX"),  # a locale written with _ (as a browser's or the machine's)
        (("en", "pt-BR"), "pt_br", "pt-BR"),
        (("en", "es"), "es_MX", "es"),
    ],
)
def test_a_language_written_with_an_underscore_is_the_same_language(languages, asked, chosen):
    assert choose_language(languages, asked) == chosen
