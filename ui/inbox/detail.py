"""One inbox item: a line of facts, its edit form, its history, the items merged with it, and who
said it (the member's context, read by the page)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from auth.pages import page
from catalog.locale import language_name
from feedback import duplicates, inbox, workflow
from feedback.inbox import InboxChoices
from feedback.sentiment import STRONG_MOOD, label_of
from feedback.workflow import Edit
from settings import Settings
from ui import data
from ui.i18n import current_language, t
from ui.inbox.labels import priority_label, source_word, status_label, theme_word
from ui.inbox.listing import as_listed, cell_value
from ui.session import who
from ui.tables import feedback_columns, known, moment, plain, profile_columns, table, time_column
from visuals import text


def item_facts(item: pd.Series, *, asked: tuple[str, str] | None = None) -> str:
    """One caption line about an item: when, where from (the survey and question it answers, when
    `asked` names them: asked_in), score, sentiment, language."""
    where = (
        t("feedback.from_survey", survey=asked[0], question=asked[1])
        if asked
        else t("feedback.from_source", source=source_word(item["source"]))
    )
    facts = [t("feedback.received", when=moment(item["created_at"])), where]
    if pd.notna(item["score"]):
        kind = "".join(known(item, "score_kind")).upper()
        facts.append(t("feedback.scored", score=text.figure(item["score"]), kind=kind))
    if pd.notna(item["sentiment"]):
        facts.append(t(f"feedback.mood.{mood_words(float(item['sentiment']))}"))
        facts += [language_name(code, current_language()) for code in known(item, "language")]
    elif known(item, "language"):  # in a language without a sentiment model (feedback.sentiment)
        facts.append(t("feedback.mood_not_scored", name=language_name(item["language"], current_language())))
    if pd.notna(item["first_response_at"]):
        facts.append(t("feedback.first_response", when=moment(item["first_response_at"])))
    return plain(" · ".join(facts))


def asked_in(settings: Settings, item: pd.Series) -> tuple[str, str] | None:
    """For an item a survey answer made: that survey's title and question, in the reader's language."""
    response, question = item.get("response_id"), item.get("question_id")
    if item["source"] != "survey" or pd.isna(response) or not isinstance(question, str):
        return None
    return data.load_asked(settings, int(response), question, current_language())


def assignee_choices(current: object, in_use: list[str]) -> list[str]:
    """The item form's assignee menu: nobody first, then the names the inbox has assigned (and the
    item's own), so a name is picked rather than typed again ("Bo" and "bo " split the filter)."""
    names = {*in_use, *([current] if isinstance(current, str) and current else [])}
    return [inbox.UNASSIGNED, *sorted(names, key=str.casefold)]


def mood_words(score: float) -> str:
    """The catalog's words for a sentiment score (feedback.sentiment: -1 to 1): its label, and
    "strongly" from STRONG_MOOD on. A manager reads "strongly negative", not "-0.74"."""
    label = label_of(score) or "neutral"
    return f"{label}_strong" if label != "neutral" and abs(score) >= STRONG_MOOD else label


_ITEM_NUMBER = re.compile(r"\s*#?\s*([0-9]+)(?:\s+·.*)?\s*", re.DOTALL)  # "#12", "12", "#12 · its text"
MAX_ITEM_ID = 2**31 - 1  # an INTEGER key; a longer number would overflow the store's query


