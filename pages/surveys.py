"""Surveys for managers: every survey with its state and rates; pick one for its results, its links
(personal CSV, public QR code), its email invitations and reminders, and to close or reopen it.
?survey=<slug> opens one directly."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission
from catalog import locale
from surveys import links, registry
from surveys.definition import text_in
from surveys.public_url import address, links_stay_on_this_computer
from ui import confirm, data, invitations, survey_editor, survey_views
from ui.address import choice_in_address
from ui.filters import filter_bar
from ui.i18n import current_language, listed, t
from ui.outage import app_store_or_stop
from ui.page import data_errors_stop_the_page, open_page
from ui.session import current_user, may, shared_link
from ui.tables import data_table, moment, period_days, plain

# The builder shares nothing: no Share or Present beside its title (the mode is known before the
# segmented control below is drawn, from its state or, on a fresh visit, the address).
mode = st.session_state.get("surveys_mode", "builder" if "builder" in st.query_params else None)
building = mode == "builder" and may(Permission.MANAGE_SURVEYS) and shared_link() is None
settings, version = open_page("surveys", sharing=not building)
if may(Permission.MANAGE_SURVEYS) and links_stay_on_this_computer(settings.public_url, served_at=st.context.url):
    warning = t("surveys.public_url_local", url=plain(settings.public_url), here=plain(address(st.context.url)))
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
    st.info(t("surveys.none", folder=plain(settings.surveys_dir)))
    st.stop()

link = shared_link()
if link is None:
    selected = data_table(
        table, key="surveys_table", file_name="surveys", selectable=True, column_config=survey_views.survey_columns()
    )
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
    st.error(t("surveys.unreadable", slug=plain(repr(slug))))
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
results_tab = tabs[0]

with results_tab:
    filters = filter_bar(page="surveys", timezone=settings.timezone, choices=choices)
    if filters is not None:
        with data_errors_stop_the_page():
            results = data.load_survey_results(
                settings, version, slug, filters, int(row["completed"]), current_language()
            )
        if results is None or not results.summary.responses:
            st.info(t("surveys.no_responses", **period_days(filters)))
        else:
            survey_views.results_view(results, slug=slug)
            with data_errors_stop_the_page():
                by_version = data.load_responses_by_version(settings, slug, filters)
            st.subheader(t("builder.by_version"), help=t("builder.by_version_help"))
            data_table(
                by_version,
                key="surveys_by_version",
                file_name=f"{slug}-versions",
                column_config={"version": t("column.version"), "responses": t("builder.responses")},
            )
            if may(Permission.FREE_TEXT):
                with data_errors_stop_the_page():
                    texts = data.load_free_text(settings, slug, filters)
                survey_views.free_text_table(texts, slug=slug)

if not managing:
    st.stop()
links_tab, invitations_tab, settings_tab = tabs[1:]
with links_tab:
    public = links.survey_link(settings.public_url, slug)
    st.subheader(t("surveys.public_link"))
    st.code(public, language=None)
    qr = links.qr_png(public)
    st.image(qr, width=220, caption=t("surveys.qr_caption"))
    st.download_button(t("surveys.qr_download"), qr, file_name=f"{slug}-qr.png", mime="image/png", on_click="ignore")

    st.subheader(t("surveys.personal_links"), help=t("surveys.personal_links_help"))
    kind = st.segmented_control(
        t("surveys.audience"),
        links.AUDIENCE_KINDS,
        format_func=lambda name: t(f"surveys.audience.{name}"),
        default="segment",
        key="surveys_audience_kind",
    )
    with data_errors_stop_the_page():
        if kind == "campaign":
            value = invitations.pick_campaign(settings, version, key="surveys_invite_campaign")
        else:
            value = st.selectbox(
                t(f"surveys.invite.{kind or 'segment'}"),
                choices.get(kind or "segment", []),
                key=f"surveys_invite_{kind or 'segment'}",
            )
    if value is not None and st.button(t("surveys.make_links"), type="primary"):
        audience = links.Audience(kind=kind or "segment", value=str(value))
        with data_errors_stop_the_page():
            members = data.load_audience(settings, audience)
            made = links.create_links(
                data.app_store(settings.app_db_url),
                survey_id=stored.id,
                slug=slug,
                members=members,
                audience=audience,
                base_url=settings.public_url,
                now=clock.now(),
                aliases=data.load_aliases(settings, members["member_id"]),
            )
        if not may(Permission.PERSONAL_DATA):
            made = made.drop(columns="email")
        st.session_state["surveys_links"] = (slug, str(audience), made)
    made_for = st.session_state.get("surveys_links")
    if made_for and made_for[0] == slug:
        _, audience_name, made = made_for
        st.success(t("surveys.links_made", links=len(made), audience=plain(audience_name)))
        data_table(made, key="surveys_links_table", file_name=f"{slug}-links")


with invitations_tab:
    invitations.invitations_tab(settings, version, stored, choices)


def _when(kept: datetime | None) -> str | None:
    """A survey's opening or closing moment on the community's clock, as the reader's language writes it."""
    return None if kept is None else moment(kept)


with settings_tab:
    facts = {
        t("column.version"): stored.version,
        t("column.opens_at"): _when(stored.opens_at),
        t("column.closes_at"): _when(stored.closes_at),
        t("column.response_limit"): stored.response_limit,
        t("column.campaign"): stored.campaign_id,
        t("surveys.anonymous"): t("survey.yes") if stored.anonymous else t("survey.no"),
        t("surveys.languages"): listed(
            locale.language_name("zh-CN" if code == "zh" else code, current_language())  # a survey's zh is Simplified
            for code in survey.languages
        ),
        t("surveys.question_count"): len(survey.questions),
    }
    st.dataframe(
        pd.DataFrame({"": list(facts), " ": [str(v) if v is not None else "–" for v in facts.values()]}),
        hide_index=True,
    )
    closing = stored.status == "open"
    with st.container(horizontal=True):
        if st.button(
            t("surveys.close" if closing else "surveys.reopen"),
            icon=":material/lock:" if closing else ":material/lock_open:",
        ):
            with data_errors_stop_the_page():
                registry.set_status(
                    data.app_store(settings.app_db_url),
                    slug,
                    "closed" if closing else "open",
                    actor=current_user(),
                    now=clock.now(),
                )
            st.rerun()
        st.button(
            t("builder.edit"),
            icon=":material/edit:",
            key="surveys_edit",
            on_click=survey_editor.edit_in_builder,
            args=(settings, slug),
        )
        st.download_button(
            t("builder.export"),
            survey_editor.yaml_of(survey),
            file_name=f"{slug}.yaml",
            mime="application/yaml",
            icon=":material/download:",
            on_click="ignore",
        )
        if st.button(t("builder.delete"), icon=":material/delete:", key="surveys_delete"):
            confirm.ask("surveys_delete", slug)
    if confirm.confirmed(
        "surveys_delete", t("builder.delete_confirm", slug=plain(slug)), confirm=t("builder.delete_yes")
    ):
        with data_errors_stop_the_page():
            done = survey_editor.delete(settings, slug)
        st.session_state["surveys_deleted"] = (slug, done)
        st.query_params.pop("survey", None)
        st.rerun()
    st.caption(t("builder.edit_hint", file=plain(f"{slug}.yaml")))
    with data_errors_stop_the_page():
        changes = survey_editor.history_table(settings, slug)
    if not changes.empty:
        st.markdown("#### " + t("builder.history"))
        data_table(changes, key="surveys_history", file_name=f"{slug}-history")
