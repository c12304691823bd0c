"""outcomes: what really happened to an employee (POST /outcomes, and the HR extracts' known
outcomes), for live quality.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("id_employee", sa.Integer(), nullable=False),
        sa.Column("left", sa.Boolean(), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=True),
        sa.Column("prediction_id", sa.String(length=36), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["prediction_id"], ["prediction_results.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outcomes") as batch:
        batch.create_index("ix_outcomes_id_employee", ["id_employee"])
        batch.create_index("ix_outcomes_request_id", ["request_id"])


def downgrade() -> None:
    op.drop_table("outcomes")
