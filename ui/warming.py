"""Figures computed before anyone asks for them (preemptive caching), in a background thread, so
that opening a dashboard page or changing its period reads the cache instead of waiting for the
warehouse (seconds at a million members: docs/performance.md, "The browser's wait").

- Each dashboard page's default view (the default period, no member filter) whenever it is not
  warm: after a sync swaps in a new build, on a new day, and again every ten minutes, the time the
  cache keeps a figure fresh (checked on every page run, and every minute by the delivery sender
  once a page has started it, so a build `cli.py sync` swapped in at night is warm in the morning).
- Then every dashboard page one change away from its default view: over the other preset periods
  (PRESETS: every one the filter bar offers, the periods so far among them, the last 365 days
  last) and with each member filter choice (the likely next views), so the first change a person
  makes after opening a page is read from the cache too; asked with the default views, so they
  stay cached. These give way to the views around the page someone looks at, and go on after them.
- While someone looks at a dashboard page, the same page over the other preset periods (the
  change people make most), with the view's member filters; after the first of
  them, the page with each other choice of each member filter (another channel, region or segment,
  or all of them; the other filters and the period kept), for dimensions of at most WARMED_VALUES
  values; then, unless the view is the default one, the other dashboard pages at the same view,
  since the filter bar carries the period and member filters to the next page opened.

A view is what the page asks for when it opens (VIEWS), as a manager sees it: the same cached
loaders with the same arguments, so the page's own run finds them, and the specs of the charts it
draws from them (ui/page_charts.py), made as their reader reads them: the one who looks at the
page for the views around it; for the default and likely next views, the readers seen in the last
day (READERS_KEPT_S), or the community's language at a desk. PRESENTED is what a page asks
for more on a projector or for a viewer who may not see members' addresses (the Members page's
slipping champions without them): warmed with the default views, and with the other periods for
such a viewer. The warming thread works through the requests: the default views to their end,
and the views around the page looked at last (those not yet warmed are dropped when someone looks
at another; one the thread made lately for the same reader is not read back: _unmade). A page
asking for a figure the thread is computing waits for it rather than computing it twice
(st.cache_data's lock); while any page runs, and for AFTER_RUN_S after one, the thread starts no
view nor a view's next loader (page_run), so a person waiting shares the cores with one loader at
most (and a read ahead's), and a view asked for meanwhile goes first once that loader is done. Its
views run `data.ahead()`, where a loader may take a way that is slower for one view and makes the next ones
cheap. An inbox read ahead (read_ahead: the members of the items Next and Previous open) is read by
a second thread, as soon as no page runs: the person reading an item cannot wait for a loader of
the views to end.

Only the DuckDB warehouse that sync builds is warmed: ClickHouse and databases queried in place are
read by the people who open them. Warming that fails is logged and tried again a minute later; the
page shows the failure when it reads the same figures itself. `warm_figures = false` turns it off.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial

import clock
from errors import PulseError
from metrics.filters import DEFAULT_PRESET, Filters, default_view, preset_period
from schema import MEMBER_DIMENSIONS
from settings import Settings
from ui import data, page_charts
from ui.i18n import speaking
from ui.presentation import SPECS_KEPT, Reader, spec_of

# The periods warmed beside a view's own, most likely first: every preset the filter bar offers.
# Those that include today are kept like the others: only their survey scores and feedback are read
# again each minute (ui.data.live_minute). The last 365 days last: a year's windows are not in the
# rollup, and at a million members its views take seconds each.
PRESETS = (
    "last_90_days",
    "last_7_days",
    "this_month",
    "last_month",
    "this_week",
    "today",
    DEFAULT_PRESET,
    "last_365_days",
)
# A member dimension with more values is not warmed value by value: each is a view (0.1-0.75 s of
# work at a million members), and a person is less likely to pick any one of them.
WARMED_VALUES = 30
log = logging.getLogger(__name__)


Step = Callable[[Settings, str, Filters], object]  # one loader's call, as the page makes it


@dataclass(frozen=True, eq=False)
class View:
    """What a dashboard page asks for when it opens: its loaders' calls (`steps`) in the page's
    order; `personal` are those only a viewer who may see members' addresses makes; `slowest`
    those fetched first beside the page (ui/alongside.py). Called, it makes every step, as a
    manager sees the page."""

    steps: tuple[Step, ...]
    personal: tuple[Step, ...] = ()
    slowest: tuple[Step, ...] = ()
    charts: page_charts.ViewCharts | None = None  # the charts the page draws from these figures

    def __call__(
        self, settings: Settings, version: str, filters: Filters, *, go_on: Callable[[], bool] = lambda: True
    ) -> bool:
        """Make every step; before each, `go_on` says whether to (the warming thread's _goes_on).
        Whether every step was made."""
        for step in self.steps:
            if not go_on():
                return False
            step(settings, version, filters)
        return True

    def draw_ahead(self, settings: Settings, version: str, filters: Filters, readers: Sequence[Reader]) -> int:
        """Make the specs of the page's charts as each of `readers` will see them (after the call
        above: from its figures); how many."""
        made = 0
        for reader in readers if self.charts is not None else ():
            with speaking(reader.language):
                for chart in self.charts(settings, version, filters, reader):
                    if chart is not None:
                        spec_of(chart, reader)
                        made += 1
        return made


def _new_members_by_channel(settings: Settings, version: str, filters: Filters) -> object:
    return data.load_new_members_by_week(settings, version, filters, "channel")


def _growth_by_channel(settings: Settings, version: str, filters: Filters) -> object:
    return data.load_growth_by(settings, version, filters, "channel")


def _champions(settings: Settings, version: str, filters: Filters) -> object:
    return data.load_members_at_level(settings, version, filters, "champion")


def _slipping_with_addresses(settings: Settings, version: str, filters: Filters) -> object:
    return data.load_slipping_champions(settings, version, filters, True)


def _slipping_without_addresses(settings: Settings, version: str, filters: Filters) -> object:
    return data.load_slipping_champions(settings, version, filters, False)


def _top_contributors(settings: Settings, version: str, filters: Filters) -> object:
    return data.load_top_contributors(settings, version, filters, None, None)


overview = View(
    (
        data.load_overview,
        data.load_new_members_by_week,
        data.load_negative_share,
        data.load_response_times,
        data.load_tile_goals,
        data.load_chart_marks,
    ),
    charts=page_charts.VIEW_CHARTS["overview"],
)
members = View(
    (
        data.load_member_kpis,
        _new_members_by_channel,
        _growth_by_channel,
        data.load_cohorts,
        data.load_level_changes,
        _champions,
        _slipping_with_addresses,
    ),
    personal=(_slipping_with_addresses,),
    slowest=(data.load_level_changes,),  # outside the kept views, two windows of every member joined
    charts=page_charts.VIEW_CHARTS["members"],
)
engagement = View(
    (
        data.load_engagement_kpis,
        data.load_activity,
        data.load_active_by_platform,
        data.load_wecom_groups,
        _top_contributors,
    ),
    charts=page_charts.VIEW_CHARTS["engagement"],
)
campaigns = View((data.load_campaigns,), charts=page_charts.VIEW_CHARTS["campaigns"])

VIEWS: dict[str, View] = {"overview": overview, "members": members, "engagement": engagement, "campaigns": campaigns}
# What a page asks for more on a projector (`?present=1`, in a meeting) or for a viewer who may not
# see members' addresses: the Members page's slipping champions without them.
members_presented = View((_slipping_without_addresses,))
PRESENTED: dict[str, View] = {"members": members_presented}


@dataclass(frozen=True)
class Job:
    """Views to warm on one build. The default views run to their end (`key`: what they were asked
    for); a page's views are dropped, between loaders, for a newer page's (the person has moved on)
    or another build's default views, and go on before or behind those of their own build; the
    likely next views of a build give way to a page's and go on after them. An inbox read ahead
    (`reading_ahead`) is read by a thread of its own (_read), and dropped for a newer one."""

    settings: Settings
    version: str
    plan: Sequence[tuple[View, Filters]]
    readers: tuple[Reader, ...] = ()  # whose charts are made ahead (View.draw_ahead)
    key: tuple[Settings, str, Filters] | None = None  # the default views': settings, build, period
    likely_next: bool = False  # with key: the views one change away from the default ones (planned
    # by the worker when the plan is empty: the filter bar's choices are read there)
    asked: float = field(default_factory=time.monotonic)
    planned: int = 0  # how many views the likely next were, when planned (a remainder has fewer)
    reading_ahead: bool = False  # an inbox read ahead: the person reads the item, no rerun follows soon


class _State:
    """The worker, its queue, how long the default views asked for last stay warm, the page runs in
    progress, and the inbox's read ahead and its thread; under one condition, since a page's run
    and the delivery sender ask at the same moment."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.queue: list[Job] = []  # the default views, the latest page's views, a build's likely next (_rank)
        self.worker: threading.Thread | None = None
        self.key: tuple[Settings, str, Filters] | None = None  # the default views asked for last
        self.fresh_until = 0.0  # time.monotonic() until which they are warm (or queued: infinity)
        self.running = 0  # page runs and panel reruns in progress on this server (run_in_progress)
        self.run_ended = -math.inf  # when the last one ended (time.monotonic())
        self.readers: dict[Reader, float] = {}  # when each was last seen (time.monotonic())
        # When the thread made a view's figures and a reader's charts, and how many specs it had
        # made by then (_made); forgotten after MADE_FRESH_S (when forgotten last: pruned).
        self.made: dict[tuple, tuple[float, int]] = {}
        self.specs_made = 0
        self.pruned = 0.0
        # The inbox's read ahead runs in a thread of its own: queued behind the views, it waited for
        # a loader of seconds to end and was late for the Next it was read for (_read).
        self.reading: Job | None = None  # the read ahead asked last, not begun yet
        self.reader: threading.Thread | None = None
        self.read_asked = -math.inf  # when a read ahead was asked last (time.monotonic())


