"""The editor's fields: a definition (in surveys.editing's shape) drawn as widgets that write back
into it, each with its problems beside it.

Every widget writes into the working copy as it is drawn; what changes the shape (adding, moving or
removing a page, a question or an option, a question's type, the languages) is only asked for
(`Fields.act`) and done after the whole editor has been drawn, so text typed anywhere on the page is
in the copy first. Widget keys carry the draft id and a generation that goes up with each change of
shape, so after one every widget starts again from the copy instead of a value kept under an index
that now means another question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import streamlit as st

from catalog import locale
from surveys import editing
from surveys.definition import COMMON_LANGUAGES, DefinitionProblem, FieldPath, text_in
from surveys.question_types import OTHER, TYPES
from ui.i18n import current_language, t
from ui.tables import label_text, plain


@dataclass
class Fields:
    """One drawing of the editor: the working copy, the problems by field, the widget keys'
    prefix, and the change of shape asked for (done by `apply` once everything is drawn)."""

    definition: dict[str, Any]
    problems: list[DefinitionProblem]
    prefix: str
    published: bool  # a published survey keeps its slug
    action: Callable[[], None] | None = None
    shown: set[int] = field(default_factory=set)

    @property
    def languages(self) -> list[str]:
        return editing.languages_of(self.definition)

    def key(self, *parts: object) -> str:
        return self.prefix + "_".join(str(part) for part in parts)

    def act(self, action: Callable[[], None]) -> None:
        self.action = action

    def apply(self) -> bool:
        """Do the change of shape asked for; whether there was one."""
        if self.action is None:
            return False
        self.action()
        return True

    def beside(self, path: FieldPath, *, under: bool = False) -> None:
        """The problems of this field (`under`: and of any field inside it not shown yet), in red."""
        for n, problem in enumerate(self.problems):
            if n in self.shown:
                continue
            if problem.field == path or (under and problem.field[: len(path)] == path):
                self.shown.add(n)
                st.caption(":red[:material/error: " + plain(problem.message.text(current_language())) + "]")


def language_name(code: str) -> str:
    """A survey language named in the manager's language (Spanish, 西班牙语)."""
    return locale.language_name(code, current_language())


def texts(
    fields: Fields,
    label: str,
    text: dict[str, str],
    path: FieldPath,
    *,
    required: bool = False,
    area: bool = False,
    keyed: FieldPath | None = None,
) -> None:
    """One text in each of the survey's languages, side by side; a translation still missing is
    flagged (the first language's is a problem of its own when the text is required). Problems are
    found by `path`; the widgets are keyed by `keyed` where given (a question's place, which two
    questions given one id do not share)."""
    st.markdown(f"**{label}**" + (" :red[*]" if required else ""))
    languages = fields.languages
    written = any(str(words).strip() for words in text.values())
    columns = st.columns(len(languages)) if len(languages) > 1 else [st.container()]
    for code, column in zip(languages, columns, strict=True):
        name = language_name(code)
        if (required or written) and not str(text.get(code, "")).strip():
            name += " :orange[· " + t("builder.missing") + "]"
        key = fields.key(*(keyed or path), code)
        st.session_state.setdefault(key, text.get(code, ""))
        text[code] = column.text_area(name, key=key, height=68) if area else column.text_input(name, key=key)
    fields.beside(path)


