"""The ER diagram in assets/ is the one the models give."""

from database.diagram import DIAGRAM, render_diagram
from database.models import Base


def test_committed_diagram_is_up_to_date() -> None:
    assert DIAGRAM.read_text(encoding="utf-8") == render_diagram(), (
        "run: python -m database.diagram"
    )


def test_diagram_shows_every_table_and_link() -> None:
    diagram = render_diagram()
    for table in Base.metadata.tables:
        assert f"    {table} {{" in diagram
    assert "requests ||--o{ employee_inputs : request_id" in diagram
    assert "employee_inputs ||--o| prediction_results : input_id" in diagram
