"""scheduled digests: the meeting report of a view, weekly or monthly at a local time, to channels

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("channel", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("segment", sa.String(200)),
        sa.Column("cadence", sa.String(10), nullable=False),
        sa.Column("weekday", sa.Integer),
        sa.Column("day_of_month", sa.Integer),
        sa.Column("send_time", sa.String(5), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("attachment", sa.String(10), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("last_slot", sa.DateTime),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(320)),
        sa.Column("updated_at", sa.DateTime),
        sqlite_autoincrement=True,  # a deleted digest's id (in its outbox keys) is never given to another
    )


def downgrade() -> None:
    op.drop_table("digests")
