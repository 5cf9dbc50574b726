"""The member-day rollup's tables, which sync writes beside the canonical ones (rollup/build.py has
their queries, data_sources/rollup.py writes them, metrics/member_days.py reads them).

`member_keys` gives every member an integer key beside their join time, team flag, dimensions, the
key of their combination of dimensions in `member_groups` and their first contribution within 30
days of joining (metrics/retention.py); `activity_days` counts activities per member, day, kind and
platform (what the figures by kind or platform read); `member_days` holds (member_key, day,
activities, contributions, points, the member's previous and next active day, running counts of
their active weeks and contributions, and the member's join day and group key) in day order, so a
period reads only its own rows; `member_months` groups them by month, with each member's join day
and month and group key (metrics/member_periods.py); `member_windows` holds each member's figures
over the few windows the kept views read on the day the rollup is built (metrics/levels.py; the
default view and the fixed periods next to it: metrics.filters.kept_views); `campaign_results` holds
the figures of the campaigns the kept views list, and `engagement_counts`, `engagement_platforms`
and `engagement_leaders` the Engagement page's, `activity_profiles` the activity profile of the
Overview and Members pages and `level_counts` the Members page's level changes, by view and member
combination (metrics/campaigns.py, metrics/contributions.py, metrics/retention.py,
metrics/levels.py); in a database queried in place, `lift_days` holds each member's active days
around the start days of the campaigns the last 90 days list (metrics/campaigns.py);
`activity_changes` holds the DAU/WAU/MAU changes per day (metrics/activity.py); `pulse_info` records
the time zone the days are in, the rollup's version and the windows member_windows holds, what each
kept figure's table holds and which canonical tables' rows carry their member's key (`member_keyed`,
below).
"""

from __future__ import annotations

import sqlalchemy as sa

import schema

members = schema.members

TIMEZONE_KEY = "member_days_timezone"
BUILT_AT_KEY = "member_days_built_at"  # UTC, ISO 8601
VERSION_KEY = "rollup_version"
VERSION = "10"  # raise when the rollup's tables change: an older rollup is then not read
DIALECT_ATTRIBUTE = "pulse_member_days_timezone"
WINDOWS_KEY = "member_windows"  # pulse_info: the windows member_windows holds, "start:end" day numbers, by ","
WINDOWS_ATTRIBUTE = "pulse_member_windows"  # on a dialect: those windows, as a frozenset of (start, end)
CAMPAIGNS_KEY = "campaign_results"  # pulse_info: the campaigns campaign_results holds, a JSON list of ids
CAMPAIGNS_ATTRIBUTE = "pulse_campaign_results"  # on a dialect: those campaigns, as a frozenset of ids
# The Engagement page's views kept (metrics/contributions.py): pulse_info says the periods each
# holds ("start:end" day numbers, as a JSON list); a dialect is marked with them.
COUNTS_KEY, COUNTS_ATTRIBUTE = "engagement_counts", "pulse_engagement_counts"
PLATFORMS_KEY, PLATFORMS_ATTRIBUTE = "engagement_platforms", "pulse_engagement_platforms"
LEADERS_KEY, LEADERS_ATTRIBUTE = "engagement_leaders", "pulse_engagement_leaders"
# The activity profile of the Overview and Members pages (metrics/retention.py), kept the same way.
PROFILES_KEY, PROFILES_ATTRIBUTE = "activity_profiles", "pulse_activity_profiles"
# The Members page's engagement level changes (metrics/levels.py), kept the same way.
LEVELS_KEY, LEVELS_ATTRIBUTE = "level_counts", "pulse_level_counts"
# The campaigns' lift in a database queried in place (metrics/campaigns.py): pulse_info says the start
# days (day numbers) lift_days holds.
LIFT_KEY, LIFT_ATTRIBUTE = "lift_days", "pulse_lift_days"
# A sync's DuckDB build keeps each activity's and invitation's member key in an extra column
# (data_sources/keyed_rows.py); pulse_info names those tables, and a dialect is marked with them
# (metrics/profile.py finds one member's rows by the key).
MEMBER_KEYED_KEY, MEMBER_KEYED_ATTRIBUTE = "member_keyed", "pulse_member_keyed"
KEYED_COLUMN = "member_key"  # that column's name
KEPT_ATTRIBUTES = {  # pulse_info's keys of the kept views' figures (data_sources.rollup.KeptFigures)
    CAMPAIGNS_KEY: CAMPAIGNS_ATTRIBUTE,
    LIFT_KEY: LIFT_ATTRIBUTE,
    COUNTS_KEY: COUNTS_ATTRIBUTE,
    PLATFORMS_KEY: PLATFORMS_ATTRIBUTE,
    LEADERS_KEY: LEADERS_ATTRIBUTE,
    PROFILES_KEY: PROFILES_ATTRIBUTE,
    LEVELS_KEY: LEVELS_ATTRIBUTE,
}
KEPT_KEYS = tuple(KEPT_ATTRIBUTES)
# Those computed from the rollup's tables alone, so as current as member_days wherever it is: kept
# in a database queried in place too (the campaigns' funnel there reads invitations live), where
# the views' figures are the default view's alone (metrics.kept.views_kept) and the lift's days
# those of the last 90 days' campaigns.
KEPT_IN_PLACE = (COUNTS_KEY, PLATFORMS_KEY, LEADERS_KEY, PROFILES_KEY, LEVELS_KEY, LIFT_KEY)
# Kept in place alone: what a sync's build, which keeps the campaigns' whole figures, has no use for.
KEPT_ONLY_IN_PLACE = (LIFT_KEY,)
READS_KEPT = "pulse_reads_kept"  # on a compiled statement that reads member_windows or kept figures

