"""delivery outbox: messages for email, Slack, WeCom, Feishu and webhooks; named leases

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("idempotency_key", name="uq_delivery_outbox_idempotency_key"),
    )
    op.create_index("ix_delivery_outbox_channel", "delivery_outbox", ["channel"])
    op.create_index("ix_delivery_outbox_status", "delivery_outbox", ["status"])
    op.create_index("ix_delivery_outbox_next_attempt_at", "delivery_outbox", ["next_attempt_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_delivery_outbox_next_attempt_at", "delivery_outbox")
    op.drop_index("ix_delivery_outbox_status", "delivery_outbox")
    op.drop_index("ix_delivery_outbox_channel", "delivery_outbox")
    op.drop_table("delivery_outbox")
