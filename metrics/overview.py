"""Every Overview KPI for a period and its previous period (the CLI report and the page share it)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import pandas as pd

from metrics import activity, feedback, members, movers, retention, surveys
from metrics.filters import Filters
from metrics.kpi import Kpi, pair
from metrics.kpis import OVERVIEW
from metrics.scope import Runner
from metrics.sql import ratio
from schema import MEMBER_DIMENSIONS

KPI_KEYS = OVERVIEW  # the Overview's KPIs, in order: metrics/kpis.py


@dataclass(frozen=True)
class Overview:
    """The KPIs beside the previous period, the current period's daily DAU/WAU/MAU that the
    activity tiles were computed from (the page charts it without querying again), and the movers
    (see movers_frame): their active members from the same pass over member-days as churn, their
    new members from the newcomer conversion counts."""

    kpis: dict[str, Kpi]
    daily: pd.DataFrame
    movers: pd.DataFrame


def daily_activity(*, warehouse: Runner, filters: Filters) -> pd.DataFrame:
    """Every day of the period with dau, wau and mau."""
    return activity.complete_days(warehouse.run(activity.daily_activity_query(filters=filters)), filters=filters)


def community_kpis(
    *,
    warehouse: Runner,
    filters: Filters,
    daily: pd.DataFrame,
    returns: dict[str, float | None],
    conversions: retention.Counts | None = None,
) -> dict[str, float | None]:
    """Every KPI of KPI_KEYS for one period that comes from the warehouse alone (it changes only
    with a sync), with what each rate rests on (n_<key>, metrics.kpi); None where there is nothing
    to compute from. `daily` is that period's daily_activity, `returns` its churn_and_returning,
    `conversions` where its newcomer conversion's counts come from (the warehouse by default)."""
    values: dict[str, float | None] = {}
    values.update(members.growth(warehouse.run(members.member_counts_query(filters=filters))))
    values.update(activity.activity_summary(daily))
    values["active_rate"] = ratio(values["mau"], values["members"])
    values["n_active_rate"] = values["members"]
    values["n_stickiness"] = values["mau"]  # a share of the monthly active, as far as its margin goes
    values.update({key: returns[key] for key in ("churn_rate", "n_churn_rate", "returning")})
    counts = (conversions or retention.conversion_counts(warehouse))(filters)
    values["newcomer_conversion"] = retention.newcomer_conversion(counts)
    values["n_newcomer_conversion"] = values["new_members"]
    return values


def answer_kpis(*, warehouse: Runner, app_store: Runner, filters: Filters) -> dict[str, float | None]:
    """The KPIs of KPI_KEYS from the app store, with nps_margin and n_nps (the warehouse scopes
    them to the view's members): survey answers and feedback arrive all day, without a sync."""
    score = surveys.nps(app_store=app_store, warehouse=warehouse, filters=filters)
    return {
        "nps": None if score is None else score.score,
        "nps_margin": None if score is None else score.margin,
        "n_nps": None if score is None else score.answers,
        "open_feedback": feedback.open_feedback(app_store=app_store, warehouse=warehouse, filters=filters),
    }


@dataclass(frozen=True)
class Community:
    """The warehouse's part of an Overview (community_figures): each period's community_kpis, the
    current period's daily series and the movers."""

    current: dict[str, float | None]
    previous: dict[str, float | None]
    daily: pd.DataFrame
    movers: pd.DataFrame


def community_figures(
    *,
    warehouse: Runner,
    filters: Filters,
    profile: pd.DataFrame | None = None,
    conversions: retention.Counts | None = None,
) -> Community:
    """The warehouse's part of overview_kpis, which changes only with a sync (the app keeps it per
    build, and the app store's part per minute while the period runs)."""
    earlier = filters.previous()
    # Each period's conversion counts read once for the KPIs and the movers, where the caller keeps none.
    conversions = conversions or functools.cache(retention.conversion_counts(warehouse))
    # One series over both periods: a day's counts depend only on the days before it.
    both = daily_activity(warehouse=warehouse, filters=replace(filters, start=earlier.start))
    daily = both[both["date"] >= filters.start].reset_index(drop=True)
    if profile is None:
        profile = warehouse.run(retention.activity_profile_query(filters=filters))
    current = community_kpis(
        warehouse=warehouse,
        filters=filters,
        daily=daily,
        returns=retention.churn_and_returning(profile),
        conversions=conversions,
    )
    previous = community_kpis(
        warehouse=warehouse,
        filters=earlier,
        daily=both[both["date"] < filters.start].reset_index(drop=True),
        returns=retention.churn_and_returning(profile, period="previous"),
        conversions=conversions,
    )
    movers = movers_frame(warehouse=warehouse, filters=filters, profile=profile, conversions=conversions)
    return Community(current, previous, daily, movers)


Answers = tuple[dict[str, float | None], dict[str, float | None]]  # answer_kpis now and the period before


def answer_figures(*, warehouse: Runner, app_store: Runner, filters: Filters) -> Answers:
    """The app store's part of overview_kpis: answer_kpis for the period and the one before."""
    current = answer_kpis(warehouse=warehouse, app_store=app_store, filters=filters)
    return current, answer_kpis(warehouse=warehouse, app_store=app_store, filters=filters.previous())


def overview_of(community: Community, answers: Answers) -> Overview:
    """The Overview of a view from its two parts."""
    current, previous = community.current | answers[0], community.previous | answers[1]
    return Overview(kpis=pair(current, previous, KPI_KEYS), daily=community.daily, movers=community.movers)


def overview_kpis(
    *,
    warehouse: Runner,
    app_store: Runner,
    filters: Filters,
    profile: pd.DataFrame | None = None,
    conversions: retention.Counts | None = None,
) -> Overview:
    """Each KPI for the period beside the same-length period before it, with the daily series.
    `profile`: the period's activity_profile_query rows, where the caller has them; `conversions`
    as community_kpis takes it."""
    community = community_figures(warehouse=warehouse, filters=filters, profile=profile, conversions=conversions)
    return overview_of(community, answer_figures(warehouse=warehouse, app_store=app_store, filters=filters))


def movers_frame(
    *,
    warehouse: Runner,
    filters: Filters,
    profile: pd.DataFrame | None = None,
    conversions: retention.Counts | None = None,
    limit: int = 5,
) -> pd.DataFrame:
    """The channels, regions and segments whose active and new members moved most; `profile` is
    the period's activity_profile_query rows and `conversions` where both periods' newcomer
    conversion counts come from (the new members), as the caller has them."""
    if profile is None:
        profile = warehouse.run(retention.activity_profile_query(filters=filters))
    counts = conversions or retention.conversion_counts(warehouse)
    joined = counts(filters), counts(filters.previous())
    frames = {}
    for dimension in MEMBER_DIMENSIONS:
        frames[("active members", dimension)] = movers.active_by_dimension(profile, dimension)
        frames[("new members", dimension)] = movers.new_by_dimension(*joined, dimension=dimension)
    return movers.top_movers(frames, limit=limit)
