"""model registry: where each model's files are, its MLflow run and lifecycle status, and
every activation (which model serves, switched by whom, when).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("location", sa.String(length=1024), nullable=True))
        batch.add_column(sa.Column("mlflow_run_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision", sa.JSON(), nullable=True))
        # A registered model has not served yet.
        batch.alter_column(
            "first_served_at", existing_type=sa.DateTime(timezone=True), nullable=True
        )
    op.create_table(
        "model_activations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "model_version_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "previous_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_by", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_versions.id"]),
        sa.ForeignKeyConstraint(["previous_version_id"], ["model_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("model_activations")
    # Registered models that never served have no first serving time; the old schema wants one.
    op.execute(
        "UPDATE model_versions SET first_served_at = registered_at WHERE first_served_at IS NULL"
    )
    with op.batch_alter_table("model_versions") as batch:
        batch.alter_column(
            "first_served_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        for column in ("decision", "registered_at", "mlflow_run_id", "location", "status"):
            batch.drop_column(column)