DEFAULT_VIEWS_WARMED = "Warmed the default views: %d views in %.1f s"
NEXT_VIEWS_WARMED = "Warmed the likely next views: %d views in %.1f s"  # bench/browser.py waits for it
RETRY_S = 60  # after a warming that failed
READERS_KEPT_S = 86_400.0  # the charts of the default and likely next views are made for readers seen in a day
READERS_WARMED = 3  # at most, the latest seen
PAGES_WAIT_S = 30.0  # the longest the thread gives way to page runs in a view, before its loaders
# After a page run the thread starts its next loader only this much later: the run's last messages
# are still on their way and the browser is drawing them, and a person who changes the period as
# the page settles (the change made most) reruns it without a view nobody asked for yet on the cores.
AFTER_RUN_S = 1.0
# The views around a page are not read back when the thread made them this recently (_unmade): the
# cache still serves them, and reading them back only holds the interpreter while the person's
# change runs. The default and likely next views are always read (that keeps them cached: a read
# after TTL_S refreshes a figure), and a reader's charts count as made only while the thread has
# made fewer than SPECS_TRUSTED specs since (the spec cache keeps the SPECS_KEPT used last).
MADE_FRESH_S = data.TTL_S / 2
SPECS_TRUSTED = SPECS_KEPT // 2
_state = _State()
# The dashboard view this run showed: (page, Filters, personal, Reader), in the run's thread. Not in
# st.session_state: a page that ends with st.stop() (the Campaigns page with no campaign picked)
# leaves the stop pending, and each read of session state in page_run's `finally` raised it again.
_shown = threading.local()


