"""The inbox's Automatic replies view: the statuses (for every theme or one) after which a member is
told what became of their feedback without anyone writing it (outreach/auto_replies.py), who set
each rule, how many replies went out this way lately, and a form to add one."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from delivery.channels import load_channels
from feedback.themes import load_themes
from outreach import auto_replies
from outreach.messages import email_channel
from settings import Settings
from store.database import AppStore, StoreError
from ui.i18n import t
from ui.inbox.labels import status_label, theme_word
from ui.invitations import wording_editor
from ui.outage import app_store_failed
from ui.page import data_errors_stop_the_page
from ui.session import setup_note, who
from ui.tables import error_markdown, moment, plain
from visuals import text

RECENT_DAYS = 28


def _said(status: str, theme: str) -> str:
    """A rule in words (markdown: the theme is a team's own words, quoted as text)."""
    if theme == auto_replies.ANY_THEME:
        return t("autoreply.rule_any", status=status_label(status))
    return t("autoreply.rule_theme", status=status_label(status), theme=plain(theme_word(theme)))


def _theme_choice(theme: str) -> str:
    return t("autoreply.any_theme") if theme == auto_replies.ANY_THEME else theme_word(theme)


def auto_replies_view(settings: Settings, store: AppStore, *, themes: list[str], actor: str, now: datetime) -> None:
    """The view; `themes` are those in use, offered with the suggested ones (feedback/themes.yaml)."""
    st.caption(
        t("autoreply.help", minutes=int(auto_replies.GRACE.total_seconds() // 60), days=auto_replies.WINDOW.days)
    )
    with data_errors_stop_the_page():
        channel = email_channel(load_channels(settings))
        kept = auto_replies.rules(store)
        sent = auto_replies.sent_since(store, now - timedelta(days=RECENT_DAYS))
    if channel is None:
        st.warning(setup_note("autoreply.no_channel"), icon=":material/mail_off:")
    if kept.empty:
        st.info(t("autoreply.none"), icon=":material/forward_to_inbox:")
    for rule in kept.itertuples(index=False):
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            with st.container():
                st.markdown(_said(str(rule.status), str(rule.theme)))
                st.caption(t("autoreply.set_by", who=plain(who(rule.created_by)), when=moment(rule.created_at)))
            if st.button(t("autoreply.remove"), key=f"autoreply_remove_{rule.id}", icon=":material/delete:"):
                with data_errors_stop_the_page():
                    auto_replies.remove_rule(store, int(rule.id))
                st.rerun()
    if not kept.empty:
        st.caption(t("autoreply.sent", count=text.number(sent), days=RECENT_DAYS))
    _add_form(store, themes=themes, actor=actor, now=now)
    with st.expander(t("autoreply.wording"), icon=":material/edit:"):
        wording_editor(settings, ("reply",), key="autoreply_wording")


def _add_form(store: AppStore, *, themes: list[str], actor: str, now: datetime) -> None:
    with st.form("autoreply_add", border=True):
        st.markdown(f"**{t('autoreply.add_title')}**")
        left, right = st.columns(2)
        status = left.selectbox(
            t("autoreply.status"),
            auto_replies.STATUSES_TOLD,
            index=auto_replies.STATUSES_TOLD.index("resolved"),
            format_func=status_label,
            placeholder=t("widget.choose"),
        )
        theme = right.selectbox(
            t("autoreply.theme"),
            [auto_replies.ANY_THEME, *sorted(set(themes) | {theme.name for theme in load_themes()})],
            format_func=_theme_choice,
            placeholder=t("widget.choose"),
        )
        added = st.form_submit_button(t("autoreply.add"), type="primary", icon=":material/add:")
    if not added:
        return
    try:
        auto_replies.add_rule(store, status=status, theme=theme, actor=actor, now=now)
    except auto_replies.AutoReplyError as error:  # local: the form keeps its choice
        st.error(error_markdown(error))
        return
    except StoreError:
        app_store_failed()
        return
    st.rerun()
