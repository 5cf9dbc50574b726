"""Tables as a person reads them: every shown column labelled from the catalog, days and times as the
person's language writes them (catalog/locale.py), missing values as "—"; with a CSV download beside
them that keeps the raw values and is formula-safe (exports.safe_csv)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import quote

import pandas as pd
import streamlit as st
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype
from pandas.io.formats.style import Styler

from auth.access import Permission
from catalog import CATALOGS, DEFAULT, locale
from catalog.locale import MISSING, missing
from catalog.spoken import use_community_zone
from errors import PulseError
from exports import safe_csv
from feedback.workflow import STATUSES
from metrics.filters import Filters
from rollup.build import DEFAULT_POINTS
from settings import load_settings
from ui import streamlit_internals
from ui.i18n import current_language, t
from ui.session import may, presenting
from visuals.text import WORD_JOINER, day

DAY, MINUTE = locale.column_format("day"), locale.column_format("moment")  # in English: 30 Nov 2026, 09:53


@dataclass(frozen=True)
class Moments:
    """The config of a column of kept moments (UTC) shown on the community's clock (time_column),
    or their days there (`form` "day": local_day_column)."""

    label: str
    help: str | None = None
    form: str = "moment"


@dataclass(frozen=True)
class Change:
    """The config of a column of relative changes (0.059), shown in percent and signed as a change
    beside it is ("+5.9%": the grid's "percent" format writes no sign), its download keeping the
    fractions (change_column)."""

    label: str
    help: str | None = None


@dataclass(frozen=True)
class Words:
    """The config of a column of keys (statuses, levels, stages) shown as words (words_column)."""

    label: str
    words: Mapping[str, str]
    help: str | None = None


def table(
    frame: pd.DataFrame,
    *,
    column_config: Mapping[str, object],
    key: str | None = None,
    selectable: bool = False,
    several: bool = False,
    height: int | Literal["auto"] = "auto",
    style: Callable[[pd.DataFrame], Any] | None = None,
):
    """st.dataframe as every table in the app shows one: no index; the columns the config hides
    (None) left out; a missing value drawn as "—" by Streamlit's placeholder, so the cells keep
    their types and numbers and dates still sort as such (a text column of formatted values
    would sort "10" before "9"). Keys configured as Words are replaced by their words in the cells
    themselves: Streamlit's grid gives screen readers and copying the raw cell, not a format.
    Percentages read like the KPI tiles, with one decimal (rounded here: Streamlit truncates). A
    signed figure (a column whose format is %+…: an NPS, a lift, a change) and a relative change
    (Change) read as a tile writes them, through a pandas Styler that keeps the cells' numbers:
    +1,234 and 0 where the grid's sprintf wrote +1234, +0 and, for -0.4, "-0".
    `style` turns the shown frame into a pandas Styler (cells that keep their values but read as
    words, or a colour that carries meaning: ui.inbox.targets.styled)."""
    worded = {name: spec.words for name, spec in column_config.items() if isinstance(spec, Words) and name in frame}
    rates = [name for name, spec in column_config.items() if _is_percent(spec) and name in frame]
    moments = [name for name, spec in column_config.items() if isinstance(spec, Moments) and name in frame]
    changes = [name for name, spec in column_config.items() if isinstance(spec, Change) and name in frame]
    signed = {
        name: decimals
        for name, spec in column_config.items()
        if (decimals := _signed_decimals(spec)) is not None and name in frame
    }
    shown = frame.assign(
        **{name: [words.get(key, key) for key in frame[name]] for name, words in worded.items()},
        **{name: pd.to_numeric(frame[name]).round(3) for name in rates},
        **{name: on_the_clock(frame[name]) for name in moments},
        **{name: _signed_as_written(frame[name], decimals) for name, decimals in signed.items()},
        **{name: _signed_as_written(pd.to_numeric(frame[name]) * 100, 1) for name in changes},
    )
    config = {
        name: st.column_config.TextColumn(spec.label, help=spec.help)
        if isinstance(spec, Words)
        else st.column_config.DatetimeColumn(
            spec.label, format=locale.column_format(spec.form, current_language()), help=spec.help
        )
        if isinstance(spec, Moments)
        else st.column_config.NumberColumn(spec.label, help=spec.help)
        if isinstance(spec, Change)
        else {**spec, "type_config": {**spec["type_config"], "step": 0.001}}
        if name in rates
        else _unformatted(spec)  # a format would take precedence over the Styler's text
        if name in signed
        else spec
        for name, spec in column_config.items()
    }
    language = current_language()
    texts = {name: _signed_text(decimals, language) for name, decimals in signed.items()}
    texts |= {name: _change_text(language) for name in changes}
    if texts and style is None:  # the Styler writes every cell: the other numbers keep the grid's own text
        config |= {name: _localized(config.get(name)) for name in _unformatted_numbers(shown, config, texts)}
    return st.dataframe(
        _styled(shown, style, texts),
        hide_index=True,
        column_order=[name for name in frame.columns if config.get(name, name) is not None],
        column_config=config,
        key=key,
        height=height,
        on_select="rerun" if selectable else "ignore",
        selection_mode="multi-row" if several else "single-row",
        placeholder=MISSING,
    )


def on_the_clock(column: pd.Series, zone: str | None = None) -> pd.Series:
    """Kept moments (naive UTC) as the community's clock reads them (`zone`, by default the
    community's), naive again, for the grid and charts."""
    stamps = pd.to_datetime(column)
    stamps = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps
    return stamps.dt.tz_convert(zone or community_zone()).dt.tz_localize(None)


def community_zone() -> str:
    """The time zone every time on the pages is shown in: the community's (settings.timezone),
    as its days are counted in; the stores keep UTC."""
    return load_settings().timezone


def _zone_in_the_app() -> str | None:
    return community_zone() if streamlit_internals.running() else None


use_community_zone(_zone_in_the_app)  # messages quoting a moment (errors.When) read the pages' clock


def _is_percent(spec: object) -> bool:
    return isinstance(spec, dict) and spec.get("type_config", {}).get("format") == "percent"


SIGNED = re.compile(r"%\+(?:\.(\d+))?[df]")  # a signed figure's format, as a page gives it: %+d, %+.2f


def _unformatted(spec: dict) -> dict:
    """A column config without its format."""
    return {**spec, "type_config": {k: v for k, v in spec.get("type_config", {}).items() if k != "format"}}


def _signed_text(decimals: int, language: str) -> Callable[[float], str]:
    """A signed figure as a tile writes it (catalog.locale.number): +1,234, -3.5, 0."""
    return lambda value: locale.number(value, language, decimals=decimals, sign=True)


def _change_text(language: str) -> Callable[[float], str]:
    """A relative change (shown in percent) as a tile writes one: +5.9%, -12.0%, 0.0%."""

    def text(value: float) -> str:
        share = round(float(value), 1) / 100 + 0.0  # no negative zero: -0.04% is 0.0%
        return locale.percent(share, language, decimals=1, sign=share != 0)

    return text


def _styled(shown: pd.DataFrame, style: Callable[[pd.DataFrame], Any] | None, texts: dict[str, Callable]) -> Any:
    """The shown frame as `style` makes it, with `texts` writing their columns' cells (a Styler's
    text: the cells keep their numbers, so a click on the header still sorts by them). A Styler
    gives every cell a text (pandas writes a float with six decimals), which the grid shows where
    a column has no format of its own: table() gives the other number columns one."""
    styled = style(shown) if style else shown
    if not texts:
        return styled
    styler = styled if isinstance(styled, Styler) else styled.style
    return styler.format(texts, subset=list(texts), na_rep=MISSING)


def _unformatted_numbers(shown: pd.DataFrame, config: Mapping[str, object], texts: Mapping[str, object]) -> list[str]:
    """The shown number columns, besides `texts`', whose config gives no format (or no config)."""
    return [
        name
        for name in shown.columns
        if name not in texts
        and config.get(name, "") is not None
        and is_numeric_dtype(shown[name])
        and not is_bool_dtype(shown[name])
        and not (isinstance(spec := config.get(name), dict) and spec.get("type_config", {}).get("format"))
    ]


def _localized(spec: object) -> object:
    """A number column's config with the grid's "localized" format (1,234.5), its label and help kept."""
    if isinstance(spec, dict):
        return {**spec, "type_config": {**spec.get("type_config", {}), "type": "number", "format": "localized"}}
    return st.column_config.NumberColumn(spec if isinstance(spec, str) else None, format="localized")


def _signed_as_written(values: pd.Series, decimals: int) -> pd.Series:
    """`values` rounded to `decimals`, with no negative zero (-0.0 + 0.0 is 0.0): the number a cell
    copied from the grid gives is the one shown, rounded; whole numbers as they are."""
    numbers = pd.to_numeric(values)
    return numbers if is_integer_dtype(numbers) else numbers.round(decimals) + 0.0


def _signed_decimals(spec: object) -> int | None:
    """The decimals a signed format (%+.1f, %+d) asks for, None for any other column."""
    if not isinstance(spec, dict):
        return None
    found = SIGNED.match(str(spec.get("type_config", {}).get("format") or ""))
    return None if found is None else int(found.group(1) or 0)


def data_table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    column_config: Mapping[str, object] | None = None,
    selectable: bool = False,
    member_links: bool = False,
) -> int | None:
    """Show the frame (member columns labelled as everywhere) and its download; with `selectable`,
    return the selected row's position. Members' ids are left out where their names may not be seen
    (a share link that does not reveal them, a projector), in every table: beside what members
    wrote, an id would say who wrote it. `member_links` marks rows of members: their names and email
    addresses are left out where the viewer may not see them, and a link to each member's profile is
    added (shown, not downloaded) for those who may open profiles."""
    if member_links:  # email addresses only for those who may see them, whatever the loader gave
        hidden = {"name": Permission.MEMBER_NAMES, "email": Permission.PERSONAL_DATA}
        frame = frame.drop(columns=[column for column, needed in hidden.items() if not may(needed)], errors="ignore")
    shown, config = frame, {**member_columns(), **(column_config or {})}
    if member_links and may(Permission.PERSONAL_DATA):
        shown = frame.assign(profile=[f"lookup?member={quote(str(m))}" for m in frame["member_id"]])
        config["profile"] = st.column_config.LinkColumn(t("column.profile"), display_text=t("column.open"))
    rows = _shown(frame, shown, config, key=key, file_name=file_name, selectable=selectable, several=False)
    return rows[0] if rows else None


