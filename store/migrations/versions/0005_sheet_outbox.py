"""sheet outbox: survey responses waiting to be appended to the write-back Google Sheet

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sheet_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("response_id", sa.Integer, sa.ForeignKey("responses.id"), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", sa.DateTime, index=True),
    )


def downgrade() -> None:
    op.drop_table("sheet_outbox")