rollup_metadata = sa.MetaData()
KEYED = ("member_id", "joined_at", "is_team", *schema.MEMBER_DIMENSIONS)  # what member_keys copies
CONVERSION_DAYS = 30  # a newcomer converts with a contribution within this many days of joining
member_keys = sa.Table(  # members with an integer key; the member-days carry only the keys
    "member_keys",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, primary_key=True),
    *(sa.Column(name, members.c[name].type, nullable=members.c[name].nullable) for name in KEYED),
    sa.Column("group_key", sa.Integer, nullable=False),  # the member's member_groups row
    # The member's first contribution in their first CONVERSION_DAYS (NULL: none): whether a
    # newcomer converted, for any period, without reading activities (metrics/retention.py).
    sa.Column("converted_at", schema.activities.c.occurred_at.type),
)
member_groups = sa.Table(  # each combination of channel, region and segment members have, by a key
    "member_groups",
    rollup_metadata,
    sa.Column("group_key", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.String) for name in schema.MEMBER_DIMENSIONS),
)
rollup = sa.Table(
    "member_days",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, nullable=False),
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("activities", sa.Integer, nullable=False),
    sa.Column("contributions", sa.Integer, nullable=False),
    sa.Column("points", sa.Float, nullable=False),
    # The member's active day before and after this one (NULL: none), over their whole history:
    # coverage changes (metrics/activity.py) and first days in a period (metrics/retention.py).
    sa.Column("previous_day", sa.Integer),
    sa.Column("next_day", sa.Integer),
    # Running counts over the member's history up to this day: distinct active weeks (Monday start)
    # and contributions. A window's figures are its last day's less its first's (member_periods.py).
    sa.Column("weeks_so_far", sa.Integer, nullable=False),
    sa.Column("contributions_so_far", sa.Integer, nullable=False),
    # The member's local join day and group (member_groups): what the churn profile counts members
    # by, read with their rows instead of joining a million member keys (metrics/retention.py).
    sa.Column("joined_day", sa.Integer, nullable=False),
    sa.Column("group_key", sa.Integer, nullable=False),
)
activity_rollup = sa.Table(  # activities per member, local day, kind and platform; see activity_days()
    "activity_days",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, nullable=False),
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("platform", sa.String),
    sa.Column("activities", sa.Integer, nullable=False),
    sa.Column("points", sa.Float, nullable=False),
)
activity_changes = sa.Table(  # see metrics/activity.py: per day and member combination, team left out
    "activity_changes",
    rollup_metadata,
    sa.Column("day", sa.Integer, nullable=False),
    *(sa.Column(name, sa.String) for name in schema.MEMBER_DIMENSIONS),
    sa.Column("dau", sa.Integer, nullable=False),
    sa.Column("wau_change", sa.Integer, nullable=False),
    sa.Column("mau_change", sa.Integer, nullable=False),
)
info = sa.Table(
    "pulse_info",
    rollup_metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)

member_months = sa.Table(
    "member_months",
    rollup_metadata,
    sa.Column("member_key", sa.Integer, nullable=False),
    sa.Column("month", sa.Integer, nullable=False),  # metrics.filters.month_number
    # The member's join, local day and month: the cohort grid (metrics/cohorts.py) reads a member-month
    # and its cohort together, where joining member_keys and converting join times cost most of it.
    sa.Column("joined_day", sa.Integer, nullable=False),
    sa.Column("cohort", sa.Integer, nullable=False),
    # and group (member_groups), as member_days: a member filter keeps a cohort's months by the few
    # groups it selects, where matching its members' keys was most of a filtered grid's time.
    sa.Column("group_key", sa.Integer, nullable=False),
)

member_windows = sa.Table(  # per member active in a window [start_day, end_day): metrics/member_periods.py
    "member_windows",
    rollup_metadata,
    sa.Column("start_day", sa.Integer, nullable=False),
    sa.Column("end_day", sa.Integer, nullable=False),
    sa.Column("member_key", sa.Integer, nullable=False),
    sa.Column("weeks", sa.Integer, nullable=False),  # distinct active weeks (Monday start) in the window
    sa.Column("contributions", sa.Integer, nullable=False),
    sa.Column("last_day", sa.Integer, nullable=False),  # the member's last active day in the window
    sa.Column("next_day", sa.Integer),  # and their active day after it (NULL: none), as member_days has it
    sa.Column("joined_day", sa.Integer, nullable=False),
    sa.Column("group_key", sa.Integer, nullable=False),
)