def edit_form(item: pd.Series, *, seen_version: int, choices: InboxChoices, merge_into: pd.DataFrame) -> Edit | None:
    """The item's edit form, drawn with the values of the version the manager loaded; returns the
    Edit when submitted (only fields that differ from that version). `merge_into` (id, text) is what
    its merge menu offers, suggested duplicates first; the menu is searched by words or #id."""
    key = f"feedback_item_{item['id']}_{seen_version}"
    status = str(item["status"])
    next_statuses = [s for s in workflow.NEXT[status] if s != "duplicate"]
    tags = list(item["tags"]) if isinstance(item["tags"], list) else []
    with st.form(key):
        top = st.columns(3)
        new_status = top[0].selectbox(
            t("feedback.filter.status"),
            [status, *next_statuses],
            format_func=status_label,
            key=f"{key}_status",
            placeholder=t("widget.choose"),
        )
        priority = top[1].selectbox(
            t("feedback.filter.priority"),
            workflow.PRIORITIES,
            index=workflow.PRIORITIES.index(item["priority"]) if item["priority"] in workflow.PRIORITIES else None,
            placeholder=t("feedback.priority.not_set"),  # none set: handled as normal (feedback.targets)
            format_func=priority_label,
            key=f"{key}_priority",
        )
        assignees = assignee_choices(item["assignee"], choices.assignees)
        assignee = top[2].selectbox(
            t("feedback.filter.assignee"),
            assignees,
            index=assignees.index(item["assignee"]) if isinstance(item["assignee"], str) else 0,
            format_func=lambda name: t("feedback.nobody") if name == inbox.UNASSIGNED else name,
            accept_new_options=True,  # a name not assigned before, typed once and then offered
            placeholder=t("widget.choose_or_add"),
            help=t("feedback.assignee_help"),  # the browser drops a name typed without Enter
            key=f"{key}_assignee",
        )
        middle = st.columns(3)
        suggested = item["suggested_theme"]
        themes = sorted({*choices.themes, *(v for v in (item["theme"], suggested) if isinstance(v, str))})
        theme = middle[0].selectbox(
            t("feedback.column.theme"),
            themes,
            index=themes.index(item["theme"]) if isinstance(item["theme"], str) else None,
            placeholder=t("feedback.suggested", theme=theme_word(suggested))
            if isinstance(suggested, str)
            else t("feedback.no_theme"),
            format_func=theme_word,  # the stored theme stays the key; a new one is kept as typed
            accept_new_options=True,
            help=t("feedback.theme_help"),
            key=f"{key}_theme",
        )
        new_tags = middle[1].multiselect(
            t("feedback.column.tags"),
            sorted({*choices.tags, *tags}),
            default=tags,
            placeholder=t("widget.choose_or_add"),
            accept_new_options=True,
            help=t("feedback.tags_help"),
            key=f"{key}_tags",
        )
        texts = dict(zip(merge_into["id"].astype(int), merge_into["text"].astype(str), strict=True))
        original = middle[2].selectbox(
            t("feedback.merge_search"),
            list(texts),
            index=None,
            placeholder=t("feedback.merge_placeholder"),
            format_func=lambda other: f"#{other} · {_snippet(texts[other])}" if other in texts else str(other),
            accept_new_options=True,  # any item by its #number, listed or not
            key=f"{key}_merge",
            help=t("feedback.merge_help", count=duplicates.MENU),
        )
        note = st.text_area(t("feedback.note"), key=f"{key}_note", max_chars=5000)
        if not st.form_submit_button(t("feedback.save"), type="primary"):
            return None
    try:
        into = merge_target(original)
    except ValueError:
        st.error(t("feedback.merge_number", typed=plain(original)), icon=":material/error:")
        return None
    wanted = {
        "status": new_status,
        "priority": priority,
        "assignee": None if assignee in (None, inbox.UNASSIGNED) else as_listed(assignee, assignees),
        "theme": theme,
        "tags": new_tags,
    }
    changes = {name: value for name, value in wanted.items() if cell_value(value) != cell_value(item[name])}
    if into is not None:
        changes["duplicate_of"] = into
    return Edit(item_id=int(item["id"]), version=seen_version, changes=changes, note=note or None)


