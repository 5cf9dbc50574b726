"""The member's form session: the survey it answers, and the key its response is stored under.

The key (surveys/submission.py stores a response once per key) lives in the browser tab's
sessionStorage, never in the address: a member who forwards the address passes on the survey, not
their key, so the second person starts a response of their own. sessionStorage survives a refresh
of the tab (the refresh then says the answers were already saved) and is not shared with other
tabs or browsers. Until the tab has reported its key (the first run, or a browser that refuses
storage) the session's own key serves, which a double click on Submit shares as well.

When the app store does not answer, the survey this session last drew is kept, so a member who is
filling it in keeps the form and their answers on screen; the details go to the log, never to them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid

import streamlit as st

from catalog import DEFAULT, language_of
from settings import Settings
from store.database import AppStore, StoreError
from surveys.registry import StoredSurvey, load_survey
from ui import data
from ui.survey_form import TAB_KEY

log = logging.getLogger(__name__)

SURVEY = "survey_stored"  # the version this session last drew, for when the store is down
FRESH = "survey_fresh_key"  # the key this session made, until the tab has reported its own
FORM = "survey_form_key"  # the key in use: the tab's once reported
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Reads the tab's key for this survey, or keeps the session's fresh one as the tab's; reports it
# only when it differs from what Python already has, so a new tab costs no extra run.
_JS = """
export default function ({ data, setStateValue }) {
  let form;
  try {
    form = window.sessionStorage.getItem(data.name);
    if (!form) {
      form = data.fresh;
      window.sessionStorage.setItem(data.name, form);
    }
  } catch (unavailable) {
    return;
  }
  if (form !== data.known) setStateValue("form", form);
}
"""
_tab_key = st.components.v2.component("pulse_survey_tab_key", js=_JS)


def open_survey(settings: Settings, slug: str) -> tuple[AppStore | None, StoredSurvey | None]:
    """The app store and the survey's newest version. While the store does not answer: no store,
    and the version this session drew before (None on a first visit)."""
    try:
        store = data.app_store(settings.app_db_url)
        data.register_surveys(settings)  # a file added a moment ago is live at once
        stored = load_survey(store, slug) if slug else None
    except StoreError:
        log.exception("The member's survey %r could not be loaded from the app store", slug)
        kept = st.session_state.get(SURVEY)
        return None, kept if kept is not None and kept.slug == slug else None
    st.session_state[SURVEY] = stored
    return store, stored


def form_key(slug: str, token: str | None = None) -> str:
    """This tab's key for the survey and the personal link it was opened with (see the module
    docstring: a second personal link opened in the same tab is another member's response); a value
    the tab reports that is not a UUID is ignored, so the stored key is always ours."""
    fresh = st.session_state.setdefault(FRESH, str(uuid.uuid4()))
    link = hashlib.sha256(token.encode()).hexdigest()[:16] if token else "public"  # the token itself stays out
    result = _tab_key(
        key=TAB_KEY,
        data={"name": f"pulse-survey:{slug}:{link}", "fresh": fresh, "known": st.session_state.get(FORM, fresh)},
        default={"form": None},
        on_form_change=lambda: None,
    )
    form = result.get("form")
    st.session_state[FORM] = form if isinstance(form, str) and _UUID.fullmatch(form) else fresh
    return st.session_state[FORM]


def guess_language() -> str:
    """The member's language (a catalog code) before any survey is loaded: ?lang=, else the
    browser's locale (zh-HK: 繁體中文), else English."""
    for wanted in (st.query_params.get("lang"), st.context.locale):
        language = language_of(wanted)
        if language is not None:
            return language
    return DEFAULT
