"""alert rules, their evaluations and the outbox rows they queued

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(60)),
        sa.Column("comparison", sa.String(10), nullable=False),
        sa.Column("threshold", sa.Float),
        sa.Column("unit", sa.String(10)),
        sa.Column("period", sa.String(30), nullable=False),
        sa.Column("min_members", sa.Integer),
        sa.Column("channel", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("segment", sa.String(200)),
        sa.Column("schedule", sa.String(20), nullable=False),
        sa.Column("at_time", sa.String(5)),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("file_key", sa.String(200)),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("snoozed_until", sa.DateTime),
        sa.Column("holding", sa.Boolean),
        sa.Column("holding_since", sa.DateTime),
        sa.Column("last_evaluated_at", sa.DateTime),
        sa.Column("last_period", sa.String(40)),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(320)),
        sa.Column("updated_at", sa.DateTime),
        sa.UniqueConstraint("file_key", name="uq_alert_rules_file_key"),
    )
    op.create_table(
        "alert_evaluations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "rule_id",
            sa.Integer,
            sa.ForeignKey("alert_rules.id", ondelete="CASCADE", name="fk_alert_evaluations_rule_id_alert_rules"),
            nullable=False,
        ),
        sa.Column("evaluated_at", sa.DateTime, nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("previous", sa.Float),
        sa.Column("change", sa.Float),
        sa.Column("margin", sa.Float),
        sa.Column("sample", sa.Integer),
        sa.Column("threshold", sa.Float),
        sa.Column("comparison", sa.String(10), nullable=False),
        sa.Column("holding", sa.Boolean),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("snoozed", sa.Boolean, nullable=False),
        sa.Column("note", sa.String(60)),
    )
    op.create_index("ix_alert_evaluations_rule_id", "alert_evaluations", ["rule_id"])
    op.create_table(
        "alert_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "rule_id",
            sa.Integer,
            sa.ForeignKey("alert_rules.id", ondelete="CASCADE", name="fk_alert_messages_rule_id_alert_rules"),
            nullable=False,
        ),
        sa.Column(
            "evaluation_id",
            sa.Integer,
            sa.ForeignKey(
                "alert_evaluations.id", ondelete="CASCADE", name="fk_alert_messages_evaluation_id_alert_evaluations"
            ),
            nullable=False,
        ),
        sa.Column(
            "outbox_id",
            sa.Integer,
            sa.ForeignKey("delivery_outbox.id", name="fk_alert_messages_outbox_id_delivery_outbox"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(100), nullable=False),
    )
    op.create_index("ix_alert_messages_rule_id", "alert_messages", ["rule_id"])


def downgrade() -> None:
    op.drop_index("ix_alert_messages_rule_id", "alert_messages")
    op.drop_table("alert_messages")
    op.drop_index("ix_alert_evaluations_rule_id", "alert_evaluations")
    op.drop_table("alert_evaluations")
    op.drop_table("alert_rules")
