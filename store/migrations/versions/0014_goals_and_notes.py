"""goals on KPIs and notes on the trend charts

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kpi", sa.String(60), nullable=False),
        sa.Column("start_day", sa.Date, nullable=False),
        sa.Column("end_day", sa.Date, nullable=False),
        sa.Column("target", sa.Float, nullable=False),
        sa.Column("channel", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("segment", sa.String(200)),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(320)),
        sa.Column("updated_at", sa.DateTime),
    )
    op.create_index("ix_goals_kpi", "goals", ["kpi"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("start_day", sa.Date, nullable=False),
        sa.Column("end_day", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(320)),
        sa.Column("updated_at", sa.DateTime),
    )
    op.create_index("ix_notes_start_day", "notes", ["start_day"])


def downgrade() -> None:
    op.drop_index("ix_notes_start_day", "notes")
    op.drop_table("notes")
    op.drop_index("ix_goals_kpi", "goals")
    op.drop_table("goals")
