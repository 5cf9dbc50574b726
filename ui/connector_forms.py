"""The Data page's connector editor: pick a platform, fill its settings and token, Save or Test
connection; turn a saved connector off or on, or remove it (after a question).

A token typed is kept in its 0600 file on Save (data_sources/connectors/saved.py) and never put
back into a widget: the form says only that one is saved and how it ends, and an empty token field
keeps it, unless a field naming the site changed (then it is asked for again, never sent there).
A platform configured in secrets.toml is shown as set there, read-only (secrets.toml wins).
"""

from __future__ import annotations

import logging

import streamlit as st

import clock
from data_sources.connectors import saved
from data_sources.connectors.config import PLATFORMS
from data_sources.connectors.errors import ConnectorNotConfigured, on_page
from data_sources.connectors.trial import try_connection
from data_sources.errors import DataSourceError
from settings import Settings
from store.database import AppStore
from ui import confirm
from ui.i18n import current_language, t
from ui.session import current_user
from ui.tables import error_markdown, plain

log = logging.getLogger(__name__)
KEY = "data_connector"


def _label(name: str, field: str) -> str:
    return t(f"connector.field.{name}.{field}")


def _help(field: str) -> str | None:
    if field in saved.LISTS:
        return t("connector.help.list")
    if field == "api_url":
        return t("connector.help.api_url")
    return None


def connector_editor(settings: Settings, store: AppStore) -> None:
    """Add, change, try, turn off or remove a connector configured on this page."""
    st.markdown(f"**{t('connector.form.title')}**")
    name = st.selectbox(
        t("connector.form.platform"),
        PLATFORMS,
        index=None,
        placeholder=t("widget.choose"),
        format_func=lambda platform: t(f"connector.name.{platform}"),
        key=f"{KEY}_platform",
    )
    if name is None:
        return
    connector = t(f"connector.name.{name}")
    if name in saved.secrets_names(settings):
        st.info(t("connector.form.in_secrets", connector=connector, section=name))
        return
    gone = confirm.confirmed(
        f"{KEY}_remove", t("connector.form.remove_question", connector=connector), confirm=t("connector.form.remove")
    )
    if gone == name:
        saved.remove(store, settings, name, now=clock.now())
        log.info("Connector %s removed on the Data page by %s", name, current_user())
        st.session_state[f"{KEY}_said"] = t("connector.form.removed", connector=connector)
        st.rerun()
    said = st.session_state.pop(f"{KEY}_said", None)  # what the last run did, told after its rerun
    if said is not None:
        st.success(said)
    existing = saved.saved_connectors(store).get(name)
    kept_token = saved.read_token(settings, name) if existing is not None else None
    with st.form(key=f"{KEY}_form_{name}", border=True):
        values: dict[str, str] = {}
        for field in saved.FIELDS[name]:
            current = existing.settings.get(field) if existing is not None else None
            text = "\n".join(current) if isinstance(current, list) else str(current or "")
            if field in saved.LISTS:  # a few lines: repositories, channel ids, owners
                values[field] = st.text_area(
                    _label(name, field), value=text, help=_help(field), height=96, key=f"{KEY}_{name}_{field}"
                )
            else:
                values[field] = st.text_input(
                    _label(name, field), value=text, help=_help(field), key=f"{KEY}_{name}_{field}"
                )
        if kept_token:
            st.caption(t("connector.form.token_saved", end=saved.token_end(kept_token)))
            token_label = t("connector.form.replace_token", field=_label(name, "token"))
        else:
            token_label = _label(name, "token")
        # a new key after each save: the typed token leaves the session and the browser with its widget
        fresh = st.session_state.setdefault(f"{KEY}_token_round", 0)
        typed = st.text_input(token_label, type="password", value="", key=f"{KEY}_{name}_token_{fresh}")
        channels: list[str] = []
        if name in saved.CHANNELS:
            chosen = "\n".join(existing.feedback_channels) if existing is not None else ""
            channels = saved.listed(
                st.text_area(
                    t("connector.form.feedback_channels"),
                    value=chosen,
                    help=t(f"connector.form.feedback_channels_help.{name}"),
                    height=96,
                    key=f"{KEY}_{name}_feedback",
                )
            )
        enabled = st.checkbox(
            t("connector.form.enabled"),
            value=existing.enabled if existing is not None else True,
            help=t("connector.form.enabled_help"),
            key=f"{KEY}_{name}_enabled",
        )
        with st.container(horizontal=True):
            saving = st.form_submit_button(t("connector.form.save"), type="primary", key=f"{KEY}_{name}_save")
            trying = st.form_submit_button(
                t("connector.form.try"), icon=":material/network_check:", key=f"{KEY}_{name}_try"
            )
    # a field naming the site changed: the saved token is not sent there; it is asked for again
    site_moved = [] if typed.strip() else saved.moved(name, existing, values)
    token = typed.strip() or (None if site_moved else kept_token)
    if saving or trying:
        problems = saved.check(
            name, values, token, site_moved=site_moved if kept_token else (), feedback_channels=channels
        )
        if problems:
            st.error("  \n".join(problem.said.text(current_language(), quote=plain) for problem in problems))
        elif trying:
            _try(name, values, token)
        else:
            saved.save(
                store,
                settings,
                name,
                values,
                token=typed.strip() or None,
                enabled=enabled,
                feedback_channels=channels,
                actor=current_user(),
                now=clock.now(),
            )
            log.info("Connector %s saved on the Data page by %s", name, current_user())
            st.session_state[f"{KEY}_token_round"] = fresh + 1
            st.session_state[f"{KEY}_said"] = t("connector.form.saved", connector=connector)
            st.rerun()
    if existing is not None and st.button(
        t("connector.form.remove"), icon=":material/delete:", key=f"{KEY}_{name}_remove"
    ):
        confirm.ask(f"{KEY}_remove", name)
        st.rerun()


def _try(name: str, values: dict[str, str], token: str | None) -> None:
    """Test connection with the form's values (a typed token, else the saved one)."""
    try:
        config = saved.config_of(name, values, token)
        with st.spinner(t("connector.form.trying", connector=t(f"connector.name.{name}"))), on_page(name):
            reached = try_connection(config)
    except (ConnectorNotConfigured, DataSourceError) as error:
        log.info("Connector %s: Test connection failed: %s", name, error.user_message)
        st.error(error_markdown(error))
        return
    st.success(reached.text(current_language(), quote=plain))