def used_columns(
    table: pd.DataFrame, columns: Mapping[str, object], *, hidden_unless: Mapping[str, tuple[str, ...]]
) -> dict[str, object]:
    """`columns` (a column_config) with the columns of a setting or figure no row of `table` has
    hidden: each key of `hidden_unless` names a column whose every value is missing or 0, and so
    hides the columns it maps to. A column of dashes on every row says nothing and pushes what
    does off a laptop's screen; the download keeps them all."""
    hidden = {
        column
        for used_by, hides in hidden_unless.items()
        if used_by in table.columns and not (table[used_by].notna() & (table[used_by] != 0)).any()
        for column in hides
    }
    return {name: None if name in hidden else config for name, config in columns.items()}


def data_table_rows(
    frame: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    column_config: Mapping[str, object] | None = None,
    height: int | Literal["auto"] = "auto",
    style: Callable[[pd.DataFrame], Any] | None = None,
) -> list[int]:
    """data_table with several rows selectable (checkboxes): the selected rows' positions; `style`
    as `table` takes it."""
    config = {**member_columns(), **(column_config or {})}
    return _shown(
        frame, frame, config, key=key, file_name=file_name, selectable=True, several=True, height=height, style=style
    )


def _shown(
    frame: pd.DataFrame,
    shown: pd.DataFrame,
    config: Mapping[str, object],
    *,
    key: str,
    file_name: str,
    selectable: bool,
    several: bool,
    height: int | Literal["auto"] = "auto",
    style: Callable[[pd.DataFrame], Any] | None = None,
) -> list[int]:
    if not may(Permission.MEMBER_NAMES):  # an id finds its member as a name does (a Discord or GitHub number)
        frame, shown = (rows.drop(columns=["member_id"], errors="ignore") for rows in (frame, shown))
    event = table(
        shown, column_config=config, key=key, selectable=selectable, several=several, height=height, style=style
    )
    if not presenting():  # no downloads on a projector (nor their data in the page)
        _download(frame, key=key, file_name=file_name)
    rows = event.selection.rows if selectable else []
    return [row for row in rows if row < len(frame)]  # a selection outlives a shorter frame


