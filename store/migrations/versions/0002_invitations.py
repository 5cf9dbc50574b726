"""invitations: personal survey links, stored as token hashes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_invitations_survey_id_surveys")),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], name=op.f("fk_invitations_response_id_responses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_survey_id"), "invitations", ["survey_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_invitations_survey_id"), table_name="invitations")
    op.drop_table("invitations")
