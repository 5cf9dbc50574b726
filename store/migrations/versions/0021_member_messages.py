"""member messages: survey invitations and reminders by email, loop-closing replies, unsubscribes,
editable templates, reminder settings per survey; when a personal link was opened and started

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("opened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))
    op.create_table(
        "member_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(20), nullable=False),
        sa.Column("member_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200)),  # how the message greeted them: a reminder greets them alike
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("survey_slug", sa.String(100)),
        sa.Column("feedback_id", sa.Integer),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("audience", sa.String(300)),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("outbox_key", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("outbox_key", name="uq_member_messages_outbox_key"),
    )
    for column in ("member_id", "address_hash", "survey_slug", "feedback_id"):
        op.create_index(f"ix_member_messages_{column}", "member_messages", [column])
    op.create_table(
        "member_unsubscribes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.String(100), nullable=False),
        sa.Column("address_hash", sa.String(64)),
        sa.Column("topic", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("member_id", "topic", name="uq_member_unsubscribes_member_id"),
    )
    op.create_index("ix_member_unsubscribes_address_hash", "member_unsubscribes", ["address_hash"])
    op.create_table(
        "message_templates",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "survey_reminders",
        sa.Column("survey_slug", sa.String(100), primary_key=True),
        sa.Column("after_days", sa.Integer, nullable=False),
        sa.Column("reminders", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("survey_reminders")
    op.drop_table("message_templates")
    op.drop_index("ix_member_unsubscribes_address_hash", table_name="member_unsubscribes")
    op.drop_table("member_unsubscribes")
    for column in ("member_id", "address_hash", "survey_slug", "feedback_id"):
        op.drop_index(f"ix_member_messages_{column}", table_name="member_messages")
    op.drop_table("member_messages")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("started_at")
        batch.drop_column("opened_at")
