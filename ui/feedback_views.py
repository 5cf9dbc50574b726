"""The feedback inbox's pieces: the filter bar (bound to the URL), the list and bulk editor, an item's
detail with its edit form, and the forms that add feedback. Member-written text is only ever shown
through st.text, st.dataframe / st.data_editor cells and plain(): never as markdown or HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission
from auth.pages import page
from feedback import importer, inbox, workflow
from feedback.inbox import InboxFilters
from feedback.sentiment import label_of
from feedback.workflow import Edit
from metrics.feedback import NO_THEME, RISK_BASELINE_WEEKS, FeedbackSummary, NegativeShare
from metrics.filters import Filters
from metrics.levels import LEVELS
from settings import Settings
from store.database import AppStore
from ui import data
from ui.address import count_bound
from ui.charts import counts_chart
from ui.i18n import t
from ui.page import data_errors_stop_the_page
from ui.presentation import show_chart
from ui.selection import choice_changed, choice_key, choices_key
from ui.session import may
from ui.tables import (
    feedback_columns,
    known,
    known_words,
    moment,
    plain,
    profile_columns,
    table,
    time_column,
)

EDITABLE_COLUMNS = ("status", "priority", "assignee", "tags")


def status_label(status: str) -> str:
    return t(f"feedback.status.{status}")


def priority_label(priority: str) -> str:
    return t(f"feedback.priority.{priority}")


def level_label(level: str) -> str:
    return t(f"level.{level}")


def inbox_filter_bar(*, choices: dict[str, list[str]], dimensions: dict[str, list[str]]) -> InboxFilters:
    """Every inbox filter, each bound to a query parameter so the address reproduces the view."""
    first = st.columns([2, 1.2, 1.2, 1.2, 1.2])
    search = first[0].text_input(
        t("feedback.search"), key="feedback_q", bind="query-params", placeholder=t("feedback.search_hint")
    )
    # Menus whose options are shown in words keep codes in the address (ui.selection), so a link
    # reads the same in every language; menus of data values (assignees, themes) are bound as they are.
    statuses = first[1].multiselect(
        t("feedback.filter.status"),
        workflow.STATUSES,
        placeholder=t("filters.all"),
        format_func=status_label,
        key=choices_key("feedback_status", workflow.STATUSES, default=workflow.OPEN),
        on_change=choice_changed,
        args=("feedback_status",),
    )
    priorities = first[2].multiselect(
        t("feedback.filter.priority"),
        workflow.PRIORITIES,
        placeholder=t("filters.all"),
        format_func=priority_label,
        key=choices_key("feedback_priority", workflow.PRIORITIES),
        on_change=choice_changed,
        args=("feedback_priority",),
    )
    assignee = first[3].selectbox(
        t("feedback.filter.assignee"),
        [inbox.UNASSIGNED, *choices["assignee"]],
        index=None,
        placeholder=t("filters.all"),
        key="feedback_assignee",
        bind="query-params",
    )
    sort = first[4].selectbox(
        t("feedback.sort"),
        inbox.SORTS,
        format_func=lambda s: t(f"feedback.sort.{s}"),
        key=choice_key("feedback_sort", inbox.SORTS, default=inbox.SORTS[0]),
        on_change=choice_changed,
        args=("feedback_sort",),
    )
    second = st.columns(7)
    picked: dict[str, Any] = {}
    menus = [
        ("theme", choices["theme"], None),
        ("tag", choices["tag"], None),
        ("sentiment", inbox.SENTIMENTS, lambda s: t(f"feedback.sentiment.{s}")),
        ("score_band", inbox.SCORE_BANDS, lambda b: t(f"feedback.band.{b}")),
        ("segment", dimensions.get("segment", []), None),
        ("level", list(LEVELS), level_label),
    ]
    for column, (name, options, label) in zip(second, menus, strict=False):
        if label:  # shown in words: codes in the address
            picked[name] = column.selectbox(
                t(f"feedback.filter.{name}"),
                options,
                placeholder=t("filters.all"),
                format_func=label,
                key=choice_key(f"feedback_{name}", options, default=None),
                on_change=choice_changed,
                args=(f"feedback_{name}",),
            )
        else:  # data values, the same in every language: bound as they are
            picked[name] = column.selectbox(
                t(f"feedback.filter.{name}"),
                options,
                index=None,
                placeholder=t("filters.all"),
                key=f"feedback_{name}",
                bind="query-params",
            )
    older_bound = count_bound("feedback_older", maximum=inbox.MAX_AGE_DAYS)
    older = second[6].number_input(
        t("feedback.filter.older_than"),
        min_value=0,
        max_value=inbox.MAX_AGE_DAYS,
        value=0,
        step=1,
        key="feedback_older",
        bind=older_bound,
    )
    return InboxFilters(
        statuses=tuple(statuses),
        priorities=tuple(priorities),
        assignee=assignee,
        search=search.strip() or None,
        sort=sort or "age",
        older_than_days=int(older) or None,
        **picked,
    )


def inbox_columns(*, editing: bool, choices: dict[str, list[str]]) -> dict[str, object]:
    config: dict[str, object] = {
        "id": st.column_config.NumberColumn("#", format="%d", width="small"),
        "age_days": st.column_config.NumberColumn(
            t("feedback.column.age"), format=t("unit.days_format"), width="small"
        ),
        "overdue": st.column_config.CheckboxColumn(t("feedback.column.overdue"), width="small"),
        "text": st.column_config.TextColumn(t("feedback.column.text"), width="large"),
        "theme": st.column_config.TextColumn(t("feedback.column.theme"), help=t("column.no_theme")),
        "mood": st.column_config.TextColumn(t("feedback.column.sentiment"), help=t("column.no_sentiment")),
        "score": st.column_config.NumberColumn(
            t("feedback.column.score"), format="%g", width="small", help=t("column.no_score")
        ),
        "segment": st.column_config.TextColumn(t("filters.segment"), help=t("column.anonymous")),
        "level": st.column_config.TextColumn(t("feedback.filter.level"), help=t("column.anonymous")),
        "duplicates": st.column_config.NumberColumn(t("feedback.column.duplicates"), width="small"),
        "member_id": st.column_config.TextColumn(t("column.member_id"), help=t("column.anonymous")),
        "source": t("feedback.column.source"),
    }
    statuses = dict(
        status=st.column_config.SelectboxColumn(
            t("feedback.filter.status"), options=workflow.STATUSES, format_func=status_label, required=True
        ),
        priority=st.column_config.SelectboxColumn(
            t("feedback.filter.priority"),
            options=workflow.PRIORITIES,
            format_func=priority_label,
        ),
        assignee=st.column_config.TextColumn(
            t("feedback.filter.assignee"), max_chars=workflow.MAX_NAME, help=t("column.no_assignee")
        ),
        tags=st.column_config.MultiselectColumn(
            t("feedback.column.tags"), options=choices["tag"], accept_new_options=True
        ),
    )
    if not editing:
        statuses["status"] = st.column_config.TextColumn(t("feedback.filter.status"))
        statuses["priority"] = st.column_config.TextColumn(t("feedback.filter.priority"), help=t("column.no_priority"))
        statuses["tags"] = st.column_config.ListColumn(t("feedback.column.tags"))
    return {**config, **statuses}


SHOWN = [
    "id",
    "age_days",
    "overdue",
    "status",
    "priority",
    "assignee",
    "theme",
    "tags",
    "mood",
    "score",
    "text",
    "segment",
    "level",
    "duplicates",
    "member_id",
    "source",
]


def listed(frame: pd.DataFrame) -> pd.DataFrame:
    """The inbox columns in their order; statuses and suggested themes as words; a suggested theme
    marked as such (a team's own theme as it is named)."""
    shown = frame.assign(
        theme=[
            (t("feedback.suggested", theme=_theme_word(theme)) if suggested else _theme_word(theme))
            if isinstance(theme, str)
            else theme
            for theme, suggested in zip(frame["theme"], frame["theme_suggested"], strict=True)
        ],
        status=frame["status"].map(status_label),
        priority=frame["priority"].map(lambda p: priority_label(p) if isinstance(p, str) else None),
        mood=_moods(frame),
        level=_levels(frame),
    )
    return shown[SHOWN]


def _moods(frame: pd.DataFrame) -> pd.Series:
    return frame["mood"].map(lambda mood: _sentiment_word(mood) if isinstance(mood, str) else None)


def _levels(frame: pd.DataFrame) -> pd.Series:
    return frame["level"].map(lambda level: level_label(level) if isinstance(level, str) else None)


def bulk_edits(before: pd.DataFrame, after: pd.DataFrame) -> list[Edit]:
    """One Edit per row whose editable cells changed in the editor, naming the version loaded."""
    edits = []
    for position in range(len(before)):
        old, new = before.iloc[position], after.iloc[position]
        changes = {name: _value(new[name]) for name in EDITABLE_COLUMNS if _value(new[name]) != _value(old[name])}
        if changes:
            edits.append(Edit(item_id=int(old["id"]), version=int(old["version"]), changes=changes))
    return edits


def _value(cell: object) -> object:
    if isinstance(cell, list | tuple):
        return list(cell) or None
    if cell is None or (not isinstance(cell, str) and pd.isna(cell)):
        return None
    return cell.strip() or None if isinstance(cell, str) else cell


def item_facts(item: pd.Series) -> str:
    """One caption line about an item: when, where from, score, sentiment, language."""
    facts = [
        t("feedback.received", when=f"{moment(item['created_at'])} UTC"),
        t("feedback.from_source", source=item["source"]),
    ]
    if pd.notna(item["score"]):
        kind = "".join(known(item, "score_kind")).upper()
        facts.append(t("feedback.scored", score=f"{item['score']:g}", kind=kind))
    if pd.notna(item["sentiment"]):
        mood = label_of(float(item["sentiment"]))
        facts.append(t("feedback.mood", mood=t(f"feedback.sentiment.{mood}"), value=f"{item['sentiment']:+.2f}"))
    facts += known(item, "language")
    if pd.notna(item["first_response_at"]):
        facts.append(t("feedback.first_response", when=moment(item["first_response_at"])))
    return plain(" · ".join(facts))


def edit_form(item: pd.Series, *, seen_version: int, choices: dict[str, list[str]]) -> Edit | None:
    """The item's edit form, drawn with the values of the version the manager loaded; returns the
    Edit when submitted (only fields that differ from that version)."""
    key = f"feedback_item_{item['id']}_{seen_version}"
    status = str(item["status"])
    next_statuses = [s for s in workflow.NEXT[status] if s != "duplicate"]
    tags = list(item["tags"]) if isinstance(item["tags"], list) else []
    with st.form(key):
        top = st.columns(3)
        new_status = top[0].selectbox(
            t("feedback.filter.status"), [status, *next_statuses], format_func=status_label, key=f"{key}_status"
        )
        priority = top[1].selectbox(
            t("feedback.filter.priority"),
            workflow.PRIORITIES,
            index=workflow.PRIORITIES.index(item["priority"]) if item["priority"] in workflow.PRIORITIES else None,
            format_func=priority_label,
            key=f"{key}_priority",
        )
        assignee = top[2].text_input(
            t("feedback.filter.assignee"),
            value=item["assignee"] or "",
            placeholder=t("feedback.nobody"),
            max_chars=workflow.MAX_NAME,
            key=f"{key}_assignee",
        )
        middle = st.columns(3)
        suggested = item["suggested_theme"]
        themes = sorted({*choices["theme"], *(v for v in (item["theme"], suggested) if isinstance(v, str))})
        theme = middle[0].selectbox(
            t("feedback.column.theme"),
            themes,
            index=themes.index(item["theme"]) if isinstance(item["theme"], str) else None,
            placeholder=t("feedback.suggested", theme=_theme_word(suggested))
            if isinstance(suggested, str)
            else t("feedback.no_theme"),
            format_func=_theme_word,  # the stored theme stays the key; a new one is kept as typed
            accept_new_options=True,
            key=f"{key}_theme",
        )
        new_tags = middle[1].multiselect(
            t("feedback.column.tags"),
            sorted({*choices["tag"], *tags}),
            default=tags,
            placeholder=t("widget.choose_or_add"),
            accept_new_options=True,
            key=f"{key}_tags",
        )
        merge_into = middle[2].number_input(
            t("feedback.merge_into"), min_value=1, value=None, step=1, key=f"{key}_merge", help=t("feedback.merge_help")
        )
        note = st.text_area(t("feedback.note"), key=f"{key}_note", max_chars=5000)
        if not st.form_submit_button(t("feedback.save"), type="primary"):
            return None
    wanted = {
        "status": new_status,
        "priority": priority,
        "assignee": assignee,
        "theme": theme,
        "tags": new_tags,
    }
    changes = {name: value for name, value in wanted.items() if _value(value) != _value(item[name])}
    if merge_into is not None:
        changes["duplicate_of"] = int(merge_into)
    return Edit(item_id=int(item["id"]), version=seen_version, changes=changes, note=note or None)


def history_table(history: pd.DataFrame) -> None:
    """The item's audit log in words: fields by name, statuses and priorities as the inbox says them."""
    if history.empty:
        st.caption(t("feedback.no_history"))
        return
    words = {"status": status_label, "priority": priority_label}

    def said(field: str, value: object) -> object:
        return words[field](value) if field in words and isinstance(value, str) else value

    shown = history.assign(
        field=history["field"].map(lambda name: t(f"feedback.field.{name}")),
        old_value=[said(f, v) for f, v in zip(history["field"], history["old_value"], strict=True)],
        new_value=[said(f, v) for f, v in zip(history["field"], history["new_value"], strict=True)],
    )
    table(
        shown,
        column_config={
            "at": time_column(t("feedback.column.when")),
            "actor": t("feedback.column.who"),
            "field": t("feedback.column.field"),
            "old_value": st.column_config.TextColumn(t("feedback.column.from"), help=t("column.history_from_help")),
            "new_value": t("feedback.column.to"),
        },
        key="feedback_history",
    )


def utc_moment(day, time, timezone: str) -> datetime:
    """A local date and time picked on the page as naive UTC."""
    local = datetime.combine(day, time, ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def editable(frame: pd.DataFrame) -> pd.DataFrame:
    """The bulk editor's frame: the listed columns with raw statuses, plus the version loaded."""
    return frame.assign(theme=frame["theme"].fillna(""), mood=_moods(frame), level=_levels(frame))[[*SHOWN, "version"]]


def summary_tiles(summary: FeedbackSummary, *, overdue_days: int) -> None:
    columns = st.columns(5)
    hours, age = summary.median_first_response_hours, summary.median_age_days
    tiles = [
        ("open", f"{summary.open:,}", t("feedback.tile.open_help")),
        ("overdue", f"{summary.overdue:,}", t("feedback.tile.overdue_help", days=overdue_days)),
        ("median_age", "–" if age is None else t("unit.days", value=f"{age:g}"), None),
        (
            "first_response",
            "–" if hours is None else t("unit.hours", value=f"{hours:g}"),
            t("feedback.tile.first_response_help", waiting=summary.awaiting_response),
        ),
        (
            "negative",
            "–" if summary.negative_share is None else f"{summary.negative_share:.0%}",
            t("feedback.tile.negative_help", received=summary.received),
        ),
    ]
    for column, (key, value, help_text) in zip(columns, tiles, strict=True):
        column.metric(t(f"feedback.tile.{key}"), value, help=help_text, border=True)


def risk_warning(share: NegativeShare) -> None:
    """The warning the Overview and the inbox show when the risk rule fires (metrics.feedback)."""
    if not share.alert:
        return
    st.warning(
        t(
            "feedback.risk",
            latest=f"{share.latest_share:.0%}",
            items=share.latest_items,
            baseline=f"{share.baseline_share:.0%}",
            weeks=RISK_BASELINE_WEEKS,
        ),
        icon=":material/trending_up:",
    )
    if not may(Permission.TRIAGE):
        return
    st.page_link(
        page("feedback").file,
        label=t("feedback.risk_link"),
        icon=":material/inbox:",
        query_params={"feedback_sentiment": "negative", "feedback_sort": "newest"},  # codes, in any language
    )


def merged(item: pd.Series, duplicates: pd.DataFrame) -> None:
    """The original an item was merged into, or the duplicates merged into it."""
    if pd.notna(item["duplicate_of"]):
        original = int(item["duplicate_of"])
        st.caption(t("feedback.duplicate_of", id=original))
        if st.button(t("feedback.open_item", id=original), key="feedback_open_original"):
            st.query_params["item"] = str(original)
            st.rerun()
    if not duplicates.empty:
        st.markdown(t("feedback.duplicates", count=len(duplicates)))
        table(duplicates, column_config=feedback_columns())


def member_context(settings: Settings, item: pd.Series) -> None:
    """Who said it: segment, tenure and level, their latest activity, and what else they said."""
    member_id = item["member_id"]
    if not isinstance(member_id, str):
        st.caption(t("feedback.anonymous"))
        return
    today = clock.today()
    year = Filters(start=today - timedelta(days=365), end=today, timezone=settings.timezone)
    profile = data.load_profile(
        settings, member_id, filters=year, include_email=may(Permission.PERSONAL_DATA), include_text=True
    )
    member = profile["member"]
    if member.empty:
        st.caption(t("feedback.unknown_member", member_id=plain(member_id)))
        return
    person = member.iloc[0]
    level = profile["level"]
    facts = [
        known(person, "name", "member_id")[0],
        *known(person, "segment", "channel", "region"),
        t("feedback.tenure", days=(pd.Timestamp(today) - pd.Timestamp(person["joined_at"])).days),
    ]
    if not level.empty:
        facts.append(t(f"level.{level.iloc[0]['level']}"))
    st.caption(plain(" · ".join(facts)))
    st.page_link(page("lookup").file, label=t("feedback.open_profile"), query_params={"member": member_id})
    for key, title in (
        ("recent", "feedback.recent"),
        ("feedback", "feedback.other_feedback"),
        ("answers", "feedback.answers"),
    ):
        frame = profile[key].head(5)
        if not frame.empty:
            st.caption(t(title))
            table(frame, column_config=profile_columns(key))


def entry_form(*, timezone: str, max_text: int) -> tuple[str, str | None, str, float | None, datetime] | None:
    """The form for feedback given by email, chat or in person; (text, member, source, score, when)."""
    count = st.session_state.get("feedback_entry_count", 0)
    now = clock.now_in(timezone)
    with st.form(f"feedback_entry_{count}"):
        text = st.text_area(t("feedback.entry.text"), max_chars=max_text)
        columns = st.columns(4)
        who = columns[0].text_input(t("feedback.entry.member"), help=t("feedback.entry.member_help"))
        source = columns[1].selectbox(
            t("feedback.column.source"), SOURCES, accept_new_options=True, key=f"feedback_entry_source_{count}"
        )
        score = columns[2].number_input(t("feedback.entry.score"), min_value=0, max_value=10, value=None, step=1)
        day = columns[3].date_input(t("feedback.entry.day"), value=now.date(), max_value=now.date())
        time = columns[3].time_input(t("feedback.entry.time"), value=now.time().replace(second=0, microsecond=0))
        if not st.form_submit_button(t("feedback.entry.add"), type="primary"):
            return None
    if not text.strip():
        st.error(t("feedback.entry.empty"))
        return None
    moment = utc_moment(day, time, timezone)
    return text.strip(), who.strip() or None, str(source or "manual")[:20], score, moment


SOURCES = ("manual", "email", "chat", "call", "social", "event")


def breakdown(summary: FeedbackSummary) -> None:
    """Open items by status and theme, and the period's items by sentiment, as small bar charts."""
    charts = [
        (summary.by_status.assign(status=summary.by_status["status"].map(status_label)), "status"),
        (summary.by_theme.assign(theme=summary.by_theme["theme"].map(_theme_word)), "theme"),
        (summary.by_sentiment.assign(sentiment=summary.by_sentiment["sentiment"].map(_sentiment_word)), "sentiment"),
    ]
    with st.expander(t("feedback.breakdown")):
        for column, (counts, field) in zip(st.columns(3), charts, strict=True):
            with column:
                st.caption(t(f"feedback.breakdown.{field}"))
                if counts.empty:
                    st.caption(t("feedback.breakdown.none"))
                else:
                    show_chart(counts_chart(counts, field=field))


def _sentiment_word(mood: str) -> str:
    return t(f"feedback.sentiment.{mood}")


def _theme_word(theme: str) -> str:
    """A suggested theme in the catalog's words; a team's own theme as it is named; none as none."""
    if theme == NO_THEME:
        return t("feedback.no_theme")
    return known_words("theme").get(theme, theme)


def import_section(settings: Settings, store: AppStore, *, actor: str) -> None:
    """Upload a CSV or Excel file of feedback; all rows or none, problems listed by row and column."""
    st.subheader(t("feedback.import"))
    st.caption(t("feedback.import_help"))
    upload = st.file_uploader(t("feedback.import_file"), type=["csv", "xlsx"], key="feedback_upload")
    source = st.text_input(t("feedback.import_source"), value="import", max_chars=20, key="feedback_import_source")
    if upload is None or not st.button(t("feedback.import_run"), type="primary"):
        return
    try:
        with data_errors_stop_the_page():
            result = importer.import_feedback(
                store,
                data.warehouse(settings),
                name=upload.name,
                content=upload.getvalue(),
                default_source=source.strip() or "import",
                timezone=settings.timezone,
                actor=actor,
                now=data.now_utc(),
            )
    except importer.ImportFailed as failed:
        st.error(t("feedback.import_failed", file=plain(upload.name)), icon=":material/error:")
        st.code(failed.user_message, language=None, wrap_lines=True)
        return
    st.success(t("feedback.imported", added=result.added, skipped=result.already_there))
    if result.warnings:
        st.warning(t("feedback.import_warnings"))
        st.code("\n".join(result.warnings), language=None, wrap_lines=True)
