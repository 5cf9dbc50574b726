"""The tabs of one survey on the Surveys page: its results, its links (public, QR code, personal
links for an audience) and its settings (facts, close or reopen, edit, export, delete, history).
The invitations tab is ui/invitations.py."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission
from catalog import locale
from metrics.filters import Filters
from settings import Settings
from surveys import links, registry
from surveys.definition import answer_labels
from surveys.registry import StoredSurvey
from ui import confirm, data, invitations, survey_editor, survey_views
from ui.address import links_start
from ui.filters import filter_bar, show_days
from ui.i18n import current_language, listed, t
from ui.page import data_errors_stop_the_page
from ui.session import current_user, may, presenting, shared_link
from ui.tables import MISSING, data_table, moment, period_days, plain
from visuals.text import day


def results_tab(
    settings: Settings, *, version: str, stored: StoredSurvey, completed: int, choices: dict[str, list[str]]
) -> None:
    """The survey's results in the period the filter bar holds, by version, and its free text to
    those who may read it (`completed`: its completed responses, which key the cached results)."""
    slug = stored.slug
    filters = filter_bar(page="surveys", timezone=settings.timezone, choices=choices)
    if filters is not None:
        with data_errors_stop_the_page():
            found = data.load_survey_results(settings, version, slug, filters, completed, current_language())
        if found is None or not found.summary.responses:
            _no_responses_in(settings, slug, filters)
        else:
            survey_views.results_view(found, slug=slug)
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
                asked = answer_labels(stored.survey, current_language())  # as the member lookup says them
                survey_views.free_text_table(texts, slug=slug, questions=asked)


def _no_responses_in(settings: Settings, slug: str, filters: Filters) -> None:
    """Say the period shown has no responses, and, unless they all came within it, when they
    came: a survey that ran in August, opened in December at the last 28 days, looked as if
    nobody had answered it. Offers their days, but not where the view is fixed (a share link) or
    presented, nor under a member filter, which the responses' days do not know."""
    said = t("surveys.no_responses", **period_days(filters))
    with data_errors_stop_the_page():
        span = None if filters.selects_members else data.load_survey_span(settings, slug)
    first, last = (filters.local_date(stamp) for stamp in span) if span else (None, None)
    if first is None or last is None or (filters.start <= first and last < filters.end):
        st.info(said)  # none, or all in the period: the team's, which no figure counts
        return
    st.info(t("surveys.latest_response", none=said, day=day(last)))
    fixed = shared_link() is not None or presenting()
    if not fixed and st.button(t("surveys.show_every_response", first=day(first), last=day(last))):
        show_days(filters, first, last)
        st.rerun()


def links_tab(settings: Settings, *, version: str, stored: StoredSurvey, choices: dict[str, list[str]]) -> None:
    """The public link and its QR code, and personal links made for a segment, level or campaign."""
    slug = stored.slug
    public = links.survey_link(links_start(settings), slug)
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
                placeholder=t("widget.choose"),
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
                base_url=links_start(settings),
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


def _when(kept: datetime | None) -> str | None:
    """A survey's opening or closing moment on the community's clock, as the reader's language writes it."""
    return None if kept is None else moment(kept)


def _campaign_name(settings: Settings, version: str, campaign_id: str | None) -> str | None:
    """A survey's campaign by its name, as the survey list names it (by its id where the community
    data does not know it)."""
    if not campaign_id:
        return None
    return data.campaign_names(settings, version).get(campaign_id, campaign_id)


def settings_tab(settings: Settings, *, version: str, stored: StoredSurvey) -> None:
    """What the survey is (version, dates, limit, campaign, languages), and closing or reopening,
    editing in the builder, exporting its YAML and deleting it (confirmed), with its history."""
    slug, survey = stored.slug, stored.survey
    facts = {
        t("column.version"): stored.version,
        t("column.opens_at"): _when(stored.opens_at),
        t("column.closes_at"): _when(stored.closes_at),
        t("column.response_limit"): stored.response_limit,
        t("column.campaign"): _campaign_name(settings, version, stored.campaign_id),
        t("surveys.anonymous"): t("survey.yes") if stored.anonymous else t("survey.no"),
        t("surveys.languages"): listed(
            locale.language_name("zh-CN" if code == "zh" else code, current_language())  # a survey's zh is Simplified
            for code in survey.languages
        ),
        t("surveys.question_count"): len(survey.questions),
    }
    st.dataframe(
        pd.DataFrame(
            {
                t("surveys.fact"): list(facts),
                t("surveys.fact_value"): [str(v) if v is not None else MISSING for v in facts.values()],
            }
        ),
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
    kept_in_a_file = any((settings.surveys_dir / f"{slug}{suffix}").is_file() for suffix in (".yaml", ".yml"))
    # a survey made in the builder has no file: a team that keeps its surveys in git is told of one only where it is
    st.caption(t("builder.edit_hint", file=plain(f"{slug}.yaml")) if kept_in_a_file else t("builder.edit_hint_app"))
    with data_errors_stop_the_page():
        changes = survey_editor.history_table(settings, slug)
    if not changes.empty:
        st.markdown("#### " + t("builder.history"))
        data_table(changes, key="surveys_history", file_name=f"{slug}-history")