def remember_view(page: str, filters: Filters, *, personal: bool, reader: Reader) -> None:
    """What this run shows (and whether its viewer sees members' addresses, and how they read its
    charts), for warm_after_run once the page is drawn."""
    _shown.view = (page, filters, personal, reader)


@contextmanager
def page_run(settings: Settings) -> Iterator[None]:
    """Around a page's run (app.py): while any page runs on this server, and for AFTER_RUN_S after,
    the warming thread starts no loader (it ends the one it is on; the read ahead waits only while
    a page runs), so a person waiting for a page does not
    share the two cores with figures nobody asked for yet; afterwards, what this run showed is
    warmed (warm_after_run)."""
    _shown.view = None
    with run_in_progress():
        try:
            yield
        finally:  # asked while the run still counts, so the thread takes these before a build's likely next
            warm_after_run(settings)


@contextmanager
def run_in_progress() -> Iterator[None]:
    """A run the thread gives way to (page_run), or a fragment's rerun, which page_run does not see
    (the inbox's item panel)."""
    with _state.changed:
        _state.running += 1
    try:
        yield
    finally:
        with _state.changed:
            _state.running -= 1
            _state.run_ended = time.monotonic()
            _state.changed.notify_all()


def warm_after_run(settings: Settings) -> None:
    """After a page run (page_run, when the page is drawn, so warming does not slow it): the default
    views when they are not warm, and the views around the dashboard view this run showed.
    Never raises: it runs as the page ends, also when the page failed, whose own error is the one
    to show."""
    shown, _shown.view = getattr(_shown, "view", None), None
    try:
        warm_default_views(settings)
        if shown is not None:
            page, filters, personal, reader = shown
            warm_around(settings, page, filters, personal=personal, reader=reader)
    except Exception:  # warming is a courtesy: the log says why it did not happen
        log.warning("Warming was not started", exc_info=True)