def _download(frame: pd.DataFrame, *, key: str, file_name: str) -> None:
    """The table's CSV, made when the button is pressed (Streamlit calls `data` then, in another
    thread: safe_csv needs no session), not on every run of the page (tens of milliseconds a run for
    the inbox's 1,300 rows). tests/test_browser_security.py downloads every table's in Chromium."""
    st.download_button(
        t("table.download"),
        data=functools.partial(safe_csv, frame),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"{key}_download",
        icon=":material/download:",
        on_click="ignore",
    )


def period_days(filters: Filters) -> dict[str, str]:
    """start and last of a period as messages name them ("1 Mar 2025")."""
    return {"start": day(filters.start), "last": day(filters.last)}


def day_column(label: str, *, help: str | None = None) -> object:
    """Days as visuals.text.day writes them: 30 Nov 2026, 2026年11月30日."""
    return st.column_config.DatetimeColumn(label, format=locale.column_format("day", current_language()), help=help)


def time_column(label: str, *, help: str | None = None) -> Moments:
    """Kept moments as moment() writes them, on the community's clock: 30 Nov 2026, 09:53;
    2026年11月30日 09:53 (for table() and the tables built on it)."""
    return Moments(label, help)


def local_day_column(label: str, *, help: str | None = None) -> Moments:
    """Kept moments (UTC) as the day they fall on by the community's clock: a campaign starting at
    16:00 UTC starts the next day in Shanghai, whose days its figures count (day_column: dates)."""
    return Moments(label, help, form="day")