CAMPAIGN_COUNTS = (  # metrics.campaigns.RESULTS: counts of members and member-days (tests hold them equal)
    "invited",
    "registered",
    "attended",
    "reach",
    "participants",
    "new_members",
    "eligible",
    "eligible_exposed",
    "eligible_participants",
    "participant_before",
    "participant_after",
    "comparison_before",
    "comparison_after",
)


def _dimensions() -> list[sa.Column]:
    """A member combination's columns (channel, region, segment), for a kept table."""
    return [sa.Column(name, sa.String) for name in schema.MEMBER_DIMENSIONS]


def _view() -> sa.Column:
    """The period of the view a kept table's row is of: "start:end" day numbers (metrics.kept.period_id)."""
    return sa.Column("view", sa.String, nullable=False)


campaign_results = sa.Table(  # per campaign the kept views list and member combination: metrics/campaigns.py
    "campaign_results",
    rollup_metadata,
    sa.Column("campaign_id", sa.String, nullable=False),
    *_dimensions(),
    *(sa.Column(name, sa.Integer, nullable=False) for name in CAMPAIGN_COUNTS),
)
# Per start day of a campaign the last 90 days list (a kept view) and member active around it, the
# member's active days in the LIFT_DAYS before it and the LIFT_DAYS from it: what the lift reads of
# the member-days, kept where the campaigns' figures cannot be (in place, where the funnel is read
# live). A sync's build keeps their whole figures (campaign_results) instead, and not this table.
lift_days = sa.Table(
    "lift_days",
    rollup_metadata,
    sa.Column("start_day", sa.Integer, nullable=False),
    sa.Column("member_id", members.c.member_id.type, nullable=False),  # the live funnel's marks meet it by id
    *_dimensions(),
    sa.Column("days_before", sa.Integer, nullable=False),
    sa.Column("days_after", sa.Integer, nullable=False),
)
# The Engagement page's views kept (metrics.filters.kept_views; in a database queried in place the
# default view alone), by member combination (metrics/contributions.py).
engagement_counts = sa.Table(  # members per number of contributions made, in the view and before
    "engagement_counts",
    rollup_metadata,
    _view(),
    *_dimensions(),
    sa.Column("period", sa.Integer, nullable=False),  # 0: the period before, 1: the view's
    sa.Column("contributions", sa.Integer, nullable=False),  # made by each of
    sa.Column("members", sa.Integer, nullable=False),
)
engagement_platforms = sa.Table(  # active members per platform and member combination, in the view and before
    "engagement_platforms",
    rollup_metadata,
    _view(),
    *_dimensions(),
    sa.Column("platform", sa.String),
    sa.Column("current", sa.Integer, nullable=False),
    sa.Column("previous", sa.Integer, nullable=False),
)
LEADERS_KEPT = 20  # engagement_leaders: the leaderboard's first of each member combination
engagement_leaders = sa.Table(
    "engagement_leaders",
    rollup_metadata,
    _view(),
    *_dimensions(),
    sa.Column("member_id", members.c.member_id.type, nullable=False),
    sa.Column("points", sa.Double, nullable=False),  # not FLOAT: four bytes on DuckDB
    sa.Column("contributions", sa.Integer, nullable=False),
    sa.Column("active_days", sa.Integer, nullable=False),
)
activity_profiles = sa.Table(  # members active in the view and the two periods before it (metrics/retention.py)
    "activity_profiles",
    rollup_metadata,
    _view(),
    *_dimensions(),
    sa.Column("joined", sa.Integer, nullable=False),  # 0 before the earliest period, 1-3 in each (3: or later)
    sa.Column("period", sa.Integer, nullable=False),  # 0 the earliest, 2 the view's
    sa.Column("was_active", sa.Integer),  # in the period before (NULL in the earliest)
    sa.Column("members", sa.Integer, nullable=False),
)
level_counts = sa.Table(  # members active in a window of the view by level now and before it (metrics/levels.py)
    "level_counts",
    rollup_metadata,
    _view(),
    *_dimensions(),
    sa.Column("previous_level", sa.String),  # at the previous period's end (NULL: joined since)
    sa.Column("level", sa.String, nullable=False),  # at the view's end
    sa.Column("members", sa.Integer, nullable=False),
)
KEPT_TABLES = (  # the tables of the kept figures, whether or not a build registers them
    campaign_results,
    lift_days,
    engagement_counts,
    engagement_platforms,
    engagement_leaders,
    activity_profiles,
    level_counts,
)
