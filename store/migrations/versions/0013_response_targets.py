"""response targets: first-response and resolution hours per feedback priority

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_targets",
        sa.Column("priority", sa.String(10), primary_key=True),
        sa.Column("first_response_hours", sa.Integer, nullable=False),
        sa.Column("resolution_hours", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("response_targets")
