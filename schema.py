"""The canonical community tables: the contract for CSV headers, database mappings and the demo.

Timestamps are naive UTC. Metrics query these tables on DuckDB, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
# Ids are compared, hashed and indexed, never shown in an order a person reads: on PostgreSQL they
# sort bytewise ("C"), as DuckDB sorts them. Under a database's linguistic collation every
# comparison of a sort or an index build goes through strcoll: the large scale's index on the
# activities' member ids took 12.4 s to build against 4.7 s, their primary key 6.0 s against 3.0 s.
Id = sa.String().with_variant(sa.String(collation="C"), "postgresql")

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", Id, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("email", sa.String),
    sa.Column("joined_at", sa.DateTime, nullable=False, index=True),
    sa.Column("channel", sa.String),
    sa.Column("region", sa.String),
    sa.Column("segment", sa.String),
    sa.Column("is_team", sa.Boolean, nullable=False, default=False),
)

activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", Id, primary_key=True),
    sa.Column("member_id", Id, nullable=False, index=True),
    sa.Column("occurred_at", sa.DateTime, nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("platform", sa.String),
    sa.Column("campaign_id", Id),
    sa.Column("points", sa.Float),
)
# A campaign's tagged activities (reach, participants) without reading every activity; most carry
# no campaign, so only those that do are indexed where the database can say so.
sa.Index(
    "ix_activities_campaign_id",
    activities.c.campaign_id,
    postgresql_where=activities.c.campaign_id.is_not(None),
    sqlite_where=activities.c.campaign_id.is_not(None),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("campaign_id", Id, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("kind", sa.String),
    sa.Column("starts_at", sa.DateTime, nullable=False),
    sa.Column("ends_at", sa.DateTime),
    sa.Column("channel", sa.String),
    sa.Column("budget", sa.Float),
    sa.Column("target", sa.Float),
    sa.Column("survey_id", Id),
)

campaign_members = sa.Table(
    "campaign_members",
    metadata,
    sa.Column("campaign_id", Id, primary_key=True),
    sa.Column("member_id", Id, primary_key=True),
    sa.Column("status", sa.String, primary_key=True),
    sa.Column("at", sa.DateTime),
)

MEMBER_DIMENSIONS = ("channel", "region", "segment")


def own_columns(table: str) -> str:
    """A canonical table's own columns as a statement names them ("a", "b", ...): a sync's build
    adds a member key to some (data_sources/keyed_rows.py), which an INSERT of the table's rows or
    a read of them as schema.py has them leaves out."""
    return ", ".join(f'"{column.name}"' for column in metadata.tables[table].columns)
