"""The traceability tables: what was asked, through which channel, what the model read and
answered, with which model. Timestamps are UTC; ids link a request to everything it produced."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from src.ids import new_id

# BIGINT ids on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")
# `json`, not `jsonb`, on PostgreSQL: the documents are written on every request and read back
# whole, never queried inside (migration 0003 says what parsing them cost). None is SQL NULL
# (no document), not the JSON value null, on every backend and write path.
Json = JSON(none_as_null=True)
# Trace rows get their ids in the application (time-ordered UUIDs as text, `src.ids`), so a
# group of traces is inserted with plain bulk statements: no RETURNING, which SQLite runs one
# row at a time.
Uuid = String(36)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and reads them back aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the database stores UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: Json, datetime: UTCDateTime}


class ModelVersion(Base):
    """A model the service has served, identified by its file's sha256."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    trained_at: Mapped[datetime]
    threshold: Mapped[float] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]]
    first_served_at: Mapped[datetime | None] = mapped_column(default=utc_now)
    # The registry (`database.registry`): a model trained here or loaded at start-up.
    status: Mapped[str | None] = mapped_column(String(16))  # champion, challenger, refused, retired
    location: Mapped[str | None] = mapped_column(String(1024))  # the folder of its three files
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    # The Hub revision that ships it, when a service loaded it from there.
    hub_repo_id: Mapped[str | None] = mapped_column(String(200))
    hub_revision: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[datetime | None]
    decision: Mapped[
        dict[str, Any] | None
    ]  # the comparison with the champion it was trained against


class ModelActivation(Base):
    """A switch of the serving model (`POST /models/{version}/activate`); the newest one names
    the model every replica serves."""

    __tablename__ = "model_activations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))
    activated_at: Mapped[datetime] = mapped_column(default=utc_now)
    activated_by: Mapped[str | None] = mapped_column(String(64))  # the admin key's hash
    request_id: Mapped[str | None] = mapped_column(Uuid)


class TrainingRun(Base):
    """A training started through `POST /training/runs`, run in a process of its own."""

    __tablename__ = "training_runs"
    __table_args__ = (UniqueConstraint("active"),)

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16))  # queued, running, succeeded, failed
    active: Mapped[int | None] = mapped_column(Integer)  # 1 while queued or running: one at a time
    params: Mapped[dict[str, Any]]
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str | None] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    requested_by: Mapped[str | None] = mapped_column(String(64))  # the admin key's hash
    request_id: Mapped[str | None] = mapped_column(Uuid)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)


class Employee(Base):
    """A TechNova employee of the extracts: canonical fields and the known outcome."""

    __tablename__ = "employees"

    id_employee: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record: Mapped[dict[str, Any]]
    a_quitte_l_entreprise: Mapped[bool]
    loaded_at: Mapped[datetime] = mapped_column(default=utc_now)


class Outcome(Base):
    """What really happened to an employee: reported through `POST /outcomes` (source `api`,
    with the recording call's request id), or known from the HR extracts (source `dataset`,
    undated). Several may exist for one employee (still there in June, left in October): the
    latest date wins."""

    __tablename__ = "outcomes"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_id)
    id_employee: Mapped[int] = mapped_column(Integer, index=True)
    left: Mapped[bool]
    outcome_date: Mapped[date | None]
    prediction_id: Mapped[str | None] = mapped_column(ForeignKey("prediction_results.id"))
    source: Mapped[str] = mapped_column(String(16))
    # Not a foreign key: the call's `requests` row is written just after its answer.
    request_id: Mapped[str | None] = mapped_column(Uuid, index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)


class Request(Base):
    """One API or UI call, accepted or rejected (401, 413, 422 too). Never the token: at most
    a hash of the client key. `latency_ms` runs from receipt to the answer being ready; a
    prediction's trace is committed after that, before the answer is sent."""

    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_id)
    received_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(128))
    status_code: Mapped[int] = mapped_column(Integer, index=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    client_key_hash: Mapped[str | None] = mapped_column(String(64))
    # The caller's own request id (a proxy's X-Request-ID), validated; `id` stays the key.
    correlation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    error: Mapped[str | None] = mapped_column(Text)


class EmployeeInput(Base):
    """The raw record of one employee as a request sent it; `position` orders a batch."""

    __tablename__ = "employee_inputs"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    id_employee: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]]


class Feature(Base):
    """The engineered vector actually fed to the model for one input."""

    __tablename__ = "features"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    input_id: Mapped[str] = mapped_column(ForeignKey("employee_inputs.id"), unique=True)
    values: Mapped[dict[str, Any]]


class PredictionResult(Base):
    """What the model answered for one input; `id` is the `prediction_id` of the API."""

    __tablename__ = "prediction_results"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    input_id: Mapped[str] = mapped_column(ForeignKey("employee_inputs.id"), unique=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    probability: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(8), index=True)
    threshold: Mapped[float] = mapped_column(Float)
    risk_level: Mapped[str] = mapped_column(String(8))
    explanation: Mapped[dict[str, Any]]


class ApiResponse(Base):
    """What was sent back for one request: the sha256 of the exact bytes, and the body itself
    only when the other rows cannot rebuild it (errors). A prediction's answer is rebuilt from
    its `prediction_results` row: storing it again would double the bytes every trace writes."""

    __tablename__ = "api_responses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), unique=True)
    status_code: Mapped[int] = mapped_column(Integer)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[dict[str, Any] | None]
    sent_at: Mapped[datetime] = mapped_column(default=utc_now)
