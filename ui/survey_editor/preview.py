"""The live preview beside the editor: the survey as a member will see it, drawn by the member
page's own form code (ui/survey_form.py), at desktop width or in a 390-pixel phone frame, in any of
the survey's languages, with its logic (answer a question and its follow-up appears). Nothing the
preview does is stored: its answers live in this session only and nothing submits them."""

from __future__ import annotations

from typing import Any

import streamlit as st

from surveys import editing
from surveys.definition import DefinitionError, choose_language, parse_definition, text_in
from ui import survey_form
from ui.i18n import current_language, t
from ui.survey_editor.fields import language_name
from ui.tables import plain

PHONE_WIDTH = 390
SHAPE = "builder_preview_shape"


def _shape(definition: dict[str, Any]) -> tuple:
    """What the preview's widgets depend on: question ids and types, option and row ids."""
    return tuple(
        (
            str(question.get("id")),
            str(question.get("type")),
            tuple(str(item.get("id")) for item in question.get("options", [])),
            tuple(str(item.get("id")) for item in question.get("rows", [])),
            bool(question.get("other")),
        )
        for page in definition.get("pages", [])
        for question in page.get("questions", [])
    )


def _forget_answers_when_the_shape_changed(definition: dict[str, Any]) -> None:
    """A preview answer kept for a question whose type or options changed would not fit its new
    widget; the preview starts again empty then."""
    shape = _shape(definition)
    if st.session_state.get(SHAPE) == shape:
        return
    st.session_state[SHAPE] = shape
    for key in [key for key in st.session_state if str(key).startswith("survey_q_")]:
        del st.session_state[key]
    st.session_state.pop(survey_form.ANSWERS, None)


def preview(definition: dict[str, Any], *, key: str) -> None:
    st.markdown("### " + t("builder.preview"))
    st.caption(t("builder.preview_caption"))
    languages = editing.languages_of(definition)
    reader = choose_language(tuple(languages), current_language())  # the manager's own language first
    controls = st.container(horizontal=True, vertical_alignment="center", key=f"{key}_controls")
    language = (
        controls.segmented_control(
            t("survey.language"),
            languages,
            format_func=language_name,
            default=reader,
            key=f"{key}_language_{'_'.join(languages)}",
            label_visibility="collapsed",
        )
        or reader
    )
    device = (
        controls.segmented_control(
            t("builder.device"),
            ["desktop", "phone"],
            format_func=lambda name: t(f"builder.device.{name}"),
            default="desktop",
            key=f"{key}_device",
            label_visibility="collapsed",
        )
        or "desktop"
    )
    shown = editing.compact(editing.preview_definition(definition, placeholder=t("builder.untitled")))
    try:
        survey = parse_definition(shown, where="preview")
    except DefinitionError as error:
        st.info(t("builder.preview_blocked", count=len(error.problems)), icon=":material/visibility_off:")
        return
    _forget_answers_when_the_shape_changed(definition)
    frame = st.container(border=True, width=PHONE_WIDTH if device == "phone" else "stretch", key=f"{key}_frame")
    with frame:
        st.markdown("## " + plain(text_in(survey.title, language)))
        if survey.description:
            st.markdown(plain(text_in(survey.description, language)))
        page = 0
        if len(survey.pages) > 1:
            page = (
                st.segmented_control(
                    t("builder.preview_page"),
                    list(range(len(survey.pages))),
                    format_func=lambda n: t("survey.page", language=language, page=n + 1, pages=len(survey.pages)),
                    default=0,
                    key=f"{key}_page_{len(survey.pages)}",
                    label_visibility="collapsed",
                )
                or 0
            )
            if survey.pages[page].title:
                st.markdown("#### " + plain(text_in(survey.pages[page].title, language)))
        survey_form.draw_page(survey, page=page, language=language, problems={})
        last = page == len(survey.pages) - 1
        st.button(
            t("survey.submit" if last else "survey.next", language=language),
            type="primary",
            disabled=True,
            width="stretch",
            key=f"{key}_submit",
            help=t("builder.preview_caption"),
        )