def default_filters(settings: Settings) -> Filters:
    return default_view(settings.timezone)


def warm_default_views(settings: Settings) -> bool:
    """Warm every dashboard page's default view, as seen at a desk and on a projector, when it is
    not warm: a new build or settings, a new day (the default period moved), or TTL_S since it was
    warmed (the cache then serves it once more while refreshing it: ui.data.cached), so a build
    synced at night is warm in the morning. Then the likely next views: every dashboard page one
    change away from its default view (_around), so a person's first change after opening a page
    is warm too. They are asked each time the default views are: the cache drops a figure unread
    for twice TTL_S, and a read after TTL_S refreshes it in the background. Whether that was asked;
    cheap otherwise."""
    if not settings.warms_figures:
        return False
    filters = default_filters(settings)
    with _state.changed:  # decided and queued at once: the sender and a page run may both ask
        try:
            version = data.data_version(settings)
        except PulseError:  # no warehouse yet: nothing to warm
            return False
        key = (settings, version, filters)
        if _state.key == key and time.monotonic() < _state.fresh_until:
            return False
        _state.key, _state.fresh_until = key, math.inf
        plan = [(view, filters) for view in [*VIEWS.values(), *PRESENTED.values()]]
        readers = _readers(settings)
        _ask(Job(settings, version, plan, readers, key=key))
        if not any(queued.likely_next for queued in _state.queue):  # not still going on behind pages' views
            _ask(Job(settings, version, (), readers, key=key, likely_next=True))  # read again, each stays cached
    return True


def warm_around(
    settings: Settings, page: str, filters: Filters, *, personal: bool = True, reader: Reader | None = None
) -> bool:
    """Warm `page` over the other PRESETS with the view's member filters, and after the first of
    them with each other member filter choice (_around); then, unless the view is the default one
    (warm already), the other dashboard pages at this view; each as its viewer sees it
    (`personal`: with members' addresses; their charts as `reader` reads them, by default in the
    community's language at a desk). In place of the views around a page asked for before
    (whether that was asked: not for a page without a view, nor a warehouse queried in place)."""
    if page not in VIEWS or not settings.warms_figures:
        return False
    try:
        version = data.data_version(settings)
        offered = data.load_dimension_values(settings, version)  # cached: the filter bar read them
    except PulseError:
        return False
    plan = [(view, shown) for shown in _around(filters, offered, settings) for view in _seen(page, personal)]
    if filters != default_filters(settings):
        plan += [(view, filters) for other in VIEWS if other != page for view in _seen(other, personal)]
    reader = reader or Reader(settings.language)
    with _state.changed:
        if not reader.shared:  # a share link shows the view it was made for, one change from no other
            _state.readers[reader] = time.monotonic()
        _ask(Job(settings, version, plan, (reader,)))
    return True


def read_ahead(settings: Settings, item_ids: Sequence[int], *, include_email: bool) -> bool:
    """As an inbox item is shown with its member's figures, the members of the items Next and
    Previous open (`item_ids`), and as the inbox opens without one, its first item's: read by a
    thread of its own (_read: the item, then what the warehouse knows of its member:
    ui.data.community_profile, cached), so moving on waits for none of the warehouse's statements
    (0.3-0.4 s at a million members). In place of the views around a page asked for before (those
    queued are dropped, the one begun stops at its next loader): the person is in the inbox.
    Whether that was asked."""
    if not item_ids or not settings.warms_figures:
        return False
    try:
        version = data.data_version(settings)
    except PulseError:
        return False
    year = data.context_year(settings)  # as ui.inbox.detail.item_tabs asks
    plan = [
        (View((partial(_item_member, item_id=item_id, include_email=include_email),)), year) for item_id in item_ids
    ]
    with _state.changed:
        job = Job(settings, version, plan, reading_ahead=True)
        _state.reading = job  # in place of one not begun
        _state.read_asked = job.asked
        _state.queue[:] = [queued for queued in _state.queue if queued.key is not None]  # a page's views
        if _state.reader is None:
            reader = threading.Thread(target=_read, daemon=True, name="pulse-warm-read-ahead")
            reader.start()
            _state.reader = reader
    return True


