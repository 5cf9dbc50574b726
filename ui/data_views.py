"""The Data page in words: where the data comes from, how old it is, rows per table, the sync
runs table with every column labelled, times written as elsewhere and "—" where a run has no value,
and the boxes that confirm data which would empty or cut a table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

import clock
from data_sources.connectors import state as connector_state
from data_sources.connectors.config import site
from data_sources.connectors.errors import ConnectorNotConfigured
from data_sources.connectors.saved import PAGE, SECRETS, Configured, configured
from data_sources.errors import Shrink
from data_sources.validate import TABLES
from delivery import outbox, trial
from delivery.channels import KINDS, Channel, ChannelError, destination, load_channels
from delivery.outbox import STATUSES
from errors import Said, in_language, kept_text
from settings import Settings
from store.database import AppStore
from surveys.forms_import import ColumnCount
from ui.i18n import current_language, t
from ui.tables import (
    catalog_words,
    error_markdown,
    known_words,
    label_text,
    moment,
    plain,
    table,
    time_column,
    words_column,
)
from visuals import text

SOURCES = ("demo", "sheets", "imports", "connectors")
STATUS_WORDS = (
    "running",
    "succeeded",
    "failed",
)  # a connector's last run  # the named sources; any other is a folder's path
IMPORT_PREFIX = "import: "  # how data_sources.sync.import_files names its runs
RUN_STATUSES = ("running", "succeeded", "failed", "interrupted")
RUN_MODES = ("full", "incremental")  # sync_runs.mode (data_sources/append.py)
IMPORT_KINDS = ("google_forms", "feedback")  # import_batches.kind
# (seconds an age is at least, catalog key, seconds per unit), longest first
AGES = ((2 * 86_400, "data.age.days", 86_400), (7_200, "data.age.hours", 3_600), (3_600, "data.age.hour", 3_600))
AGES += ((120, "data.age.minutes", 60), (60, "data.age.minute", 60))


def source_name(source: str) -> str:
    """demo, sheets and imports as words; an import run as its files; a folder as its path."""
    if source in SOURCES:
        return t(f"data.source.{source}")
    if source.startswith(IMPORT_PREFIX):
        return t("data.source.import", files=source.removeprefix(IMPORT_PREFIX))
    return source


def age(built: datetime | None, *, now: datetime) -> str:
    """How long ago the data was built: just now, 1 minute, 5 minutes, 3 hours, 2 days ago."""
    if built is None:
        return t("data.never")
    seconds = (now - built).total_seconds()
    for least, key, unit in AGES:
        if seconds >= least:
            return t(key, count=int(seconds // unit))
    return t("data.age.now")


def freshness(built: datetime | None, *, now: datetime) -> tuple[str, str]:
    """The "Data from" tile's value (30 Nov 2026, 09:53, or —) and its age."""
    return moment(built), age(built, now=now)


def row_counts(rows: dict[str, int]) -> str:
    """Members: 5,000 · Activities: 300,784 · … (成员：5,000 · …), in the tables' order."""
    counts = (
        t("label_value", label=t(f"data.table.{name}"), value=text.number(rows[name]))
        for name in TABLES
        if name in rows
    )
    return " · ".join(counts)


def runs_view(runs: pd.DataFrame) -> pd.DataFrame:
    """recent_runs as shown: a column of rows per table and the number of warnings, None where the
    run recorded none (it failed or is still running)."""
    counts = {name: [rows.get(name) if isinstance(rows, dict) else None for rows in runs["rows"]] for name in TABLES}
    return pd.DataFrame(
        {
            "started_at": runs["started_at"],
            "finished_at": runs["finished_at"],
            "source": [source_name(source) for source in runs["source"]],
            "status": runs["status"],
            "mode": runs["mode"],
            "reason": [stored_error(said, None) for said in runs["mode_said"]],
            **{name: pd.array(values, dtype="Int64") for name, values in counts.items()},
            "warnings": pd.array(
                [len(value) if isinstance(value, list) else None for value in runs["warnings"]], dtype="Int64"
            ),
            "error": [
                stored_error(said, english) for said, english in zip(runs["error_said"], runs["error"], strict=True)
            ],
        }
    )