def survey_settings(fields: Fields, *, campaigns: dict[str, str]) -> None:
    """Slug, languages, title, description, thanks, dates, anonymity, limit and campaign."""
    definition = fields.definition
    key = fields.key("slug")
    st.session_state.setdefault(key, definition.get("slug", ""))
    definition["slug"] = st.text_input(
        t("builder.slug"), key=key, disabled=fields.published, help=t("builder.slug_help"), max_chars=60
    ).strip()
    fields.beside(("slug",))
    languages = fields.languages
    key = fields.key("languages")
    st.session_state.setdefault(key, languages)
    offered = list(dict.fromkeys([*COMMON_LANGUAGES, *languages]))
    chosen = st.multiselect(
        t("builder.languages"),
        offered,
        key=key,
        format_func=language_name,
        placeholder=t("widget.choose_or_add"),
        help=t("builder.languages_help"),
        accept_new_options=True,  # any other code (pt-BR, yue); surveys.definition checks it
    )
    fields.beside(("languages",))
    if chosen and chosen != languages:
        fields.act(lambda: definition.update(languages=list(chosen)))  # the words of one taken out go at saving
    texts(fields, t("builder.title"), definition.setdefault("title", {}), ("title",), required=True)
    texts(fields, t("builder.description"), definition.setdefault("description", {}), ("description",), area=True)
    texts(fields, t("builder.thanks"), definition.setdefault("thanks", {}), ("thanks",), area=True)
    opens, closes = st.columns(2)
    with opens:
        definition["opens_at"] = _moment(fields, "opens_at", t("builder.opens_at"))
    with closes:
        definition["closes_at"] = _moment(fields, "closes_at", t("builder.closes_at"))
    key = fields.key("anonymous")
    st.session_state.setdefault(key, bool(definition.get("anonymous", False)))
    definition["anonymous"] = st.toggle(t("surveys.anonymous"), key=key, help=t("builder.anonymous_help"))
    limit, campaign = st.columns(2)
    key = fields.key("response_limit")
    if key not in st.session_state:
        written = definition.get("response_limit")
        st.session_state[key] = written if isinstance(written, int) and not isinstance(written, bool) else None
    definition["response_limit"] = limit.number_input(t("column.response_limit"), min_value=1, step=1, key=key)
    with limit:
        fields.beside(("response_limit",))
    key = fields.key("campaign")
    current = str(definition.get("campaign") or "")
    choices = {"": t("builder.no_campaign"), **campaigns, **({current: current} if current not in campaigns else {})}
    st.session_state.setdefault(key, current)
    definition["campaign"] = campaign.selectbox(
        t("column.campaign"),
        list(choices),
        key=key,
        format_func=lambda value: choices[value],
        placeholder=t("widget.choose"),
    )
    with campaign:
        fields.beside(("campaign",))


def _moment(fields: Fields, name: str, label: str) -> str | None:
    """A date with an optional time, as the definition writes it (the community's time zone)."""
    written = fields.definition.get(name)
    try:
        moment = datetime.fromisoformat(str(written)) if written else None
    except ValueError:
        moment = None
    day_key, time_key = fields.key(name, "day"), fields.key(name, "time")
    st.session_state.setdefault(day_key, moment.date() if moment else None)
    st.session_state.setdefault(time_key, moment.time() if moment and moment.time() != time(0) else None)
    day: date | None = st.date_input(label, key=day_key, format="YYYY-MM-DD")  # type: ignore[assignment]
    at: time | None = st.time_input(t("builder.time"), key=time_key, step=900)
    fields.beside((name,))
    if day is None:
        return None
    return f"{day.isoformat()} {at.strftime('%H:%M')}" if at else day.isoformat()


def pages(fields: Fields) -> None:
    """Every page with its questions, and the buttons that add, move and remove them."""
    definition = fields.definition
    all_pages: list[dict[str, Any]] = definition.setdefault("pages", [])
    number = 0
    for page_index, page in enumerate(all_pages):
        with st.container(border=True, key=fields.key("page", page_index)):
            head, buttons = st.columns([3, 2], vertical_alignment="center")
            head.markdown("#### " + t("builder.page", page=page_index + 1, pages=len(all_pages)))
            with buttons.container(horizontal=True, horizontal_alignment="right", gap="xxsmall"):
                _move_buttons(fields, all_pages, page_index, ("page", page_index), what="page")
            texts(fields, t("builder.page_title"), page.setdefault("title", {}), ("pages", page_index, "title"))
            fields.beside(("pages", page_index))
            questions = page.setdefault("questions", [])
            for question_index in range(len(questions)):
                number += 1
                _question(fields, page_index, questions, question_index, number)
            _add_question(fields, page_index, questions)
    if st.button(t("builder.add_page"), icon=":material/note_add:", key=fields.key("add_page")):
        fields.act(lambda: all_pages.append({"questions": []}))