def _read() -> None:
    """The read ahead asked last, until none is left: in a thread of its own, beside the warming
    thread's loader of the moment, since one takes seconds at millions of members and is not
    stopped halfway (at a million members on a slow hour the next item's member was read in time in
    one run of three, at three million in none). It waits while a page runs, not the moment after."""

    def take() -> Job | None:
        job, _state.reading = _state.reading, None
        return job

    _serve("reader", take, _read_ahead)


def _read_ahead(job: Job) -> None:
    """`job`'s items' members read, each unless a newer read ahead was asked meanwhile."""
    try:
        for view, filters in job.plan:
            deadline = time.monotonic() + PAGES_WAIT_S
            if not view(job.settings, job.version, filters, go_on=partial(_goes_on, job, 0, deadline)):
                return
    except Exception as error:  # the item panel shows the failure when it reads the same
        log.warning("Reading ahead stopped: %r", error)


def _item_member(settings: Settings, version: str, year: Filters, *, item_id: int, include_email: bool) -> object:
    """What the item panel reads about item `item_id`'s member, over `year`."""
    loaded = data.load_item(settings, item_id)
    member_id = loaded.item.iloc[0]["member_id"] if len(loaded.item) else None
    if not isinstance(member_id, str):  # gone, or anonymous
        return None
    data.load_person_ids(settings, version, member_id)
    return data.community_profile(settings, version, member_id, year, include_email)


def _readers(settings: Settings) -> tuple[Reader, ...]:
    """Whose charts the default and likely next views are made for: the readers of the views around
    a page in the last READERS_KEPT_S but under a share link, the latest first (at most
    READERS_WARMED), else one reading the community's language at a desk (the caller holds
    _state.changed)."""
    since = time.monotonic() - READERS_KEPT_S
    seen = [reader for reader, at in _state.readers.items() if at >= since]
    seen.sort(key=_state.readers.__getitem__, reverse=True)
    return tuple(seen[:READERS_WARMED]) or (Reader(settings.language),)


def _likely_next(filters: Filters, offered: dict[str, list[str]], settings: Settings) -> list[tuple[View, Filters]]:
    """Every dashboard page one change away from the default view `filters`, as any viewer sees it
    (with and without members' addresses), the likeliest change first on every page."""
    around = _around(filters, offered, settings)
    return [(view, shown) for shown in around for page in VIEWS for view in _seen(page, False)]


def _around(filters: Filters, offered: dict[str, list[str]], settings: Settings) -> list[Filters]:
    """The views one change away from `filters`, likeliest first: the first other period, each
    other member filter choice (_member_choices), the other periods."""
    periods = [other for other in _periods(filters, today=clock.today_in(settings.timezone)) if other != filters]
    return [*periods[:1], *_member_choices(filters, offered), *periods[1:]]


def _member_choices(filters: Filters, offered: dict[str, list[str]]) -> list[Filters]:
    """The view with each other choice of each member filter the filter bar offers: all of them
    (when one is chosen), or another value, for a dimension of at most WARMED_VALUES values (an
    empty value is left out: like all of them, it names no dimension); its period and other filters
    kept."""
    choices = []
    for dimension in MEMBER_DIMENSIONS:
        chosen = getattr(filters, dimension)
        values = [value for value in offered.get(dimension, []) if value]
        others = [None, *values] if len(values) <= WARMED_VALUES else [None]
        choices += [replace(filters, **{dimension: value}) for value in others if value != chosen]
    return choices


def _seen(page: str, personal: bool) -> list[View]:
    """What `page` asks for: its view, and what a viewer without members' addresses asks for more."""
    return [VIEWS[page]] if personal or page not in PRESENTED else [VIEWS[page], PRESENTED[page]]


def steps_seen(page: str, *, personal: bool) -> list[Step]:
    """The loaders' calls dashboard `page` makes for its viewer, in the page's order (none for a
    page without a view): without the personal ones for a viewer who may not see addresses."""
    if page not in VIEWS:
        return []
    views = _seen(page, personal)
    return [step for view in views for step in view.steps if personal or step not in view.personal]