def stored_error(said: object, english: object) -> str | None:
    """A stored error (a sync run's, a write-back row's) in the reader's language: what errors.kept
    kept, or, for a row stored before errors were kept, its English as stored."""
    return kept_text(said, english, current_language())


def run_columns() -> dict[str, object]:
    number = {"format": "localized"}
    return {
        "started_at": time_column(t("data.column.started")),
        "finished_at": time_column(t("data.column.finished"), help=t("data.column.finished_help")),
        "source": t("data.source"),
        "status": words_column(t("data.column.status"), catalog_words("data.status", RUN_STATUSES)),
        "mode": words_column(t("data.column.mode"), catalog_words("data.mode", RUN_MODES)),
        "reason": st.column_config.TextColumn(t("data.column.reason"), width="large"),
        **{name: st.column_config.NumberColumn(t(f"data.table.{name}"), **number) for name in TABLES},
        "warnings": st.column_config.NumberColumn(t("data.warnings"), **number),
        "error": st.column_config.TextColumn(t("data.column.error"), width="large"),
    }


def delivery_view(recent: pd.DataFrame) -> pd.DataFrame:
    """The outbox's newest rows as the Deliveries table shows them: the next attempt only while one
    is coming."""
    waiting = recent["status"] == "pending"
    return pd.DataFrame(
        {
            "created_at": recent["created_at"],
            "channel": recent["channel"],
            "kind": recent["kind"],
            "title": recent["title"],
            "status": recent["status"],
            "attempts": pd.array(recent["attempts"], dtype="Int64"),
            "next_attempt_at": recent["next_attempt_at"].where(waiting),
            "sent_at": recent["sent_at"],
            "last_error": recent["last_error"],
        }
    )