def history_table(history: pd.DataFrame) -> None:
    """The item's audit log in words: fields by name, statuses, priorities, themes and where it came
    from (its "created" row's value: "survey" was shown as stored) as the inbox says them."""
    if history.empty:
        st.caption(t("feedback.no_history"))
        return
    words = {"status": status_label, "priority": priority_label, "theme": theme_word, "created": source_word}

    def said(field: str, value: object) -> object:
        return words[field](value) if field in words and isinstance(value, str) else value

    shown = history.assign(
        actor=history["actor"].map(who),
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


def merged(item: pd.Series, duplicates: pd.DataFrame) -> None:
    """The original an item was merged into, or the duplicates merged into it."""
    if pd.notna(item["duplicate_of"]):
        original = int(item["duplicate_of"])
        st.caption(t("feedback.duplicate_of", id=original))
        if st.button(t("feedback.open_item", id=original), key="feedback_open_original"):
            st.query_params["item"] = str(original)
            st.rerun()
    if not duplicates.empty:
        count = len(duplicates)
        st.markdown(t("feedback.duplicates.one") if count == 1 else t("feedback.duplicates", count=count))
        table(duplicates, column_config=feedback_columns())


TABS = "feedback_item_tab"  # session state: the label of the item tab chosen, which lasts from item to item


def shows_member() -> bool:
    """Whether an item opened now shows its member (the tab chosen is not its history)."""
    return st.session_state.get(TABS) != t("feedback.history")


def item_tabs(settings: Settings, item: pd.Series, history: pd.DataFrame, *, include_email: bool) -> bool:
    """Who said it, what else they said, and the item's history, as lazy tabs: only the chosen one
    runs (the choice lasts from item to item), so an item opens with one table beside the list.
    Whether the member's figures were read (the tab chosen shows them)."""
    context, elsewhere, past = st.tabs(
        [t("feedback.member_context"), t("feedback.said_elsewhere"), t("feedback.history")],
        key=TABS,
        on_change="rerun",
    )
    if context.open or elsewhere.open:
        year = data.context_year(settings)
        profile = data.load_member_context(settings, item["member_id"], year=year, include_email=include_email)
        if context.open:
            with context:
                member_context(item, profile, today=year.end)
        else:
            with elsewhere:
                said_elsewhere(item, profile)
    if past.open:
        with past:
            history_table(history)
    return bool(context.open or elsewhere.open)


def member_context(item: pd.Series, profile: dict[str, pd.DataFrame] | None, *, today: date) -> None:
    """Who said it: segment, tenure and level, how much else they said, and their latest activity;
    `profile` is the member's (ui.data.load_member_context), None for an anonymous item."""
    person = _person(item, profile)
    if person is None or profile is None:
        return
    level = profile["level"]
    facts = [
        known(person, "name", "member_id")[0],
        *known(person, "segment", "channel", "region"),
        t("feedback.tenure", days=(pd.Timestamp(today) - pd.Timestamp(person["joined_at"])).days),
    ]
    if not level.empty:
        facts.append(t(f"level.{level.iloc[0]['level']}"))
    st.caption(plain(" · ".join(facts)))
    other = _other_feedback(item, profile)
    if len(other) or len(profile["answers"]):  # the tables are one tab along (said_elsewhere)
        st.caption(t("feedback.said_before", feedback=len(other), answers=len(profile["answers"])))
    st.page_link(page("lookup").file, label=t("feedback.open_profile"), query_params={"member": item["member_id"]})
    _profile_table(profile, "recent", "feedback.recent")


def said_elsewhere(item: pd.Series, profile: dict[str, pd.DataFrame] | None) -> None:
    """What else the member said: their other feedback and their survey answers (the latest five
    of each). A tab of its own, so opening an item draws one table beside it, not three."""
    if _person(item, profile) is None or profile is None:
        return
    other = _other_feedback(item, profile)
    if other.empty and profile["answers"].empty:
        st.caption(t("feedback.said_nothing_else"))
        return
    _profile_table({"feedback": other}, "feedback", "feedback.other_feedback")
    _profile_table(profile, "answers", "feedback.answers")


def _person(item: pd.Series, profile: dict[str, pd.DataFrame] | None) -> pd.Series | None:
    """The member behind the item, or None after saying why there is none (anonymous, unknown)."""
    member_id = item["member_id"]
    if profile is None or not isinstance(member_id, str):
        st.caption(t("feedback.anonymous"))
        return None
    if profile["member"].empty:
        st.caption(t("feedback.unknown_member", member_id=plain(member_id)))
        return None
    return profile["member"].iloc[0]


def _other_feedback(item: pd.Series, profile: dict[str, pd.DataFrame]) -> pd.DataFrame:
    feedback = profile["feedback"]
    return feedback[feedback["id"] != item["id"]]


def _profile_table(profile: dict[str, pd.DataFrame], key: str, title: str) -> None:
    frame = profile[key].head(5)
    if not frame.empty:
        st.caption(t(title))
        table(frame, column_config=profile_columns(key))


def stepper(item_id: int, order: list[int]) -> None:
    """Previous and next through the list as it is filtered and sorted, and where this item is in
    it. A press puts the other item in the address before the run (a callback), so it opens in that
    one run. Nothing when the item is not in the list."""
    if item_id not in order:
        return
    position = order.index(item_id)
    back, where, forward = st.columns([1, 1, 1], vertical_alignment="center")
    back.button(
        t("feedback.previous"),
        icon=":material/chevron_left:",
        disabled=position == 0,
        key="feedback_previous",
        width="stretch",
        on_click=_open,
        args=(order[max(position - 1, 0)],),
    )
    where.caption(t("feedback.position", position=position + 1, items=len(order)))
    forward.button(
        t("feedback.next"),
        icon=":material/chevron_right:",
        disabled=position == len(order) - 1,
        key="feedback_next",
        width="stretch",
        on_click=_open,
        args=(order[min(position + 1, len(order) - 1)],),
    )


def neighbours(item_id: int, order: list[int]) -> list[int]:
    """The items Next and Previous open from this one (stepper), Next's first."""
    if item_id not in order:
        return []
    position = order.index(item_id)
    return [order[at] for at in (position + 1, position - 1) if 0 <= at < len(order)]


def _open(item_id: int) -> None:
    st.query_params["item"] = str(item_id)


def merge_target(choice: object) -> int | None:
    """The item a merge menu's choice names: a listed item's id, or a number typed as #1234 or 1234
    (any item, listed or not: the save checks it exists), or an option's label the menu no longer
    lists (an item arrived or was merged since the page was drawn: the browser sends the label).
    Raises ValueError for other text, and for a number no item id can be."""
    if choice is None:
        return None
    if not isinstance(choice, str):
        return int(choice)  # a listed id (numpy integer)
    found = _ITEM_NUMBER.fullmatch(choice)
    if found is None or int(found.group(1)) > MAX_ITEM_ID:
        raise ValueError(choice)
    return int(found.group(1))


def _snippet(text: str, length: int = 60) -> str:
    """The start of a text on one line, for a menu."""
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1] + "…"


def suggested_duplicates(item: pd.Series, found: pd.DataFrame) -> int | None:
    """Items that may say the same thing (feedback.duplicates.suggestions), each with a button to
    merge this item into it; returns the one chosen. Nothing for an item already merged."""
    if item["status"] == "duplicate":
        return None
    st.markdown(t("feedback.similar"), help=t("feedback.similar_help"))
    if found.empty:
        st.caption(t("feedback.similar_none"))
        return None
    chosen = None
    for row in found.itertuples():
        facts = [
            f"#{row.id}",
            status_label(str(row.status)),
            t("feedback.similar.score", share=f"{row.similarity:.0%}"),
        ]
        if row.same_member:
            facts.append(t("feedback.similar.same_member"))
        text, button = st.columns([2, 1], vertical_alignment="center")  # room for "Merge into #1234"
        text.caption(plain(" · ".join(facts)))
        text.text(_snippet(str(row.text), 90))
        merge = button.button(
            t("feedback.merge_into_this", id=row.id), key=f"feedback_suggested_{row.id}", width="stretch"
        )
        if merge:
            chosen = int(row.id)
    return chosen
