"""The entity-relationship diagram of the tables, as Mermaid, generated from the ORM models:
`python -m database.diagram` rewrites assets/er_diagram.md (a test fails when it is stale)."""

from pathlib import Path

from sqlalchemy import Table

from database.models import Base
from src.config import PROJECT_ROOT

DIAGRAM = PROJECT_ROOT / "assets" / "er_diagram.md"


def _entity(table: Table) -> list[str]:
    lines = [f"    {table.name} {{"]
    for column in table.columns:
        keys = [k for k, on in (("PK", column.primary_key), ("FK", column.foreign_keys)) if on]
        kind = column.type.compile().split("(")[0].replace(" ", "_").lower()
        suffix = f" {','.join(keys)}" if keys else ""
        lines.append(f"        {kind} {column.name}{suffix}")
    lines.append("    }")
    return lines


def _relations(table: Table) -> list[str]:
    lines = []
    for key in sorted(table.foreign_keys, key=lambda k: k.parent.name):
        one = "||--o|" if key.parent.unique else "||--o{"
        lines.append(f"    {key.column.table.name} {one} {table.name} : {key.parent.name}")
    return lines


def render_diagram() -> str:
    tables = sorted(Base.metadata.tables.values(), key=lambda t: t.name)
    body = ["erDiagram"]
    for table in tables:
        body += _entity(table)
    for table in tables:
        body += _relations(table)
    mermaid = "\n".join(body)
    return (
        "# Traceability tables\n\nGenerated from `database/models.py` by "
        "`python -m database.diagram`; do not edit.\n\n```mermaid\n" + mermaid + "\n```\n"
    )


def main() -> int:
    Path(DIAGRAM).write_text(render_diagram(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
