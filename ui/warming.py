"""Figures computed before anyone asks for them (preemptive caching), in a background thread, so
that opening a dashboard page or changing its period reads the cache instead of waiting for the
warehouse (seconds at a million members: docs/performance.md, "The browser's wait").

- Each dashboard page's default view (the default period, no member filter) whenever it is not
  warm: after a sync swaps in a new build, on a new day, and again when the cache has let it go
  (checked on every page run and every minute by the delivery sender, so a build `cli.py sync`
  swapped in at night is warm in the morning).
- While someone looks at a dashboard page, the same page over the other fixed periods that end
  before today (the change people make most), with the view's member filters.

A view is what the page asks for when it opens (VIEWS), as a manager sees it: the same cached
loaders with the same arguments, so the page's own run finds them; the default views are also
warmed as presented on a projector (PRESENTED: the Members page's slipping champions without
addresses). One thread per server works through the requests: the default views to their end, and
the periods of the page looked at last (a page's periods not yet warmed are dropped when someone
looks at another). A page asking for a figure the thread is computing waits for it rather than
computing it twice (st.cache_data's lock).

Only a warehouse that sync builds is warmed: one queried in place is read by the people who open it.
Warming that fails is logged and left: the page shows the failure when it reads the same figures
itself. `warm_figures = false` turns it off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

import clock
from errors import PulseError
from metrics.filters import DEFAULT_PRESET, Filters, preset_period
from settings import Settings
from ui import data

View = Callable[[Settings, str, Filters], None]
# The periods warmed beside a view's own, most likely first; the presets that include today are
# left out, since their figures are keyed by the minute (ui.data.live_minute).
PRESETS = ("last_90_days", "last_7_days", "last_month", DEFAULT_PRESET)
log = logging.getLogger(__name__)


def overview(settings: Settings, version: str, filters: Filters) -> None:
    data.load_overview(settings, version, filters)
    data.load_new_members_by_week(settings, version, filters)
    data.load_negative_share(settings, version, filters)
    data.load_response_times(settings, version, filters)
    data.load_tile_goals(settings, version, filters)
    data.load_chart_marks(settings, version, filters)


def members(settings: Settings, version: str, filters: Filters) -> None:
    data.load_member_kpis(settings, version, filters)
    data.load_new_members_by_week(settings, version, filters, "channel")
    data.load_growth_by(settings, version, filters, "channel")
    data.load_cohorts(settings, version, filters)
    data.load_level_changes(settings, version, filters)
    data.load_members_at_level(settings, version, filters, "champion")
    data.load_slipping_champions(settings, version, filters, True)  # as a manager sees it, with addresses


def engagement(settings: Settings, version: str, filters: Filters) -> None:
    data.load_engagement_kpis(settings, version, filters)
    data.load_activity(settings, version, filters)
    data.load_active_by_platform(settings, version, filters)
    data.load_wecom_groups(settings, version, filters)
    data.load_top_contributors(settings, version, filters, None, None)


def campaigns(settings: Settings, version: str, filters: Filters) -> None:
    data.load_campaigns(settings, version, filters)


VIEWS: dict[str, View] = {"overview": overview, "members": members, "engagement": engagement, "campaigns": campaigns}


def members_presented(settings: Settings, version: str, filters: Filters) -> None:
    """What the Members page asks for beside its view when presented (`?present=1`, in a meeting):
    the slipping champions without their addresses."""
    data.load_slipping_champions(settings, version, filters, False)


PRESENTED: list[View] = [members_presented]  # warmed with the default views, for the meeting's projector


@dataclass(frozen=True)
class Job:
    """Views to warm on one build. The default views run to their end; a page's other periods are
    dropped for a newer job (the person has moved on), between views."""

    settings: Settings
    version: str
    plan: list[tuple[View, Filters]]
    finish: bool = False  # the default views
    done: str | None = None  # logged when every view is warm


DEFAULT_VIEWS_WARMED = "Warmed the default views: %d views in %.1f s"  # bench/browser.py waits for it
SHOWN_KEY = "pulse_warm_view"  # (page, Filters) of the dashboard page this run showed (ui.page.start_page)
_changed = threading.Condition()  # guards the three below
_queue: list[Job] = []  # the default views first, then the latest page's periods
_worker: dict[str, threading.Thread | None] = {"thread": None}
_warmed: dict[str, Any] = {"view": None, "at": 0.0}  # (build, default Filters) last warmed, and when


def remember_view(page: str, filters: Filters) -> None:
    """What this run shows, for warm_after_run once the page is drawn."""
    st.session_state[SHOWN_KEY] = (page, filters)


def warm_after_run(settings: Settings) -> None:
    """After a page run (app.py, when the page is drawn, so warming does not slow it): the default
    views when they are not warm, and the other periods of the dashboard view this run showed.
    Never raises: it runs as the page ends, also when the page failed, whose own error is the one
    to show."""
    shown = st.session_state.pop(SHOWN_KEY, None)
    try:
        warm_default_views(settings)
        if shown is not None:
            warm_other_periods(settings, *shown)
    except Exception:  # warming is a courtesy: the log says why it did not happen
        log.warning("Warming was not started", exc_info=True)


def default_filters(settings: Settings) -> Filters:
    start, end = preset_period(DEFAULT_PRESET, today=clock.today_in(settings.timezone))
    return Filters(start=start, end=end, timezone=settings.timezone)


def warm_default_views(settings: Settings) -> bool:
    """Warm every dashboard page's default view when it is not warm: a new build, a new day (the
    default period moved), or the last warming older than the cache keeps figures (ui.data.TTL_S,
    so a build synced at night is warm in the morning). Whether that was asked; cheap otherwise:
    one look at the build in use."""
    if not settings.warm_figures or settings.warehouse_path is None:
        return False
    try:
        version = data.data_version(settings)
    except PulseError:  # no warehouse yet: nothing to warm
        return False
    filters = default_filters(settings)
    with _changed:
        if _warmed["view"] == (version, filters) and time.monotonic() - _warmed["at"] < data.TTL_S:
            return False
        _warmed.update(view=(version, filters), at=time.monotonic())
    plan = [(view, filters) for view in [*VIEWS.values(), *PRESENTED]]
    _ask(Job(settings, version, plan, finish=True, done=DEFAULT_VIEWS_WARMED))
    return True


def warm_other_periods(settings: Settings, page: str, filters: Filters) -> bool:
    """Warm `page` over the other PRESETS with the view's member filters, in place of the periods of
    a page asked for before (whether that was asked: not for a page without a view, nor a
    warehouse queried in place)."""
    view = VIEWS.get(page)
    if view is None or not settings.warm_figures or settings.warehouse_path is None:
        return False
    today = clock.today_in(settings.timezone)
    plan = [(view, other) for other in _periods(filters, today=today) if other != filters]
    try:
        version = data.data_version(settings)
    except PulseError:
        return False
    _ask(Job(settings, version, plan))
    return True


def idle(*, timeout: float) -> bool:
    """Wait until nothing is left to warm (the bench and the tests); False if still warming after
    `timeout` seconds."""
    with _changed:
        return _changed.wait_for(lambda: _worker["thread"] is None, timeout=timeout)


def _periods(filters: Filters, *, today: date) -> Iterable[Filters]:
    members = {"channel": filters.channel, "region": filters.region, "segment": filters.segment}
    for preset in PRESETS:
        start, end = preset_period(preset, today=today)
        yield Filters(start=start, end=end, timezone=filters.timezone, **members)


def _ask(job: Job) -> None:
    """Queue `job` and start the worker if none runs. A page's periods replace those of the page
    before; the default views replace everything queued (it was for a build, a day or a cache
    before)."""
    with _changed:
        _queue[:] = [queued for queued in _queue if queued.finish and not job.finish] + [job]
        if _worker["thread"] is None:
            thread = threading.Thread(target=_work, daemon=True, name="pulse-warm")
            _worker["thread"] = thread
            thread.start()


def _work() -> None:
    while True:
        with _changed:
            if not _queue:
                _worker["thread"] = None
                _changed.notify_all()
                return
            job = _queue.pop(0)
        _run(job)


def _run(job: Job) -> None:
    started = time.monotonic()
    try:
        data.load_dimension_values(job.settings, job.version)  # the filter bar's choices, on every page
        for view, filters in job.plan:
            if not job.finish and _queue:  # a newer job: this page's periods are no longer the likely next
                return
            view(job.settings, job.version, filters)
    except Exception as error:  # the page that reads these figures shows the failure
        log.info("Warming stopped: %r", error)
        return
    if job.done is not None:
        log.info(job.done, len(job.plan), time.monotonic() - started)
