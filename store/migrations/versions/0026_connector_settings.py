"""connector settings: connectors configured on the Data page (all but their token), and messages
waiting to become feedback

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_settings",
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("feedback_channels", sa.JSON(), nullable=True),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connector"),
    )
    op.create_table(
        "connector_messages",
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("channel_name", sa.String(length=200), nullable=False),
        sa.Column("member_id", sa.String(length=200), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )


def downgrade() -> None:
    op.drop_table("connector_messages")
    op.drop_table("connector_settings")