def _move_buttons(fields: Fields, items: list[Any], index: int, name: tuple, *, what: str) -> None:
    """Up, down and remove for the item `index` of `items` (arrows as text, not icon ligatures a
    screen reader would read out as words)."""
    up = st.button("↑", key=fields.key(*name, "up"), help=t(f"builder.{what}_up"), disabled=index == 0)
    if up:
        fields.act(lambda: items.__setitem__(slice(None), editing.moved(items, index, -1)))
    last = index == len(items) - 1
    if st.button("↓", key=fields.key(*name, "down"), help=t(f"builder.{what}_down"), disabled=last):
        fields.act(lambda: items.__setitem__(slice(None), editing.moved(items, index, 1)))
    if st.button(t("builder.remove"), key=fields.key(*name, "remove"), help=t(f"builder.{what}_remove")):
        fields.act(lambda: items.pop(index))


def _add_question(fields: Fields, page_index: int, questions: list[dict[str, Any]]) -> None:
    kinds = list(TYPES)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kind = st.selectbox(
            t("builder.new_question_type"),
            kinds,
            format_func=lambda name: t(f"builder.type.{name}"),
            key=fields.key("new_type", page_index),
            width=260,
            placeholder=t("widget.choose"),
        )
        if st.button(t("builder.add_question"), icon=":material/add:", key=fields.key("add_question", page_index)):
            taken = set(editing.question_ids(fields.definition))
            made = editing.new_question(kind or "nps", taken=taken, languages=fields.languages)
            fields.act(lambda: questions.append(made))


def _question(fields: Fields, page_index: int, questions: list[dict[str, Any]], index: int, number: int) -> None:
    question = questions[index]
    question_id = str(question.get("id", ""))
    kind = question.get("type") if question.get("type") in TYPES else "short_text"
    place: FieldPath = ("questions", question_id)  # where its problems are found
    widgets: FieldPath = ("q", page_index, index)  # its widgets' keys: two questions may share an id while typing
    language = current_language()
    words = text_in(question.get("text") or {}, language) or t("builder.untitled")
    flagged = any(
        problem.field[:2] == place or problem.field[:4] == ("pages", page_index, "questions", index)
        for problem in fields.problems
    )
    title = f"{number}. {words} · {t(f'builder.type.{kind}')}"
    same = sum(str(q.get("id", "")) == question_id for q in questions[:index])
    key = f"{fields.prefix.split('g')[0]}_question_{question_id}_{page_index}_{same}"  # typing its label keeps it
    with st.expander(label_text(title), icon=":material/error:" if flagged else None, key=key):
        with st.container(horizontal=True, horizontal_alignment="right", gap="xxsmall"):
            _move_buttons(fields, questions, index, ("question", page_index, index), what="question")
        kind_column, id_column, required_column = st.columns([2, 2, 1], vertical_alignment="bottom")
        key = fields.key("q", page_index, index, "type")
        st.session_state.setdefault(key, kind)
        chosen = kind_column.selectbox(
            t("builder.type"),
            list(TYPES),
            key=key,
            format_func=lambda name: t(f"builder.type.{name}"),
            placeholder=t("widget.choose"),
        )
        if chosen != kind:
            fields.act(lambda: _retype(question, chosen, fields.languages))
        key = fields.key("q", page_index, index, "id")
        st.session_state.setdefault(key, question_id)
        question["id"] = id_column.text_input(t("builder.question_id"), key=key, help=t("builder.question_id_help"))
        key = fields.key("q", page_index, index, "required")
        st.session_state.setdefault(key, bool(question.get("required", False)))
        question["required"] = required_column.toggle(t("builder.required"), key=key)
        fields.beside((*place, "id"))
        fields.beside(("pages", page_index, "questions", index, "id"))
        fields.beside((*place, "type"))

        def own_texts(name: str, label: str, *, required: bool = False) -> None:
            """One of the question's texts: its problems found by its id, its widgets by its place."""
            text = question.setdefault(name, {})
            texts(fields, label, text, (*place, name), keyed=(*widgets, name), required=required)

        own_texts("text", t("builder.question_text"), required=True)
        own_texts("help", t("builder.help"))
        if TYPES[kind].takes_options:
            _items(fields, question, "options", place, widgets, label=t("builder.options"), prefix="o")
            key = fields.key("q", page_index, index, "other")
            st.session_state.setdefault(key, bool(question.get("other", False)))
            question["other"] = st.toggle(t("builder.other"), key=key, help=t("builder.other_help"))
            fields.beside((*place, "other"))
        if TYPES[kind].grid:
            _items(fields, question, "rows", place, widgets, label=t("builder.rows"), prefix="r")
        if TYPES[kind].ranked:
            own_texts("min_label", t("builder.min_label"))
            own_texts("max_label", t("builder.max_label"))
        _logic(fields, question, place, page_index, index)
        fields.beside(place, under=True)
        fields.beside(("pages", page_index, "questions", index), under=True)