def change_column(label: str, *, help: str | None = None) -> Change:
    """A column of relative changes, shown in percent and signed; the download keeps the fractions."""
    return Change(label, help)


def words_column(label: str, words: Mapping[str, str], *, help: str | None = None) -> Words:
    """A column of keys shown as the catalog's words (see table()); a key the mapping lacks is shown
    as it is. The download keeps the keys."""
    return Words(label, words, help)


def catalog_words(prefix: str, keys: object) -> dict[str, str]:
    """{key: t("<prefix>.<key>")} for each key, for words_column."""
    return {str(key): t(f"{prefix}.{key}") for key in keys}


def moment(value: object) -> str:
    """A kept moment (UTC) on the community's clock, as time_column shows it: 30 Nov 2026, 09:53;
    — when there is none."""
    return locale.moment(value, current_language(), zone=community_zone())  # type: ignore[arg-type]


def known_words(prefix: str) -> Mapping[str, str]:
    """{key: word} for every key the catalog has at "<prefix>.<key>": the words of an open vocabulary
    (campaign kinds, suggested themes), where a value the catalog lacks is shown as the data has it."""
    return _known_words(prefix, current_language())


@functools.cache
def _known_words(prefix: str, language: str) -> Mapping[str, str]:
    """known_words in `language`, made once: tables ask for it often (the inbox asked for a theme's
    and a source's word on every row, and making the whole mapping each time was most of the time
    its words took at 1,300 open items). Read-only, as every caller shares it."""
    start = f"{prefix}."
    keys = (key.removeprefix(start) for key in CATALOGS[DEFAULT] if key.startswith(start))
    return MappingProxyType({key: t(f"{prefix}.{key}", language=language) for key in keys})


def known(row: pd.Series, *names: str) -> list[str]:
    """The row's values in these columns that are there, as text: pandas reads a missing text as NaN,
    which is true in an `if` and reads "nan"."""
    return [str(row[name]) for name in names if name in row.index and not missing(row[name])]