def channels_view(channels: dict[str, Channel], counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    """The configured channels as the Channels table shows them: no address, no secret."""
    names = sorted(channels)
    return pd.DataFrame(
        {
            "channel": names,
            "kind": [channels[name].kind for name in names],
            "destination": [destination(channels[name]) for name in names],
            **{
                column: [counts.get((name, status), 0) for name in names]
                for column, status in (("pending", "pending"), ("sent", "sent"), ("failed", "failed"))
            },
        }
    )


def connectors_view(rows: list[dict[str, Any]], connectors: list[Configured]) -> pd.DataFrame:
    """Each configured connector with where it is set, whether it is fetched, and its last run:
    status, when, how far (done of total) and the error in the reader's language; never a key or a
    token."""
    by_name = {row["connector"]: row for row in rows}
    names = [connector.name for connector in connectors]
    runs = [by_name.get(name, {}) for name in names]

    def progress(run: dict[str, Any]) -> str | None:
        if run.get("total") is None:
            return None
        return t("data.progress_of", done=text.number(run.get("done") or 0), total=text.number(run["total"]))

    return pd.DataFrame(
        {
            "connector": names,
            "site": [site(connector.config) for connector in connectors],
            "set_in": [connector.place for connector in connectors],
            "fetched": [connector.enabled for connector in connectors],
            "status": [run.get("status") for run in runs],
            "last_run": [run.get("finished_at") or run.get("started_at") for run in runs],
            "progress": [progress(run) for run in runs],
            "error": [stored_error(run.get("error_said"), run.get("error")) for run in runs],
        }
    )


def connector_columns() -> dict[str, object]:
    return {
        "connector": words_column(t("data.column.connector"), known_words("connector.name")),
        "site": t("data.column.site"),
        "set_in": words_column(t("data.column.set_in"), catalog_words("connector.set_in", (SECRETS, PAGE))),
        "fetched": st.column_config.CheckboxColumn(t("data.column.fetched")),
        "status": words_column(t("data.column.status"), catalog_words("data.status", STATUS_WORDS)),
        "last_run": time_column(t("data.column.last_run")),
        "progress": t("data.column.progress"),
        "error": st.column_config.TextColumn(t("data.column.error"), width="large"),
    }


def connectors_section(settings: Settings, store: AppStore) -> None:
    """The platform connectors (secrets.toml's and this page's) and how their last runs went."""
    try:
        connectors = configured(settings, store)
    except ConnectorNotConfigured as error:  # written wrongly: said to the admin who wrote it; the page goes on
        st.error(error_markdown(error), icon=":material/error:")
        return
    if not connectors:
        st.caption(t("data.connectors_none"))
        return
    st.caption(t("data.connectors_help"))
    for connector in connectors:  # a page's connector turned on without its token: said before a sync fails
        if connector.enabled and connector.lacking is not None:
            st.warning(connector.lacking.text(current_language(), quote=plain), icon=":material/key_off:")
    table(
        connectors_view(connector_state.states(store), connectors),
        column_config=connector_columns(),
        key="data_connectors",
    )


def channel_columns() -> dict[str, object]:
    def count(label: str) -> object:
        return st.column_config.NumberColumn(t(label), format="localized")

    return {
        "channel": t("data.column.channel"),
        "kind": words_column(t("data.column.kind"), catalog_words("data.delivery.kind", KINDS)),
        "destination": t("data.column.destination"),
        "pending": count("data.column.pending"),
        "sent": count("data.column.sent_count"),
        "failed": count("data.column.failed"),
    }


def channels_section(settings: Settings, store: AppStore) -> None:
    """The delivery channels (no address, no secret) and a test message to any of them, at once."""
    try:
        channels = load_channels(settings)
    except ChannelError as error:  # a channel written wrongly: said to the admin who wrote it; the rest goes on
        st.error(error_markdown(error), icon=":material/error:")
        channels = {}
    if not channels:
        st.caption(t("data.channels_none"))
    else:
        st.caption(t("data.channels_help"))
        table(channels_view(channels, outbox.counts(store)), column_config=channel_columns(), key="data_channels")
        with st.container(horizontal=True, vertical_alignment="bottom"):
            name = st.selectbox(
                t("data.channel_pick"), sorted(channels), key="data_channel", width=240, placeholder=t("widget.choose")
            )
            tried = st.button(t("data.channel_try"), key="data_channel_try", icon=":material/send:")
        if tried and name is not None:
            with st.spinner(t("data.channel_try")):
                outcome = trial.try_channel(
                    channels[name],
                    link=settings.public_url,
                    language=current_language(),
                    zone=settings.timezone,
                    now=clock.now(),
                )
            said = t(
                "data.channel_sent" if outcome.status == "sent" else "data.channel_failed",
                channel=plain(name),
                detail=plain(outcome.detail),
            )
            (st.success if outcome.status == "sent" else st.error)(said)


def delivery_columns() -> dict[str, object]:
    return {
        "created_at": time_column(t("data.column.queued")),
        "channel": t("data.column.channel"),
        "kind": words_column(t("data.column.kind"), catalog_words("data.delivery.kind", KINDS)),
        "title": st.column_config.TextColumn(t("data.column.message"), width="medium"),
        "status": words_column(t("data.column.status"), catalog_words("data.delivery.status", STATUSES)),
        "attempts": st.column_config.NumberColumn(t("data.column.attempts"), format="localized"),
        "next_attempt_at": time_column(t("data.column.next_attempt")),
        "sent_at": time_column(t("data.column.sent")),
        "last_error": st.column_config.TextColumn(t("data.column.error"), width="large"),
    }


def shrink_label(shrink: Shrink) -> str:
    """Replace Members (5,000 rows now) with the 0 rows in members.csv."""
    table = t(f"data.table.{shrink.table}") if shrink.table in TABLES else shrink.table
    origin = label_text(shrink.origin)  # an uploaded file's name, in a widget label: nothing in it can link
    return t("data.shrink_confirm", table=table, before=shrink.before, after=shrink.after, origin=origin)


def confirmed_shrinks(action: str) -> list[Shrink]:
    """The refusal of the last `action` (sync or import) with a box per table; the shrinks ticked.

    A box's key holds the counts, so a tick confirms these numbers, not a later file's."""
    refused: list[Shrink] = st.session_state.get(f"data_{action}_refused", [])
    if not refused:
        return []
    st.warning(t("data.shrink_refused"))
    key = "data_{action}_allow_{shrink.table}_{shrink.before}_{shrink.after}"
    return [
        shrink for shrink in refused if st.checkbox(shrink_label(shrink), key=key.format(action=action, shrink=shrink))
    ]


def remember_refusal(action: str, shrinks: list[Shrink]) -> None:
    """Keep a refusal for the next run of the page (its boxes), or forget it once a run went through."""
    st.session_state[f"data_{action}_refused"] = shrinks


def said_in(status: Any) -> Callable[[str, int, int], None]:
    """A sync's progress callback that writes a large sheet's reading, or a connector's fetching (a
    Said naming what it fetches), into an st.status label."""

    def progress(sheet: str, read: int, total: int) -> None:
        done, whole = text.number(read), text.number(total)
        if isinstance(sheet, Said) and sheet.key.startswith("connector.unit."):
            label = t("data.connector_progress", what=plain(sheet.text(current_language())), done=done, total=whole)
        else:
            label = t("data.sheet_progress", sheet=plain(sheet), read=done, total=whole)
        status.update(label=label)

    return progress


def parse_mapping(text: str) -> dict[str, str]:
    """The mapping box's lines, HEADER=QUESTION (or F=QUESTION by column letter); blank lines skipped.
    A line without "=" maps nothing and is kept whole, so the import names it as an unknown header."""
    mapping = {}
    for line in text.splitlines():
        if line.strip():
            header, _, question = line.rpartition("=") if "=" in line else (line, "", "")
            mapping[header.strip()] = question.strip()
    return mapping


def preview_view(columns: list[ColumnCount], language: str) -> pd.DataFrame:
    """A dry run's table: per mapped column, the question, answers that map, refused and why."""
    return pd.DataFrame(
        {
            "column": [count.column for count in columns],
            "question": [count.text for count in columns],
            "answers": pd.array([count.answers for count in columns], dtype="Int64"),
            "refused": pd.array([sum(count.refused.values()) for count in columns], dtype="Int64"),
            "why": [
                "; ".join(f"{times}× {in_language(why, language)}" for why, times in count.refused.most_common(3))
                for count in columns
            ],
        },
    )


def preview_columns() -> dict[str, object]:
    number = {"format": "localized"}
    return {
        "column": st.column_config.TextColumn(t("imports.column.column")),
        "question": st.column_config.TextColumn(t("imports.column.question"), width="medium"),
        "answers": st.column_config.NumberColumn(t("imports.column.answers"), **number),
        "refused": st.column_config.NumberColumn(t("imports.column.refused"), **number),
        "why": st.column_config.TextColumn(t("imports.column.why"), width="large"),
    }


def batches_view(batches: pd.DataFrame) -> pd.DataFrame:
    """The newest imports as the table shows them."""
    return batches[["id", "created_at", "kind", "target", "file", "added", "updated", "skipped", "undone_at"]]


def batch_columns() -> dict[str, object]:
    number = {"format": "localized"}
    return {
        "id": st.column_config.NumberColumn(t("imports.column.batch")),
        "created_at": time_column(t("imports.column.when")),
        "kind": words_column(t("imports.column.kind"), catalog_words("imports.kind", IMPORT_KINDS)),
        "target": st.column_config.TextColumn(t("imports.column.into")),
        "file": st.column_config.TextColumn(t("imports.column.file"), width="medium"),
        "added": st.column_config.NumberColumn(t("imports.column.added"), **number),
        "updated": st.column_config.NumberColumn(t("imports.column.updated"), **number),
        "skipped": st.column_config.NumberColumn(t("imports.column.skipped"), **number),
        "undone_at": time_column(t("imports.column.undone")),
    }
