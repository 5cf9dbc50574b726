"""member merges: a manager's merges of members across platforms and dismissed suggestions

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("member_a", sa.String(length=500), nullable=False),
        sa.Column("member_b", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_by", sa.String(length=320), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_member_merges"),
    )
    op.create_index("ix_member_merges_undone_at", "member_merges", ["undone_at"])


def downgrade() -> None:
    op.drop_index("ix_member_merges_undone_at", table_name="member_merges")
    op.drop_table("member_merges")