def _retype(question: dict[str, Any], kind: str, languages: list[str]) -> None:
    """A question given another type: the fields the new type has are kept or added, the others
    dropped (its id stays: publishing refuses the change if it was answered under the old type)."""
    question["type"] = kind
    taken: set[str] = set()
    blank = editing.new_question(kind, taken=taken, languages=languages)
    for name in ("options", "rows"):
        if name in blank:
            question.setdefault(name, blank[name])
        else:
            question.pop(name, None)
    if not TYPES[kind].takes_options:
        question.pop("other", None)
    if not TYPES[kind].ranked:
        question.pop("min_label", None)
        question.pop("max_label", None)
    if TYPES[kind].max_length is None:
        question.pop("max_length", None)


def _items(
    fields: Fields,
    question: dict[str, Any],
    name: str,
    place: FieldPath,
    widgets: FieldPath,
    *,
    label: str,
    prefix: str,
) -> None:
    """A choice's options or a grid's statements: each label in every language, its id, remove;
    and a button that adds one. Problems are found by the question's `place`, widgets keyed by its
    `widgets` path."""
    items: list[dict[str, Any]] = question.setdefault(name, [])
    st.markdown(f"**{label}**")
    languages = fields.languages
    for n, item in enumerate(items):
        columns = st.columns([*([3] * len(languages)), 2, 1], vertical_alignment="bottom")
        label_text_ = item.setdefault("label", {})
        for code, column in zip(languages, columns, strict=False):
            key = fields.key(*widgets, name, n, code)
            st.session_state.setdefault(key, label_text_.get(code, ""))
            caption = language_name(code)
            if not str(label_text_.get(code, "")).strip():
                caption += " :orange[· " + t("builder.missing") + "]"
            label_text_[code] = column.text_input(caption, key=key, label_visibility=_shown(n, label_text_, code))
        key = fields.key(*widgets, name, n, "id")
        st.session_state.setdefault(key, str(item.get("id", "")))
        item["id"] = (
            columns[-2].text_input(
                t("builder.option_id"), key=key, label_visibility="visible" if n == 0 else "collapsed"
            )
        ).strip()
        if columns[-1].button(
            "", icon=":material/close:", key=fields.key(*widgets, name, n, "remove"), help=t("builder.option_remove")
        ):
            fields.act(lambda n=n: items.pop(n))
        fields.beside((*place, name, n), under=True)
    fields.beside((*place, name))
    if st.button(t("builder.add_option"), icon=":material/add:", key=fields.key(*widgets, name, "add")):
        made = editing.new_option(items, languages=languages, prefix=prefix)
        fields.act(lambda: items.append(made))


