"""The widgets of the member's survey form, one per kind of widget a question type names
(surveys.question_types.WIDGETS).

A multi-page survey draws one page at a time, and Streamlit would forget a widget's value when it is
not drawn. Every widget therefore keeps its state while hidden (`persist_state="page"`), so Back, or
a follow-up that a condition hides and shows again, finds what was typed. The answers of all pages
are gathered in `st.session_state["survey_answers"]` for checking and submitting.

A chosen answer must never look like a mistake: the app's accent is a calm blue (the theme's
primaryColor, .streamlit/config.toml, far from the error red), and on this form a chosen answer and
the buttons are filled with it (CSS scoped by container key, `style()`), where Streamlit only tints
them. Scales fill the width in one row, so 0-10 fits a 390-pixel phone.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from surveys.answers import OTHER, OTHER_MAX_LENGTH, Problem, check_answer, other_key, visible_questions
from surveys.definition import Question, Survey, text_in
from surveys.question_types import TYPES, ScaleType
from ui.i18n import t
from ui.streamlit_internals import survey_style
from ui.tables import label_text, plain

ANSWERS = "survey_answers"
FORM_KEY = "survey_form"  # the questions
ACTIONS_KEY = "survey_actions"  # what to fix, Back, Next and Submit
LANGUAGE_KEY = "survey_language"  # the language switch above the title
TAB_KEY = "survey_tab"  # ui/survey_session.py's reader of the tab's key: no pixels, so hidden
ACCENT = "#1f5fbf"  # a chosen answer and the buttons: the theme's primaryColor
STYLE = survey_style(scopes=(FORM_KEY, ACTIONS_KEY, LANGUAGE_KEY), hidden=TAB_KEY, accent=ACCENT)


def style() -> None:
    """The form's own look (see the module docstring); call once per run."""
    st.html(STYLE)


def answers() -> dict[str, Any]:
    return st.session_state.setdefault(ANSWERS, {})


def _key(name: str) -> str:
    return f"survey_q_{name}"


def _label(question: Question, language: str) -> str:
    """The widget's own label, hidden (the question is drawn above it) but read by screen readers:
    nothing in it can link or load (ui.tables.label_text), and it reads as plain words."""
    text = text_in(question.text, language)
    return label_text(t("survey.question_required", language=language, question=text) if question.required else text)


def _heading(question: Question, language: str) -> None:
    """The question as members see it: literal text, a red star when an answer is required, and
    close under it how to answer (several choices) and the definition's help."""
    with st.container(gap="xxsmall"):
        st.markdown(plain(text_in(question.text, language)) + (" :red[*]" if question.required else ""))
        if TYPES[question.type].widget == "multi":
            st.caption(t("survey.choose_all", language=language))
        if question.help:
            st.caption(plain(text_in(question.help, language)))


def _end_labels(question: Question, language: str) -> tuple[str, str]:
    """What the lowest and highest points of a scale mean: the definition's words, else the usual
    ones for its type (NPS: not at all likely / extremely likely)."""
    kind = TYPES[question.type]
    assert isinstance(kind, ScaleType)  # the scale widget's types
    words = kind.words
    return (
        text_in(question.min_label, language) or t(f"survey.scale.{words}.low", language=language),
        text_in(question.max_label, language) or t(f"survey.scale.{words}.high", language=language),
    )


def _scale(question: Question, language: str) -> Any:
    low, high = question.bounds
    lowest, highest = _end_labels(question, language)
    with st.container(gap="xxsmall"):
        value = st.segmented_control(
            _label(question, language),
            list(range(low, high + 1)),
            key=_key(question.id),
            persist_state="page",
            label_visibility="collapsed",
            width="stretch",
            wrap=False,
        )
        with st.container(horizontal=True, wrap=False):  # under the ends of the row, however long
            st.caption(plain(lowest))
            st.caption(plain(highest), text_alignment="right")
    return value


def _choice(question: Question, language: str, *, multi: bool = False) -> Any:
    """One option (radio buttons), or any of them (`multi`: pills), and Other's words."""
    labels = {option.id: text_in(option.label, language) for option in question.options}
    if question.other:
        labels[OTHER] = t("survey.other", language=language)
    widget = st.pills if multi else st.radio
    extra = {"selection_mode": "multi"} if multi else {"index": None}
    value = widget(
        _label(question, language),
        list(labels),
        format_func=lambda option: plain(labels[option]),
        key=_key(question.id),
        persist_state="page",
        label_visibility="collapsed",
        **extra,
    )
    chosen = value if isinstance(value, list) else [value]
    if OTHER in chosen:
        name = other_key(question.id)
        answers()[name] = st.text_input(
            t("survey.other_text", language=language), max_chars=OTHER_MAX_LENGTH, key=_key(name), persist_state="page"
        )
    return value


def _yes_no(question: Question, language: str) -> Any:
    return st.radio(
        _label(question, language),
        [True, False],
        format_func=lambda yes: t("survey.yes" if yes else "survey.no", language=language),
        index=None,
        horizontal=True,
        key=_key(question.id),
        persist_state="page",
        label_visibility="collapsed",
    )


def _multi(question: Question, language: str) -> Any:
    return _choice(question, language, multi=True)


def _text(question: Question, language: str, *, lines: bool = False) -> Any:
    """One line of text, or a box of several `lines`."""
    widget = st.text_area if lines else st.text_input
    return widget(
        _label(question, language),
        max_chars=question.max_length,
        key=_key(question.id),
        persist_state="page",
        label_visibility="collapsed",
    )


def _paragraph(question: Question, language: str) -> Any:
    return _text(question, language, lines=True)


def _matrix(question: Question, language: str) -> Any:
    points = list(range(1, len(question.scale) + 1))
    chosen = {}
    for row in question.rows:
        name = f"{question.id}.{row.id}"
        point = st.radio(
            plain(text_in(row.label, language)),
            points,
            format_func=lambda n: plain(text_in(question.scale[n - 1], language)),
            index=None,
            horizontal=True,
            key=_key(name),
            persist_state="page",
        )
        if point is not None:
            chosen[row.id] = point
    return chosen


WIDGETS = {  # by the widget a question type names (surveys.question_types.WIDGETS)
    "scale": _scale,
    "yes_no": _yes_no,
    "choice": _choice,
    "multi": _multi,
    "line": _text,
    "paragraph": _paragraph,
    "matrix": _matrix,
}


def draw_page(survey: Survey, *, page: int, language: str, problems: dict[str, Problem]) -> dict[str, Problem]:
    """Draw the visible questions of one page, each with its problem (if any) right below it, and
    return the problems still standing. A problem found on Next or Submit is checked again against
    the answer now given, so it goes as soon as the question is answered. A condition is re-evaluated
    on every rerun, so a follow-up appears as soon as it applies."""
    standing = {}
    with st.container(key=FORM_KEY):
        for question in survey.pages[page].questions:
            if question not in visible_questions(survey, answers(), page=page):
                continue
            with st.container(border=True):
                _heading(question, language)
                answers()[question.id] = WIDGETS[TYPES[question.type].widget](question, language)
                problem = check_answer(question, answers()) if question.id in problems else None
                if problem:
                    standing[question.id] = problem
                    code, values = problem
                    st.error(t(f"survey.error.{code}", language=language, **values), icon=":material/error:")
    return standing
