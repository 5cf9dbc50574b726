"""Surveys for managers: every survey with its state and rates; pick one for its results, its links
(personal CSV, public QR code), its email invitations and reminders, and to close or reopen it.
?survey=<slug> opens one directly."""

from __future__ import annotations

import streamlit as st

from auth.access import Permission
from surveys import registry
from surveys.definition import text_in
from surveys.public_url import address, links_stay_on_this_computer
from ui import data, invitations, survey_editor, survey_tabs, survey_views
from ui.address import choice_in_address
from ui.i18n import current_language, t
from ui.outage import app_store_or_stop
from ui.page import data_errors_stop_the_page, open_page
from ui.session import may, setup_note, shared_link
from ui.tables import data_table, plain

# The builder shares nothing: no Share or Present beside its title (the mode is known before the
# segmented control below is drawn, from its state or, on a fresh visit, the address).
if asked := st.session_state.pop(survey_editor.MODE_NEXT, None):  # after a publish: the results, and the switch says so
    st.session_state["surveys_mode"] = asked
mode = st.session_state.get("surveys_mode", "builder" if "builder" in st.query_params else None)
building = mode == "builder" and may(Permission.MANAGE_SURVEYS) and shared_link() is None
settings, version = open_page("surveys", sharing=not building)
if may(Permission.MANAGE_SURVEYS) and links_stay_on_this_computer(settings.public_url, served_at=st.context.url):
    here = plain(address(st.context.url))
    warning = setup_note("surveys.public_url_local", url=plain(settings.public_url), here=here)
    st.warning(warning, icon=":material/link_off:")
app_store_or_stop(settings)
if may(Permission.MANAGE_SURVEYS) and shared_link() is None:
    mode = st.segmented_control(
        t("builder.mode"),
        ["results", "builder"],
        format_func=lambda name: t(f"builder.mode.{name}"),
        default="builder" if "builder" in st.query_params else "results",
        key="surveys_mode",
        label_visibility="collapsed",
    )
    if mode == "builder":
        st.query_params["builder"] = "1"
        survey_editor.builder(settings)
        st.stop()
    st.query_params.pop("builder", None)
    survey_editor.close_editor()
deleted = st.session_state.pop("surveys_deleted", None)
if deleted:
    st.success(t(f"builder.{deleted[1]}", slug=plain(deleted[0])), icon=":material/check:")
published = st.session_state.pop("builder_published", None)
if published:
    st.success(t("builder.published", slug=plain(published[0]), version=published[1]), icon=":material/check:")
with data_errors_stop_the_page():
    for problem in data.register_surveys(settings):
        said = problem.text(current_language(), quote=plain)
        st.warning(t("surveys.file_problem", problem=said), icon=":material/warning:")
    table = data.load_survey_table(settings)
if table.empty:
    if may(Permission.MANAGE_SURVEYS) and shared_link() is None:
        st.info(setup_note("surveys.none", build=t("builder.mode.builder"), folder=plain(settings.surveys_dir)))
    else:
        st.info(t("surveys.none_to_read"))
    st.stop()

link = shared_link()
if link is None:
    columns = survey_views.survey_columns(data.campaign_names(settings, version))
    table = survey_views.as_listed(table, columns)
    key = survey_views.list_key(table)
    shown = survey_views.shown_columns(table, columns)
    selected = data_table(table, key=key, file_name="surveys", selectable=True, column_config=shown)
    if selected is not None:
        st.query_params["survey"] = table.at[selected, "slug"]
if link is None:
    slug = choice_in_address("survey", st.query_params.get("survey"), set(table["slug"]))
else:
    slug = link.query.get("survey")  # a link shows its survey alone
if slug not in set(table["slug"]):
    if link is None:
        st.info(t("surveys.pick"))
    else:
        st.error(t("share.refused.not_valid"))
    st.stop()
row = table[table["slug"] == slug].iloc[0]
with data_errors_stop_the_page():
    stored = registry.load_survey(data.app_store(settings.app_db_url), slug)
if stored is None:  # deleted since the table was read, or written by an older release's rules
    st.error(t("surveys.unreadable", slug=plain(slug)))
    st.stop()
survey = stored.survey
st.header(plain(text_in(survey.title, current_language())))
st.caption(t("surveys.state_caption", state=t(f"surveys.state.{row['state']}"), version=stored.version))
with data_errors_stop_the_page():
    choices = data.load_dimension_values(settings, version)
managing = may(Permission.MANAGE_SURVEYS)  # a share link shows the results only
tabs = st.tabs(
    [t("surveys.results"), *([t("surveys.links"), t("invites.tab"), t("surveys.settings")] if managing else [])]
)
with tabs[0]:
    survey_tabs.results_tab(settings, version=version, stored=stored, completed=int(row["completed"]), choices=choices)
if not managing:
    st.stop()
links_tab, invitations_tab, settings_tab = tabs[1:]
with links_tab:
    survey_tabs.links_tab(settings, version=version, stored=stored, choices=choices)
with invitations_tab:
    invitations.invitations_tab(settings, version, stored, choices)
with settings_tab:
    survey_tabs.settings_tab(settings, version=version, stored=stored)
