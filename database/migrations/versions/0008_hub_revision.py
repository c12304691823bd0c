"""model_versions.hub_repo_id, hub_revision: the Hub revision that ships a registered model
(set when a service loaded it from the Hub, pinned by MODEL_REPO_ID and MODEL_REVISION).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as table:
        table.add_column(sa.Column("hub_repo_id", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("hub_revision", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as table:
        table.drop_column("hub_revision")
        table.drop_column("hub_repo_id")