def from_the_end(steps: list[Step]) -> list[Step]:
    """A page's `steps` (steps_seen) in the order to fetch them beside the page (ui/alongside.py):
    the slowest of its view first, then the others from the page's last to its first."""
    slowest = [step for view in VIEWS.values() for step in view.slowest if step in steps]
    return [*slowest, *(step for step in reversed(steps) if step not in slowest)]


def idle(*, timeout: float) -> bool:
    """Wait until nothing is left to warm (the bench and the tests); False if still warming after
    `timeout` seconds."""
    with _state.changed:
        return _state.changed.wait_for(lambda: _state.worker is None and _state.reader is None, timeout=timeout)


def _periods(filters: Filters, *, today: date) -> list[Filters]:
    """The view over each of PRESETS, its member filters kept, each period once (this week is
    today on a Monday, this month on the first)."""
    periods = dict.fromkeys(preset_period(preset, today=today) for preset in PRESETS)
    return [replace(filters, start=start, end=end) for start, end in periods]


def _ask(job: Job) -> None:
    """Queue `job` and start the worker if none runs (the caller holds _state.changed). The default
    views replace everything queued of another build, and go before the rest: a page's views asked
    before them on the same build still hold (the default views and the likely next are asked again
    as a page run ends, once their ten minutes are over). A page's views replace those of the page
    before and go before a build's likely next views (_rank)."""
    if job.key is not None and not job.likely_next:
        kept = [
            queued
            for queued in _state.queue
            if (queued.likely_next and queued.key == job.key) or (queued.key is None and _same_build(queued, job))
        ]
    elif job.likely_next:
        kept = [queued for queued in _state.queue if queued.key is not None or _same_build(queued, job)]
    else:
        kept = [queued for queued in _state.queue if queued.key is not None]
    _state.queue[:] = sorted([*kept, job], key=_rank)
    if _state.worker is None:
        _state.worker = threading.Thread(target=_work, daemon=True, name="pulse-warm")
        _state.worker.start()


def _same_build(job: Job, other: Job) -> bool:
    return (job.settings, job.version) == (other.settings, other.version)


def _rank(job: Job) -> int:
    """The default views first, then the views around the page looked at, then a build's likely next."""
    return 2 if job.likely_next else 0 if job.key is not None else 1


def _work() -> None:
    _serve("worker", lambda: _state.queue.pop(0) if _state.queue else None, _run)


def _serve(thread: str, take: Callable[[], Job | None], run: Callable[[Job], None]) -> None:
    """A background thread's loop: `run` each job `take` gives, until none is left; then, or when
    the thread ends on an error, it is no longer _state's `thread` (the next request starts
    another). Whether one is left is decided under the lock that starts a thread under."""
    try:
        while True:
            with _state.changed:
                job = take()
                if job is None:
                    setattr(_state, thread, None)
                    _state.changed.notify_all()
                    return
            run(job)
    except BaseException:
        with _state.changed:
            setattr(_state, thread, None)
            _state.changed.notify_all()
        raise


def _run(job: Job) -> None:
    try:
        offered = data.load_dimension_values(job.settings, job.version)  # the filter bar's choices, on every page
        if job.likely_next and not job.plan and job.key is not None:  # planned when it starts: by the choices
            plan = _likely_next(job.key[2], offered, job.settings)
            job = replace(job, plan=plan, planned=len(plan))
        for index, (view, filters) in enumerate(job.plan):
            keys = _made_keys(job, view, filters)
            readers = job.readers if job.key is not None else _unmade(keys, job.readers)
            if readers is None:
                continue
            deadline = time.monotonic() + PAGES_WAIT_S  # for the whole view, not each of its loaders
            with data.ahead():
                if not view(job.settings, job.version, filters, go_on=partial(_goes_on, job, index, deadline)):
                    return
            _made(keys, readers, view.draw_ahead(job.settings, job.version, filters, readers))
    except Exception as error:  # the page that reads these figures shows the failure too
        log.warning("Warming stopped: %r", error)
        _settle(job, fresh_for=RETRY_S)
        return
    if job.likely_next:
        log.info(NEXT_VIEWS_WARMED, job.planned, time.monotonic() - job.asked)
    elif job.key is not None:
        _settle(job, fresh_for=data.TTL_S)
        log.info(DEFAULT_VIEWS_WARMED, len(job.plan), time.monotonic() - job.asked)


