"""The Digests page's editor: what a digest reports on, when, in which language, to which channels,
all with pickers. Given the digest to change (None to add one), it returns what the person saved as
keyword arguments for digests.subscriptions.add_digest/edit_digest, or None."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pandas as pd
import streamlit as st

from catalog import LANGUAGES, NAMES
from catalog.locale import MISSING
from catalog.spoken import listed
from digests.due import RETRY_AFTER
from digests.schedule import CADENCES
from digests.subscriptions import ATTACHMENTS, NAME_LIMIT, Digest, local_time
from metrics.filters import DIMENSIONS
from ui.goal_forms import member_pickers
from ui.i18n import t
from ui.tables import moment


def digest_editor(
    digest: Digest | None, *, channels: list[str], choices: dict[str, list[str]], language: str, timezone: str
) -> dict[str, Any] | None:
    """The editor of `digest` (None: a new one, weekly on Monday at 09:00 in `language`)."""
    key = f"digests_{digest.id if digest else 'new'}"
    name = st.text_input(
        t("digests.field.name"),
        value=digest.name if digest else "",
        max_chars=NAME_LIMIT,
        placeholder=t("digests.field.name_placeholder"),
        key=f"{key}_name",
    )
    when = st.columns(3)
    cadence = when[0].selectbox(
        t("digests.field.cadence"),
        CADENCES,
        index=CADENCES.index(digest.cadence) if digest else 0,
        format_func=lambda code: t(f"digests.cadence.{code}"),
        key=f"{key}_cadence",
        placeholder=t("widget.choose"),
    )
    weekday, day = (digest.weekday, digest.day_of_month) if digest else (0, 1)
    if cadence == "weekly":
        weekday = when[1].selectbox(
            t("digests.field.weekday"),
            range(7),
            index=weekday or 0,
            format_func=lambda number: t(f"digests.weekday.{number}"),
            key=f"{key}_weekday",
            placeholder=t("widget.choose"),
        )
    else:
        day = when[1].selectbox(
            t("digests.field.day_of_month"),
            range(1, 32),
            index=(day or 1) - 1,
            help=t("digests.field.day_help"),
            key=f"{key}_day",
            placeholder=t("widget.choose"),
        )
    hour, minute = map(int, (digest.send_time if digest else "09:00").split(":"))
    at = when[2].time_input(
        t("digests.field.time"),
        value=time(hour, minute),
        step=900,
        help=t("digests.field.time_help", timezone=timezone),
        key=f"{key}_time",
    )
    members = member_pickers(key, digest.members() if digest else {}, choices, help=t("digests.field.members_help"))
    offered = list(dict.fromkeys([*channels, *(digest.recipients if digest else ())]))
    recipients = st.multiselect(
        t("digests.field.recipients"),
        offered,
        default=list(digest.recipients) if digest else [],
        placeholder=t("widget.choose"),
        help=t("digests.field.recipients_help"),
        key=f"{key}_recipients",
    )
    how = st.columns(2)
    chosen_language = how[0].selectbox(
        t("digests.field.language"),
        LANGUAGES,
        index=LANGUAGES.index(digest.language if digest else language),
        format_func=lambda code: NAMES[code],
        key=f"{key}_language",
        placeholder=t("widget.choose"),
    )
    attachment = how[1].selectbox(
        t("digests.field.attachment"),
        ATTACHMENTS,
        index=ATTACHMENTS.index(digest.attachment) if digest else 0,
        format_func=lambda code: t(f"digests.attachment.{code}"),
        help=t("digests.field.attachment_help"),
        key=f"{key}_attachment",
        placeholder=t("widget.choose"),
    )
    ready = bool(name.strip()) and bool(recipients) and at is not None
    if not st.button(t("digests.save"), type="primary", key=f"{key}_save", disabled=not ready):
        return None
    return {
        "name": name,
        "cadence": cadence,
        "weekday": weekday,
        "day_of_month": day,
        "send_time": f"{at:%H:%M}",
        "language": chosen_language,
        "recipients": recipients,
        "attachment": attachment,
        **members,
    }


def schedule_text(digest: Digest) -> str:
    """ "Every Monday at 09:00", "Monthly on day 1 at 09:00"."""
    if digest.cadence == "weekly":
        return t("digests.schedule.weekly", weekday=t(f"digests.weekday.{digest.weekday}"), time=digest.send_time)
    return t("digests.schedule.monthly", day=digest.day_of_month, time=digest.send_time)


def digest_rows(kept: list[Digest], *, timezone: str, now: datetime) -> pd.DataFrame:
    """The digests as the page lists them: whose figures, when, the next run on the community's
    clock (— while paused), to which channels, active or paused."""
    scope = {name: t(f"filters.{name}") for name in DIMENSIONS}
    return pd.DataFrame(
        {
            "name": [digest.name for digest in kept],
            "members": [
                listed([t("report.filter", name=scope[n], value=v) for n, v in d.members().items() if v])
                or t("goals.whole_community")
                for d in kept
            ],
            "schedule": [schedule_text(digest) for digest in kept],
            "next_run": [
                moment(local_time(_next_try(digest, timezone, now=now), timezone)) if digest.enabled else MISSING
                for digest in kept
            ],
            "recipients": [listed(digest.recipients) for digest in kept],
            "state": [_state(digest) for digest in kept],
        }
    )


def _next_try(digest: Digest, timezone: str, *, now: datetime) -> datetime:
    """When the digest goes next: a failing one is tried again RETRY_AFTER after its failure."""
    if digest.failed_at is not None:
        return max(now, digest.failed_at + RETRY_AFTER)
    return digest.next_run(timezone, now=now)


def _state(digest: Digest) -> str:
    """Active, paused, or failing (an enabled digest whose last try could not be built)."""
    if not digest.enabled:
        return t("digests.state.paused")
    return t("digests.state.failing" if digest.failed_at is not None else "digests.state.enabled")


def history_rows(frame: pd.DataFrame, *, timezone: str) -> pd.DataFrame:
    """A digest's outbox rows with their times on the community's clock and their status in words."""

    def when(column: str) -> list[str]:
        return [
            MISSING if pd.isna(value) else moment(local_time(pd.Timestamp(value).to_pydatetime(), timezone))
            for value in frame[column]
        ]

    return pd.DataFrame(
        {
            "channel": frame["channel"],
            "message": frame["title"],
            "status": [t(f"digests.status.{status}") for status in frame["status"]],
            "attempts": frame["attempts"],
            "queued": when("created_at"),
            "sent": when("sent_at"),
            "error": frame["last_error"].fillna(""),
        }
    )
