"""What each page asks for when it opens with its default filters: the same cached loaders the
pages call (ui/data.py), so cold = a new process with empty caches, warm = the Streamlit cache hit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from feedback.inbox import InboxFilters
from metrics.filters import Filters
from settings import Settings
from ui import alongside, data, warming
from ui.filters import recent_period

Workload = Callable[[Settings, str, Filters], object]


def dashboard(page: str) -> Workload:
    """A dashboard page as a manager opens it: the filter bar's choices, then its view's figures
    (ui/warming.py), fetched from both ends where the page does that (ui/alongside.py)."""

    def workload(settings: Settings, version: str, filters: Filters) -> None:
        data.load_dimension_values(settings, version)
        steps = warming.steps_seen(page, personal=True)
        helper = None
        if alongside.gains(settings):  # the bench runs one page at a time: the thread starts
            helper = alongside.from_the_end(steps, settings, version, filters, stop=threading.Event())
        for step in steps:
            step(settings, version, filters)
        if helper is not None:
            helper.join()

    return workload


def survey_results(settings: Settings, version: str, filters: Filters) -> None:
    table = data.load_survey_table(settings)  # not cached: the page reads it on every run
    row = table[table["slug"] == "quarterly-nps"].iloc[0]
    year = Filters(start=filters.end - timedelta(days=365), end=filters.end, timezone=filters.timezone)
    data.load_survey_results(settings, version, "quarterly-nps", year, int(row["completed"]), "en")


def feedback_inbox(settings: Settings, version: str, filters: Filters) -> None:
    recent = recent_period(filters.timezone)  # the inbox's figures, whatever the filter bar says
    data.load_feedback_summary(settings, recent)  # not cached: triage reads fresh
    data.load_negative_share(settings, version, recent)
    data.load_inbox_choices(settings)
    data.load_inbox(settings, InboxFilters())


PAGES: dict[str, tuple[str, Workload]] = {  # name -> (page file, workload)
    "overview": ("pages/overview.py", dashboard("overview")),
    "members": ("pages/members.py", dashboard("members")),
    "engagement": ("pages/engagement.py", dashboard("engagement")),
    "campaigns": ("pages/campaigns.py", dashboard("campaigns")),
    "survey results": ("pages/surveys.py", survey_results),
    "feedback inbox": ("pages/_feedback.py", feedback_inbox),
}
