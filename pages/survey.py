"""The member's survey page: /survey?s=<slug>, or a personal link with &t=<token>.

app.py registers this page alone when the address asks for a survey, so a member sees the survey
and nothing else. The form's idempotency key lives in the browser tab, never in the address
(ui/survey_session.py): a forwarded address starts the next person's own response, and a refresh
of the tab after submitting says "already saved" instead of storing the answers twice. A second tap
on Submit starts a new run while the first is still storing (Streamlit's fast reruns); the session
remembers that it sent this key, so that run thanks the member like the first.

When the app store does not answer, the member reads a plain message in their language and keeps
the form and their answers; the details are logged, never shown.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

import streamlit as st

import clock
from catalog import locale
from store.database import StoreError
from surveys.answers import check_page, is_answered, known_answers
from surveys.definition import choose_language, text_in
from surveys.registry import Availability, current_availability
from surveys.submission import (
    AnswersInvalid,
    Outcome,
    check_link,
    mark_opened,
    response_state,
    start_response,
    submit,
)
from ui import background, data, survey_form, survey_session
from ui.i18n import t
from ui.page import no_app_menu, require_entry
from ui.tables import plain

log = logging.getLogger(__name__)


def _language(languages: tuple[str, ...]) -> str:
    """?lang= (zh-TW, zh-CN, or zh as older links say), else the browser's locale (zh-TW and zh-HK:
    繁體中文), else the survey's first (surveys.definition.choose_language); kept in the address as
    the survey's code, not a label, so a link reads the same in every language."""
    wanted = choose_language(languages, st.query_params.get("lang"), st.context.locale)
    if len(languages) == 1:
        return languages[0]
    chosen = (
        st.segmented_control(
            t("survey.language", language=wanted),
            languages,
            format_func=locale.autonym,  # each in itself: Español, 日本語
            default=wanted,
            key=survey_form.LANGUAGE_KEY,
            label_visibility="collapsed",
        )
        or wanted
    )
    st.query_params["lang"] = chosen
    return chosen


def _opens(moment: datetime, timezone: str, language: str) -> str:
    """When a survey opens (kept in UTC), in the community's time zone as the member's language
    writes a moment: "1 Jan 2099, 08:00 Asia/Shanghai" · "2099年1月1日 08:00 Asia/Shanghai"."""
    return f"{locale.moment(moment, language, zone=timezone)} {timezone}"


def _stop(message: str, *, kind: str = "info") -> None:
    getattr(st, kind)(message)
    st.stop()


require_entry()
no_app_menu()
slug = st.query_params.get("s", "")
token = st.query_params.get("t")
if "k" in st.query_params:  # older addresses carried the form's key; it is never read, so not kept
    del st.query_params["k"]
settings = data.current_settings()
store, stored = survey_session.open_survey(settings, slug)
if stored is None:
    if store is None:
        _stop(t("survey.unreachable", language=survey_session.guess_language()), kind="error")
    _stop(t("survey.not_found", language=survey_session.guess_language()), kind="warning")
survey = stored.survey
survey_form.style()
key = f"{slug}:{survey_session.form_key(slug, token)}"  # the stored key belongs to this survey and this tab
language = _language(survey.languages)
st.set_page_config(page_title=text_in(survey.title, language), layout="centered")  # the tab's title too
st.title(plain(text_in(survey.title, language)))

thanks = plain(text_in(survey.thanks, language)) if survey.thanks else t("survey.thanks", language=language)
if st.session_state.get("survey_done") == key:
    _stop(thanks, kind="success")
