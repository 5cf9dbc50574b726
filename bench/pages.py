"""What each page asks for when it opens with its default filters: the same cached loaders the
pages call (ui/data.py), so cold = a new process with empty caches, warm = the Streamlit cache hit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from feedback.inbox import InboxFilters
from metrics.filters import Filters
from settings import Settings
from ui import data, warming
from ui.filters import recent_period

Workload = Callable[[Settings, str, Filters], object]


def dashboard(view: Workload) -> Workload:
    """A dashboard page: the filter bar's choices, then its view as ui/warming.py warms it."""

    def workload(settings: Settings, version: str, filters: Filters) -> None:
        data.load_dimension_values(settings, version)
        view(settings, version, filters)

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
    "overview": ("pages/overview.py", dashboard(warming.overview)),
    "members": ("pages/members.py", dashboard(warming.members)),
    "engagement": ("pages/engagement.py", dashboard(warming.engagement)),
    "campaigns": ("pages/campaigns.py", dashboard(warming.campaigns)),
    "survey results": ("pages/surveys.py", survey_results),
    "feedback inbox": ("pages/_feedback.py", feedback_inbox),
}
