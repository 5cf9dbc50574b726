"""Alerts, for managers: every rule with its state, when it was last evaluated and when it is next
due; add, edit, turn off, snooze or delete one (rules from the alerts YAML file are shown read-only
and can only be snoozed); a selected rule's history (or `/alerts?rule=<id>`'s): its evaluations
and the messages it sent with their outbox status (docs/alerts.md)."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

import clock
from alerts import evaluation, rules, rules_file
from alerts.rules import Rule
from alerts.schedule import last_sync_run
from delivery.channels import ChannelError, load_channels
from ui import confirm, data
from ui.address import id_in_address
from ui.alert_forms import rule_editor
from ui.alert_views import history_tables, rules_table
from ui.i18n import t
from ui.page import data_errors_stop_the_page, open_page
from ui.presentation import presenting
from ui.session import current_user, setup_note
from ui.tables import error_markdown, plain

SNOOZES = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}

settings, version = open_page("alerts")
st.caption(t("alerts.intro"))
store = data.app_store(settings.app_db_url)
now = clock.now()
try:
    channels = sorted(load_channels(settings))
except ChannelError as error:  # the admin's secrets.toml: said as written; the rules are still listed
    st.error(error_markdown(error))
    channels = []
try:
    rules_file.mirror(store, settings.alerts_file, now=now, channels=set(channels) or None)
except rules_file.AlertFileError as error:  # the file's rules stay as they were
    st.error(error_markdown(error))
with data_errors_stop_the_page():
    kept = rules.list_rules(store)
    choices = data.load_dimension_values(settings, version)
    sync_run = last_sync_run(store)
if not channels:
    st.info(setup_note("alerts.no_channels"))


def done(said: str) -> None:
    st.toast(said, icon=":material/check:")
    st.rerun()


def actions(rule: Rule) -> None:
    """Check now, snooze or wake, turn off or on, delete (asked first); a file's rule only snoozes."""
    bar = st.container(horizontal=True, vertical_alignment="bottom")
    if rule.enabled and bar.button(t("alerts.check_now"), key="alerts_check", icon=":material/play_arrow:"):
        with data_errors_stop_the_page():
            evaluation.evaluate_due(settings, store, clock.now(), only=rule.id)
        done(t("alerts.checked"))
    if rule.snoozed(now):
        if bar.button(t("alerts.wake"), key="alerts_wake", icon=":material/notifications_active:"):
            rules.snooze(store, rule.id, None, by=current_user(), now=clock.now())
            done(t("alerts.woken"))
    else:
        length = bar.selectbox(
            t("alerts.snooze_for"),
            list(SNOOZES),
            format_func=lambda n: t(f"alerts.snooze.{n}"),
            key="alerts_snooze_for",
            width=180,  # as wide as its words, beside the buttons
            placeholder=t("widget.choose"),
        )
        if bar.button(t("alerts.snooze"), key="alerts_snooze", icon=":material/notifications_paused:"):
            rules.snooze(store, rule.id, clock.now() + SNOOZES[length], by=current_user(), now=clock.now())
            done(t("alerts.snoozed"))
    if rule.origin != "app":
        st.caption(t("alerts.from_file", file=plain(settings.alerts_file)))
        return
    turn = ("alerts.disable", ":material/notifications_off:", False)
    if not rule.enabled:
        turn = ("alerts.enable", ":material/notifications:", True)
    if bar.button(t(turn[0]), key="alerts_toggle", icon=turn[1]):
        rules.set_enabled(store, rule.id, turn[2], by=current_user(), now=clock.now())
        done(t("alerts.saved"))
    if bar.button(t("alerts.delete"), key="alerts_delete_button", icon=":material/delete:"):
        confirm.ask("alerts_delete", rule.id)


def editor(rule: Rule | None) -> None:
    """Add a rule, or edit the selected one if it was written in the app."""
    if rule is not None and rule.origin != "app":
        return
    with st.expander(t("alerts.edit") if rule else t("alerts.add"), expanded=rule is not None):
        wanted = rule_editor(
            rule.definition if rule else None, rule_id=rule.id if rule else None, choices=choices, channels=channels
        )
        if wanted is None:
            return
        known = set(channels) | (set(rule.definition.recipients) if rule else set())
        try:
            if rule is None:
                rules.add_rule(store, wanted, by=current_user(), now=clock.now(), channels=known)
            else:
                rules.edit_rule(store, rule.id, wanted, by=current_user(), now=clock.now(), channels=known)
        except rules.AlertRefused as refused:
            st.error(error_markdown(refused))
            return
        done(t("alerts.saved"))


st.subheader(t("alerts.rules"))
row = None
if kept:
    row = rules_table(kept, now=now, timezone=settings.timezone, sync_run=sync_run)
    st.caption(t("alerts.pick"))
else:
    st.info(t("alerts.none"))
asked = id_in_address("rule")  # /alerts?rule=<id> opens a rule's history (a bookmark, a test)
picked = kept[row] if row is not None else next((rule for rule in kept if rule.id == asked), None)
if not presenting():
    if picked is not None:
        actions(picked)
    editor(picked)
if (doomed := next((r for r in kept if r.id == confirm.pending("alerts_delete")), None)) is not None:
    question = t("alerts.confirm_delete", name=plain(doomed.name))
    if confirm.confirmed("alerts_delete", question, confirm=t("alerts.delete")):
        rules.delete_rule(store, doomed.id)
        done(t("alerts.deleted"))
if picked is not None:
    st.subheader(t("alerts.history", name=plain(picked.name)))
    with data_errors_stop_the_page():
        history_tables(store, picked, timezone=settings.timezone)