state = Availability.OPEN  # while the store is down the form stays; Submit then says so
if store is not None:
    try:
        stored_here = response_state(store, key=key)  # by this session's other tap, or before a refresh
        if stored_here and st.session_state.get("survey_sent") == key:
            _stop(thanks, kind="success")
        refused = check_link(store, slug=slug, token=token) if token else None
        if refused is not None:  # a used personal link says so, even in the tab that used it
            _stop(t(f"survey.{refused.value}", language=language), kind="warning")
        if token and not st.session_state.get("survey_opened"):
            mark_opened(store, slug=slug, token=token, now=clock.now())  # the invitations' "opened"
            st.session_state["survey_opened"] = True
        if stored_here:
            _stop(t("survey.already_stored", language=language), kind="success")
        state = current_availability(store, stored, now=clock.now())
    except StoreError:  # local: the form is still shown; Submit says the store is down
        log.exception("The app store did not answer the member's survey %r", slug)
        store = None
if state is not Availability.OPEN:
    opens = _opens(stored.opens_at, settings.timezone, language) if stored.opens_at else ""
    _stop(t(f"survey.{state.value}", language=language, opens=opens))

if survey.description:
    st.markdown(plain(text_in(survey.description, language)))
if survey.anonymous:
    st.caption(t("survey.anonymous", language=language))

# The newest version is drawn on every run; if it was republished with fewer pages, stay in range.
page = min(st.session_state.setdefault("survey_page", 0), len(survey.pages) - 1)
if len(survey.pages) > 1:
    st.caption(t("survey.page", language=language, page=page + 1, pages=len(survey.pages)))
    if survey.pages[page].title:
        st.subheader(plain(text_in(survey.pages[page].title, language)))
problems = survey_form.draw_page(
    survey, page=page, language=language, problems=st.session_state.get("survey_problems", {})
)
answers = survey_form.answers()

if store and not st.session_state.get("survey_started") and any(is_answered(value) for value in answers.values()):
    st.session_state["survey_started"] = True
    with contextlib.suppress(StoreError):  # it only feeds the completion rate; answers stay on screen
        start_response(store, stored=stored, key=key, locale=language, now=clock.now(), token=token)

actions = st.container(key=survey_form.ACTIONS_KEY)
if problems:  # above the button, where the member looks before pressing it again
    actions.error(t("survey.fix", language=language), icon=":material/arrow_upward:")
# Back on the left and Next or Submit on the right of a paged survey; a survey of one page has
# Submit across the row (alone in the right half it read as a step of a wizard).
back, forward = actions.columns(2) if len(survey.pages) > 1 else (actions, actions)
if page > 0 and back.button(t("survey.back", language=language), icon=":material/arrow_back:", width="stretch"):
    st.session_state["survey_page"], st.session_state["survey_problems"] = page - 1, {}
    st.rerun()
last = page == len(survey.pages) - 1
if not last and forward.button(t("survey.next", language=language), type="primary", width="stretch"):
    problems = check_page(survey, answers, page=page)
    st.session_state["survey_problems"] = problems
    if not problems:
        st.session_state["survey_page"] = page + 1
    st.rerun()
if last and forward.button(t("survey.submit", language=language), type="primary", width="stretch"):
    st.session_state["survey_sent"] = key  # before storing: a second tap's run may find it stored
    if store is None:
        _stop(t("survey.unreachable_kept", language=language), kind="error")
    try:
        result = submit(
            store,
            stored=stored,
            answers=known_answers(survey, answers),
            key=key,
            token=token,
            locale=language,
            now=clock.now(),
            write_back=settings.write_back_spreadsheet is not None,
        )
    except AnswersInvalid as invalid:  # local: the member is taken to the first answer to fix
        pages = survey.pages
        first = next((n for n, each in enumerate(pages) if any(q.id in invalid.problems for q in each.questions)), 0)
        st.session_state["survey_page"], st.session_state["survey_problems"] = first, invalid.problems
        st.rerun()
    except StoreError:  # local: the answers stay on screen, in the member's language, to submit again
        log.exception("A response to the survey %r could not be stored", slug)
        st.error(t("survey.store_failed", language=language) + " " + t("survey.retry", language=language))
        st.stop()
    if result.outcome in (Outcome.STORED, Outcome.ALREADY_STORED):
        background.push_responses_soon(settings)
        st.session_state["survey_done"] = key
        st.rerun()
    st.warning(t(f"survey.{result.outcome.value}", language=language, opens=""))
