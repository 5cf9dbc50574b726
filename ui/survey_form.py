"""The widgets of the member's survey form, one per question type.

A multi-page survey draws one page at a time, and Streamlit would forget a widget's value when it is
not drawn. Every widget therefore keeps its state while hidden (`persist_state="page"`), so Back, or
a follow-up that a condition hides and shows again, finds what was typed. The answers of all pages
are gathered in `st.session_state["survey_answers"]` for checking and submitting.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from surveys.answers import OTHER, OTHER_MAX_LENGTH, Problem, other_key, visible_questions
from surveys.definition import SCALES, Question, Survey, text_in
from ui.i18n import t
from ui.tables import plain

ANSWERS = "survey_answers"


def answers() -> dict[str, Any]:
    return st.session_state.setdefault(ANSWERS, {})


def _key(name: str) -> str:
    return f"survey_q_{name}"


def _label(question: Question, language: str) -> str:
    """The widget's own label, hidden: the question is drawn above it as escaped markdown, so this
    stays plain words for screen readers (an escaped label would read out its backslashes)."""
    required = f" ({t('survey.required', language=language)})" if question.required else ""
    return text_in(question.text, language) + required


def _heading(question: Question, language: str) -> None:
    """The question as members see it: literal text, a red star when an answer is required."""
    st.markdown(plain(text_in(question.text, language)) + (" :red[*]" if question.required else ""))
    if question.help:
        st.caption(plain(text_in(question.help, language)))


def _scale(question: Question, language: str) -> Any:
    low, high = SCALES[question.type]
    value = st.pills(
        _label(question, language),
        list(range(low, high + 1)),
        key=_key(question.id),
        persist_state="page",
        label_visibility="collapsed",
    )
    if question.min_label or question.max_label:
        st.caption(
            f"{low} = {plain(text_in(question.min_label, language))} · "
            f"{high} = {plain(text_in(question.max_label, language))}"
        )
    return value


def _choice(question: Question, language: str) -> Any:
    labels = {option.id: text_in(option.label, language) for option in question.options}
    if question.other:
        labels[OTHER] = t("survey.other", language=language)
    widget = st.radio if question.type == "choice" else st.pills
    extra = {"index": None} if question.type == "choice" else {"selection_mode": "multi"}
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


def _text(question: Question, language: str) -> Any:
    widget = st.text_input if question.type == "short_text" else st.text_area
    return widget(
        _label(question, language),
        max_chars=question.max_length,
        key=_key(question.id),
        persist_state="page",
        label_visibility="collapsed",
    )


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


WIDGETS = {
    **dict.fromkeys(SCALES, _scale),
    "choice": _choice,
    "multi": _choice,
    "yes_no": _yes_no,
    "short_text": _text,
    "long_text": _text,
    "matrix": _matrix,
}


def draw_page(survey: Survey, *, page: int, language: str, problems: dict[str, Problem]) -> None:
    """Draw the visible questions of one page, each with its problem (if any) right below it.
    A condition is re-evaluated on every rerun, so a follow-up appears as soon as it applies."""
    for question in survey.pages[page].questions:
        if question not in visible_questions(survey, answers(), page=page):
            continue
        with st.container(border=True):
            _heading(question, language)
            answers()[question.id] = WIDGETS[question.type](question, language)
            if question.id in problems:
                code, values = problems[question.id]
                st.error(t(f"survey.error.{code}", language=language, **values), icon=":material/error:")
