"""The Alerts page's tables: the rules with their state and schedule, and a rule's history (its
evaluations, the messages it queued with their outbox status). Moments are shown in the
community's time zone; codes (state, outcome, status) as the catalog's words."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from alerts import evaluation
from alerts.messages import change_text, describe, scope, value_text
from alerts.readings import Reading
from alerts.rules import Rule
from alerts.schedule import local, next_due
from delivery.outbox import STATUSES
from store.database import AppStore
from ui.i18n import listed, t
from ui.tables import catalog_words, data_table, time_column, words_column

RULE_STATES = ("new", "no_data", "holding", "clear", "snoozed", "disabled")


def state(rule: Rule, now: datetime) -> str:
    """new (not evaluated yet), no_data (evaluated, never judged), holding, clear, snoozed or disabled."""
    if not rule.enabled:
        return "disabled"
    if rule.snoozed(now):
        return "snoozed"
    if rule.holding is None:
        return "new" if rule.last_evaluated_at is None else "no_data"
    return "holding" if rule.holding else "clear"


def _schedule(rule: Rule) -> str:
    at = rule.definition.at
    return t("alerts.daily_at", at=at) if at else t(f"alerts.schedule.{rule.definition.schedule}")


def _moments(values: object, timezone: str) -> list[datetime | None]:
    """Stored (UTC) moments in the community's time zone; None for none."""
    return [None if pd.isna(v) else local(pd.Timestamp(v).to_pydatetime(), timezone) for v in values]  # type: ignore[attr-defined]


def rules_table(kept: list[Rule], *, now: datetime, timezone: str, sync_run: int | None) -> int | None:
    """The rules, selectable; the selected row's position."""
    frame = pd.DataFrame(
        {
            "name": [rule.name for rule in kept],
            "watches": [describe(rule.definition) for rule in kept],
            "members": [scope(rule.definition) for rule in kept],
            "schedule": [_schedule(rule) for rule in kept],
            "recipients": [listed(rule.definition.recipients) for rule in kept],
            "state": [state(rule, now) for rule in kept],
            "snoozed_until": _moments([r.snoozed_until if r.snoozed(now) else None for r in kept], timezone),
            "last_evaluated": _moments([rule.last_evaluated_at for rule in kept], timezone),
            "next_due": _moments(
                [next_due(rule, now=now, timezone=timezone, sync_run=sync_run) for rule in kept], timezone
            ),
            "origin": [rule.origin for rule in kept],
        }
    )
    return data_table(
        frame,
        key="alerts_table",
        file_name="alert-rules",
        selectable=True,
        column_config={
            "name": t("alerts.column.name"),
            "watches": t("alerts.column.watches"),
            "members": t("column.for"),
            "schedule": t("alerts.column.schedule"),
            "recipients": t("alerts.column.recipients"),
            "state": words_column(t("alerts.column.state"), catalog_words("alerts.state", RULE_STATES)),
            "snoozed_until": time_column(t("alerts.column.snoozed_until")),
            "last_evaluated": time_column(t("alerts.column.last_evaluated")),
            "next_due": time_column(t("alerts.column.next_due"), help=t("alerts.column.next_due_help")),
            "origin": words_column(t("alerts.column.origin"), catalog_words("alerts.origin", ("app", "file"))),
        },
    )


def _note(note: object, snoozed: object) -> str:
    if isinstance(note, str):
        return t(f"alerts.note.{note}")
    return t("alerts.note.snoozed") if snoozed is True else ""


def history_tables(store: AppStore, rule: Rule, *, timezone: str) -> None:
    """The rule's evaluations, then the messages it queued (or a note that there are none)."""
    history = evaluation.evaluations(store, rule.id)
    sent = evaluation.messages(store, rule.id)
    outcomes = words_column(t("alerts.column.outcome"), catalog_words("alerts.outcome", evaluation.OUTCOMES))
    if history.empty:
        st.info(t("alerts.no_history"))
    else:
        definition = rule.definition
        readings = [
            Reading(None, *(None if pd.isna(v) else float(v) for v in values))
            for values in zip(history["value"], history["previous"], history["change"], history["margin"], strict=True)
        ]
        shown = pd.DataFrame(
            {
                "evaluated_at": _moments(history["evaluated_at"], timezone),
                "value": [value_text(definition, reading.value) for reading in readings],
                "change": [change_text(definition, reading) for reading in readings],
                "outcome": history["outcome"].tolist(),
                "note": [_note(n, s) for n, s in zip(history["note"], history["snoozed"], strict=True)],
            }
        )
        data_table(
            shown,
            key="alerts_history",
            file_name="alert-evaluations",
            column_config={
                "evaluated_at": time_column(t("alerts.column.evaluated_at")),
                "value": t("alerts.column.value"),
                "change": t("alerts.column.change"),
                "outcome": outcomes,
                "note": t("alerts.column.note"),
            },
        )
    st.markdown(f"**{t('alerts.messages')}**")
    if sent.empty:
        st.caption(t("alerts.no_messages"))
        return
    data_table(
        sent.assign(created_at=_moments(sent["created_at"], timezone), sent_at=_moments(sent["sent_at"], timezone))[
            ["created_at", "outcome", "channel", "status", "attempts", "sent_at", "last_error"]
        ],
        key="alerts_messages",
        file_name="alert-messages",
        column_config={
            "created_at": time_column(t("alerts.column.queued_at")),
            "outcome": outcomes,
            "channel": t("alerts.column.channel"),
            "status": words_column(t("alerts.column.status"), catalog_words("data.delivery.status", STATUSES)),
            "attempts": t("alerts.column.attempts"),
            "sent_at": time_column(t("alerts.column.sent_at")),
            "last_error": t("alerts.column.last_error"),
        },
    )
