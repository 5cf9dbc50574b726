"""Cached access to the stores: one engine per URL for the process, small results per filter set.

Results are keyed by the warehouse version (the build sync swapped in), so a sync shows at once;
otherwise a result is fresh for ten minutes, then served once more while it is computed again in
the background (`cached`): a database queried in place shows rows at most twenty minutes old.
Figures that read the app store for a period that ends today are at most a minute old
(live_minute); where a loader's figures come from both stores, the warehouse's part is kept per
build and only the app store's per minute (the Overview, the campaigns; the Overview's answer
figures keep the store's rows per period too, PeriodRows). Figures that depend only on where a
period ends are kept by its end (Filters.at_its_end). Only small frames and dicts are cached:
cache_data copies its value on every hit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st

import clock
from data_sources import identities
from data_sources.connectors import wecom
from data_sources.errors import DataSourceError
from data_sources.warehouse import Warehouse, open_warehouse
from feedback import duplicates, importer, inbox, targets
from feedback.sentiment import sentiment_of
from metrics import (
    campaigns,
    contributions,
    feedback,
    goals,
    levels,
    members,
    notes,
    overview,
    profile,
    retention,
    scope,
    sections,
    survey_results,
)
from metrics import wecom as wecom_metrics
from metrics.filters import Filters, narrowed, with_dates
from metrics.kpi import Kpi
from metrics.scope import team_query
from outreach import audiences, replies
from settings import Settings, load_settings
from store.database import AppStore
from surveys import links, registry
from surveys.definition import DefinitionProblem, Survey, answer_labels, text_in
from surveys.question_types import TYPES, answer_cell
from ui.filters import recent_period
from ui.i18n import current_language

TTL_S = 600  # how long a result is fresh (ui/warming.py warms the default views again after it)


def _settings_key(settings: Settings) -> str:
    """What tells Settings apart in a cache key: its repr (every field but the session secret) and
    the secret. Streamlit's own hashing walks the dataclass field by field, 1.3 ms a call, paid by
    every loader on every rerun (a cached Members page calls ten)."""
    return f"{settings!r}\n{settings.session_secret}"


KEYS: dict[Any, Callable[[Any], str]] = {Settings: _settings_key, Filters: repr}  # Filters: 0.4 ms -> 5 us


def cached(**options: int) -> Callable:
    """st.cache_data as every loader here uses it: a result is fresh for TTL_S seconds, then served
    once more while it is computed again in the background (refresh_mode), so a figure someone saw
    in the last twenty minutes never keeps them waiting."""
    return st.cache_data(ttl=TTL_S, show_spinner=False, refresh_mode="background", hash_funcs=KEYS, **options)


def current_settings() -> Settings:
    return load_settings()


# No spinner: it would name the function to a person, and its message, sent as a page that ended
# with st.stop() unwinds, raised the stop again in ui.warming.page_run.
@st.cache_resource(hash_funcs=KEYS, show_spinner=False)
def warehouse(settings: Settings) -> Warehouse:
    return open_warehouse(settings)


@st.cache_resource(show_spinner=False)
def app_store(url: str) -> AppStore:
    store = AppStore(url)
    store.migrate()
    return store


def _stores(settings: Settings) -> tuple[Warehouse, AppStore]:
    """The two stores, for figures of the app store's records: a built warehouse (a DuckDB file,
    whose memo lasts until a sync swaps in another) first told of every member the app store names
    (metrics.scope.everyone_in_store), so that another period's respondents are known already."""
    community, store = warehouse(settings), app_store(settings.app_db_url)
    if settings.warehouse_path is not None:
        scope.everyone_in_store(store, warehouse=community)
    return community, store


_AHEAD = threading.local()  # .active while ui/warming.py computes figures in this thread


@contextmanager
def ahead() -> Iterator[None]:
    """Figures computed in this block are for later (ui/warming.py): a loader may then take the way
    that is slower for one view but makes the next ones cheap (_campaigns)."""
    before, _AHEAD.active = computing_ahead(), True
    try:
        yield
    finally:
        _AHEAD.active = before


