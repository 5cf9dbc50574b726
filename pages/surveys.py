"""Surveys for managers: every survey with its state and rates; pick one for its results, its links
(personal CSV, public QR code) and to close or reopen it. ?survey=<slug> opens one directly."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from auth.access import Permission
from surveys import links, registry
from surveys.definition import text_in
from ui import data
from ui.charts import answers_chart, matrix_chart, nps_trend_chart
from ui.filters import filter_bar
from ui.i18n import t
from ui.page import data_errors_stop_the_page, open_page
from ui.session import may
from ui.tables import data_table, plain

settings, version = open_page("surveys")
with data_errors_stop_the_page():
    for problem in data.register_surveys(settings):
        st.warning(t("surveys.file_problem", problem=plain(problem)), icon=":material/warning:")
    table = data.load_survey_table(settings)
if table.empty:
    st.info(t("surveys.none", folder=plain(settings.surveys_dir)))
    st.stop()

percent = st.column_config.NumberColumn(format="percent")
selected = data_table(
    table,
    key="surveys_table",
    file_name="surveys",
    selectable=True,
    column_config={
        "id": None,
        "anonymous": None,
        "invited_responses": None,
        "status": None,
        "title": t("column.survey"),
        "slug": t("column.slug"),
        "version": t("column.version"),
        "state": t("column.state"),
        "opens_at": st.column_config.DatetimeColumn(t("column.opens_at"), format="D MMM YYYY"),
        "closes_at": st.column_config.DatetimeColumn(t("column.closes_at"), format="D MMM YYYY"),
        "campaign_id": t("column.campaign"),
        "response_limit": t("column.response_limit"),
        "started": t("column.started"),
        "completed": t("column.completed"),
        "last_response": st.column_config.DatetimeColumn(t("column.last_response"), format="D MMM YYYY HH:mm"),
        "invitations": t("column.invitations"),
        "completion_rate": st.column_config.NumberColumn(t("column.completion_rate"), format="percent"),
        "response_rate": st.column_config.NumberColumn(t("column.response_rate"), format="percent"),
    },
)
if selected is not None:
    st.query_params["survey"] = table.at[selected, "slug"]
slug = st.query_params.get("survey")
if slug not in set(table["slug"]):
    st.info(t("surveys.pick"))
    st.stop()
row = table[table["slug"] == slug].iloc[0]
with data_errors_stop_the_page():
    stored = registry.load_survey(data.app_store(settings.app_db_url), slug)
if stored is None:
    st.stop()
survey = stored.survey
st.header(plain(text_in(survey.title, survey.languages[0])))
st.caption(t("surveys.state_caption", state=t(f"surveys.state.{row['state']}"), version=stored.version))
with data_errors_stop_the_page():
    choices = data.load_dimension_values(settings, version)
results_tab, links_tab, settings_tab = st.tabs([t("surveys.results"), t("surveys.links"), t("surveys.settings")])

with results_tab:
    filters = filter_bar(page="surveys", timezone=settings.timezone, choices=choices)
    if filters is not None:
        with data_errors_stop_the_page():
            results = data.load_survey_results(settings, version, slug, filters, int(row["completed"]))
        summary = results.summary if results else {"responses": 0}
        if not summary["responses"]:
            st.info(t("surveys.no_responses", start=filters.start, last=filters.last))
        else:
            tiles = st.columns(4)
            tiles[0].metric(t("surveys.responses"), f"{summary['responses']:,}")
            nps = "–" if summary["nps"] is None else f"{summary['nps']:.0f} ± {summary['nps_margin']:.0f}"
            tiles[1].metric("NPS", nps, help=t("surveys.nps_help", answers=summary["nps_answers"]))
            csat = "–" if summary["csat"] is None else f"{summary['csat']:.0%}"
            tiles[2].metric("CSAT", csat, help=t("surveys.csat_help", answers=summary["csat_answers"]))
            ces = "–" if summary["ces"] is None else f"{summary['ces']:.2f}"
            tiles[3].metric("CES", ces, help=t("surveys.ces_help", answers=summary["ces_answers"]))
            if not results.trend.empty:
                st.subheader(t("surveys.trend"))
                st.altair_chart(nps_trend_chart(results.trend))
            st.subheader(t("surveys.breakdown"), help=t("surveys.breakdown_help"))
            dimension = st.segmented_control(
                t("surveys.breakdown_by"),
                list(results.breakdowns),
                format_func=lambda name: t(f"filters.{name}") if name != "level" else t("chart.level"),
                default="segment",
                key="surveys_breakdown",
                label_visibility="collapsed",
            )
            data_table(
                results.breakdowns[dimension or "segment"],
                key="surveys_breakdown_table",
                file_name=f"{slug}-by-{dimension}",
                column_config={
                    "group": t("column.group"),
                    "respondents": t("column.respondents"),
                    "nps": st.column_config.NumberColumn("NPS", format="%.0f"),
                    "nps_margin": st.column_config.NumberColumn("±", format="%.0f"),
                    "csat": st.column_config.NumberColumn("CSAT", format="percent"),
                },
            )
            st.subheader(t("surveys.questions"))
            for question, result in results.questions:
                st.markdown(f"**{plain(text_in(question.text, 'en'))}**")
                if question.type == "matrix":
                    st.altair_chart(matrix_chart(result, scale=[text_in(s, "en") for s in question.scale]))
                elif "label" in result:
                    st.altair_chart(answers_chart(result))
                else:
                    st.caption(t("surveys.text_answers", answers=int(result["answers"].sum())))
            if may(Permission.FREE_TEXT):
                st.subheader(t("surveys.free_text"), help=t("surveys.free_text_help"))
                with data_errors_stop_the_page():
                    texts = data.load_free_text(settings, slug, filters)
                data_table(
                    texts,
                    key="surveys_free_text",
                    file_name=f"{slug}-free-text",
                    column_config={
                        "submitted_at": st.column_config.DatetimeColumn(
                            t("column.submitted"), format="D MMM YYYY HH:mm"
                        ),
                        "member_id": t("column.member_id"),
                        "question_id": t("column.question"),
                        "text": t("column.text"),
                        "nps": st.column_config.NumberColumn("NPS", format="%.0f"),
                    },
                )

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
            campaigns = data.load_campaign_choices(settings, version)
            names = dict(zip(campaigns["campaign_id"], campaigns["name"], strict=True))
            value = st.selectbox(
                t("surveys.invite.campaign"),
                list(names),
                format_func=lambda c: f"{names[c]} ({c})",
                key="surveys_invite_campaign",
            )
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
                now=datetime.now(UTC).replace(tzinfo=None),
            )
        if not may(Permission.PERSONAL_DATA):
            made = made.drop(columns="email")
        st.session_state["surveys_links"] = (slug, str(audience), made)
    made_for = st.session_state.get("surveys_links")
    if made_for and made_for[0] == slug:
        _, audience_name, made = made_for
        st.success(t("surveys.links_made", links=len(made), audience=plain(audience_name)))
        data_table(made, key="surveys_links_table", file_name=f"{slug}-links")

with settings_tab:
    facts = {
        t("column.version"): stored.version,
        t("column.opens_at"): stored.opens_at,
        t("column.closes_at"): stored.closes_at,
        t("column.response_limit"): stored.response_limit,
        t("column.campaign"): stored.campaign_id,
        t("surveys.anonymous"): t("survey.yes") if stored.anonymous else t("survey.no"),
        t("surveys.languages"): ", ".join(survey.languages),
        t("surveys.question_count"): len(survey.questions),
    }
    st.dataframe(
        pd.DataFrame({"": list(facts), " ": [str(v) if v is not None else "–" for v in facts.values()]}),
        hide_index=True,
    )
    closing = stored.status != "closed"
    if st.button(
        t("surveys.close" if closing else "surveys.reopen"),
        icon=":material/lock:" if closing else ":material/lock_open:",
    ):
        with data_errors_stop_the_page():
            registry.set_status(data.app_store(settings.app_db_url), slug, "closed" if closing else "open")
        st.rerun()
    st.caption(t("surveys.edit_hint", file=plain(f"{slug}.yaml")))
