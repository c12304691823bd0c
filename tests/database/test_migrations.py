"""Migrations build the schema of the ORM models on both backends, and undo it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database.migrate import current_revision, downgrade, upgrade
from database.migrate import main as migrate_main
from database.models import Base, EmployeeInput, ModelVersion, Request

TABLES = {
    "api_responses",
    "employee_inputs",
    "employees",
    "features",
    "model_activations",
    "model_versions",
    "outcomes",
    "prediction_results",
    "requests",
    "training_runs",
}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trip(engine: Engine) -> None:
    upgrade(engine)
    assert _tables(engine) == TABLES
    assert current_revision(engine) == "0008"
    downgrade(engine)
    assert _tables(engine) == set()
    assert current_revision(engine) is None
    upgrade(engine)
    assert _tables(engine) == TABLES


def test_migrated_schema_matches_the_orm_models(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_time_and_ids_are_indexed(engine: Engine) -> None:
    upgrade(engine)
    indexed = {
        (table, tuple(index["column_names"]))
        for table in ("requests", "prediction_results", "employee_inputs")
        for index in inspect(engine).get_indexes(table)
    }
    assert ("requests", ("received_at",)) in indexed
    assert ("prediction_results", ("created_at",)) in indexed
    assert ("employee_inputs", ("id_employee",)) in indexed


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    upgrade(engine)
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(EmployeeInput(request_id=999, position=0, payload={}))
        session.commit()


def test_timestamps_come_back_as_the_same_utc_instant(engine: Engine) -> None:
    upgrade(engine)
    paris = timezone(timedelta(hours=1))
    sent = datetime(2026, 11, 22, 21, 30, 15, 123456, tzinfo=paris)
    with Session(engine) as session:
        session.add(
            Request(
                received_at=sent,
                source="api",
                method="POST",
                route="/predict",
                status_code=200,
                latency_ms=0.8,
            )
        )
        session.commit()
    with Session(engine) as session:
        stored = session.scalars(select(Request.received_at)).one()
    assert stored == sent and stored.tzinfo == UTC


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    upgrade(engine)
    with Session(engine) as session, pytest.raises(Exception, match="naive datetime"):
        session.add(
            ModelVersion(
                version="1.0.0",
                sha256="0" * 64,
                source="local",
                trained_at=datetime(2026, 11, 22),
                threshold=0.3,
                metrics={},
            )
        )
        session.commit()


def test_migrate_command_upgrades_and_downgrades_the_configured_database(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    caplog.set_level("INFO")
    assert migrate_main(["upgrade"]) == 0
    assert _tables(engine) == TABLES
    assert migrate_main(["current"]) == 0
    assert "schema revision: 0008" in caplog.text
    assert migrate_main(["downgrade"]) == 0
    assert _tables(engine) == set()


def _document_types(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE (table_name, column_name) IN (('features', 'values'), "
                "('employee_inputs', 'payload'), ('prediction_results', 'explanation'))"
            )
        )
        return {row.data_type for row in rows}


def test_documents_are_kept_across_the_json_text_revision(engine: Engine) -> None:
    upgrade(engine, "0002")
    metrics = {"cv": {"roc_auc": {"mean": 0.86}}, "slices": {"genre": {"F": {"n": 588}}}}
    with Session(engine) as session, session.begin():
        # A statement naming only the columns revision 0002 has (not the ORM's whole row).
        session.execute(
            insert(ModelVersion).values(
                version="1.0.0",
                sha256="f" * 64,
                source="local",
                trained_at=datetime.now(UTC),
                threshold=0.3,
                metrics=metrics,
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        assert session.scalars(select(ModelVersion.metrics)).one() == metrics
    if engine.dialect.name == "postgresql":
        assert _document_types(engine) == {"json"}
    downgrade(engine, "0002")
    with Session(engine) as session:
        assert session.scalars(select(ModelVersion.metrics)).one() == metrics
    if engine.dialect.name == "postgresql":
        assert _document_types(engine) == {"jsonb"}
