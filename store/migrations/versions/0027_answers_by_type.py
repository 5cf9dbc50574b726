"""answers by type: an index on answers (question_type, response_id, value_num), which NPS and
CSAT read without the table

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_answers_question_type", "answers", ["question_type", "response_id", "value_num"])


def downgrade() -> None:
    op.drop_index("ix_answers_question_type", table_name="answers")
