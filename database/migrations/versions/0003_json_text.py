"""JSON documents stored as `json` (validated text) rather than `jsonb` on PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:10:00

Every trace writes three documents; parsing them into `jsonb` cost the server a third of the
insert (16 traces: 1.25 -> 0.78 ms), for operators and indexes nothing here uses. `json` keeps
the text as written, keys in their order: the documents are read back whole. SQLite stores
JSON as text either way: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("model_versions", "metrics"),
    ("employees", "record"),
    ("employee_inputs", "payload"),
    ("features", "values"),
    ("prediction_results", "explanation"),
    ("api_responses", "body"),
)


def _retype(to: str) -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE {to} USING "{column}"::{to}')


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
