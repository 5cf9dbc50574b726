"""feedback views: saved filter sets of the feedback inbox, private or shared with the team

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_views",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("owner", "name", name="uq_feedback_views_owner_name"),
    )
    op.create_index("ix_feedback_views_owner", "feedback_views", ["owner"])


def downgrade() -> None:
    op.drop_index("ix_feedback_views_owner", "feedback_views")
    op.drop_table("feedback_views")