def leading(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """`frame` with `columns` (those it has) first and the rest after, as they were: a phone shows a
    table's first three or four columns without scrolling, so those are the ones the table is for
    (a member's name and figures, not their id; a change, not the value before it). The download
    keeps the order shown."""
    ahead = [column for column in columns if column in frame.columns]
    return frame[[*ahead, *(column for column in frame.columns if column not in ahead)]]


def member_columns() -> dict[str, object]:
    """The member columns (and a personal link) as every data_table labels them unless the page's own
    config says otherwise; columns a frame lacks are ignored."""
    return {
        "member_id": t("column.member_id"),
        "name": t("column.name"),
        "email": t("column.email"),
        "joined_at": day_column(t("column.joined")),
        "channel": t("filters.channel"),
        "region": t("filters.region"),
        "segment": t("filters.segment"),
        "is_team": st.column_config.CheckboxColumn(t("column.team")),
        "link": st.column_config.LinkColumn(t("column.link")),
    }


def profile_columns(section: str) -> dict[str, object]:
    """The columns of a member profile's tables (`section`: recent, campaigns, answers, feedback),
    in the lookup and beside a feedback item."""
    return {
        "recent": {
            "occurred_at": time_column(t("feedback.column.when")),
            "kind": words_column(t("column.activity"), catalog_words("activity", DEFAULT_POINTS)),
            "platform": words_column(t("chart.platform"), known_words("platform")),
            "campaign_id": None,  # its name is shown, its id downloaded too
            "campaign_name": st.column_config.TextColumn(t("column.campaign"), help=t("column.campaign_none")),
        },
        "campaigns": {
            "campaign_id": None,
            "name": t("column.campaign"),
            "kind": words_column(t("chart.kind"), known_words("campaign.kind")),
            "starts_at": local_day_column(t("column.starts")),
            "stage": words_column(t("column.stage"), stage_words()),
        },
        "answers": {
            "survey": t("column.survey"),
            "submitted_at": time_column(t("column.submitted")),
            "question_id": t("column.question"),
            "question_type": None,
            "value_num": st.column_config.NumberColumn(
                t("column.answer_score"), format="%g", help=t("column.answer_score_help")
            ),
            "value_text": st.column_config.TextColumn(t("column.answer_text"), help=t("column.answer_text_help")),
        },
        "feedback": feedback_columns(),
    }[section]


def feedback_columns() -> dict[str, object]:
    """Columns of feedback items listed outside the inbox (a member's feedback, merged duplicates)."""
    return {
        "id": st.column_config.NumberColumn("#", format="%d"),
        "created_at": time_column(t("feedback.column.when")),
        "member_id": st.column_config.TextColumn(t("column.member_id"), help=t("column.anonymous")),
        "text": st.column_config.TextColumn(t("feedback.column.text"), width="large"),
        "status": words_column(t("feedback.filter.status"), catalog_words("feedback.status", STATUSES)),
        "score": st.column_config.NumberColumn(t("feedback.column.score"), format="%g", help=t("column.no_score")),
        "theme": words_column(t("feedback.column.theme"), known_words("theme"), help=t("column.no_theme")),
    }


def stage_words() -> dict[str, str]:
    """How far a member went in a campaign, as the profile and the campaign's newcomers say it."""
    return {
        "invited": t("column.invited"),
        "registered": t("column.registered"),
        "attended": t("column.attended"),
        "took part": t("stage.took_part"),
        "activity": t("stage.took_part"),
    }


def plain(text: object) -> str:
    """Text for Streamlit's markdown (titles, captions, labels, help, messages) shown literally, since
    members, imports and addresses write it. Every ASCII punctuation mark is backslash-escaped, so it
    cannot format; whitespace runs (a no-break space aside) become one space, so a tab or line break
    cannot start a code block, a list or a table. Escaping alone does not stop remark-gfm: it links
    http://, www. and a@b.c in the text left after escapes are resolved (and turns -- into a dash),
    so an invisible word joiner (U+2060) breaks each of those patterns."""
    spaced = _SPACES.sub(" ", str(text))
    joined = _AUTOLINKS.sub(WORD_JOINER, spaced)
    return "".join(f"\\{char}" if char in _MARKDOWN_PUNCTUATION else char for char in joined)


def error_markdown(error: PulseError) -> str:
    """A PulseError in the reader's language as markdown: the catalog's words, with every value
    quoted from people's data or settings (files, sheets, cells, themes, paths) as text; a message
    without a key as text throughout; one line per problem."""
    return error.text(current_language(), quote=plain).replace("\n", "  \n")


def label_text(text: object) -> str:
    """Text for a widget label that screen readers read out (a hidden label above all): labels are
    markdown too, but a backslash escape would be read aloud, so instead an invisible word joiner
    breaks what could link or load: `](` and `][` (links, images), `<` (autolinks), and the bare
    URLs and addresses `plain` breaks. Emphasis and the like may still format; nothing can link."""
    spaced = _SPACES.sub(" ", str(text))
    return _LABEL_BREAKS.sub(WORD_JOINER, _AUTOLINKS.sub(WORD_JOINER, spaced))


_LABEL_BREAKS = re.compile(r"(?<=\])(?=[(\[])|(?<=<)")
_SPACES = re.compile(r"[^\S\u00a0]+")  # a no-break space stays: it cannot start a block, and keeps words together
_AUTOLINKS = re.compile(r"(?i)(?<=www)(?=\.)|(?<=@)|(?<=:)(?=//)|(?<=-)(?=-)")
_MARKDOWN_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
