"""api_responses keeps the sha256 of the bytes sent; the body only when it cannot be rebuilt.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:30:00

A prediction's answer is rebuilt from its prediction_results row, so storing it again doubled
what every trace writes. Rows written before this revision keep their body.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BODY_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("api_responses") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))
        batch.alter_column("body", existing_type=BODY_TYPE, nullable=True)


def downgrade() -> None:
    # Revision 0001 requires a body: an answer that was not stored gets an empty object (the
    # prediction itself stays in prediction_results).
    op.execute("UPDATE api_responses SET body = '{}' WHERE body IS NULL")
    with op.batch_alter_table("api_responses") as batch:
        batch.alter_column("body", existing_type=BODY_TYPE, nullable=False)
        batch.drop_column("body_sha256")