def computing_ahead() -> bool:
    return getattr(_AHEAD, "active", False)


def data_version(settings: Settings) -> str:
    """Changes whenever sync swaps in a new warehouse; part of every cache key below."""
    return warehouse(settings).version()


@cached()
def load_dimension_values(settings: Settings, version: str) -> dict[str, list[str]]:
    return members.dimension_values(warehouse(settings).run(members.dimension_values_query()))


def live_minute(filters: Filters) -> int | None:
    """For a period that ends today, the current minute, as part of a cache key: survey answers and
    feedback reach the app store all day and need no sync, so figures that read it are at most a
    minute old. None for a period that is over (its figures change only with a sync)."""
    return int(time.time() // 60) if filters.end > clock.today_in(filters.timezone) else None


def load_overview(settings: Settings, version: str, filters: Filters) -> overview.Overview:
    """The warehouse's figures kept per build, the survey scores and open feedback per minute while
    the period runs: a period with today (this week, this month) is warmed and kept like another."""
    answers = _overview_answers(settings, version, filters, live_minute(filters))
    return overview.overview_of(_overview(settings, version, filters), answers)


@cached()
def _overview(settings: Settings, version: str, filters: Filters) -> overview.Community:
    active, counts = _activity_profile(settings, version, filters), _conversions(settings, version)
    return overview.community_figures(
        warehouse=warehouse(settings), filters=filters, profile=active, conversions=counts
    )


@cached()
def _overview_answers(settings: Settings, version: str, filters: Filters, live: int | None) -> overview.Answers:
    community, _ = _stores(settings)
    store = PeriodRows(settings, version, live)
    return overview.answer_figures(warehouse=community, app_store=store, filters=filters)


@dataclass(frozen=True)
class PeriodRows:
    """The app store as the Overview's answer figures read it: each statement's rows kept like the
    figures (per build, and per minute while the period runs: `live`). Those statements name the
    period only, and each figure keeps the rows of the members a view's filters select
    (metrics.scope.in_scope): a member filter changed on a period reads the period's rows again
    from memory (six statements of the app store, 0.04 s at the large scale). So a filter chosen on
    a period that is over counts the records as they were read for the period, up to TTL_S before
    (as the view without it does), not a duplicate marked or an answer imported since."""

    settings: Settings
    version: str
    live: int | None

    def run(self, statement: sa.ClauseElement) -> pd.DataFrame:
        compiled = statement.compile(app_store(self.settings.app_db_url).engine)
        key = f"{compiled}\n{sorted(compiled.params.items())!r}"
        return _store_rows(self.settings, self.version, self.live, key, statement)


@cached()
def _store_rows(
    settings: Settings, version: str, live: int | None, key: str, _statement: sa.ClauseElement
) -> pd.DataFrame:
    """`_statement`'s rows from the app store, cached by `key` (its text and parameters)."""
    return app_store(settings.app_db_url).run(_statement)


def _conversions(settings: Settings, version: str) -> retention.Counts:
    return lambda period: _conversion_counts(settings, version, period)


@cached()
def _conversion_counts(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    """The newcomer conversion's counts by dimension, for the Overview and the Members page alike;
    a view with member filters takes its rows from the view without them."""
    if filters.selects_members:
        return narrowed(_conversion_counts(settings, version, filters.all_members()), filters)
    return warehouse(settings).run(retention.newcomer_conversion_query(filters=filters))


@cached()
def _activity_profile(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    """The members active in the period and the two before it by dimensions (churn, returning
    members, movers), for the Overview and the Members page alike. A view with member filters takes
    its rows from the view without them, which its first page has computed: a first change of
    member filter then reads no member-days for them."""
    if filters.selects_members:
        return narrowed(_activity_profile(settings, version, filters.all_members()), filters)
    return warehouse(settings).run(retention.activity_profile_query(filters=filters))


@cached()
def load_new_members_by_week(
    settings: Settings, version: str, filters: Filters, dimension: str = "channel"
) -> pd.DataFrame:
    community = warehouse(settings)
    return with_dates(community.run(members.new_members_by_week_query(filters=filters, dimension=dimension)), "week")


# Members page


@cached()
def load_member_kpis(settings: Settings, version: str, filters: Filters) -> dict[str, Kpi]:
    active = _activity_profile(settings, version, filters)
    counts = _conversions(settings, version)
    return sections.member_kpis(warehouse=warehouse(settings), filters=filters, profile=active, conversions=counts)


@cached()
def load_growth_by(settings: Settings, version: str, filters: Filters, dimension: str) -> pd.DataFrame:
    return sections.growth_by(warehouse=warehouse(settings), filters=filters, dimension=dimension)


def load_cohorts(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    """The same grid for every period ending the same day (Filters.at_its_end)."""
    return _cohorts(settings, version, filters.at_its_end())


@cached()
def _cohorts(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    return sections.cohort_grid(warehouse=warehouse(settings), filters=filters)


@cached()
def load_level_changes(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    return sections.level_changes(warehouse=warehouse(settings), filters=filters)


@cached()
def load_members_at_level(settings: Settings, version: str, filters: Filters, level: str) -> pd.DataFrame:
    community = warehouse(settings)
    once = community.reads_common_tables_once
    rows = community.run(levels.members_at_level_query(filters=filters, level=level, tables_read_once=once))
    return with_dates(rows, "last_day")


def load_slipping_champions(settings: Settings, version: str, filters: Filters, include_email: bool) -> pd.DataFrame:
    """The same list for every period ending the same day (Filters.at_its_end)."""
    return _slipping_champions(settings, version, filters.at_its_end(), include_email)


@cached()
def _slipping_champions(settings: Settings, version: str, filters: Filters, include_email: bool) -> pd.DataFrame:
    """A member filter takes its rows from the list of everyone when that list is whole (fewer than
    it shows): a member's slipping depends on their own activity only."""
    if filters.selects_members:
        everyone = _slipping_champions(settings, version, filters.all_members(), include_email)
        if len(everyone) < levels.SLIPPING_SHOWN:
            return narrowed(everyone, filters)
    query = levels.slipping_champions_query(filters=filters, include_email=include_email)
    return with_dates(warehouse(settings).run(query), "last_day")


# Engagement page


@cached()
def load_engagement_kpis(settings: Settings, version: str, filters: Filters) -> dict[str, Kpi]:
    return sections.engagement_kpis(warehouse=warehouse(settings), filters=filters)


@cached()
def load_activity(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    rows = warehouse(settings).run(contributions.activity_by_bucket_query(filters=filters))
    return with_dates(rows, "bucket")


@cached()
def load_active_by_platform(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    return warehouse(settings).run(contributions.active_by_platform_query(filters=filters))


@cached()
def load_wecom_groups(settings: Settings, version: str, filters: Filters) -> tuple[dict[str, Kpi], pd.DataFrame] | None:
    """WeCom's daily group figures for the period (metrics.wecom); None when the warehouse has none
    (no WeCom connector)."""
    store = warehouse(settings)
    if wecom.GROUP_DAYS_KEY not in store.rollup_state():
        return None
    return wecom_metrics.group_kpis(warehouse=store, filters=filters)


@cached()
def load_top_contributors(
    settings: Settings, version: str, filters: Filters, platform: str | None, kind: str | None
) -> pd.DataFrame:
    query = contributions.top_contributors_query(filters=filters, platform=platform, kind=kind)
    return warehouse(settings).run(query)


# Campaigns page


def load_campaigns(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    """With each campaign's survey scores from the app store (a minute old at most while the period
    runs: live_minute); the warehouse's figures are kept per build."""
    return _campaign_scores(settings, version, filters, live_minute(filters))


@cached()
def _campaign_scores(settings: Settings, version: str, filters: Filters, live: int | None) -> pd.DataFrame:
    community, store = _stores(settings)
    table = _campaigns(settings, version, filters)
    return campaigns.with_survey_scores(table, warehouse=community, app_store=store, filters=filters)


@cached()
def _campaigns(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    """Computed ahead (ui/warming.py), a member filter's campaign figures are sums of everyone's by
    member combination (computed once: the query by combination takes about 1.3 times as long as
    one view's, 0.9 against 0.7 s at a million members), so each other filter choice warmed runs
    no results query (the campaign list and the survey scores are still read); a person waiting
    for one view gets that view's own query, the faster."""
    summed = filters.selects_members and computing_ahead()
    results = _summed_campaign_results(settings, version, filters) if summed else None
    return campaigns.results_table(warehouse=warehouse(settings), filters=filters, results=results)


def _summed_campaign_results(settings: Settings, version: str, filters: Filters) -> campaigns.Results:
    """A member filter's campaign figures as sums of everyone's by member combination."""
    return lambda ids, starts: campaigns.summed_results(
        _campaign_results(settings, version, filters.all_members(), ids, starts), filters
    )


@cached()
def _campaign_results(
    settings: Settings, version: str, filters: Filters, ids: list[str], starts: list[datetime]
) -> pd.DataFrame:
    """The campaigns' figures by member combination for the view without member filters
    (campaigns.campaign_results_query, by_members: those the rollup keeps, read)."""
    query = campaigns.campaign_results_query(filters=filters, starts=starts, campaign_ids=ids, by_members=True)
    return warehouse(settings).run(query)


@cached()
def load_campaign_daily(
    settings: Settings, version: str, filters: Filters, campaign_id: str, starts_at: datetime
) -> pd.DataFrame:
    community = warehouse(settings)
    rows = community.run(campaigns.campaign_daily_query(filters=filters, campaign_id=campaign_id, starts_at=starts_at))
    lift = campaigns.campaign_results_query(filters=filters, starts=[starts_at], campaign_id=campaign_id)
    lift_row = community.run(lift).iloc[0]
    return campaigns.daily_shares(rows, lift_row=lift_row, starts_at=starts_at, filters=filters)


@cached()
def load_campaign_newcomers(
    settings: Settings, version: str, filters: Filters, campaign_id: str, include_email: bool
) -> pd.DataFrame:
    query = campaigns.campaign_newcomers_query(filters=filters, campaign_id=campaign_id, include_email=include_email)
    return warehouse(settings).run(query)


# Member lookup: searches are small and personal, so they are not cached. What the warehouse knows of
# a member is cached like the dashboards' figures (community_profile), with their email only for a
# viewer who may see it; the answers and feedback they gave are read fresh.


def search_members(settings: Settings, text: str, *, include_email: bool) -> pd.DataFrame:
    return warehouse(settings).run(profile.search_members_query(text, include_email=include_email))


@cached()
def load_newest_members(settings: Settings, version: str, include_email: bool) -> pd.DataFrame:
    """The ten members who joined last (they change with a sync), none of the team: no team column."""
    return warehouse(settings).run(profile.newest_members_query(include_email=include_email)).drop(columns="is_team")


def load_profile(
    settings: Settings, member_id: str, *, filters: Filters, include_email: bool, include_text: bool
) -> dict[str, pd.DataFrame]:
    """Everything the lookup shows about one member, found by any of their ids (the person's: their
    canonical id's figures, the answers and feedback given under each); `member` is empty when the
    id is unknown. The community's part is cached (community_profile); the answers and feedback,
    which arrive all day, are read each time."""
    found = community_profile(settings, data_version(settings), member_id, filters, include_email)
    if found.member.empty:
        return {"member": found.member}
    store, every = app_store(settings.app_db_url), list(found.ids)
    member_id = found.member_id
    return {
        **found.figures,
        "answers": _answers_in_words(
            store,
            store.run(profile.member_answers_query(member_id=member_id, member_ids=every, include_text=include_text)),
        ),
        "feedback": store.run(
            profile.member_feedback_query(member_id=member_id, member_ids=every, include_text=include_text)
        ),
    }


@dataclass(frozen=True)
class CommunityProfile:
    """A member as the warehouse knows them: their canonical id, every id of the person, and the
    figures (member, level, weekly, recent, campaigns); `member` is empty when the id is unknown."""

    member_id: str
    ids: tuple[str, ...]
    figures: dict[str, pd.DataFrame]

    @property
    def member(self) -> pd.DataFrame:
        return self.figures["member"]


@cached(max_entries=500)
def community_profile(
    settings: Settings, version: str, member_id: str, filters: Filters, include_email: bool
) -> CommunityProfile:
    """load_profile's warehouse part, cached as the dashboards' figures are (a new build is a new
    key; after TTL_S it is read again in the background): four statements that read large
    tables for one member (0.25 s at a million members, their activities read once), so going
    back to an item or a member, or to the next item read ahead
    (ui.warming.read_ahead), waits for none of them. An entry per member, period (the lookup
    page and the inbox ask for the same year: context_year) and whether the email is shown."""
    community = warehouse(settings)
    ids = community.run(profile.person_ids_query(member_id))
    every = tuple(str(identity) for identity in ids["identity_id"])
    member_id = str(ids["member_id"].iloc[0]) if len(ids) else member_id
    member = community.run(profile.member_query(member_id, include_email=include_email))
    if member.empty:
        return CommunityProfile(member_id, every, {"member": member})
    activity = profile.member_activity(
        community.run(profile.member_activity_query(filters=filters, member_id=member_id))
    )
    figures = {
        "member": member,
        "level": community.run(levels.member_level_query(filters=filters, member_id=member_id)),
        **activity,
        "weekly": with_dates(activity["weekly"], "week"),
    }
    return CommunityProfile(member_id, every, figures)


def _answers_in_words(store: AppStore, answers: pd.DataFrame) -> pd.DataFrame:
    """A member's answers with each survey's title and question in the reader's language (from the
    version answered), not the stored ids ("found_help", "statements.answers"); where the answers'
    words are shown, chosen options and yes or no read as words ("论坛、聊天群", not '["chat",
    "forum"]'), without their stored number."""
    language = current_language()
    found: dict[tuple[str, int], Survey] = {}
    for slug, version in answers[["slug", "version"]].drop_duplicates().itertuples(index=False):
        stored = registry.load_survey(store, slug, version=int(version))
        if stored is not None:
            found[(slug, int(version))] = stored.survey
    keys = list(zip(answers["slug"], answers["version"].astype(int), strict=True))
    if "value_text" in answers.columns:  # shown to those who may read what members wrote
        worded = [
            key in found and TYPES[kind].worded if kind in TYPES else False
            for key, kind in zip(keys, answers["question_type"], strict=True)
        ]
        rows = zip(keys, worded, answers["question_id"], answers["value_num"], answers["value_text"], strict=True)
        answers = answers.assign(
            value_text=[
                str(answer_cell(found[key], question, _number(number), _text(text), language)) if words else _text(text)
                for key, words, question, number, text in rows
            ],
            value_num=answers["value_num"].where([not words for words in worded]),
        )
    titles = {key: text_in(survey.title, language) for key, survey in found.items()}
    labels = {key: answer_labels(survey, language) for key, survey in found.items()}
    answers = answers.assign(
        survey=[titles.get(key, title) for key, title in zip(keys, answers["survey"], strict=True)],
        question_id=[
            labels.get(key, {}).get(question, question)
            for key, question in zip(keys, answers["question_id"], strict=True)
        ],
    )
    return answers.drop(columns=["slug", "version"])


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@st.cache_resource(show_spinner=False)
def _registered(app_db_url: str, folder: str, timezone: str, fingerprint: tuple) -> list[DefinitionProblem]:
    _, problems = registry.register_folder(app_store(app_db_url), Path(folder), timezone=timezone, now=clock.now())
    return problems


def register_surveys(settings: Settings) -> list[DefinitionProblem]:
    """Publish changed survey files as new versions (once per change of the folder's files);
    returns the problems of files that could not be published."""
    folder = settings.surveys_dir
    fingerprint = tuple((path.name, path.stat().st_mtime_ns) for path in sorted(folder.glob("*.yaml")))
    return _registered(settings.app_db_url, str(folder), settings.timezone, fingerprint)


def load_survey_table(settings: Settings) -> pd.DataFrame:
    """Not cached: a few counts on the app store, and managers expect the newest responses."""
    store = app_store(settings.app_db_url)
    return survey_results.survey_table(app_store=store, now=clock.now(), language=current_language())


@cached()
def load_survey_results(
    settings: Settings, version: str, slug: str, filters: Filters, responses: int, language: str
) -> survey_results.SurveyResults | None:
    """Keyed by the survey's response count too, so a new response shows at once, and by the
    reader's language, which labels the answers."""
    community, store = _stores(settings)
    versions = registry.load_versions(store, slug)
    if not versions:
        return None
    return survey_results.survey_results(
        app_store=store, warehouse=community, versions=versions, filters=filters, language=language
    )


def load_survey_span(settings: Settings, slug: str) -> tuple[datetime, datetime] | None:
    """When a survey's first and last completed responses came (kept UTC); None before any.
    Not cached: one small read, asked only when the period shown has none."""
    found = app_store(settings.app_db_url).run(survey_results.completed_span_query(slug)).iloc[0]
    if pd.isna(found["first"]):
        return None
    return pd.Timestamp(found["first"]).to_pydatetime(), pd.Timestamp(found["last"]).to_pydatetime()


def load_responses_by_version(settings: Settings, slug: str, filters: Filters) -> pd.DataFrame:
    """Not cached: one small count on the app store, fresh as the response count above it."""
    return app_store(settings.app_db_url).run(survey_results.responses_by_version_query(slug=slug, filters=filters))


def load_free_text(settings: Settings, slug: str, filters: Filters) -> pd.DataFrame:
    """Not cached: what members wrote is read only when someone allowed to see it asks."""
    store = app_store(settings.app_db_url)
    return store.run(survey_results.free_text_query(slug=slug, filters=filters))


@cached()
def load_campaign_choices(settings: Settings, version: str) -> pd.DataFrame:
    return warehouse(settings).run(links.campaign_choices_query())


def campaign_names(settings: Settings, version: str) -> dict[str, str]:
    """Each campaign's name by its id, to name a survey's campaign; none where the community data
    cannot be read (the survey list names the ids then, and needs no warehouse otherwise)."""
    try:
        choices = load_campaign_choices(settings, version)
    except DataSourceError:
        return {}
    return {str(c): str(n) for c, n in zip(choices["campaign_id"], choices["name"], strict=True) if not pd.isna(n)}


def load_audience(settings: Settings, audience: links.Audience) -> pd.DataFrame:
    return warehouse(settings).run(links.audience_query(audience))


def load_level_audience(settings: Settings, level: str) -> pd.DataFrame:
    """Member id, name and email of the members at an engagement level now (the inbox's period)."""
    community = warehouse(settings)
    query = levels.members_at_level_query(
        filters=recent_period(settings.timezone),
        level=level,
        limit=1_000_000,
        tables_read_once=community.reads_common_tables_once,
    )
    ids = community.run(query)["member_id"].astype(str).tolist()
    chunks = [
        warehouse(settings).run(links.members_with_ids_query(ids[n : n + 1000])) for n in range(0, len(ids), 1000)
    ]
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=["member_id", "name", "email"])


def load_aliases(settings: Settings, member_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each audience member's other ids (accounts merged into theirs), so whoever answered under one
    counts as having answered: read with the audience, not cached."""
    return identities.aliases_of(warehouse(settings), member_ids)


def load_addressed_members(settings: Settings, addresses: list[str]) -> pd.DataFrame:
    """The members with these addresses (a CSV audience), as many as the file names."""
    chunks = [
        warehouse(settings).run(audiences.members_with_addresses_query(addresses[n : n + 1000]))
        for n in range(0, len(addresses), 1000)
    ]
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=["member_id", "name", "email"])


def load_closed_told(settings: Settings, filters: Filters) -> tuple[int, int]:
    """Items closed in the period (still closed) and those whose member was told (outreach.replies)."""
    start = pd.Timestamp(filters.start).tz_localize(filters.timezone).tz_convert("UTC").tz_localize(None)
    end = pd.Timestamp(filters.end).tz_localize(filters.timezone).tz_convert("UTC").tz_localize(None)
    return replies.closed_told(app_store(settings.app_db_url), start=start.to_pydatetime(), end=end.to_pydatetime())


def load_member_address(settings: Settings, member_id: str) -> tuple[str, str] | None:
    """A member's name and email (for a reply to their feedback), or None when unknown."""
    frame = warehouse(settings).run(links.members_with_ids_query([member_id]))
    return None if frame.empty else (str(frame.at[0, "name"] or ""), str(frame.at[0, "email"] or ""))


# Feedback: triage needs what is stored now, so the inbox and an item are read fresh on every run.


def load_inbox(settings: Settings, filters: inbox.InboxFilters) -> pd.DataFrame:
    """The inbox's rows with their members' segment and level (feedback.inbox.read_inbox)."""
    version, period = data_version(settings), recent_period(settings.timezone)  # levels as the figures see them

    def profiles_of(ids: list[str]) -> pd.DataFrame:
        return load_member_profiles(settings, version, period, tuple(sorted(ids)))

    return inbox.read_inbox(
        app_store(settings.app_db_url),
        filters,
        profiles_of=profiles_of,
        now=clock.now(),
        targets=targets.read_targets(app_store(settings.app_db_url)),
        team=load_team(settings, version),
    )


@cached(max_entries=256)
def load_person_ids(settings: Settings, version: str, member_id: str | None) -> tuple[str, ...]:
    """Every id of the person `member_id` names (itself when the warehouse does not know it; none
    for an anonymous item): community data, so cached per warehouse build."""
    if not isinstance(member_id, str):
        return ()
    ids = warehouse(settings).run(profile.person_ids_query(member_id))["identity_id"].astype(str).tolist()
    return tuple(ids) or (member_id,)


@cached()
def load_team(settings: Settings, version: str) -> tuple[str, ...]:
    """The team's member ids: no figure counts their items, so the inbox leaves them out too."""
    return tuple(sorted(warehouse(settings).run(team_query())["member_id"].astype(str)))


@cached(max_entries=64)
def load_member_profiles(
    settings: Settings, version: str, period: Filters, member_ids: tuple[str, ...]
) -> pd.DataFrame:
    """Segment and level of these members (any of a person's ids: an item filed under an account
    since merged has its person's): community data, so cached per warehouse build."""
    return levels.member_profiles(warehouse=warehouse(settings), filters=period, member_ids=list(member_ids))


def load_inbox_choices(settings: Settings) -> inbox.InboxChoices:
    """Assignees, themes and tags in use, for the filter menus and editors."""
    return inbox.read_choices(app_store(settings.app_db_url))


def load_item(settings: Settings, item_id: int) -> inbox.ItemDetail:
    return inbox.read_item(app_store(settings.app_db_url), item_id)


@cached(max_entries=256)
def load_asked(settings: Settings, response_id: int, question_id: str, language: str) -> tuple[str, str] | None:
    """The survey's title and the question a survey's feedback item answers, in `language` (a stored
    version never changes); None when its response or that question is not found."""
    stored = registry.survey_of_response(app_store(settings.app_db_url), response_id)
    if stored is None:
        return None
    label = answer_labels(stored.survey, language).get(question_id)
    return None if label is None else (text_in(stored.survey.title, language), label)


def load_member_context(
    settings: Settings, member_id: str | None, *, year: Filters, include_email: bool
) -> dict[str, pd.DataFrame] | None:
    """Who said an inbox item: the member's profile over `year` (context_year; None when anonymous)."""
    if not isinstance(member_id, str):
        return None
    return load_profile(settings, member_id, filters=year, include_email=include_email, include_text=True)


def context_year(settings: Settings) -> Filters:
    """The year to the community's today a member is shown over, on the lookup page and beside an
    inbox item: one day, so both (and the inbox's read ahead) ask community_profile for the same view."""
    today = clock.today_in(settings.timezone)
    return Filters(start=today - timedelta(days=365), end=today, timezone=settings.timezone)


def load_merge_candidates(settings: Settings) -> pd.DataFrame:
    """What an item can be merged into, fresh (feedback.duplicates.candidates_query)."""
    return app_store(settings.app_db_url).run(duplicates.candidates_query())


def load_theme_suggestions(settings: Settings) -> pd.DataFrame:
    return app_store(settings.app_db_url).run(inbox.theme_suggestions_query())


def load_feedback_summary(settings: Settings, filters: Filters) -> feedback.FeedbackSummary:
    community, store = _stores(settings)
    return feedback.feedback_summary(
        app_store=store,
        warehouse=community,
        filters=filters,
        targets=targets.read_targets(store),
        now=clock.now(),
    )


def load_negative_share(settings: Settings, version: str, filters: Filters) -> feedback.NegativeShare:
    return _negative_share(settings, version, filters, live_minute(filters))


@cached()
def _negative_share(settings: Settings, version: str, filters: Filters, live: int | None) -> feedback.NegativeShare:
    community, _ = _stores(settings)
    return feedback.negative_share(app_store=PeriodRows(settings, version, live), warehouse=community, filters=filters)


def load_response_times(settings: Settings, version: str, filters: Filters) -> feedback.ResponseTimes:
    return _response_times(settings, version, filters, live_minute(filters))


@cached()
def _response_times(settings: Settings, version: str, filters: Filters, live: int | None) -> feedback.ResponseTimes:
    community, _ = _stores(settings)
    return feedback.response_times(app_store=PeriodRows(settings, version, live), warehouse=community, filters=filters)


def member_id_for_email(settings: Settings, email: str) -> str | None:
    found = warehouse(settings).run(importer.member_ids_by_email_query([email.strip().lower()]))
    return None if found.empty else str(found["member_id"].iloc[0])


@st.cache_resource(show_spinner=False)
def warm_up_sentiment() -> threading.Thread:
    """Load VADER's lexicon (about 0.03 s; the Chinese rules need no model) once per process in the
    background, so the first member who answers a survey does not wait for it."""

    def load() -> None:
        sentiment_of("good", "en")
        sentiment_of("好", "zh")

    thread = threading.Thread(target=load, daemon=True, name="pulse-sentiment-warm-up")
    thread.start()
    return thread


# Goals and notes (metrics/goals.py, metrics/notes.py): read fresh, since a manager's change shows at
# once; a goal's progress is cached like the figures it is measured from.


def load_view_goals(settings: Settings, filters: Filters) -> list[goals.Goal]:
    """The goals for the view's members overlapping its period."""
    return goals.goals_for_view(app_store(settings.app_db_url), filters)


def load_tile_goals(settings: Settings, version: str, filters: Filters) -> dict[str, goals.Progress]:
    """For each KPI with a goal holding the view's last day, how far along the goal is."""
    chosen = goals.tile_goals(load_view_goals(settings, filters), filters)
    today = clock.today_in(filters.timezone)
    return {kpi: load_goal_progress(settings, version, goal, today) for kpi, goal in chosen.items()}


def load_goal_progress(settings: Settings, version: str, goal: goals.Goal, today: date) -> goals.Progress:
    return _goal_progress(
        settings, version, goal, today, live_minute(goal.so_far(timezone=settings.timezone, today=today))
    )


@cached()
def _goal_progress(settings: Settings, version: str, goal: goals.Goal, today: date, live: int | None) -> goals.Progress:
    community, store = _stores(settings)
    return goals.measure(goal, warehouse=community, app_store=store, timezone=settings.timezone, today=today)


def load_chart_marks(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    """The campaigns and notes of the view's period (metrics.notes.chart_marks), notes read fresh."""
    running = _running_campaigns(settings, version, filters)
    return notes.marks_of(running, app_store=app_store(settings.app_db_url), filters=filters)


@cached()
def _running_campaigns(settings: Settings, version: str, filters: Filters) -> pd.DataFrame:
    return warehouse(settings).run(campaigns.campaigns_query(filters=filters))
