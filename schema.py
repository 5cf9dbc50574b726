"""The canonical community tables: the contract for CSV headers, database mappings and the demo.

Timestamps are naive UTC. Metrics query these tables on DuckDB, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

metadata = sa.MetaData()
BYTEWISE = "bytewise"  # a column's info key: its text sorts bytewise where the database can say so


def id_column(name: str, **options: Any) -> sa.Column:
    """An id column: text, created collated "C" on PostgreSQL (_string). Ids are compared, hashed and
    indexed, never read in a language's order; under a database's linguistic collation every
    comparison of a sort or an index build goes through strcoll (the large scale's index on the
    activities' member ids: 12.4 s to build against 4.7 s, their primary key 6.0 s against 3.0 s),
    and DuckDB sorts them bytewise already. Only the table's definition says so: a statement's
    values carry no collation, so a table made otherwise (a database queried in place) keeps the
    use of its own indexes."""
    return sa.Column(name, sa.String, info={BYTEWISE: True}, **options)


@compiles(sa.String, "postgresql")
def _string(type_: sa.String, compiler: Any, **kw: Any) -> str:
    """A String's name on PostgreSQL, with COLLATE "C" in the definition of a BYTEWISE column (a
    CREATE TABLE names the column as `type_expression`; a cast or a bound value's type does not)."""
    text = compiler.visit_string(type_, **kw)
    column = kw.get("type_expression")
    return f'{text} COLLATE "C"' if isinstance(column, sa.Column) and column.info.get(BYTEWISE) else text


members = sa.Table(
    "members",
    metadata,
    id_column("member_id", primary_key=True),
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
    id_column("activity_id", primary_key=True),
    id_column("member_id", nullable=False, index=True),
    sa.Column("occurred_at", sa.DateTime, nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("platform", sa.String),
    id_column("campaign_id"),
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
    id_column("campaign_id", primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("kind", sa.String),
    sa.Column("starts_at", sa.DateTime, nullable=False),
    sa.Column("ends_at", sa.DateTime),
    sa.Column("channel", sa.String),
    sa.Column("budget", sa.Float),
    sa.Column("target", sa.Float),
    id_column("survey_id"),
)

campaign_members = sa.Table(
    "campaign_members",
    metadata,
    id_column("campaign_id", primary_key=True),
    id_column("member_id", primary_key=True),
    sa.Column("status", sa.String, primary_key=True),
    sa.Column("at", sa.DateTime),
)

MEMBER_DIMENSIONS = ("channel", "region", "segment")


def own_columns(table: str) -> str:
    """A canonical table's own columns as a statement names them ("a", "b", ...): a sync's build
    adds a member key to some (data_sources/keyed_rows.py), which an INSERT of the table's rows or
    a read of them as schema.py has them leaves out."""
    return ", ".join(f'"{column.name}"' for column in metadata.tables[table].columns)
