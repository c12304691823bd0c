"""requests.correlation_id: the X-Request-ID a caller (or its proxy) sent, to find a call
from the caller's own logs; the row key stays the service's id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("correlation_id", sa.String(length=128), nullable=True))
        batch.create_index("ix_requests_correlation_id", ["correlation_id"])


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("ix_requests_correlation_id")
        batch.drop_column("correlation_id")