def _shown(n: int, label: dict[str, str], code: str) -> Any:
    """An option's labels name their language above the first option only, and above any whose
    translation is missing (so the flag shows)."""
    return "visible" if n == 0 or not str(label.get(code, "")).strip() else "collapsed"


def _logic(fields: Fields, question: dict[str, Any], place: FieldPath, page_index: int, index: int) -> None:
    """show_if picked from the earlier questions and their answers: no syntax to type."""
    language = current_language()
    target, operator, value = editing.condition_parts(question.get("show_if"))
    earlier = [
        q
        for q in editing.earlier(fields.definition, str(question.get("id")))
        if editing.operators_for(q.get("type") if q.get("type") in TYPES else "short_text")
    ]
    by_id = {str(q.get("id")): q for q in earlier}
    choices = ["", *by_id]  # "": always shown
    if target is not None and str(target) not in by_id:
        choices.append(str(target))  # a question that is no longer earlier: its problem is shown below

    def named(choice: str) -> str:
        if not choice:
            return t("builder.logic.always")
        asked = by_id.get(choice)
        return f"{choice} · {text_in(asked.get('text') or {}, language)}" if asked else choice

    st.markdown(f"**{t('builder.logic')}**")
    first, second, third = st.columns([3, 2, 3], vertical_alignment="bottom")
    key = fields.key("q", page_index, index, "logic", "question")
    st.session_state.setdefault(key, "" if target is None else str(target))
    picked = first.selectbox(
        t("builder.logic.show"), choices, key=key, format_func=named, placeholder=t("widget.choose")
    )
    if not picked:
        question.pop("show_if", None)
        fields.beside((*place, "show_if"), under=True)
        return
    asked = by_id.get(picked)
    if asked is None:
        fields.beside((*place, "show_if"), under=True)
        return
    kind = TYPES[asked["type"]]
    operators = editing.operators_for(asked["type"])
    key = fields.key("q", page_index, index, "logic", picked, "operator")
    st.session_state.setdefault(key, operator if operator in operators else operators[0])
    operator = second.selectbox(
        t("builder.logic.when"),
        operators,
        key=key,
        format_func=lambda name: t(f"builder.logic.{name}"),
        placeholder=t("widget.choose"),
    )
    key = fields.key("q", page_index, index, "logic", picked, operator)
    if kind.ranked:
        low, high = getattr(kind, "low", 0), getattr(kind, "high", 10)
        start = value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else low
        st.session_state.setdefault(key, start)
        chosen: Any = third.number_input(t("builder.logic.value"), min_value=low, max_value=high, step=1, key=key)
    elif kind.takes_options:
        labels = {
            str(o.get("id")): text_in(o.get("label") or {}, language) or str(o.get("id"))
            for o in asked.get("options", [])
        }
        if asked.get("other"):
            labels[OTHER] = t("survey.other")
        wanted = value if isinstance(value, list) else [value] if value is not None else []
        st.session_state.setdefault(key, [str(v) for v in wanted if str(v) in labels])
        chosen = third.multiselect(
            t("builder.logic.answers"),
            list(labels),
            key=key,
            format_func=lambda option: labels.get(option, option),
            placeholder=t("widget.choose"),
        )
    else:
        st.session_state.setdefault(key, value if isinstance(value, bool) else False)
        chosen = third.selectbox(
            t("builder.logic.answer"),
            [True, False],
            key=key,
            format_func=lambda yes: t("survey.yes" if yes else "survey.no"),
            placeholder=t("widget.choose"),
        )
    question["show_if"] = {"question": picked, operator: chosen}
    fields.beside((*place, "show_if"), under=True)
