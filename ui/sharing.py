"""The Share button of a dashboard page: a read-only link to the view on screen.

The link keeps the view itself (metrics.filters.view_query: a rolling preset or fixed dates, the
member filters, the survey, presentation mode), so its address carries only the signed token.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

import clock
from auth.access import Permission
from auth.pages import SHAREABLE
from auth.share_links import DEFAULT_DAYS, create_link, link_url, stored_view
from catalog import locale
from metrics.filters import DEFAULT_PRESET, DIMENSIONS, PRESETS, view_query
from settings import Settings, SettingsError, signing_secret
from store.database import StoreError
from ui import data
from ui.address import links_start
from ui.filters import VIEW_KEY
from ui.i18n import current_language, t
from ui.outage import app_store_failed
from ui.session import current_user, may, shared_link, who
from ui.tables import community_zone, error_markdown

SHARE_OPEN = "{page}_share"  # whether the page's Share popover is open (session state)


def share_button(page: str, settings: Settings) -> None:
    """For those who may share, a popover that makes the link (period, expiry, what it reveals,
    presentation). It is drawn above the filters, so the view it keeps is the one the filter bar
    recorded on the page's last run: what was on screen when Create was pressed.

    Lazy: its form is drawn only while it is open (opening it reruns the page, from the cache), so
    the page's other runs (every filter change) neither send nor draw its six widgets."""
    if page not in SHAREABLE or not may(Permission.SHARE) or shared_link() is not None:
        return
    box = st.popover(t("share.button"), icon=":material/share:", key=SHARE_OPEN.format(page=page), on_change="rerun")
    if not box.open:
        return
    with box:
        survey = st.query_params.get("survey") if page == "surveys" else None
        if page == "surveys" and not survey:
            st.caption(t("share.pick_survey"))
            return
        shown = st.session_state.get(VIEW_KEY.format(page=page))  # set by the filter bar's last run
        rolling = (shown is None or shown[0] != "custom") and st.radio(
            t("share.period"),
            (True, False),
            format_func=lambda moves: t("share.rolling" if moves else "share.fixed_dates"),
            key=f"{page}_share_rolling",
        )
        days = st.number_input(t("share.days"), min_value=1, max_value=90, value=DEFAULT_DAYS, key=f"{page}_share_days")
        names = st.checkbox(t("share.names"), key=f"{page}_share_names")
        text = st.checkbox(t("share.text"), key=f"{page}_share_text")
        present = st.checkbox(t("share.present"), value=True, key=f"{page}_share_present")
        if not st.button(t("share.create"), type="primary", key=f"{page}_share_create") or shown is None:
            return
        preset, filters = shown
        view = view_query(filters, period=preset if rolling else "custom")
        view |= ({"survey": survey} if survey else {}) | ({"present": "1"} if present else {})
        view["lang"] = current_language()  # the link opens in the maker's language, unless its viewer chooses
        try:
            token = create_link(
                data.app_store(settings.app_db_url),
                page=page,
                query=view,
                reveal_text=text,
                reveal_names=names,
                created_by=current_user(),
                now=clock.now(),
                days=int(days),
                secret=signing_secret(settings),
            )
        except SettingsError as error:  # local: the share form says why, and the page stays usable
            st.error(error_markdown(error))
            return
        except StoreError:
            app_store_failed()
            return
        st.caption(t("share.made", days=int(days)))
        st.code(link_url(links_start(settings), page=page, token=token), language=None)


def describe_view(query: dict[str, str]) -> str:
    """A link's view in words: its period, member filters, survey and whether it presents."""
    period, language = query.get("period", DEFAULT_PRESET), current_language()
    parts = [
        t("share.fixed", start=_day(query.get("start"), language), last=_day(query.get("end"), language, before=True))
        if period == "custom"
        else t(f"period.{period}")
        if period in PRESETS
        else period
    ]
    parts += [t("label_value", label=t(f"filters.{name}"), value=query[name]) for name in DIMENSIONS if query.get(name)]
    parts += [t("sharing.survey", survey=query["survey"])] if query.get("survey") else []
    parts += [t("sharing.presents")] if query.get("present") == "1" else []
    return " · ".join(parts)


def _day(iso: str | None, language: str, *, before: bool = False) -> str:
    """A view's day (ISO in the address) as the person's language writes it; with `before`, the day
    before (a view's end is exclusive); "?" for one that is not a day."""
    try:
        return locale.day(date.fromisoformat(iso or "") - timedelta(days=1 if before else 0), language)
    except (ValueError, OverflowError):
        return "?"


def links_view(links: pd.DataFrame) -> pd.DataFrame:
    """The Share links table in words: page titles, states, what each link shows, never-used as —."""
    never, language, zone = t("sharing.never"), current_language(), community_zone()
    return pd.DataFrame(
        {
            "id": links["id"],
            "page": [t(f"nav.{page}") for page in links["page"]],
            "view": [describe_view(stored_view(dict(query or {}))) for query in links["query"]],
            "state": [t(f"sharing.state.{state}") for state in links["state"]],
            "shows": [
                " · ".join([t("sharing.shows.names")] * bool(names) + [t("sharing.shows.text")] * bool(text))
                or t("sharing.shows.none")
                for names, text in zip(links["reveal_names"], links["reveal_text"], strict=True)
            ],
            "created_by": [who(user) for user in links["created_by"]],
            "created_at": links["created_at"],
            "expires_at": links["expires_at"],
            "last_used": [
                never if pd.isna(used) else locale.moment(used, language, zone=zone) for used in links["last_used_at"]
            ],
        }
    )