def _made_keys(job: Job, view: View, filters: Filters) -> dict[Reader | None, tuple]:
    """What `view` at `filters` made by `job` is known by (_State.made), for its figures (None) and
    each of its readers' charts: the view, its settings, build and filters, and the minute of a
    period so far (its survey scores and feedback are read again each minute), taken as the thread
    comes to it (before it gives way to pages: a minute may pass, and the view is then read once more)."""
    view_key = (view, job.settings, job.version, filters, data.live_minute(filters))
    return {reader: (*view_key, reader) for reader in (None, *job.readers)}


def _unmade(keys: dict[Reader | None, tuple], readers: tuple[Reader, ...]) -> tuple[Reader, ...] | None:
    """Of the views around a page, the `readers` whose charts the thread has not made lately (in
    MADE_FRESH_S, and fewer than SPECS_TRUSTED specs ago); None when it made them all and the
    figures too (the view is skipped: around a page just opened, it usually made every view with
    the build's likely next ones)."""
    since = time.monotonic() - MADE_FRESH_S
    with _state.changed:

        def made(reader: Reader | None) -> bool:
            at, specs = _state.made.get(keys[reader], (-math.inf, 0))
            return at >= since and (reader is None or _state.specs_made - specs < SPECS_TRUSTED)

        figures, undrawn = made(None), tuple(reader for reader in readers if not made(reader))
    return None if figures and not undrawn else undrawn


def _made(keys: dict[Reader | None, tuple], readers: Sequence[Reader], specs: int) -> None:
    """A view's figures were just made (read), and `readers`' charts of it, `specs` specs in all;
    what is older than MADE_FRESH_S is forgotten (once a minute)."""
    now = time.monotonic()
    with _state.changed:
        if now - _state.pruned > 60:
            _state.made = {key: made for key, made in _state.made.items() if made[0] >= now - MADE_FRESH_S}
            _state.pruned = now
        _state.specs_made += specs
        for reader in (None, *readers):
            _state.made[keys[reader]] = (now, _state.specs_made)


def _overtaken(job: Job, index: int) -> bool:
    """Whether `job` stops before the next loader of its view `index` for a job queued since: a
    page's views stop for a newer page's (the person has moved on) or another build's default
    views, and go on before their own build's (the person is waiting for them, and the default
    views' ten minutes may have just run out); a build's likely next stop for any other job and are
    queued again from `index` behind it, unless a newer build, day or settings came. The default
    views run to their end. An inbox read ahead stops for a newer one (another item is shown), and
    a page's views for a read ahead asked since (the person went to the inbox)."""
    with _state.changed:
        if job.reading_ahead:
            return _state.reading is not None
        if job.key is None and _state.read_asked > job.asked:
            return True
        newer = [queued for queued in _state.queue if not queued.likely_next]
        if job.likely_next and newer:
            if _state.key == job.key:  # the default views asked last are its build's
                _state.queue.append(replace(job, plan=job.plan[index:]))
            return True
        return job.key is None and any(queued.key is None or not _same_build(queued, job) for queued in newer)


def _goes_on(job: Job, index: int, deadline: float) -> bool:
    """Whether the thread makes the next loader of `job`'s view `index`, once it has given way to
    pages (until `deadline` at most): asked before each loader, not only before each view, since
    at 3 million members a view is seconds of work that a page run waited for. A job overtaken
    stops at once (the one after it gives way to pages itself); an inbox read ahead waits for no
    moment after a run, as the person is reading. A build's likely next view left halfway is made
    again later from its start (the loaders it made are cached); a page's is dropped."""
    if _overtaken(job, index):
        return False
    _give_way_to_pages(deadline, after=0.0 if job.reading_ahead else AFTER_RUN_S)
    return not _overtaken(job, index)


def _give_way_to_pages(deadline: float, *, after: float = AFTER_RUN_S) -> None:
    """Wait until no page runs and none has ended in the last `after` seconds, or until `deadline`
    (PAGES_WAIT_S a view: pages that never stop running do not stop warming)."""
    with _state.changed:
        while (now := time.monotonic()) < deadline:
            if _state.running:
                _state.changed.wait(deadline - now)
            elif (quiet := now - _state.run_ended) < after:
                _state.changed.wait(min(after - quiet, deadline - now))
            else:
                return


def _settle(job: Job, *, fresh_for: float) -> None:
    """The default views are warm for `fresh_for` seconds now (or tried again then, with the likely
    next views)."""
    with _state.changed:
        if job.key is not None and _state.key == job.key:
            _state.fresh_until = time.monotonic() + fresh_for
