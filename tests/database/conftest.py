"""`db_url`: every database test runs on SQLite and on PostgreSQL, each on a clean database.

PostgreSQL comes from TEST_DATABASE_URL. Without it the PostgreSQL half is skipped here, and
`.ci/run` (which sets it) fails the run on any skipped test. Each test session works in a
database of its own, created on that server and dropped afterwards, so two runs at once (a
developer's and CI's) never touch each other's tables.
"""

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text

from app import create_app
from database.engine import create_database_engine, resolve_database_url
from database.repository import ServedModel
from database.spool import TraceSpool
from database.writer import TraceWriter
from src.artifacts import LoadedModel
from src.tracing import Call, CallTrace, answered_trace, unanswered_trace
from tests.conftest import make_settings

#: The one API token of the database tests' app.
TOKEN = "database-token"


def clean_postgres(url: str) -> None:
    engine = create_database_engine(resolve_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh database on the TEST_DATABASE_URL server for this session, or None."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        yield None
        return
    server = create_database_engine(resolve_database_url(configured))
    name = f"{make_url(configured).database}_{secrets.token_hex(4)}"
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(configured).set(database=name).render_as_string(hide_password=False)
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trace.db'}"
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    clean_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_database_engine(resolve_database_url(db_url))
    yield engine
    engine.dispose()


@pytest.fixture
def client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app on `db_url`, lifespan run (schema migrated, employees loaded)."""
    settings = make_settings(tmp_path, api_tokens=TOKEN, database_url=db_url)
    with TestClient(create_app(settings)) as client:
        yield client


def prediction_trace(prediction_id: str) -> CallTrace:
    """A small trace of one answered prediction, with the given `prediction_id`."""
    prediction = {
        "prediction_id": prediction_id,
        "prediction": "Reste",
        "probability": 0.1,
        "threshold": 0.3,
        "risk_level": "faible",
        "model_version": "1.0.0",
        "explanation": [],
    }
    call = Call(source="api", method="POST", route="/predict")
    return answered_trace(call, b"{}", [{"age": 30}], [{"age": 30.0}], [prediction])


def rejected_trace(status_code: int = 401, detail: str = "missing or invalid token") -> CallTrace:
    """The trace of a call refused with `status_code` and `detail`."""
    content = orjson.dumps({"detail": detail})
    call = Call(source="api", method="POST", route="/predict")
    return unanswered_trace(call, status_code, hashlib.sha256(content).hexdigest(), content)


@pytest.fixture
def served(shipped: LoadedModel) -> ServedModel:
    """The shipped model's `model_versions` row."""
    return ServedModel.from_metadata(shipped.metadata, "local")


def connected_writer(engine: Engine, model: ServedModel, spool: TraceSpool) -> TraceWriter:
    """A writer on a migrated database, its model registered."""
    writer = TraceWriter(engine, model, spool)
    assert writer.connect()
    return writer
