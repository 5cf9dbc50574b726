"""The member-day rollup: derived tables beside the canonical ones that most metrics read (docs/
architecture.md, "The member-day rollup"). Below metrics/ and data_sources/, which both use it:

- tables.py: the tables (member_keys, member_groups, activity_days, member_days, member_months,
  activity_changes, member_windows, the kept views' figures (campaign_results,
  engagement_counts, engagement_platforms, engagement_leaders, activity_profiles, level_counts), pulse_info) and
  the rollup's version;
- build.py: the queries that build them (data_sources/rollup.py runs them on a sync or a refresh);
- sql.py: the day constructs (local_day, utc_day, week_start, month_of) the build and metrics share;
- state.py: what a database's rollup is, and the marks on its engine's dialect that metrics read.

The read side, `FromRollup` and `member_days(filters, first, end)`, is metrics/member_days.py.
"""
